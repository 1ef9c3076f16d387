package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// Call is one live call between an agent and a freelancer.
type Call struct {
	ID             string
	VerificationID string
	AgentID        string
	StartedAt      time.Time
	EndedAt        *time.Time
	Script         json.RawMessage
	// Challenges are the live check chosen when the call started; nil for
	// a call started before they were recorded (see
	// verification.CallChallenges).
	Challenges []verification.Challenge
}

const callColumns = "id, verification_id, agent_id, started_at, ended_at, script, challenges"

func scanCall(row interface{ Scan(...any) error }) (*Call, error) {
	var c Call
	var script string
	var challenges sql.NullString
	err := row.Scan(&c.ID, &c.VerificationID, &c.AgentID, timeCol{&c.StartedAt}, nullTimeCol{&c.EndedAt}, &script, &challenges)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read call: %w", err)
	}
	c.Script = json.RawMessage(script)
	if challenges.Valid {
		c.Challenges = []verification.Challenge{}
		if err := json.Unmarshal([]byte(challenges.String), &c.Challenges); err != nil {
			return nil, fmt.Errorf("read challenges of call %s: %w", c.ID, err)
		}
		if c.Challenges == nil { // "null"
			c.Challenges = []verification.Challenge{}
		}
	}
	return &c, nil
}

// SetCallChallenges replaces a live call's challenges: the case's way of
// being worked changed during the call.
func (t *Tx) SetCallChallenges(ctx context.Context, id string, challenges []verification.Challenge) error {
	data, err := json.Marshal(challenges)
	if err != nil {
		return fmt.Errorf("set challenges of call %s: %w", id, err)
	}
	if challenges == nil {
		data = []byte("[]")
	}
	if _, err := t.exec(ctx, "UPDATE calls SET challenges = ? WHERE id = ? AND ended_at IS NULL", string(data), id); err != nil {
		return fmt.Errorf("set challenges of call %s: %w", id, err)
	}
	return nil
}

// InsertCall records a call starting, with its challenges.
func (t *Tx) InsertCall(ctx context.Context, c *Call) error {
	challenges, err := json.Marshal(c.Challenges)
	if err != nil {
		return fmt.Errorf("insert call for %s: %w", c.VerificationID, err)
	}
	if c.Challenges == nil {
		challenges = []byte("[]")
	}
	_, err = t.exec(ctx, "INSERT INTO calls ("+callColumns+") VALUES (?, ?, ?, ?, NULL, '{}', ?)",
		c.ID, c.VerificationID, c.AgentID, t.t(c.StartedAt), string(challenges))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert call for %s: %w", c.VerificationID, err)
	}
	return nil
}

// LiveCall returns the call in progress for a case.
func (c conn) LiveCall(ctx context.Context, verificationID string) (*Call, error) {
	return scanCall(c.queryRow(ctx, "SELECT "+callColumns+" FROM calls WHERE verification_id = ? AND ended_at IS NULL", verificationID))
}

// LatestCall returns the case's most recent call, ended or not.
func (c conn) LatestCall(ctx context.Context, verificationID string) (*Call, error) {
	return scanCall(c.queryRow(ctx, "SELECT "+callColumns+" FROM calls WHERE verification_id = ? ORDER BY started_at DESC, id DESC LIMIT 1", verificationID))
}

// AgentLiveCall returns the call an agent is in, if any.
func (c conn) AgentLiveCall(ctx context.Context, agentID string) (*Call, error) {
	return scanCall(c.queryRow(ctx, "SELECT "+callColumns+" FROM calls WHERE agent_id = ? AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1", agentID))
}

// CallsInProgress counts calls started and not yet ended.
func (c conn) CallsInProgress(ctx context.Context) (int, error) {
	var n int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("count calls in progress: %w", err)
	}
	return n, nil
}

// EndCall records a call's end.
func (t *Tx) EndCall(ctx context.Context, id string, at time.Time) error {
	if _, err := t.exec(ctx, "UPDATE calls SET ended_at = ? WHERE id = ? AND ended_at IS NULL", t.t(at), id); err != nil {
		return fmt.Errorf("end call %s: %w", id, err)
	}
	return nil
}

// SaveScript stores the progress of a call's script.
func (t *Tx) SaveScript(ctx context.Context, id string, script json.RawMessage) error {
	if _, err := t.exec(ctx, "UPDATE calls SET script = ? WHERE id = ?", string(script), id); err != nil {
		return fmt.Errorf("save script of call %s: %w", id, err)
	}
	return nil
}

// PutClaimOutcome records (or replaces) the outcome of one claim.
func (t *Tx) PutClaimOutcome(ctx context.Context, verificationID, staffID string, o verification.ClaimOutcome, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO claim_outcomes (verification_id, claim_key, outcome, note, staff_id, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (verification_id, claim_key) DO UPDATE SET
		outcome = excluded.outcome, note = excluded.note, staff_id = excluded.staff_id, recorded_at = excluded.recorded_at`,
		verificationID, o.Key, string(o.Outcome), o.Note, staffID, t.t(at))
	if err != nil {
		return fmt.Errorf("record outcome of %s on %s: %w", o.Key, verificationID, err)
	}
	return nil
}

// ClaimOutcomes returns a case's recorded outcomes.
func (c conn) ClaimOutcomes(ctx context.Context, verificationID string) ([]verification.ClaimOutcome, error) {
	rows, err := c.query(ctx, "SELECT claim_key, outcome, note, staff_id, recorded_at FROM claim_outcomes WHERE verification_id = ? ORDER BY claim_key", verificationID)
	if err != nil {
		return nil, fmt.Errorf("read outcomes of %s: %w", verificationID, err)
	}
	defer rows.Close()
	list := []verification.ClaimOutcome{}
	for rows.Next() {
		var o verification.ClaimOutcome
		if err := rows.Scan(&o.Key, &o.Outcome, &o.Note, &o.StaffID, timeCol{&o.RecordedAt}); err != nil {
			return nil, fmt.Errorf("read outcomes of %s: %w", verificationID, err)
		}
		list = append(list, o)
	}
	return list, rows.Err()
}

// DecisionRecord is one person's decision on a case: the agent's after a
// call, later a reviewer's.
type DecisionRecord struct {
	ID             string
	VerificationID string
	StaffID        string
	Stage          string // "call"; "review" and "appeal" come with the second review
	Decision       verification.Decision
	ReasonCode     string
	Note           string
	DecidedAt      time.Time
}

// InsertDecision records a decision. A case's decisions are ordered by
// time: one made in the same instant as the last (a test's fixed clock, a
// coarse one) is recorded a microsecond after it, so that "the latest
// decision" is never a tie.
func (t *Tx) InsertDecision(ctx context.Context, d *DecisionRecord) error {
	var last *time.Time
	err := t.queryRow(ctx, "SELECT MAX(decided_at) FROM decisions WHERE verification_id = ?", d.VerificationID).Scan(nullTimeCol{&last})
	if err != nil {
		return fmt.Errorf("read decisions of %s: %w", d.VerificationID, err)
	}
	if last != nil && !d.DecidedAt.After(*last) {
		d.DecidedAt = last.Add(time.Microsecond)
	}
	_, err = t.exec(ctx, `INSERT INTO decisions (id, verification_id, staff_id, stage, decision, reason_code, note, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.VerificationID, d.StaffID, d.Stage, string(d.Decision), d.ReasonCode, d.Note, t.t(d.DecidedAt))
	if err != nil {
		return fmt.Errorf("record decision on %s: %w", d.VerificationID, err)
	}
	return nil
}

// StaffByID returns a staff member, active or not.
func (c conn) StaffByID(ctx context.Context, id string) (*Staff, error) {
	s, err := scanStaff(c.queryRow(ctx, "SELECT "+staffColumns+" FROM staff WHERE id = ?", id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("get staff %s: %w", id, err)
	}
	return s, err
}

// Decisions returns a case's decisions, oldest first.
func (c conn) Decisions(ctx context.Context, verificationID string) ([]DecisionRecord, error) {
	rows, err := c.query(ctx, `SELECT id, verification_id, staff_id, stage, decision, reason_code, note, decided_at
		FROM decisions WHERE verification_id = ? ORDER BY decided_at, id`, verificationID)
	if err != nil {
		return nil, fmt.Errorf("read decisions of %s: %w", verificationID, err)
	}
	defer rows.Close()
	var list []DecisionRecord
	for rows.Next() {
		var d DecisionRecord
		if err := rows.Scan(&d.ID, &d.VerificationID, &d.StaffID, &d.Stage, &d.Decision, &d.ReasonCode, &d.Note, timeCol{&d.DecidedAt}); err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, rows.Err()
}
