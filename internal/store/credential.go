package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CredentialAttempt is one request for a digital credential: what was
// asked (the DCQL query), with which nonce and state, and how it ended.
type CredentialAttempt struct {
	ID             string
	VerificationID string
	// Transport is "dc_api" or "cross_device".
	Transport  string
	Nonce      string
	State      string
	Query      string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AnsweredAt *time.Time
	// Result is "" while waiting, then "verified", "mismatch" or "refused".
	Result string
	Reason string
}

// ErrAnswered is returned when an attempt was answered already, or the
// same presentation was accepted before: a presentation is used once.
var ErrAnswered = errors.New("credential attempt already answered")

// CredentialEvidence is what a verified credential said of one claim.
type CredentialEvidence struct {
	AttemptID, VerificationID, ClaimKey string
	Matched                             bool
	Issuer, Type                        string
	VerifiedAt                          time.Time
}

const attemptColumns = "id, verification_id, transport, nonce, state, query, created_at, expires_at, answered_at, result, reason"

func scanAttempt(row interface{ Scan(...any) error }) (*CredentialAttempt, error) {
	var a CredentialAttempt
	err := row.Scan(&a.ID, &a.VerificationID, &a.Transport, &a.Nonce, &a.State, &a.Query, timeCol{&a.CreatedAt},
		timeCol{&a.ExpiresAt}, nullTimeCol{&a.AnsweredAt}, &a.Result, &a.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read credential attempt: %w", err)
	}
	return &a, nil
}

// InsertCredentialAttempt records a new attempt.
func (t *Tx) InsertCredentialAttempt(ctx context.Context, a *CredentialAttempt) error {
	_, err := t.exec(ctx, `INSERT INTO credential_attempts (`+attemptColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '', '')`,
		a.ID, a.VerificationID, a.Transport, a.Nonce, a.State, a.Query, t.t(a.CreatedAt), t.t(a.ExpiresAt))
	if err != nil {
		return fmt.Errorf("record credential attempt for %s: %w", a.VerificationID, err)
	}
	return nil
}

// CredentialAttempt returns an attempt by id.
func (c conn) CredentialAttempt(ctx context.Context, id string) (*CredentialAttempt, error) {
	return scanAttempt(c.queryRow(ctx, "SELECT "+attemptColumns+" FROM credential_attempts WHERE id = ?", id))
}

// CredentialAttempts lists a case's attempts, oldest first.
func (c conn) CredentialAttempts(ctx context.Context, verificationID string) ([]*CredentialAttempt, error) {
	rows, err := c.query(ctx, "SELECT "+attemptColumns+" FROM credential_attempts WHERE verification_id = ? ORDER BY created_at, id", verificationID)
	if err != nil {
		return nil, fmt.Errorf("read credential attempts of %s: %w", verificationID, err)
	}
	defer rows.Close()
	var list []*CredentialAttempt
	if err := appendScanned(&list, rows, scanAttempt); err != nil {
		return nil, fmt.Errorf("read credential attempts of %s: %w", verificationID, err)
	}
	return list, nil
}

// CredentialAttemptByState returns the attempt a direct_post answers.
func (c conn) CredentialAttemptByState(ctx context.Context, state string) (*CredentialAttempt, error) {
	return scanAttempt(c.queryRow(ctx, "SELECT "+attemptColumns+" FROM credential_attempts WHERE state = ?", state))
}

// PresentationAccepted reports whether a presentation (by its hash) was
// accepted on any attempt before.
func (c conn) PresentationAccepted(ctx context.Context, hash string) (bool, error) {
	var n int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM credential_attempts WHERE presentation_hash = ?", hash).Scan(&n); err != nil {
		return false, fmt.Errorf("look for presentation: %w", err)
	}
	return n > 0, nil
}

// AnswerCredentialAttempt records how an attempt ended, once: a second
// answer is ErrAnswered. presentationHash, when not empty, is kept unique:
// the same presentation cannot be accepted twice.
func (t *Tx) AnswerCredentialAttempt(ctx context.Context, id, result, reason, presentationHash string, at time.Time) error {
	var hash any
	if presentationHash != "" {
		hash = presentationHash
	}
	res, err := t.exec(ctx, `UPDATE credential_attempts SET answered_at = ?, result = ?, reason = ?, presentation_hash = ?
		WHERE id = ? AND answered_at IS NULL`, t.t(at), result, reason, hash, id)
	if isUniqueViolation(err) {
		return ErrAnswered
	}
	if err != nil {
		return fmt.Errorf("answer credential attempt %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrAnswered
	}
	return nil
}

// PutCredentialEvidence records what a credential said of one claim.
func (t *Tx) PutCredentialEvidence(ctx context.Context, e CredentialEvidence) error {
	matched := 0
	if e.Matched {
		matched = 1
	}
	_, err := t.exec(ctx, `INSERT INTO credential_evidence (attempt_id, verification_id, claim_key, matched, issuer, credential_type, verified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.AttemptID, e.VerificationID, e.ClaimKey, matched, e.Issuer, e.Type, t.t(e.VerifiedAt))
	if err != nil {
		return fmt.Errorf("record credential evidence on %s: %w", e.VerificationID, err)
	}
	return nil
}

// CredentialEvidence lists what credentials said on a case, oldest first.
func (c conn) CredentialEvidence(ctx context.Context, verificationID string) ([]CredentialEvidence, error) {
	rows, err := c.query(ctx, `SELECT attempt_id, verification_id, claim_key, matched, issuer, credential_type, verified_at
		FROM credential_evidence WHERE verification_id = ? ORDER BY verified_at, attempt_id, claim_key`, verificationID)
	if err != nil {
		return nil, fmt.Errorf("read credential evidence of %s: %w", verificationID, err)
	}
	defer rows.Close()
	var list []CredentialEvidence
	for rows.Next() {
		var e CredentialEvidence
		var matched int
		if err := rows.Scan(&e.AttemptID, &e.VerificationID, &e.ClaimKey, &matched, &e.Issuer, &e.Type, timeCol{&e.VerifiedAt}); err != nil {
			return nil, fmt.Errorf("read credential evidence of %s: %w", verificationID, err)
		}
		e.Matched = matched == 1
		list = append(list, e)
	}
	return list, rows.Err()
}
