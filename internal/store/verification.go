package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

const verificationColumns = `id, freelancer_id, reason_code, reason_explanation, claims, methods,
	status, deadline, created_at, updated_at, closed_at, scheduled_for, appeal_upheld_at, accommodation, accommodation_reason, appeal_until, documents_for`

// openStatusSQL is the SQL list of open statuses, from the domain's table.
var openStatusSQL = func() string {
	var quoted []string
	for _, s := range verification.OpenStatuses() {
		quoted = append(quoted, "'"+string(s)+"'")
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}()

func scanVerification(row interface{ Scan(...any) error }) (*verification.Verification, error) {
	var v verification.Verification
	var claims, methods, docsFor string
	err := row.Scan(&v.ID, &v.FreelancerID, &v.Reason.Code, &v.Reason.Explanation, &claims, &methods,
		&v.Status, timeCol{&v.Deadline}, timeCol{&v.CreatedAt}, timeCol{&v.UpdatedAt}, nullTimeCol{&v.ClosedAt}, nullTimeCol{&v.ScheduledFor}, nullTimeCol{&v.AppealUpheldAt},
		&v.Accommodation, &v.AccommodationReason, nullTimeCol{&v.AppealUntil}, &docsFor)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(claims), &v.Claims); err != nil {
		return nil, fmt.Errorf("verification %s claims: %w", v.ID, err)
	}
	if err := json.Unmarshal([]byte(methods), &v.Methods); err != nil {
		return nil, fmt.Errorf("verification %s methods: %w", v.ID, err)
	}
	if err := json.Unmarshal([]byte(docsFor), &v.DocumentsFor); err != nil {
		return nil, fmt.Errorf("verification %s documents_for: %w", v.ID, err)
	}
	return &v, nil
}

// Verification returns one case.
func (c conn) Verification(ctx context.Context, id string) (*verification.Verification, error) {
	v, err := scanVerification(c.queryRow(ctx, "SELECT "+verificationColumns+" FROM verifications WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get verification %s: %w", id, err)
	}
	return v, nil
}

// StandingCases returns the open case and the latest decided case of a
// freelancer, as far as the standing needs them (id, status, deadline,
// closed_at): one primary-key read, for the marketplace's hot path.
func (c conn) StandingCases(ctx context.Context, freelancerID string) (verification.Cases, error) {
	var openID, openStatus, decidedID, decidedStatus sql.NullString
	var deadline, decidedAt, upheldAt *time.Time
	err := c.queryRow(ctx, `SELECT open_id, open_status, open_deadline, decided_id, decided_status, decided_at, decided_upheld_at
		FROM standings WHERE freelancer_id = ?`, freelancerID).
		Scan(&openID, &openStatus, nullTimeCol{&deadline}, &decidedID, &decidedStatus, nullTimeCol{&decidedAt}, nullTimeCol{&upheldAt})
	var cases verification.Cases
	if errors.Is(err, sql.ErrNoRows) {
		return cases, nil
	}
	if err != nil {
		return cases, fmt.Errorf("standing of %s: %w", freelancerID, err)
	}
	if openID.Valid && deadline != nil {
		cases.Open = &verification.Verification{ID: openID.String, FreelancerID: freelancerID,
			Status: verification.Status(openStatus.String), Deadline: *deadline}
	}
	if decidedID.Valid {
		cases.LatestDecided = &verification.Verification{ID: decidedID.String, FreelancerID: freelancerID,
			Status: verification.Status(decidedStatus.String), ClosedAt: decidedAt, AppealUpheldAt: upheldAt}
	}
	return cases, nil
}

// refreshStanding rewrites a freelancer's standings row from their cases.
// Every write to verifications calls it in the same transaction, so the
// row can never disagree with the cases.
func (t *Tx) refreshStanding(ctx context.Context, freelancerID string) error {
	rows, err := t.query(ctx, `SELECT id, status, deadline, closed_at, appeal_upheld_at FROM verifications
		WHERE freelancer_id = ? AND status IN `+openStatusSQL+`
		UNION ALL SELECT * FROM (
			SELECT id, status, deadline, closed_at, appeal_upheld_at FROM verifications
			WHERE freelancer_id = ? AND status IN ('verified', 'not_verified')
			ORDER BY closed_at DESC LIMIT 1
		) AS decided`, freelancerID, freelancerID)
	if err != nil {
		return fmt.Errorf("read cases of %s: %w", freelancerID, err)
	}
	var open, decided struct {
		id, status sql.NullString
		at, upheld *time.Time
	}
	for rows.Next() {
		var id, status string
		var deadline time.Time
		var closed, upheld *time.Time
		if err := rows.Scan(&id, &status, timeCol{&deadline}, nullTimeCol{&closed}, nullTimeCol{&upheld}); err != nil {
			rows.Close()
			return fmt.Errorf("read cases of %s: %w", freelancerID, err)
		}
		if verification.Status(status).Open() {
			open.id, open.status, open.at = valid(id), valid(status), &deadline
		} else {
			decided.id, decided.status, decided.at, decided.upheld = valid(id), valid(status), closed, upheld
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cases of %s: %w", freelancerID, err)
	}
	_, err = t.exec(ctx, `INSERT INTO standings (freelancer_id, open_id, open_status, open_deadline, decided_id, decided_status, decided_at, decided_upheld_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (freelancer_id) DO UPDATE SET open_id = excluded.open_id, open_status = excluded.open_status,
		open_deadline = excluded.open_deadline, decided_id = excluded.decided_id,
		decided_status = excluded.decided_status, decided_at = excluded.decided_at, decided_upheld_at = excluded.decided_upheld_at`,
		freelancerID, open.id, open.status, t.nt(open.at), decided.id, decided.status, t.nt(decided.at), t.nt(decided.upheld))
	if err != nil {
		return fmt.Errorf("write standing of %s: %w", freelancerID, err)
	}
	return nil
}

func valid(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

// OpenVerification returns the freelancer's open case, or ErrNotFound.
func (c conn) OpenVerification(ctx context.Context, freelancerID string) (*verification.Verification, error) {
	v, err := scanVerification(c.queryRow(ctx, "SELECT "+verificationColumns+
		" FROM verifications WHERE freelancer_id = ? AND status IN "+openStatusSQL, freelancerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("open verification of %s: %w", freelancerID, err)
	}
	return v, nil
}

// OpenCounts counts open cases by status; statuses with none are left out.
func (c conn) OpenCounts(ctx context.Context) (map[verification.Status]int, error) {
	rows, err := c.query(ctx, "SELECT status, COUNT(*) FROM verifications WHERE status IN "+openStatusSQL+" GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("count open verifications: %w", err)
	}
	defer rows.Close()
	counts := map[verification.Status]int{}
	for rows.Next() {
		var s verification.Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count open verifications: %w", err)
		}
		counts[s] = n
	}
	return counts, rows.Err()
}

// OverdueCount counts open cases whose deadline has passed at now (see
// verification.Verification.Overdue).
func (c conn) OverdueCount(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM verifications WHERE status IN ('awaiting_freelancer', 'awaiting_documents') AND deadline < ?", c.t(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count overdue verifications: %w", err)
	}
	return n, nil
}

// VerificationFilter narrows a list of cases. After is the id to continue
// after (newest first).
type VerificationFilter struct {
	FreelancerID string
	Status       verification.Status
	After        string
	Limit        int
}

// Verifications lists cases newest first.
func (c conn) Verifications(ctx context.Context, f VerificationFilter) ([]*verification.Verification, error) {
	var where []string
	var args []any
	if f.FreelancerID != "" {
		where, args = append(where, "freelancer_id = ?"), append(args, f.FreelancerID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.After != "" {
		where, args = append(where, "id < ?"), append(args, f.After)
	}
	query := "SELECT " + verificationColumns + " FROM verifications"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list verifications: %w", err)
	}
	defer rows.Close()
	list := []*verification.Verification{}
	for rows.Next() {
		v, err := scanVerification(rows)
		if err != nil {
			return nil, fmt.Errorf("list verifications: %w", err)
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// ErrOpenExists is returned when a freelancer already has an open case.
var ErrOpenExists = errors.New("the freelancer already has an open verification")

// InsertVerification stores a new case.
func (t *Tx) InsertVerification(ctx context.Context, v *verification.Verification) error {
	claims, _ := json.Marshal(v.Claims)
	methods, _ := json.Marshal(v.Methods)
	_, err := t.exec(ctx, "INSERT INTO verifications ("+verificationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v.ID, v.FreelancerID, v.Reason.Code, v.Reason.Explanation, string(claims), string(methods),
		string(v.Status), t.t(v.Deadline), t.t(v.CreatedAt), t.t(v.UpdatedAt), t.nt(v.ClosedAt), t.nt(v.ScheduledFor), t.nt(v.AppealUpheldAt),
		string(v.Accommodation), v.AccommodationReason, t.nt(v.AppealUntil), docsJSON(v.DocumentsFor))
	if isUniqueViolation(err) {
		return ErrOpenExists
	}
	if err != nil {
		return fmt.Errorf("insert verification %s: %w", v.ID, err)
	}
	return t.refreshStanding(ctx, v.FreelancerID)
}

// LockVerification reads a case for changing it in this transaction. On
// PostgreSQL the row stays locked until the transaction ends; SQLite has one
// writer at a time anyway.
func (t *Tx) LockVerification(ctx context.Context, id string) (*verification.Verification, error) {
	query := "SELECT " + verificationColumns + " FROM verifications WHERE id = ?"
	if t.pg {
		query += " FOR UPDATE"
	}
	v, err := scanVerification(t.queryRow(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock verification %s: %w", id, err)
	}
	return v, nil
}

func docsJSON(keys []string) string {
	if len(keys) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(keys)
	return string(b)
}

// UpdateVerification writes a case's status, deadline, times and the
// claims it awaits documents for back.
func (t *Tx) UpdateVerification(ctx context.Context, v *verification.Verification) error {
	_, err := t.exec(ctx, `UPDATE verifications SET status = ?, deadline = ?, updated_at = ?, closed_at = ?, appeal_upheld_at = ?, appeal_until = ?,
		documents_for = ? WHERE id = ?`,
		string(v.Status), t.t(v.Deadline), t.t(v.UpdatedAt), t.nt(v.ClosedAt), t.nt(v.AppealUpheldAt), t.nt(v.AppealUntil), docsJSON(v.DocumentsFor), v.ID)
	if err != nil {
		return fmt.Errorf("update verification %s: %w", v.ID, err)
	}
	return t.refreshStanding(ctx, v.FreelancerID)
}

// MarkOverdueAnnounced records that a case's passing deadline was announced,
// unless it already was; it reports whether this call recorded it.
func (t *Tx) MarkOverdueAnnounced(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, "UPDATE verifications SET overdue_at = ? WHERE id = ? AND overdue_at IS NULL", t.t(at), id)
	if err != nil {
		return false, fmt.Errorf("mark %s overdue: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClearOverdueAnnounced forgets an announced overdue, when the deadline moves.
func (t *Tx) ClearOverdueAnnounced(ctx context.Context, id string) error {
	if _, err := t.exec(ctx, "UPDATE verifications SET overdue_at = NULL WHERE id = ?", id); err != nil {
		return fmt.Errorf("clear overdue of %s: %w", id, err)
	}
	return nil
}

// SetAccommodation records what the freelancer asked for instead of a video call.
func (t *Tx) SetAccommodation(ctx context.Context, id string, a verification.Accommodation, reason string) error {
	if _, err := t.exec(ctx, "UPDATE verifications SET accommodation = ?, accommodation_reason = ? WHERE id = ?", string(a), reason, id); err != nil {
		return fmt.Errorf("set accommodation of %s: %w", id, err)
	}
	return nil
}

// MaybeRestricted lists the freelancers whose standing may carry
// restrictions at now: an open case past its deadline, or a latest
// decision that is a negative no appeal overturned. The policy decides.
func (c conn) MaybeRestricted(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := c.query(ctx, `SELECT freelancer_id FROM standings
		WHERE (open_id IS NOT NULL AND open_deadline < ?)
		   OR (decided_status = 'not_verified' AND decided_upheld_at IS NULL)
		ORDER BY freelancer_id`, c.t(now))
	if err != nil {
		return nil, fmt.Errorf("list restricted freelancers: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list restricted freelancers: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
