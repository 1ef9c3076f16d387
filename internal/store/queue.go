package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/queue"
)

// Enqueue puts a case in the live queue, or marks a queued freelancer
// present again.
func (t *Tx) Enqueue(ctx context.Context, e queue.Entry) error {
	_, err := t.exec(ctx, `INSERT INTO queue_entries (verification_id, freelancer_id, deadline, joined_at, away_since)
		VALUES (?, ?, ?, ?, NULL) ON CONFLICT (verification_id) DO UPDATE SET away_since = NULL, notified_at = NULL`,
		e.VerificationID, e.FreelancerID, t.t(e.Deadline), t.t(e.JoinedAt))
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", e.VerificationID, err)
	}
	return nil
}

// Dequeue removes a case from the live queue.
func (t *Tx) Dequeue(ctx context.Context, verificationID string) error {
	if _, err := t.exec(ctx, "DELETE FROM queue_entries WHERE verification_id = ?", verificationID); err != nil {
		return fmt.Errorf("dequeue %s: %w", verificationID, err)
	}
	return nil
}

// SetAway marks a queued freelancer's page closed (at non-nil) or open
// again; coming back resets the "turn near" notice for the next time away.
func (s *Store) SetAway(ctx context.Context, verificationID string, at *time.Time) error {
	return s.InTx(ctx, func(t *Tx) error {
		query := "UPDATE queue_entries SET away_since = ? WHERE verification_id = ?"
		if at == nil {
			query = "UPDATE queue_entries SET away_since = ?, notified_at = NULL WHERE verification_id = ?"
		}
		_, err := t.exec(ctx, query, t.nt(at), verificationID)
		return err
	})
}

// MarkNotified records that an away freelancer was told their turn is near.
func (t *Tx) MarkNotified(ctx context.Context, verificationID string, at time.Time) error {
	_, err := t.exec(ctx, "UPDATE queue_entries SET notified_at = ? WHERE verification_id = ?", t.t(at), verificationID)
	if err != nil {
		return fmt.Errorf("mark %s notified: %w", verificationID, err)
	}
	return nil
}

const queueColumns = "verification_id, freelancer_id, deadline, joined_at, away_since, notified_at"

func scanEntries(rows *sql.Rows) ([]queue.Entry, error) {
	defer rows.Close()
	var list []queue.Entry
	for rows.Next() {
		var e queue.Entry
		if err := rows.Scan(&e.VerificationID, &e.FreelancerID, timeCol{&e.Deadline}, timeCol{&e.JoinedAt},
			nullTimeCol{&e.AwaySince}, nullTimeCol{&e.NotifiedAt}); err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// Queue returns every entry in dispatch order.
func (c conn) Queue(ctx context.Context) ([]queue.Entry, error) {
	rows, err := c.query(ctx, "SELECT "+queueColumns+" FROM queue_entries ORDER BY deadline, joined_at, verification_id")
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	list, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	queue.Sort(list) // the same order, from the one place that defines it
	return list, nil
}

// ClaimNext takes the first present freelancer off the queue for an agent,
// passing over the cases the agent decided before (a case sent back for a
// new call goes to another agent). On PostgreSQL SKIP LOCKED lets agents on
// several nodes take at once without taking the same person; SQLite has
// one writer anyway.
func (t *Tx) ClaimNext(ctx context.Context, agentID string) (*queue.Entry, error) {
	query := "SELECT " + queueColumns + ` FROM queue_entries AS q WHERE away_since IS NULL
		AND NOT EXISTS (SELECT 1 FROM decisions AS d WHERE d.verification_id = q.verification_id AND d.staff_id = ?)
		ORDER BY deadline, joined_at, verification_id LIMIT 1`
	if t.pg {
		query += " FOR UPDATE OF q SKIP LOCKED"
	}
	rows, err := t.query(ctx, query, agentID)
	if err != nil {
		return nil, fmt.Errorf("claim next in queue: %w", err)
	}
	list, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("claim next in queue: %w", err)
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return &list[0], t.Dequeue(ctx, list[0].VerificationID)
}

// ExpiredAway lists entries whose freelancer has been away longer than hold.
func (c conn) ExpiredAway(ctx context.Context, now time.Time, hold time.Duration) ([]queue.Entry, error) {
	rows, err := c.query(ctx, "SELECT "+queueColumns+" FROM queue_entries WHERE away_since IS NOT NULL AND away_since < ?", c.t(now.Add(-hold)))
	if err != nil {
		return nil, fmt.Errorf("read expired queue places: %w", err)
	}
	return scanEntries(rows)
}

// Presence is whether an agent takes calls.
type Presence string

const (
	Online Presence = "online"
	Away   Presence = "away"
)

// SetPresence records an agent going online or away.
func (t *Tx) SetPresence(ctx context.Context, staffID string, p Presence, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO agent_presence (staff_id, status, since, seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (staff_id) DO UPDATE SET status = excluded.status, since = excluded.since, seen_at = excluded.seen_at`,
		staffID, string(p), t.t(at), t.t(at))
	if err != nil {
		return fmt.Errorf("set presence of %s: %w", staffID, err)
	}
	return nil
}

// SeeAgents records that these agents' consoles are still connected, in one
// write however many there are.
func (s *Store) SeeAgents(ctx context.Context, staffIDs []string, at time.Time) error {
	if len(staffIDs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(t *Tx) error {
		for chunk := range slices.Chunk(staffIDs, 500) {
			args := []any{t.t(at)}
			for _, id := range chunk {
				args = append(args, id)
			}
			query := "UPDATE agent_presence SET seen_at = ? WHERE staff_id IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
			if _, err := t.exec(ctx, query, args...); err != nil {
				return fmt.Errorf("mark %d agents seen: %w", len(chunk), err)
			}
		}
		return nil
	})
}

// AgentPresence returns an agent's presence, Away when never set.
func (c conn) AgentPresence(ctx context.Context, staffID string) (Presence, error) {
	var p Presence
	err := c.queryRow(ctx, "SELECT status FROM agent_presence WHERE staff_id = ?", staffID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return Away, nil
	}
	return p, err
}

// AgentsOnline counts the agents whose presence is online and whose console
// was seen since the given time, and how many of them are in a call, in
// one read so that busy never exceeds online. Callers ask workflow.AgentsAt,
// which holds the freshness window.
func (c conn) AgentsOnline(ctx context.Context, seenSince time.Time) (online, busy int, err error) {
	err = c.queryRow(ctx, `SELECT COUNT(*), COUNT(CASE WHEN EXISTS (
			SELECT 1 FROM calls AS c WHERE c.agent_id = p.staff_id AND c.ended_at IS NULL) THEN 1 END)
		FROM agent_presence AS p WHERE p.status = 'online' AND p.seen_at >= ?`, c.t(seenSince)).Scan(&online, &busy)
	if err != nil {
		return 0, 0, fmt.Errorf("count agents online: %w", err)
	}
	return online, busy, nil
}

// RecentCallLengths returns how long the last calls ended since the given
// time took, newest first, at most limit of them.
func (c conn) RecentCallLengths(ctx context.Context, since time.Time, limit int) ([]time.Duration, error) {
	rows, err := c.query(ctx, `SELECT started_at, ended_at FROM calls WHERE ended_at IS NOT NULL AND ended_at >= ?
		ORDER BY ended_at DESC LIMIT ?`, c.t(since), limit)
	if err != nil {
		return nil, fmt.Errorf("read call lengths: %w", err)
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var start, end time.Time
		if err := rows.Scan(timeCol{&start}, timeCol{&end}); err != nil {
			return nil, err
		}
		out = append(out, end.Sub(start))
	}
	return out, rows.Err()
}
