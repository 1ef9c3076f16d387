package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/audit"
)

// Audit appends an entry to the hash-chained audit log in the transaction of
// the action it records. Updating the head row first takes its lock, so two
// transactions cannot both extend the chain from the same entry.
func (t *Tx) Audit(ctx context.Context, r audit.Record, at time.Time) error {
	details := []byte("{}")
	if r.Details != nil {
		var err error
		if details, err = json.Marshal(r.Details); err != nil {
			return fmt.Errorf("encode audit details of %s: %w", r.Action, err)
		}
	}
	e := audit.Entry{At: at.UTC().Truncate(time.Microsecond), Actor: r.Actor, Action: r.Action, Target: r.Target, Details: details}
	err := t.queryRow(ctx, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").Scan(&e.Seq, &e.PrevHash)
	if err != nil {
		return fmt.Errorf("extend audit chain: %w", err)
	}
	e.Seal()
	_, err = t.exec(ctx, `INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, t.t(e.At), e.Actor, e.Action, e.Target, string(e.Details), e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if _, err := t.exec(ctx, "UPDATE audit_head SET hash = ? WHERE id = 1", e.Hash); err != nil {
		return fmt.Errorf("move audit head: %w", err)
	}
	return nil
}

// VerifyAudit walks the whole audit log and checks its chain, returning how
// many entries held.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	var headSeq, anchorSeq int64
	var headHash, anchorHash string
	if err := s.queryRow(ctx, "SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1").
		Scan(&headSeq, &headHash, &anchorSeq, &anchorHash); err != nil {
		return 0, fmt.Errorf("read audit head: %w", err)
	}
	rows, err := s.query(ctx, "SELECT seq, at, actor, action, target, details, prev_hash, hash FROM audit_log ORDER BY seq")
	if err != nil {
		return 0, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	v := audit.Resume(anchorSeq, anchorHash) // entries before the anchor were removed by retention
	for rows.Next() {
		var e audit.Entry
		var details string
		if err := rows.Scan(&e.Seq, timeCol{&e.At}, &e.Actor, &e.Action, &e.Target, &details, &e.PrevHash, &e.Hash); err != nil {
			return v.Checked, fmt.Errorf("read audit entry: %w", err)
		}
		e.Details = json.RawMessage(details)
		if err := v.Check(e); err != nil {
			return v.Checked, err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Checked, fmt.Errorf("read audit log: %w", err)
	}
	return v.Checked, v.Finish(headSeq, headHash)
}

// AuditEntries returns the newest entries first, for the admin pages.
func (c conn) AuditEntries(ctx context.Context, limit int) ([]audit.Entry, error) {
	rows, err := c.query(ctx, "SELECT seq, at, actor, action, target, details, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var list []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var details string
		if err := rows.Scan(&e.Seq, timeCol{&e.At}, &e.Actor, &e.Action, &e.Target, &details, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("read audit entry: %w", err)
		}
		e.Details = json.RawMessage(details)
		list = append(list, e)
	}
	return list, rows.Err()
}
