package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Retention is how long things are kept (DESIGN section 6).
type Retention struct {
	// PersonalData: the free text of cases closed this long ago is redacted.
	PersonalData time.Duration
	// Audit: entries older than this are removed, the chain kept by an anchor.
	Audit time.Duration
	// Documents: evidence of cases closed this long ago is deleted.
	Documents time.Duration
	// Idempotency: stored responses to retried POSTs older than this go.
	Idempotency time.Duration
}

// Purged counts what one run of retention removed or redacted.
type Purged struct {
	Cases, Emails, Documents, AuditEntries, IdempotencyKeys int64
}

// ApplyRetention redacts and removes what has been kept long enough.
func (t *Tx) ApplyRetention(ctx context.Context, r Retention, now time.Time) (Purged, error) {
	var p Purged
	if err := t.redactClosedCases(ctx, now.Add(-r.PersonalData), now); err != nil {
		return p, err
	}
	cutoff := t.t(now.Add(-r.PersonalData))
	steps := []struct {
		what  string
		query string
		count *int64
	}{
		{"case texts", `UPDATE verifications SET reason_explanation = '', accommodation_reason = ''
			WHERE closed_at IS NOT NULL AND closed_at < ? AND reason_explanation <> ''`, &p.Cases},
		{"outcome notes", `UPDATE claim_outcomes SET note = '' WHERE note <> '' AND verification_id IN
			(SELECT id FROM verifications WHERE closed_at IS NOT NULL AND closed_at < ?)`, nil},
		{"decision notes", `UPDATE decisions SET note = '' WHERE note <> '' AND verification_id IN
			(SELECT id FROM verifications WHERE closed_at IS NOT NULL AND closed_at < ?)`, nil},
		{"appeal statements", `UPDATE appeals SET statement = '', note = '' WHERE statement <> '' AND verification_id IN
			(SELECT id FROM verifications WHERE closed_at IS NOT NULL AND closed_at < ?)`, nil},
		{"emails", `DELETE FROM emails WHERE created_at < ?`, &p.Emails},
	}
	for _, s := range steps {
		res, err := t.exec(ctx, s.query, cutoff)
		if err != nil {
			return p, fmt.Errorf("retention, %s: %w", s.what, err)
		}
		if s.count != nil {
			*s.count, _ = res.RowsAffected()
		}
	}
	// An appeal still open keeps its case's documents until it is decided.
	res, err := t.exec(ctx, `DELETE FROM documents WHERE verification_id IN
		(SELECT id FROM verifications WHERE closed_at IS NOT NULL AND closed_at < ?)
		AND verification_id NOT IN (SELECT verification_id FROM appeals WHERE status = 'open')`, t.t(now.Add(-r.Documents)))
	if err != nil {
		return p, fmt.Errorf("retention, documents: %w", err)
	}
	p.Documents, _ = res.RowsAffected()
	res, err = t.exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", t.t(now.Add(-r.Idempotency)))
	if err != nil {
		return p, fmt.Errorf("retention, idempotency keys: %w", err)
	}
	p.IdempotencyKeys, _ = res.RowsAffected()
	p.AuditEntries, err = t.pruneAudit(ctx, now.Add(-r.Audit))
	return p, err
}

// redactBatch is how many cases one run of retention redacts the event
// snapshots and call scripts of; the next run, a day later, goes on.
const redactBatch = 500

// redactClosedCases blanks, for cases closed before cutoff, the free text
// that lives outside the case's own row: the events' snapshots (the
// reason's explanation, appeal statements and notes) and the call scripts
// (a helper's name). Each case is done once, marked by texts_redacted_at.
func (t *Tx) redactClosedCases(ctx context.Context, cutoff, now time.Time) error {
	rows, err := t.query(ctx, `SELECT id FROM verifications WHERE closed_at IS NOT NULL AND closed_at < ?
		AND texts_redacted_at IS NULL ORDER BY closed_at, id LIMIT ?`, t.t(cutoff), redactBatch)
	if err != nil {
		return fmt.Errorf("retention, find closed cases: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("retention, find closed cases: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("retention, find closed cases: %w", err)
	}
	for _, id := range ids {
		if err := t.redactEvents(ctx, "verification_id", id); err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		if _, err := t.exec(ctx, "UPDATE calls SET script = '{}' WHERE verification_id = ? AND script <> '{}'", id); err != nil {
			return fmt.Errorf("retention, call scripts of %s: %w", id, err)
		}
		if _, err := t.exec(ctx, "UPDATE verifications SET texts_redacted_at = ? WHERE id = ?", t.t(now), id); err != nil {
			return fmt.Errorf("retention, mark %s redacted: %w", id, err)
		}
	}
	return nil
}

// pruneAudit removes audit entries older than before, moving the chain's
// anchor to the last one removed, so that verification still checks every
// link that remains.
func (t *Tx) pruneAudit(ctx context.Context, before time.Time) (int64, error) {
	var seq int64
	var hash string
	err := t.queryRow(ctx, "SELECT seq, hash FROM audit_log WHERE at < ? ORDER BY seq DESC LIMIT 1", t.t(before)).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find old audit entries: %w", err)
	}
	if _, err := t.exec(ctx, "UPDATE audit_head SET anchor_seq = ?, anchor_hash = ? WHERE id = 1", seq, hash); err != nil {
		return 0, fmt.Errorf("move the audit anchor: %w", err)
	}
	res, err := t.exec(ctx, "DELETE FROM audit_log WHERE seq <= ?", seq)
	if err != nil {
		return 0, fmt.Errorf("remove old audit entries: %w", err)
	}
	return res.RowsAffected()
}
