// Package schedule turns agents' working hours into bookable call slots.
// Hours are kept in each agent's own time zone, so that "Monday 09:00 to
// 17:00" stays right across daylight-saving changes; slots are instants.
// It is pure: callers bring the time.
package schedule

import (
	"fmt"
	"slices"
	"time"
)

// BookingLead is how soon a slot may start to be bookable: time enough to
// open the link and check a camera. Deadlines count slots from then too.
const BookingLead = 15 * time.Minute

// Interval is a half-open span of time [Start, End).
type Interval struct {
	Start, End time.Time
}

// Overlaps reports whether two intervals share any instant.
func (i Interval) Overlaps(o Interval) bool { return i.Start.Before(o.End) && o.Start.Before(i.End) }

// Contains reports whether o lies wholly inside i.
func (i Interval) Contains(o Interval) bool { return !o.Start.Before(i.Start) && !o.End.After(i.End) }

// Clock is a time of day, in minutes after midnight (0 to 1440).
type Clock int

// ParseClock reads "09:30".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || len(s) != 5 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time of day %q: want HH:MM from 00:00 to 24:00", s)
	}
	return Clock(h*60 + m), nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Hours are one weekly stretch of work, such as Monday 09:00 to 13:00.
type Hours struct {
	Day        time.Weekday
	Start, End Clock
}

// Exception changes an agent's hours for a span: leave and holidays take
// time away (Off), an extra shift adds it.
type Exception struct {
	ID string
	Interval
	Off  bool
	Note string
}

// Availability is when one agent takes calls.
type Availability struct {
	StaffID    string
	Location   *time.Location
	Weekly     []Hours
	Exceptions []Exception
}

// Validate checks the weekly hours: each stretch is a real span of one day.
func (a Availability) Validate() error {
	if a.Location == nil {
		return fmt.Errorf("availability of %s has no time zone", a.StaffID)
	}
	for _, h := range a.Weekly {
		if h.Day < time.Sunday || h.Day > time.Saturday || h.Start < 0 || h.End > 24*60 || h.Start >= h.End {
			return fmt.Errorf("hours %s %s-%s: want a start before an end within one day", h.Day, h.Start, h.End)
		}
	}
	return nil
}

// Windows returns the spans in [from, to) when the agent works: weekly hours
// laid on each local day, minus time off, plus extra shifts, merged.
func (a Availability) Windows(from, to time.Time) []Interval {
	var spans []Interval
	// Walk local calendar days; building each span with time.Date in the
	// agent's zone is what keeps 09:00 at 09:00 across DST changes.
	day := time.Date(from.In(a.Location).Year(), from.In(a.Location).Month(), from.In(a.Location).Day(), 0, 0, 0, 0, a.Location)
	for ; day.Before(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, a.Location) {
		for _, h := range a.Weekly {
			if h.Day != day.Weekday() {
				continue
			}
			span := Interval{a.at(day, h.Start), a.at(day, h.End)}
			if span.End.After(span.Start) {
				spans = append(spans, span)
			}
		}
	}
	for _, e := range a.Exceptions {
		if !e.Off {
			spans = append(spans, e.Interval)
		}
	}
	spans = merge(clip(spans, Interval{from, to}))
	for _, e := range a.Exceptions {
		if e.Off {
			spans = subtract(spans, e.Interval)
		}
	}
	return spans
}

// at is the instant of a clock time on a local day. Times that do not exist
// (skipped by a spring-forward) land on the next real instant.
func (a Availability) at(day time.Time, c Clock) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(c)/60, int(c)%60, 0, 0, a.Location)
}

func clip(spans []Interval, bound Interval) []Interval {
	var out []Interval
	for _, s := range spans {
		if s.Start.Before(bound.Start) {
			s.Start = bound.Start
		}
		if s.End.After(bound.End) {
			s.End = bound.End
		}
		if s.Start.Before(s.End) {
			out = append(out, s)
		}
	}
	return out
}

// merge sorts spans and joins those that overlap or touch.
func merge(spans []Interval) []Interval {
	slices.SortFunc(spans, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	var out []Interval
	for _, s := range spans {
		if n := len(out); n > 0 && !s.Start.After(out[n-1].End) {
			if s.End.After(out[n-1].End) {
				out[n-1].End = s.End
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// subtract removes cut from every span.
func subtract(spans []Interval, cut Interval) []Interval {
	var out []Interval
	for _, s := range spans {
		if !s.Overlaps(cut) {
			out = append(out, s)
			continue
		}
		if s.Start.Before(cut.Start) {
			out = append(out, Interval{s.Start, cut.Start})
		}
		if cut.End.Before(s.End) {
			out = append(out, Interval{cut.End, s.End})
		}
	}
	return out
}

// Slots cuts windows into slots of the given length from each window's
// start (so that an agent starting at 09:00 offers 09:00, 09:10…, whatever
// the zone's offset), and leaves out those that overlap a booking.
func Slots(windows []Interval, length time.Duration, booked []Interval) []Interval {
	var out []Interval
	for _, w := range windows {
		for start := w.Start; !start.Add(length).After(w.End); start = start.Add(length) {
			slot := Interval{start, start.Add(length)}
			if !slices.ContainsFunc(booked, slot.Overlaps) {
				out = append(out, slot)
			}
		}
	}
	return out
}

// FreeSlots returns the agent's free slots starting in [from, to). Slots
// follow the agent's own grid (09:00, 09:10…) from the start of each working
// stretch, wherever from falls: asking at 14:03 offers 14:10, not 14:03.
func (a Availability) FreeSlots(from, to time.Time, length time.Duration, booked []Interval) []Interval {
	local := from.In(a.Location)
	dayStart := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, a.Location)
	var out []Interval
	for _, s := range Slots(a.Windows(dayStart, to), length, booked) {
		if !s.Start.Before(from) {
			out = append(out, s)
		}
	}
	return out
}

// Booked reads the booked slots of every agent between two times, by
// staff id.
type Booked func(from, to time.Time) (map[string][]Interval, error)

// FreeStarts returns the starts of the first n free slots of length from
// from, one per agent and slot, in order; fewer when horizon runs out
// first. It looks a week at a time, so that the usual answer costs a week
// of arithmetic and a week of bookings.
func FreeStarts(all []Availability, booked Booked, from time.Time, n int, length, horizon time.Duration) ([]time.Time, error) {
	const week = 7 * 24 * time.Hour
	var starts []time.Time
	for start := from; len(starts) < n && start.Before(from.Add(horizon)); start = start.Add(week) {
		taken, err := booked(start, start.Add(week))
		if err != nil {
			return nil, err
		}
		var found []time.Time
		for _, a := range all {
			for _, s := range a.FreeSlots(start, start.Add(week), length, taken[a.StaffID]) {
				found = append(found, s.Start)
			}
		}
		slices.SortFunc(found, time.Time.Compare)
		starts = append(starts, found...)
	}
	return starts[:min(n, len(starts))], nil
}
