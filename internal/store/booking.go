package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
)

// BookingStatus is where a booking stands: booked until the call happens
// (attended), the freelancer does not come (missed), or it is canceled.
type BookingStatus string

// Booking statuses.
const (
	BookingBooked   BookingStatus = "booked"
	BookingCanceled BookingStatus = "canceled"
	BookingAttended BookingStatus = "attended"
	BookingMissed   BookingStatus = "missed"
)

// BookingStatuses are every booking status, in the order the API documents them.
var BookingStatuses = []BookingStatus{BookingBooked, BookingCanceled, BookingAttended, BookingMissed}

// Booking is a call slot a freelancer booked with an agent.
type Booking struct {
	ID             string
	VerificationID string
	FreelancerID   string
	AgentID        string
	Start, End     time.Time
	Status         BookingStatus
	Sequence       int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ErrSlotTaken is returned when the agent's slot was booked meanwhile.
var ErrSlotTaken = errors.New("that time was just taken")

const bookingColumns = "id, verification_id, freelancer_id, agent_id, starts_at, ends_at, status, sequence, created_at, updated_at"

func scanBooking(row interface{ Scan(...any) error }) (*Booking, error) {
	var b Booking
	err := row.Scan(&b.ID, &b.VerificationID, &b.FreelancerID, &b.AgentID, timeCol{&b.Start}, timeCol{&b.End}, &b.Status,
		&b.Sequence, timeCol{&b.CreatedAt}, timeCol{&b.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read booking: %w", err)
	}
	return &b, nil
}

// InsertBooking stores a new booking.
func (t *Tx) InsertBooking(ctx context.Context, b *Booking) error {
	_, err := t.exec(ctx, "INSERT INTO bookings ("+bookingColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		b.ID, b.VerificationID, b.FreelancerID, b.AgentID, t.t(b.Start), t.t(b.End), string(b.Status), b.Sequence, t.t(b.CreatedAt), t.t(b.UpdatedAt))
	if isUniqueViolation(err) {
		return ErrSlotTaken
	}
	if err != nil {
		return fmt.Errorf("insert booking: %w", err)
	}
	return nil
}

// UpdateBooking writes a booking's time, agent, status and sequence back.
func (t *Tx) UpdateBooking(ctx context.Context, b *Booking) error {
	_, err := t.exec(ctx, `UPDATE bookings SET agent_id = ?, starts_at = ?, ends_at = ?, status = ?, sequence = ?, updated_at = ?
		WHERE id = ?`, b.AgentID, t.t(b.Start), t.t(b.End), string(b.Status), b.Sequence, t.t(b.UpdatedAt), b.ID)
	if isUniqueViolation(err) {
		return ErrSlotTaken
	}
	if err != nil {
		return fmt.Errorf("update booking %s: %w", b.ID, err)
	}
	return nil
}

// LiveBooking returns a case's booking that is still to happen.
func (c conn) LiveBooking(ctx context.Context, verificationID string) (*Booking, error) {
	return scanBooking(c.queryRow(ctx, "SELECT "+bookingColumns+" FROM bookings WHERE verification_id = ? AND status = 'booked'", verificationID))
}

// Booking returns one booking.
func (c conn) Booking(ctx context.Context, id string) (*Booking, error) {
	return scanBooking(c.queryRow(ctx, "SELECT "+bookingColumns+" FROM bookings WHERE id = ?", id))
}

// BookedSlots returns, per agent, the booked intervals between from and to.
func (c conn) BookedSlots(ctx context.Context, from, to time.Time) (map[string][]schedule.Interval, error) {
	rows, err := c.query(ctx, "SELECT agent_id, starts_at, ends_at FROM bookings WHERE status = 'booked' AND starts_at < ? AND ends_at > ?",
		c.t(to), c.t(from))
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	defer rows.Close()
	out := map[string][]schedule.Interval{}
	for rows.Next() {
		var agent string
		var in schedule.Interval
		if err := rows.Scan(&agent, timeCol{&in.Start}, timeCol{&in.End}); err != nil {
			return nil, err
		}
		out[agent] = append(out[agent], in)
	}
	return out, rows.Err()
}

// SetScheduledFor records when a case's booked call is, or nil.
func (t *Tx) SetScheduledFor(ctx context.Context, verificationID string, at *time.Time) error {
	if _, err := t.exec(ctx, "UPDATE verifications SET scheduled_for = ? WHERE id = ?", t.nt(at), verificationID); err != nil {
		return fmt.Errorf("set the call time of %s: %w", verificationID, err)
	}
	return nil
}
