package workflow_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// Booking a free slot schedules the call: the case is scheduled for that
// time with an agent, its slot jobs wait for the start and the end of the
// no-show grace, and the freelancer gets the invitation. A time that is not
// free, or a case that is not waiting to book, is refused; booking again
// moves the booking.
func TestBookSchedulesTheCall(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v := f.open(t)
		f.now = monday.Add(time.Hour + 50*time.Minute) // 08:50: the 09:00 slot is too soon to book
		slots, err := f.wf.BookableSlots(f.ctx, v)
		if err != nil || len(slots) < 3 || !slots[0].Equal(monday.Add(2*time.Hour+10*time.Minute)) {
			t.Fatalf("bookable slots: %v, %v; want 09:10 first", slots, err)
		}
		book := func(at time.Time) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				_, err := f.wf.Book(f.ctx, tx, v.FreelancerID, at)
				return err
			}
		}
		for _, at := range []time.Time{
			monday.Add(2 * time.Hour),        // 09:00, a slot, but too soon to prepare
			slots[0].Add(time.Minute),        // not a slot's start
			monday.Add(17 * time.Hour),       // midnight: no agent works
			v.Deadline.Add(24 * time.Hour),   // past the deadline
			slots[0].Add(7 * 24 * time.Hour), // next week, past the deadline too
		} {
			f.refuses(t, "slot_not_free", v.ID, book(at))
		}

		seq := f.lastSeq(t)
		f.do(t, book(slots[0]))
		booked := f.get(t, v.ID)
		if booked.Status != verification.Scheduled || booked.ScheduledFor == nil || !booked.ScheduledFor.Equal(slots[0]) {
			t.Fatalf("after booking: %s for %v, want scheduled for %v", booked.Status, booked.ScheduledFor, slots[0])
		}
		if got := eventTypes(f.events(t, seq)); !slices.Equal(got, []verification.EventType{verification.EventScheduled}) {
			t.Errorf("events %v, want verification.scheduled", got)
		}
		b, err := f.st.LiveBooking(f.ctx, v.ID)
		if err != nil || b.Status != store.BookingBooked || b.AgentID != f.agent.ID || !b.Start.Equal(slots[0]) {
			t.Fatalf("the booking: %+v, %v", b, err)
		}
		if _, at := f.slotJob(t, b, "start"); !at.Equal(b.Start) {
			t.Errorf("the call's start job runs at %v, want %v", at, b.Start)
		}
		if _, at := f.slotJob(t, b, "end"); !at.Equal(b.Start.Add(workflow.NoShowGrace)) || workflow.NoShowGrace != 5*time.Minute {
			t.Errorf("the no-show job runs at %v, want five minutes after %v", at, b.Start)
		}
		if !slices.Contains(f.emailKinds(t, v.ID), "booked") {
			t.Errorf("emails %v: no invitation", f.emailKinds(t, v.ID))
		}
		if again, _ := f.wf.BookableSlots(f.ctx, booked); slices.Contains(again, slots[0]) {
			t.Error("the booked slot is still offered")
		}

		// Another time: the booking moves, announced again.
		seq = f.lastSeq(t)
		f.do(t, book(slots[1]))
		moved, err := f.st.LiveBooking(f.ctx, v.ID)
		if err != nil || moved.ID != b.ID || !moved.Start.Equal(slots[1]) || moved.Sequence != b.Sequence+1 {
			t.Errorf("the booking moved: %+v, %v", moved, err)
		}
		if got := eventTypes(f.events(t, seq)); !slices.Equal(got, []verification.EventType{verification.EventScheduled}) {
			t.Errorf("events %v, want verification.scheduled", got)
		}

		// A case in the queue or in review books nothing.
		for _, status := range []verification.Status{verification.InReview, verification.InQueue} {
			other := f.caseIn(t, status)
			f.refuses(t, illegal, other.ID, func(tx *store.Tx) error {
				_, err := f.wf.Book(f.ctx, tx, other.FreelancerID, slots[2])
				return err
			})
			f.cancelIfOpen(t, other.ID)
		}
	})
}

// A freelancer who calls their booking off waits to book again, with the
// deadline they had: cancelling one's own booking buys no time.
func TestCancelBookingKeepsTheDeadline(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v := f.open(t)
		b := f.book(t, v)
		f.now = f.now.Add(24 * time.Hour)
		seq := f.lastSeq(t)
		cancel := func(tx *store.Tx) error {
			return f.wf.CancelBooking(f.ctx, tx, "freelancer:"+v.FreelancerID, v.FreelancerID, notify.WhyFreelancerCanceled)
		}
		f.do(t, cancel)
		got := f.get(t, v.ID)
		if got.Status != verification.AwaitingFreelancer || got.ScheduledFor != nil || !got.Deadline.Equal(v.Deadline) {
			t.Errorf("after cancelling: %s, scheduled for %v, deadline %v; want awaiting_freelancer, none, %v",
				got.Status, got.ScheduledFor, got.Deadline, v.Deadline)
		}
		if types := eventTypes(f.events(t, seq)); !slices.Equal(types, []verification.EventType{verification.EventReturned}) {
			t.Errorf("events %v, want verification.returned", types)
		}
		if settled, err := f.st.Booking(f.ctx, b.ID); err != nil || settled.Status != store.BookingCanceled {
			t.Errorf("the booking: %+v, %v; want canceled", settled, err)
		}
		if !slices.Contains(f.emailKinds(t, v.ID), "booking_canceled") {
			t.Errorf("emails %v: no cancellation", f.emailKinds(t, v.ID))
		}
		f.refuses(t, "no_booking", v.ID, cancel)
	})
}

// A booked call nobody came to returns the case to the freelancer. When
// the freelancer missed it, the deadline stays: the team was there. When
// the team missed it, the deadline moves first, by at least the full
// notice, so that the lost time never counts against the freelancer — not
// even a booking made after the deadline had passed.
func TestMissedCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		overdue bool // the case was past its deadline, and booked the call to end it
		team    bool // the team missed the call, not the freelancer
	}{
		{"missed by the freelancer", false, false},
		{"missed by the team", false, true},
		{"missed by the freelancer, past the deadline", true, false},
		{"missed by the team, past the deadline", true, true},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.now = monday
				v := f.open(t)
				defer f.cancelIfOpen(t, v.ID)
				if tt.overdue {
					f.now = v.Deadline.Add(time.Hour)
					must(t, f.runDeadline(t, v))
					if st := f.standing(t, v.FreelancerID); len(st.Restrictions) == 0 {
						t.Fatalf("past the deadline, not restricted: %+v", st)
					}
				}
				b := f.book(t, v)
				if st := f.standing(t, v.FreelancerID); len(st.Restrictions) > 0 {
					t.Fatalf("a booked call restricts: %+v", st)
				}
				end, at := f.slotJob(t, b, "end")
				f.now = at
				seq := f.lastSeq(t)
				f.do(t, func(tx *store.Tx) error {
					live, err := f.wf.LiveSlot(f.ctx, tx, end)
					if err != nil || live == nil {
						return fmt.Errorf("the booking at its end: %+v, %v", live, err)
					}
					if tt.team {
						return f.wf.MissedByTeam(f.ctx, tx, live)
					}
					return f.wf.MissedByFreelancer(f.ctx, tx, live)
				})
				got := f.get(t, v.ID)
				events := eventTypes(f.events(t, seq))
				settled, err := f.st.Booking(f.ctx, b.ID)
				must(t, err)
				if got.Status != verification.AwaitingFreelancer || got.ScheduledFor != nil {
					t.Errorf("after the missed call: %s, scheduled for %v; want awaiting_freelancer", got.Status, got.ScheduledFor)
				}
				st := f.standing(t, v.FreelancerID)
				if !tt.team {
					if !got.Deadline.Equal(v.Deadline) || settled.Status != store.BookingMissed {
						t.Errorf("missed by the freelancer: deadline %v, booking %s; want %v, missed", got.Deadline, settled.Status, v.Deadline)
					}
					if restricted := len(st.Restrictions) > 0; restricted != tt.overdue {
						t.Errorf("restricted %v after the freelancer missed the call, want %v", restricted, tt.overdue)
					}
					return
				}
				if min := f.now.Add(7 * 24 * time.Hour); got.Deadline.Before(min) || settled.Status != store.BookingCanceled {
					t.Errorf("missed by the team: deadline %v, booking %s; want the full notice, %v or later, canceled", got.Deadline, settled.Status, min)
				}
				if i := slices.Index(events, verification.EventDeadlineMoved); i < 0 || i > slices.Index(events, verification.EventReturned) ||
					slices.Contains(events, verification.EventOverdue) {
					t.Errorf("events %v: want the deadline moved before the case returned, and nothing overdue", events)
				}
				if len(st.Restrictions) > 0 {
					t.Errorf("the team missed the call and the freelancer is restricted: %+v", st)
				}
			})
		}
	})
}
