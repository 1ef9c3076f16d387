package store

import (
	"context"
	"fmt"

	"github.com/attest-dev/attest/internal/verification"
)

// PutStep records (or replaces) one step of a case's script.
func (t *Tx) PutStep(ctx context.Context, verificationID string, r verification.StepRecord) error {
	_, err := t.exec(ctx, `INSERT INTO case_steps (verification_id, step, result, actor, recorded_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (verification_id, step) DO UPDATE SET
		result = excluded.result, actor = excluded.actor, recorded_at = excluded.recorded_at`,
		verificationID, r.Step, r.Result, r.By, t.t(r.At))
	if err != nil {
		return fmt.Errorf("record step %s on %s: %w", r.Step, verificationID, err)
	}
	return nil
}

// Steps returns a case's recorded steps, by step name.
func (c conn) Steps(ctx context.Context, verificationID string) ([]verification.StepRecord, error) {
	rows, err := c.query(ctx, "SELECT step, result, actor, recorded_at FROM case_steps WHERE verification_id = ? ORDER BY step", verificationID)
	if err != nil {
		return nil, fmt.Errorf("read steps of %s: %w", verificationID, err)
	}
	defer rows.Close()
	list := []verification.StepRecord{}
	for rows.Next() {
		var r verification.StepRecord
		if err := rows.Scan(&r.Step, &r.Result, &r.By, timeCol{&r.At}); err != nil {
			return nil, fmt.Errorf("read steps of %s: %w", verificationID, err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// ClearChecks forgets a case's recorded steps and claim outcomes, when a
// new call starts them afresh; the audit log keeps what was recorded. A
// digital credential's identity step stays: the call need not ask for
// the ID again.
func (t *Tx) ClearChecks(ctx context.Context, verificationID string) error {
	for _, q := range []string{
		"DELETE FROM case_steps WHERE verification_id = ? AND step <> '" + verification.StepIdentityCredential + "'",
		"DELETE FROM claim_outcomes WHERE verification_id = ?",
	} {
		if _, err := t.exec(ctx, q, verificationID); err != nil {
			return fmt.Errorf("clear checks of %s: %w", verificationID, err)
		}
	}
	return nil
}

// Backlog lists the open cases that still need a call slot (waiting on the
// freelancer or in the live queue, not booked), in deadline order.
func (c conn) Backlog(ctx context.Context) ([]verification.Waiting, error) {
	rows, err := c.query(ctx, `SELECT id, deadline, created_at FROM verifications
		WHERE status IN ('awaiting_freelancer', 'in_queue') ORDER BY deadline, created_at`)
	if err != nil {
		return nil, fmt.Errorf("read backlog: %w", err)
	}
	defer rows.Close()
	var list []verification.Waiting
	for rows.Next() {
		var w verification.Waiting
		if err := rows.Scan(&w.ID, timeCol{&w.Deadline}, timeCol{&w.Created}); err != nil {
			return nil, fmt.Errorf("read backlog: %w", err)
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// BacklogSize counts the open cases that still need a call slot.
func (c conn) BacklogSize(ctx context.Context) (int, error) {
	var n int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM verifications WHERE status IN ('awaiting_freelancer', 'in_queue')").Scan(&n); err != nil {
		return 0, fmt.Errorf("count backlog: %w", err)
	}
	return n, nil
}
