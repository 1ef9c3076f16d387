package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// uptimeKept is how long minute records are kept: longer than any grace.
const uptimeKept = 60 * 24 * time.Hour

// Beat records that the service is up in the minute of at, and forgets
// minutes older than it needs.
func (s *Store) Beat(ctx context.Context, at time.Time) error {
	minute := at.Unix() / 60
	return s.InTx(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, "INSERT INTO uptime (minute) VALUES (?) ON CONFLICT (minute) DO NOTHING", minute); err != nil {
			return fmt.Errorf("record uptime: %w", err)
		}
		_, err := t.exec(ctx, "DELETE FROM uptime WHERE minute < ?", minute-int64(uptimeKept/time.Minute))
		return err
	})
}

// Uptime reports, for [from, to), how many minutes the service was up and
// when its records begin (zero when there are none).
func (c conn) Uptime(ctx context.Context, from, to time.Time) (upMinutes int, since time.Time, err error) {
	var first sql.NullInt64
	if err := c.queryRow(ctx, "SELECT MIN(minute) FROM uptime").Scan(&first); err != nil {
		return 0, time.Time{}, fmt.Errorf("read uptime: %w", err)
	}
	if !first.Valid {
		return 0, time.Time{}, nil
	}
	err = c.queryRow(ctx, "SELECT COUNT(*) FROM uptime WHERE minute >= ? AND minute < ?", from.Unix()/60, to.Unix()/60).Scan(&upMinutes)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read uptime: %w", err)
	}
	return upMinutes, time.Unix(first.Int64*60, 0).UTC(), nil
}
