package workflow

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// BookingLead is how soon a slot may start to be bookable.
const BookingLead = schedule.BookingLead

// ErrNotBookable is returned for a time that is not a free slot.
var ErrNotBookable = &verification.RuleError{Field: "slot", Code: "slot_not_free",
	Message: "that time is not free any more; please pick another"}

// agentSlot is one agent's free slot.
type agentSlot struct {
	agentID string
	slot    schedule.Interval
}

// freeSlots lists every agent's free slots between from and to, by start,
// leaving out the agents in exclude.
func (w *Workflow) freeSlots(ctx context.Context, r availabilityReader, from, to time.Time, exclude []string) ([]agentSlot, error) {
	all, err := r.Availabilities(ctx, from)
	if err != nil {
		return nil, err
	}
	booked, err := r.BookedSlots(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []agentSlot
	for _, a := range all {
		if slices.Contains(exclude, a.StaffID) {
			continue
		}
		for _, s := range a.FreeSlots(from, to, w.Policy.SlotLength, booked[a.StaffID]) {
			out = append(out, agentSlot{a.StaffID, s})
		}
	}
	slices.SortFunc(out, func(a, b agentSlot) int {
		if c := a.slot.Start.Compare(b.slot.Start); c != 0 {
			return c
		}
		return len(booked[a.agentID]) - len(booked[b.agentID]) // the least booked agent first
	})
	return out, nil
}

// deciders are the staff who decided the case before.
func (w *Workflow) deciders(ctx context.Context, r caseReader, verificationID string) ([]string, error) {
	decisions, err := r.Decisions(ctx, verificationID)
	var ids []string
	for _, d := range decisions {
		ids = append(ids, d.StaffID)
	}
	return ids, err
}

// BookableSlots are the start times a freelancer may book for their case:
// from a little ahead of now to the deadline (a week ahead once it has
// passed), with any agent who did not decide the case before (a case sent
// back for a new call goes to another agent).
func (w *Workflow) BookableSlots(ctx context.Context, v *verification.Verification) ([]time.Time, error) {
	now := w.now()
	deciders, err := w.deciders(ctx, w.Store, v.ID)
	if err != nil {
		return nil, err
	}
	slots, err := w.freeSlots(ctx, w.Store, now.Add(BookingLead), w.bookableUntil(v), deciders)
	if err != nil {
		return nil, err
	}
	var starts []time.Time
	for _, s := range slots {
		if n := len(starts); n == 0 || !starts[n-1].Equal(s.slot.Start) {
			starts = append(starts, s.slot.Start)
		}
	}
	return starts, nil
}

// OverdueBookingWindow is how far ahead a freelancer past their deadline
// may book: the call that lifts the restriction must be bookable, and not
// so far out that a booking becomes a way to wait out the restriction.
const OverdueBookingWindow = 7 * 24 * time.Hour

// bookableUntil is the latest start a case may book: its deadline, or for a
// case past it, a week from now.
func (w *Workflow) bookableUntil(v *verification.Verification) time.Time {
	if now := w.now(); now.After(v.Deadline) {
		return now.Add(OverdueBookingWindow)
	}
	return v.Deadline
}

// pickAgent finds an agent free at start, or ErrNotBookable.
func (w *Workflow) pickAgent(ctx context.Context, tx *store.Tx, v *verification.Verification, start time.Time) (agentSlot, error) {
	now := w.now()
	if start.Before(now.Add(BookingLead)) || start.After(w.bookableUntil(v)) {
		return agentSlot{}, ErrNotBookable
	}
	deciders, err := w.deciders(ctx, tx, v.ID)
	if err != nil {
		return agentSlot{}, err
	}
	slots, err := w.freeSlots(ctx, tx, start, start.Add(w.Policy.SlotLength), deciders)
	if err != nil {
		return agentSlot{}, err
	}
	for _, s := range slots {
		if s.slot.Start.Equal(start) {
			return s, nil
		}
	}
	return agentSlot{}, ErrNotBookable
}

// Book books a call slot for the freelancer's open case, or moves the
// booking they have to another slot.
func (w *Workflow) Book(ctx context.Context, tx *store.Tx, freelancerID string, start time.Time) (*store.Booking, error) {
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoOpenCase
	}
	if err != nil {
		return nil, err
	}
	if v.Status != verification.AwaitingFreelancer && v.Status != verification.Scheduled {
		return nil, &verification.IllegalTransitionError{From: v.Status, To: verification.Scheduled}
	}
	pick, err := w.pickAgent(ctx, tx, v, start)
	if err != nil {
		return nil, err
	}
	now := w.now()
	b, err := tx.LiveBooking(ctx, v.ID)
	moved := err == nil
	switch {
	case moved:
		b.AgentID, b.Start, b.End, b.Sequence, b.UpdatedAt = pick.agentID, pick.slot.Start, pick.slot.End, b.Sequence+1, now
		err = tx.UpdateBooking(ctx, b)
	case errors.Is(err, store.ErrNotFound):
		b = &store.Booking{ID: store.NewID("bk", now), VerificationID: v.ID, FreelancerID: freelancerID, AgentID: pick.agentID,
			Start: pick.slot.Start, End: pick.slot.End, Status: store.BookingBooked, CreatedAt: now, UpdatedAt: now}
		err = tx.InsertBooking(ctx, b)
	}
	if errors.Is(err, store.ErrSlotTaken) {
		return nil, ErrNotBookable
	}
	if err != nil {
		return nil, err
	}
	if err := tx.SetScheduledFor(ctx, v.ID, &b.Start); err != nil {
		return nil, err
	}
	if moved {
		v.ScheduledFor = &b.Start
		if _, err := tx.AppendEvent(ctx, verification.EventScheduled, v.FreelancerID, v.ID, v, now); err != nil {
			return nil, err
		}
	} else if _, err := w.Transition(ctx, tx, freelancerActor(freelancerID), v.ID, verification.Scheduled); err != nil {
		return nil, err
	}
	if err := w.scheduleCallReminders(ctx, tx, b); err != nil {
		return nil, err
	}
	if err := w.scheduleSlotJobs(ctx, tx, b); err != nil {
		return nil, err
	}
	if err := w.sendBookingEmail(ctx, tx, b, "booked", notify.BookingNotice{Changed: moved}); err != nil {
		return nil, err
	}
	if err := w.Rebalance(ctx, tx, v.ID, notify.WhyBacklog); err != nil {
		return nil, err
	}
	return b, tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.BookingBook, Target: v.ID,
		Details: map[string]any{"booking_id": b.ID, "moved": moved, "sequence": b.Sequence}}, now)
}

// CancelBooking calls off the freelancer's booked call, with why for the
// email; the case goes back to awaiting the freelancer.
func (w *Workflow) CancelBooking(ctx context.Context, tx *store.Tx, actor, freelancerID string, why notify.Why) error {
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoOpenCase
	}
	if err != nil {
		return err
	}
	b, err := tx.LiveBooking(ctx, v.ID)
	if errors.Is(err, store.ErrNotFound) {
		return &verification.RuleError{Field: "booking", Code: "no_booking", Message: "there is no booked call to cancel"}
	}
	if err != nil {
		return err
	}
	now := w.now()
	b.Status, b.Sequence, b.UpdatedAt = store.BookingCanceled, b.Sequence+1, now
	if err := tx.UpdateBooking(ctx, b); err != nil {
		return err
	}
	if err := tx.SetScheduledFor(ctx, v.ID, nil); err != nil {
		return err
	}
	if v.Status == verification.Scheduled {
		// The booking is settled already; the transition finds none live.
		if _, err := w.Transition(ctx, tx, actor, v.ID, verification.AwaitingFreelancer); err != nil {
			return err
		}
	}
	if err := w.sendBookingEmail(ctx, tx, b, "booking_canceled", notify.BookingNotice{Why: why}); err != nil {
		return err
	}
	if err := w.Rebalance(ctx, tx, v.ID, notify.WhyBacklog); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.BookingCancel, Target: v.ID,
		Details: map[string]string{"booking_id": b.ID}}, now)
}

// sendBookingEmail writes the confirmation, change or cancellation, with
// the calendar invitation, or a reminder without one.
func (w *Workflow) sendBookingEmail(ctx context.Context, tx *store.Tx, b *store.Booking, kind string, n notify.BookingNotice) error {
	f, link, err := w.recipient(ctx, tx, b.FreelancerID)
	if f == nil || err != nil {
		return err // erased, or failed
	}
	n.FreelancerName, n.PortalURL, n.Start, n.TimeZone, n.Locale, n.Now = f.DisplayName, link.URL, b.Start, f.TimeZone, f.Locale, w.now()
	compose := notify.CallReminderMessage
	if kind != "call_reminder" {
		words := i18n.Match(f.Locale)
		n.Invitation = &notify.Invitation{UID: b.ID + "@" + w.host(), Sequence: b.Sequence, Canceled: b.Status == store.BookingCanceled,
			Start: b.Start, End: b.End, Stamp: w.now(), Summary: words.Text("calendar.summary"),
			Description: words.Text("calendar.description", "url", link.URL),
			URL:         link.URL, Organizer: "noreply@" + w.host(), Attendee: f.Email}
		compose = notify.BookedMessage
		if kind == "booking_canceled" {
			compose = notify.BookingCanceledMessage
		}
	}
	msg, err := compose(f.Email, n)
	if err != nil {
		return err
	}
	return w.queueEmail(ctx, tx, &store.Email{FreelancerID: f.ID, VerificationID: b.VerificationID, Kind: kind}, msg)
}

// host is the service's host name, for calendar UIDs and the organizer.
func (w *Workflow) host() string {
	if u, err := url.Parse(w.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "attest.invalid"
}

// CallReminderArgs is a reminder of a booked call. Like DeadlineArgs it
// carries the time it was scheduled for: a moved booking makes it do nothing.
type CallReminderArgs struct {
	BookingID string        `json:"booking_id"`
	Start     time.Time     `json:"start"`
	Before    time.Duration `json:"before"`
}

// Kind names the job for the queue.
func (CallReminderArgs) Kind() string { return "call_reminder" }

// scheduleCallReminders queues the reminders of a booked call at the leads
// the policy names now; a later change of policy leaves them as they are.
func (w *Workflow) scheduleCallReminders(ctx context.Context, tx *store.Tx, b *store.Booking) error {
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return err
	}
	now := w.now()
	for _, lead := range p.CallReminders {
		if at := b.Start.Add(-lead); at.After(now) {
			if err := w.Jobs.InsertAtTx(ctx, tx, CallReminderArgs{BookingID: b.ID, Start: b.Start, Before: lead}, at); err != nil {
				return err
			}
		}
	}
	return nil
}

// RemindCall sends a call reminder, unless the booking moved or ended.
func (w *Workflow) RemindCall(ctx context.Context, tx *store.Tx, a CallReminderArgs) error {
	b, err := tx.Booking(ctx, a.BookingID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status != store.BookingBooked || !b.Start.Equal(a.Start) || !w.now().Before(b.Start) {
		return nil
	}
	return w.sendBookingEmail(ctx, tx, b, "call_reminder", notify.BookingNotice{})
}

// CallReminderWorker works call reminders.
type CallReminderWorker struct {
	river.WorkerDefaults[CallReminderArgs]
	Workflow *Workflow
}

// Work sends the reminder in one transaction.
func (c *CallReminderWorker) Work(ctx context.Context, job *river.Job[CallReminderArgs]) error {
	return c.Workflow.Store.InTx(ctx, func(tx *store.Tx) error { return c.Workflow.RemindCall(ctx, tx, job.Args) })
}
