package workflow

import (
	"context"
	"time"

	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// freeSlotStarts returns the starts of the first n free call slots from
// from (schedule.FreeStarts over the agents' hours and bookings). known is
// false when no agent has hours at all: then capacity is unknown (a team
// working the live queue only) and the notice alone counts.
func (w *Workflow) freeSlotStarts(ctx context.Context, r availabilityReader, from time.Time, n int) (starts []time.Time, known bool, err error) {
	all, err := r.Availabilities(ctx, from)
	if err != nil || len(all) == 0 {
		return nil, false, err
	}
	booked := func(from, to time.Time) (map[string][]schedule.Interval, error) { return r.BookedSlots(ctx, from, to) }
	starts, err = schedule.FreeStarts(all, booked, from, n, w.Policy.SlotLength, verification.BacklogHorizon)
	return starts, true, err
}

// backlogReader reads the backlog and the agents' hours.
type backlogReader interface {
	availabilityReader
	BacklogSize(ctx context.Context) (int, error)
}

// slotForNext is the call slot the backlog leaves a case joining it at now:
// the free slot after one for every case waiting ahead of it. Zero when
// capacity is unknown.
func (w *Workflow) slotForNext(ctx context.Context, r backlogReader, now time.Time) (time.Time, error) {
	ahead, err := r.BacklogSize(ctx)
	if err != nil {
		return time.Time{}, err
	}
	from := now.Add(BookingLead)
	starts, known, err := w.freeSlotStarts(ctx, r, from, ahead+1)
	if err != nil || !known {
		return time.Time{}, err
	}
	return verification.BacklogSlot(starts, ahead, from), nil
}

// Rebalance keeps the promise that every case waiting for a call has a free
// slot before its deadline less the margin (verification.Shortfalls): after
// something took capacity (a booking, hours withdrawn, a case back in the
// backlog), the deadlines that would now pass without a slot move, with
// verification.deadline_moved and an email saying why. The case whose own
// act took the capacity (except) is left as it is: cancelling one's own
// booking must not buy time.
func (w *Workflow) Rebalance(ctx context.Context, tx *store.Tx, except string, why notify.Why) error {
	backlog, err := tx.Backlog(ctx)
	if err != nil || len(backlog) == 0 {
		return err
	}
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return err
	}
	from := w.now().Add(BookingLead)
	starts, known, err := w.freeSlotStarts(ctx, tx, from, len(backlog))
	if err != nil || !known {
		return err
	}
	short := p.Shortfalls(backlog, starts, from, from.Add(verification.BacklogHorizon))
	for _, waiting := range backlog { // in deadline order, so the feed is the same every time
		need, ok := short[waiting.ID]
		if !ok || waiting.ID == except {
			continue
		}
		v, err := tx.LockVerification(ctx, waiting.ID)
		if err != nil {
			return err
		}
		if !v.Status.NeedsSlot() {
			continue // served since the backlog was read (another node booked it)
		}
		if v, err = w.moveDeadlineTo(ctx, tx, v, need, string(why)); err != nil {
			return err
		}
		if err := w.sendDeadlineEmail(ctx, tx, v, "deadline_moved", func(to string, n notify.DeadlineNotice) (notify.Message, error) {
			n.Why = why
			return notify.DeadlineMovedMessage(to, n)
		}); err != nil {
			return err
		}
	}
	return nil
}
