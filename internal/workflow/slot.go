package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// NoShowGrace is how long a booked call waits for the freelancer.
const NoShowGrace = 5 * time.Minute

// SlotArgs is a job at a booked call's time: "start" at the start, "end"
// when the wait for the freelancer is over. Like the other jobs it carries
// the start it was scheduled for, so a moved booking makes it do nothing.
type SlotArgs struct {
	BookingID string    `json:"booking_id"`
	Start     time.Time `json:"start"`
	Stage     string    `json:"stage"`
}

// Kind names the job for the queue.
func (SlotArgs) Kind() string { return "slot" }

func (w *Workflow) scheduleSlotJobs(ctx context.Context, tx *store.Tx, b *store.Booking) error {
	if err := w.Jobs.InsertAtTx(ctx, tx, SlotArgs{BookingID: b.ID, Start: b.Start, Stage: "start"}, b.Start); err != nil {
		return err
	}
	return w.Jobs.InsertAtTx(ctx, tx, SlotArgs{BookingID: b.ID, Start: b.Start, Stage: "end"}, b.Start.Add(NoShowGrace))
}

// LiveSlot returns the booking a slot job is about, or nil when it has
// moved or ended since the job was scheduled.
func (w *Workflow) LiveSlot(ctx context.Context, tx *store.Tx, a SlotArgs) (*store.Booking, error) {
	b, err := tx.Booking(ctx, a.BookingID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || b.Status != store.BookingBooked || !b.Start.Equal(a.Start) {
		return nil, err
	}
	return b, nil
}

// StartBookedCall starts a booked call with the given agent: the case goes
// to in_call and the booking is settled as attended.
func (w *Workflow) StartBookedCall(ctx context.Context, tx *store.Tx, b *store.Booking, agentID string) (*Taken, error) {
	if err := agentFree(ctx, tx, agentID); err != nil {
		return nil, err
	}
	if err := tx.Dequeue(ctx, b.VerificationID); err != nil {
		return nil, err
	}
	return w.startCall(ctx, tx, agentID, b.VerificationID)
}

// MissedByFreelancer releases a slot the freelancer did not come to: the
// booking is marked missed, the case waits for them again, and they are
// told kindly. The deadline stays: the team was there.
func (w *Workflow) MissedByFreelancer(ctx context.Context, tx *store.Tx, b *store.Booking) error {
	now := w.now()
	b.Status, b.UpdatedAt = store.BookingMissed, now
	if err := tx.UpdateBooking(ctx, b); err != nil {
		return err
	}
	if err := tx.SetScheduledFor(ctx, b.VerificationID, nil); err != nil {
		return err
	}
	if _, err := w.Transition(ctx, tx, "system", b.VerificationID, verification.AwaitingFreelancer); err != nil {
		return err
	}
	v, err := tx.Verification(ctx, b.VerificationID)
	if err != nil {
		return err
	}
	n := notify.BookingNotice{Why: notify.WhyFreelancerMissed, Deadline: v.Deadline}
	if err := w.sendBookingEmail(ctx, tx, b, "call_missed", n); err != nil {
		return err
	}
	if err := w.Rebalance(ctx, tx, v.ID, notify.WhyBacklog); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.BookingMissedByFreelancer, Target: b.VerificationID,
		Details: map[string]string{"booking_id": b.ID}}, now)
}

// MissedByTeam handles a booked call nobody on the team could take: the
// freelancer is apologised to, the booking is cancelled, and the deadline
// moves so that the lost time never counts against them.
func (w *Workflow) MissedByTeam(ctx context.Context, tx *store.Tx, b *store.Booking) error {
	now := w.now()
	b.Status, b.Sequence, b.UpdatedAt = store.BookingCanceled, b.Sequence+1, now
	if err := tx.UpdateBooking(ctx, b); err != nil {
		return err
	}
	if err := tx.SetScheduledFor(ctx, b.VerificationID, nil); err != nil {
		return err
	}
	if err := tx.Dequeue(ctx, b.VerificationID); err != nil {
		return err
	}
	v, err := tx.LockVerification(ctx, b.VerificationID)
	if err != nil {
		return err
	}
	// The deadline moves before the case waits on the freelancer again, so
	// that it is never overdue for a moment the team lost.
	if v, err = w.MoveDeadline(ctx, tx, v, "no agent was free at the booked time"); err != nil {
		return err
	}
	if v, err = w.Transition(ctx, tx, "system", v.ID, verification.AwaitingFreelancer); err != nil {
		return err
	}
	n := notify.BookingNotice{Why: notify.WhyTeamMissed, Deadline: v.Deadline}
	if err := w.sendBookingEmail(ctx, tx, b, "booking_canceled", n); err != nil {
		return err
	}
	if err := w.Rebalance(ctx, tx, "", notify.WhyBacklog); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.BookingMissedByTeam, Target: b.VerificationID,
		Details: map[string]string{"booking_id": b.ID}}, now)
}

// MoveDeadline gives a case the time the team's missing capacity cost: the
// new deadline is the latest of the old one and what a case opened now
// would get.
func (w *Workflow) MoveDeadline(ctx context.Context, tx *store.Tx, v *verification.Verification, why string) (*verification.Verification, error) {
	slot, err := w.slotForNext(ctx, tx, w.now())
	if err != nil {
		return nil, err
	}
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	return w.moveDeadlineTo(ctx, tx, v, p.Deadline(w.now(), 0, slot), why)
}

// moveDeadlineTo sets a later deadline, announces verification.deadline_moved
// and schedules the new deadline's reminders; jobs for the old one do nothing.
func (w *Workflow) moveDeadlineTo(ctx context.Context, tx *store.Tx, v *verification.Verification, next time.Time, why string) (*verification.Verification, error) {
	if !next.After(v.Deadline) {
		return v, nil
	}
	now := w.now()
	old := v.Deadline
	v.Deadline, v.UpdatedAt = next, now
	if err := tx.UpdateVerification(ctx, v); err != nil {
		return nil, err
	}
	if err := tx.ClearOverdueAnnounced(ctx, v.ID); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(ctx, verification.EventDeadlineMoved, v.FreelancerID, v.ID, v, now); err != nil {
		return nil, err
	}
	if err := w.scheduleDeadline(ctx, tx, v); err != nil {
		return nil, err
	}
	return v, tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.VerificationDeadlineMoved, Target: v.ID,
		Details: map[string]string{"from": old.Format(time.RFC3339), "to": next.Format(time.RFC3339), "why": why}}, now)
}
