package verification

import (
	"slices"
	"time"
)

// Deadline is when restrictions may start for a case opened at now:
// max(now + notice, the slot the backlog ahead leaves this case + margin),
// rounded up to the next whole hour so that people read "05:00", not
// "04:26". The notice is the policy's minimum notice (GraceDays), or
// graceDays when that is longer: a request may lengthen the notice, never
// shorten it (Request.Validate refuses that). A zero slot means the capacity
// is not known (no agent has working hours), and the notice alone counts.
func (p Policy) Deadline(now time.Time, graceDays int, slot time.Time) time.Time {
	days := max(graceDays, p.GraceDays)
	deadline := now.AddDate(0, 0, days)
	if !slot.IsZero() {
		deadline = later(deadline, slot.Add(p.SlotMargin))
	}
	return onTheHour(deadline)
}

// ServeBy is the earliest deadline a case whose call can start at slot may
// have: the slot plus the margin, on the hour.
func (p Policy) ServeBy(slot time.Time) time.Time { return onTheHour(slot.Add(p.SlotMargin)) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func onTheHour(t time.Time) time.Time {
	t = t.UTC()
	if hour := t.Truncate(time.Hour); hour.Before(t) {
		return hour.Add(time.Hour)
	}
	return t
}

// BacklogHorizon is how far ahead free slots are counted for the backlog:
// a backlog larger than a year of agent hours gets deadlines a year out.
const BacklogHorizon = 365 * Day

// BacklogSlot is the call slot the backlog leaves a case with ahead cases
// waiting before it: the free slot after one for each of them (starts are
// the free slots from from, in order). When the slots known run out, it is
// the horizon's end.
func BacklogSlot(starts []time.Time, ahead int, from time.Time) time.Time {
	if ahead < len(starts) {
		return starts[ahead]
	}
	return from.Add(BacklogHorizon)
}

// Waiting is a case in the backlog: open, needing a call, not booked.
type Waiting struct {
	ID       string
	Deadline time.Time
	Created  time.Time
}

// Shortfalls checks the backlog against the free call slots and returns the
// deadline each case needs where its own is too early, by case id.
//
// The backlog is served in deadline order, one free slot each: the k-th case
// is promised the k-th free slot, and its deadline must be at least that
// slot plus the margin. A case whose deadline minus the margin has passed
// (from is the earliest bookable time) has had its promised slot already and
// now lives on its margin; it neither takes a slot in the count nor is
// moved. When the backlog outgrows the slots known, the cases beyond them
// need beyond plus the margin. A new case opened at the end of the backlog
// never causes a shortfall for those ahead of it, so only what consumes
// capacity (a booking, hours withdrawn, a case returned to the backlog)
// calls for this check.
func (p Policy) Shortfalls(backlog []Waiting, slots []time.Time, from, beyond time.Time) map[string]time.Time {
	live := slices.Clone(backlog)
	live = slices.DeleteFunc(live, func(w Waiting) bool { return w.Deadline.Add(-p.SlotMargin).Before(from) })
	slices.SortStableFunc(live, func(a, b Waiting) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
	short := map[string]time.Time{}
	for k, w := range live {
		slot := beyond
		if k < len(slots) {
			slot = slots[k]
		}
		if need := p.ServeBy(slot); w.Deadline.Before(need) {
			short[w.ID] = need
		}
	}
	return short
}
