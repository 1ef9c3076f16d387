package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// Event is one numbered change, as the feed and webhooks carry it.
type Event struct {
	Seq            int64                  `json:"seq"`
	ID             string                 `json:"id"`
	Type           verification.EventType `json:"type"`
	CreatedAt      time.Time              `json:"created_at"`
	FreelancerID   string                 `json:"freelancer_id,omitempty"`
	VerificationID string                 `json:"verification_id,omitempty"`
	Data           json.RawMessage        `json:"data"`
}

// AppendEvent numbers and stores an event in the transaction of the change it
// reports. Numbers come from a counter row that the transaction holds until it
// commits, so they are gap-free and in commit order: a reader of ?after=N
// never skips an event that commits later with a lower number.
func (t *Tx) AppendEvent(ctx context.Context, typ verification.EventType, freelancerID, verificationID string, data any, at time.Time) (*Event, error) {
	body, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", typ, err)
	}
	e := &Event{ID: NewID("evt", at), Type: typ, CreatedAt: at.UTC().Truncate(time.Microsecond),
		FreelancerID: freelancerID, VerificationID: verificationID, Data: body}
	if err := t.queryRow(ctx, "UPDATE counters SET value = value + 1 WHERE name = 'events' RETURNING value").Scan(&e.Seq); err != nil {
		return nil, fmt.Errorf("number %s event: %w", typ, err)
	}
	_, err = t.exec(ctx, `INSERT INTO events (seq, id, type, freelancer_id, verification_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.ID, string(typ), freelancerID, verificationID, string(body), t.t(at))
	if err != nil {
		return nil, fmt.Errorf("insert %s event: %w", typ, err)
	}
	if t.onEvent != nil && !t.sawEvent {
		t.sawEvent = true
		t.AfterCommit(t.onEvent)
	}
	return e, nil
}

// Events returns up to limit events numbered after the given one, oldest first.
func (c conn) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	rows, err := c.query(ctx, "SELECT "+eventColumns+" FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("list events after %d: %w", after, err)
	}
	defer rows.Close()
	list := []Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

const eventColumns = "seq, id, type, created_at, freelancer_id, verification_id, data"

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var data string
	err := row.Scan(&e.Seq, &e.ID, &e.Type, timeCol{&e.CreatedAt}, &e.FreelancerID, &e.VerificationID, &data)
	e.Data = json.RawMessage(data)
	return e, err
}
