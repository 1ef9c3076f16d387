package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TOTP is a staff member's authenticator-app secret, sealed (see
// console's sealing key) so that a copy of the staff tables alone does not
// yield it. Until ConfirmedAt is set it is an enrolment in progress and is
// not asked for at sign-in.
type TOTP struct {
	StaffID       string
	KeyID         string // of the master key it is sealed under
	Nonce, Sealed []byte
	CreatedAt     time.Time
	ConfirmedAt   *time.Time
	// LastStep is the latest time step whose code was accepted; codes of
	// that step or earlier are refused, so a code works once.
	LastStep int64
}

// Enabled reports whether the secret was confirmed and is asked for at sign-in.
func (t *TOTP) Enabled() bool { return t != nil && t.ConfirmedAt != nil }

// TOTP returns a staff member's TOTP secret, confirmed or pending.
func (c conn) TOTP(ctx context.Context, staffID string) (*TOTP, error) {
	var t TOTP
	err := c.queryRow(ctx, `SELECT staff_id, key_id, nonce, secret, created_at, confirmed_at, last_step
		FROM staff_totp WHERE staff_id = ?`, staffID).
		Scan(&t.StaffID, &t.KeyID, &t.Nonce, &t.Sealed, timeCol{&t.CreatedAt}, nullTimeCol{&t.ConfirmedAt}, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read TOTP of %s: %w", staffID, err)
	}
	return &t, nil
}

// PutPendingTOTP starts an enrolment, replacing any earlier one that was
// not confirmed. It does nothing to a confirmed secret.
func (t *Tx) PutPendingTOTP(ctx context.Context, p *TOTP) error {
	_, err := t.exec(ctx, `INSERT INTO staff_totp (staff_id, key_id, nonce, secret, created_at, confirmed_at, last_step)
		VALUES (?, ?, ?, ?, ?, NULL, 0)
		ON CONFLICT (staff_id) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, secret = excluded.secret, created_at = excluded.created_at
		WHERE staff_totp.confirmed_at IS NULL`, p.StaffID, p.KeyID, p.Nonce, p.Sealed, t.t(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("start TOTP enrolment of %s: %w", p.StaffID, err)
	}
	return nil
}

// ConfirmTOTP enables a pending secret, recording the step of the code
// that confirmed it, and replaces the recovery codes with codeHashes.
func (t *Tx) ConfirmTOTP(ctx context.Context, staffID string, step int64, codeHashes []string, now time.Time) error {
	res, err := t.exec(ctx, `UPDATE staff_totp SET confirmed_at = ?, last_step = ?
		WHERE staff_id = ? AND confirmed_at IS NULL`, t.t(now), step, staffID)
	if err != nil {
		return fmt.Errorf("confirm TOTP of %s: %w", staffID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("confirm TOTP of %s: %w", staffID, ErrNotFound)
	}
	if _, err := t.exec(ctx, "DELETE FROM staff_recovery_codes WHERE staff_id = ?", staffID); err != nil {
		return fmt.Errorf("replace recovery codes of %s: %w", staffID, err)
	}
	for _, h := range codeHashes {
		if _, err := t.exec(ctx, "INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES (?, ?)", staffID, h); err != nil {
			return fmt.Errorf("store recovery code of %s: %w", staffID, err)
		}
	}
	return nil
}

// UseTOTPStep records that a code of step was accepted, and reports false
// when a code of that step or a later one was accepted before: the check
// and the update are one statement, so two nodes cannot both accept it.
func (t *Tx) UseTOTPStep(ctx context.Context, staffID string, step int64) (bool, error) {
	res, err := t.exec(ctx, `UPDATE staff_totp SET last_step = ?
		WHERE staff_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`, step, staffID, step)
	if err != nil {
		return false, fmt.Errorf("use TOTP step of %s: %w", staffID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode spends one of a staff member's recovery codes, and
// reports false when it is not theirs or was spent already.
func (t *Tx) UseRecoveryCode(ctx context.Context, staffID, codeHash string, now time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE staff_recovery_codes SET used_at = ?
		WHERE staff_id = ? AND code_hash = ? AND used_at IS NULL`, t.t(now), staffID, codeHash)
	if err != nil {
		return false, fmt.Errorf("use recovery code of %s: %w", staffID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecoveryCodesLeft counts a staff member's unspent recovery codes.
func (c conn) RecoveryCodesLeft(ctx context.Context, staffID string) (int, error) {
	var n int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM staff_recovery_codes WHERE staff_id = ? AND used_at IS NULL", staffID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recovery codes of %s: %w", staffID, err)
	}
	return n, nil
}

// DeleteTOTP removes a staff member's secret and recovery codes, and
// reports whether a confirmed secret was removed.
func (t *Tx) DeleteTOTP(ctx context.Context, staffID string) (bool, error) {
	var confirmed int
	if err := t.queryRow(ctx, "SELECT COUNT(*) FROM staff_totp WHERE staff_id = ? AND confirmed_at IS NOT NULL", staffID).Scan(&confirmed); err != nil {
		return false, fmt.Errorf("read TOTP of %s: %w", staffID, err)
	}
	if _, err := t.exec(ctx, "DELETE FROM staff_recovery_codes WHERE staff_id = ?", staffID); err != nil {
		return false, fmt.Errorf("delete recovery codes of %s: %w", staffID, err)
	}
	if _, err := t.exec(ctx, "DELETE FROM staff_totp WHERE staff_id = ?", staffID); err != nil {
		return false, fmt.Errorf("delete TOTP of %s: %w", staffID, err)
	}
	return confirmed == 1, nil
}

// OIDCSubject is the subject a staff member signed in as through OIDC, or
// "" before their first such sign-in.
func (c conn) OIDCSubject(ctx context.Context, staffID string) (string, error) {
	var sub sql.NullString
	if err := c.queryRow(ctx, "SELECT oidc_subject FROM staff WHERE id = ?", staffID).Scan(&sub); err != nil {
		return "", fmt.Errorf("read OIDC subject of %s: %w", staffID, err)
	}
	return sub.String, nil
}

// SetOIDCSubject records the subject of a staff member's first OIDC
// sign-in. It fails when one is recorded already or another staff member
// has this subject.
func (t *Tx) SetOIDCSubject(ctx context.Context, staffID, subject string) error {
	res, err := t.exec(ctx, "UPDATE staff SET oidc_subject = ? WHERE id = ? AND oidc_subject IS NULL", subject, staffID)
	if err != nil {
		return fmt.Errorf("record OIDC subject of %s: %w", staffID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("record OIDC subject of %s: %w", staffID, ErrConflict)
	}
	return nil
}
