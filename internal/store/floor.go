package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SetQueueWait records how long the freelancer of a call waited in the queue.
func (t *Tx) SetQueueWait(ctx context.Context, callID string, waited time.Duration) error {
	if _, err := t.exec(ctx, "UPDATE calls SET queue_wait_ms = ? WHERE id = ?", max(waited, 0).Milliseconds(), callID); err != nil {
		return fmt.Errorf("record queue wait of %s: %w", callID, err)
	}
	return nil
}

// Activity is what happened since a time, row by row, for the floor's
// figures and charts.
type Activity struct {
	Opened    []time.Time
	Decisions []DecidedAt
	Waits     []QueueWait
}

// DecidedAt is a case closed with a decision.
type DecidedAt struct {
	At     time.Time
	Status string
}

// QueueWait is a call taken from the live queue.
type QueueWait struct {
	At     time.Time
	Waited time.Duration
}

// ActivitySince reads the cases opened, the decisions made and the queue
// waits since a time.
func (c conn) ActivitySince(ctx context.Context, since time.Time) (*Activity, error) {
	var a Activity
	err := c.each(ctx, "SELECT created_at FROM verifications WHERE created_at >= ?", []any{c.t(since)}, func(rows *sql.Rows) error {
		var at time.Time
		err := rows.Scan(timeCol{&at})
		a.Opened = append(a.Opened, at)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read cases opened: %w", err)
	}
	err = c.each(ctx, `SELECT closed_at, status FROM verifications
		WHERE closed_at >= ? AND status IN ('verified', 'not_verified')`, []any{c.t(since)}, func(rows *sql.Rows) error {
		var d DecidedAt
		err := rows.Scan(timeCol{&d.At}, &d.Status)
		a.Decisions = append(a.Decisions, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	err = c.each(ctx, `SELECT started_at, queue_wait_ms FROM calls
		WHERE started_at >= ? AND queue_wait_ms IS NOT NULL`, []any{c.t(since)}, func(rows *sql.Rows) error {
		var w QueueWait
		var ms int64
		err := rows.Scan(timeCol{&w.At}, &ms)
		w.Waited = time.Duration(ms) * time.Millisecond
		a.Waits = append(a.Waits, w)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read queue waits: %w", err)
	}
	return &a, nil
}

// each runs a query and calls fn for every row.
func (c conn) each(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
