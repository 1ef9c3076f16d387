// Package floor computes what supervisors watch: the live floor (agents,
// queue, waits, calls, overdue cases, breaches of the wait target) and the
// last 30 days day by day, drawn as SVG on the server.
package floor

import (
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

// Now is the floor at one moment.
type Now struct {
	At           time.Time
	AgentsOnline int
	AgentsBusy   int
	Queue        int
	LongestWait  time.Duration
	// Waits today (UTC) of freelancers taken from the queue.
	WaitsToday int
	WaitP50    time.Duration
	WaitP95    time.Duration
	Calls      int
	Overdue    int
	// Breaches counts today's waits over the target, and those waiting
	// longer than it right now.
	Breaches   int
	WaitTarget time.Duration
}

// StartOfDay is midnight UTC of t's day.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WaitFigures fills the figures about today's waits from the calls taken
// today and the waits of those still in the queue.
func (n *Now) WaitFigures(today []store.QueueWait, waiting []time.Duration) {
	waits := make([]time.Duration, 0, len(today))
	for _, w := range today {
		waits = append(waits, w.Waited)
	}
	slices.Sort(waits)
	n.WaitsToday = len(waits)
	n.WaitP50, n.WaitP95 = Quantile(waits, 0.5), Quantile(waits, 0.95)
	n.Breaches = 0
	for _, w := range append(waits, waiting...) {
		if w > n.WaitTarget {
			n.Breaches++
		}
	}
}

// Quantile is the q-quantile of sorted durations by the nearest-rank
// method (a wait some freelancer really had); 0 when there are none.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// Day is one day of the history.
type Day struct {
	Date        time.Time
	Opened      int
	Verified    int
	NotVerified int
	Waits       int
	WaitP50     time.Duration
}

// History lays activity out over the days days ending with today's.
func History(a *store.Activity, today time.Time, days int) []Day {
	first := StartOfDay(today).AddDate(0, 0, -(days - 1))
	out := make([]Day, days)
	for i := range out {
		out[i].Date = first.AddDate(0, 0, i)
	}
	index := func(t time.Time) int {
		if t.Before(first) {
			return -1
		}
		i := int(StartOfDay(t).Sub(first).Hours()/24 + 0.5)
		if i >= days {
			return -1
		}
		return i
	}
	for _, t := range a.Opened {
		if i := index(t); i >= 0 {
			out[i].Opened++
		}
	}
	for _, d := range a.Decisions {
		i := index(d.At)
		switch {
		case i < 0:
		case d.Status == "verified":
			out[i].Verified++
		default:
			out[i].NotVerified++
		}
	}
	waits := make([][]time.Duration, days)
	for _, w := range a.Waits {
		if i := index(w.At); i >= 0 {
			waits[i] = append(waits[i], w.Waited)
		}
	}
	for i, list := range waits {
		slices.Sort(list)
		out[i].Waits, out[i].WaitP50 = len(list), Quantile(list, 0.5)
	}
	return out
}
