package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Handoff is a short code that opens a freelancer's portal on their phone.
type Handoff struct {
	Code         string
	FreelancerID string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time
}

// ErrHandoffSpent is returned for a hand-off code already used or expired.
var ErrHandoffSpent = errors.New("hand-off code used or expired")

// InsertHandoff stores a new code.
func (t *Tx) InsertHandoff(ctx context.Context, h *Handoff) error {
	_, err := t.exec(ctx, "INSERT INTO handoff_codes (code, freelancer_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		h.Code, h.FreelancerID, t.t(h.CreatedAt), t.t(h.ExpiresAt))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert hand-off code: %w", err)
	}
	return nil
}

// SpendHandoff marks a live code used and returns whose it is. A code works
// once: the UPDATE's row count decides between two phones racing for it.
func (t *Tx) SpendHandoff(ctx context.Context, code string, now time.Time) (string, error) {
	var freelancerID string
	err := t.queryRow(ctx, "SELECT freelancer_id FROM handoff_codes WHERE code = ?", code).Scan(&freelancerID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read hand-off code: %w", err)
	}
	res, err := t.exec(ctx, "UPDATE handoff_codes SET used_at = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?",
		t.t(now), code, t.t(now))
	if err != nil {
		return "", fmt.Errorf("spend hand-off code: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", ErrHandoffSpent
	}
	return freelancerID, nil
}
