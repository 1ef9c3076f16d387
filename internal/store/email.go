package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Email is a message attest sends, kept until it is delivered (and, in the
// development mailbox, for reading).
type Email struct {
	ID             string
	FreelancerID   string
	VerificationID string
	Kind           string
	To             string
	Subject        string
	Text           string
	HTML           string
	CreatedAt      time.Time
	SentAt         *time.Time
	Transport      string
	Attempts       int
	LastError      string
	Calendar       string
	CalendarMethod string
}

const emailColumns = `id, freelancer_id, verification_id, kind, to_addr, subject, text_body, html_body,
	created_at, sent_at, transport, attempts, last_error, calendar, calendar_method`

func scanEmail(row interface{ Scan(...any) error }) (*Email, error) {
	var e Email
	err := row.Scan(&e.ID, &e.FreelancerID, &e.VerificationID, &e.Kind, &e.To, &e.Subject, &e.Text, &e.HTML,
		timeCol{&e.CreatedAt}, nullTimeCol{&e.SentAt}, &e.Transport, &e.Attempts, &e.LastError, &e.Calendar, &e.CalendarMethod)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &e, err
}

// InsertEmail stores a message to send.
func (t *Tx) InsertEmail(ctx context.Context, e *Email) error {
	_, err := t.exec(ctx, "INSERT INTO emails ("+emailColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', 0, '', ?, ?)",
		e.ID, e.FreelancerID, e.VerificationID, e.Kind, e.To, e.Subject, e.Text, e.HTML, t.t(e.CreatedAt), e.Calendar, e.CalendarMethod)
	if err != nil {
		return fmt.Errorf("insert email %s: %w", e.Kind, err)
	}
	return nil
}

// Email returns one message.
func (c conn) Email(ctx context.Context, id string) (*Email, error) {
	e, err := scanEmail(c.queryRow(ctx, "SELECT "+emailColumns+" FROM emails WHERE id = ?", id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("get email %s: %w", id, err)
	}
	return e, err
}

// Emails lists the newest messages first.
func (c conn) Emails(ctx context.Context, limit int) ([]*Email, error) {
	rows, err := c.query(ctx, "SELECT "+emailColumns+" FROM emails ORDER BY created_at DESC, id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list emails: %w", err)
	}
	defer rows.Close()
	var list []*Email
	for rows.Next() {
		e, err := scanEmail(rows)
		if err != nil {
			return nil, fmt.Errorf("list emails: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// MarkEmailSent records a delivery.
func (s *Store) MarkEmailSent(ctx context.Context, id, transport string, at time.Time) error {
	return s.InTx(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, "UPDATE emails SET sent_at = ?, transport = ?, attempts = attempts + 1, last_error = '' WHERE id = ?",
			t.t(at), transport, id)
		return err
	})
}

// MarkEmailFailed records a failed attempt.
func (s *Store) MarkEmailFailed(ctx context.Context, id string, cause error) error {
	return s.InTx(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, "UPDATE emails SET attempts = attempts + 1, last_error = ? WHERE id = ?", cause.Error(), id)
		return err
	})
}
