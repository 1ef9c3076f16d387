package plan

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/verification"
)

// RolloutConfig is a batch of verifications opened at once, and the team
// that has to work through it. The model:
//
//   - Every case is opened at Start.
//   - Agents work ShiftHours from ShiftStart on the first WorkDays days of
//     each week (Monday first), in Start's location. A call started before
//     the shift ends is finished.
//   - Each freelancer shows up once, at a time drawn uniformly from their
//     daytime (DayStart to DayEnd, same location, every day) within the
//     first ShowUpWithin, and waits in the live queue until an agent takes
//     them, nights included. (In attest someone who shows up after hours
//     would book a slot or come back; either way they wait.)
//   - Calls last an exponential time with mean HandleMean. Both policies get
//     the same show-up times and the same sequence of call lengths, so what
//     differs is the policy alone.
type RolloutConfig struct {
	Cases, Agents int
	HandleMean    time.Duration
	Start         time.Time
	ShiftStart    time.Duration
	ShiftHours    time.Duration
	WorkDays      int
	ShowUpWithin  time.Duration
	DayStart      time.Duration
	DayEnd        time.Duration
	// Policy sets attest's deadlines; one without GraceDays means
	// verification.DefaultPolicy.
	Policy verification.Policy
	// IgnoreCapacity sets attest's deadlines from the grace period alone,
	// as when the first free slot is not known.
	IgnoreCapacity bool
	Seed           uint64
}

// RolloutResult is what one policy did to the batch.
type RolloutResult struct {
	// Restricted counts freelancers restricted while they were waiting for
	// the team: they had shown up, or could not yet have been served, and
	// were restricted before their call.
	Restricted int
	// RestrictedPersonDays adds up how long those restrictions lasted
	// before each call ended.
	RestrictedPersonDays float64
	// Waits in the live queue, from showing up to the call.
	WaitP95, WaitMean time.Duration
	// DaysToClear is from Start to the end of the last call.
	DaysToClear float64
	// LastDeadlineDays is the latest deadline, in days from Start; the
	// baseline, which restricts at once, has none.
	LastDeadlineDays float64
}

// ExampleRollout is the benchmark's example: 2,000 verifications flagged at
// once, 20 agents on 4-minute calls, 09:00–17:00 on weekdays from a Monday
// morning, freelancers showing up between 08:00 and 20:00 within 72 hours.
func ExampleRollout() RolloutConfig {
	return RolloutConfig{
		Cases: 2000, Agents: 20, HandleMean: 4 * time.Minute,
		Start:      time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		ShiftStart: 9 * time.Hour, ShiftHours: 8 * time.Hour, WorkDays: 5,
		ShowUpWithin: 72 * time.Hour, DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour,
		Seed: 1,
	}
}

// Rollout runs the batch twice: under attest's policy (deadline =
// max(open + grace, first free slot + margin), restriction only after it,
// the queue in deadline order) and under a baseline that restricts everyone
// at once and serves first come, first served.
func Rollout(cfg RolloutConfig) (attest, baseline RolloutResult, err error) {
	if err := cfg.validate(); err != nil {
		return attest, baseline, fmt.Errorf("rollout: %w", err)
	}
	if cfg.Policy.GraceDays == 0 {
		// The operator sizes call slots to the calls: here, the mean call.
		cfg.Policy = verification.DefaultPolicy()
		cfg.Policy.SlotLength = cfg.HandleMean
	}
	sched := shifts{start: cfg.Start, shiftStart: cfg.ShiftStart, shiftHours: cfg.ShiftHours, workDays: cfg.WorkDays}
	showUps := cfg.showUps(rand.New(rand.NewPCG(cfg.Seed, streamArrivals)))
	deadlines, err := cfg.deadlines()
	if err != nil {
		return attest, baseline, fmt.Errorf("rollout: %w", err)
	}

	ends, starts := cfg.serve(sched, showUps, deadlines, queue.Sort)
	attest = summarise(showUps, starts, ends)
	for i, end := range ends {
		// Someone who shows up after their deadline is restricted by their
		// own delay, not by the team's.
		if end > deadlines[i] && showUps[i] <= deadlines[i] {
			attest.Restricted++
			attest.RestrictedPersonDays += days(end - deadlines[i])
		}
	}
	attest.LastDeadlineDays = days(slices.Max(deadlines))

	ends, starts = cfg.serve(sched, showUps, make([]time.Duration, cfg.Cases), fifo)
	baseline = summarise(showUps, starts, ends)
	baseline.Restricted = cfg.Cases
	for _, end := range ends {
		baseline.RestrictedPersonDays += days(end)
	}
	return attest, baseline, nil
}

// validate rejects a rollout the model cannot run.
func (cfg RolloutConfig) validate() error {
	switch {
	case cfg.Cases < 1:
		return fmt.Errorf("cases must be at least 1, got %d", cfg.Cases)
	case cfg.Agents < 1 || cfg.Agents > MaxAgents:
		return fmt.Errorf("agents must be between 1 and %d, got %d", MaxAgents, cfg.Agents)
	case cfg.HandleMean <= 0:
		return fmt.Errorf("mean handle time must be positive, got %v", cfg.HandleMean)
	case cfg.Start.IsZero():
		return fmt.Errorf("start time is not set")
	case cfg.ShiftHours <= 0 || cfg.ShiftStart < 0 || cfg.ShiftStart+cfg.ShiftHours > 24*time.Hour:
		return fmt.Errorf("shift %v long from %v does not fit in a day", cfg.ShiftHours, cfg.ShiftStart)
	case cfg.WorkDays < 1 || cfg.WorkDays > 7:
		return fmt.Errorf("work days per week must be between 1 and 7, got %d", cfg.WorkDays)
	case cfg.ShowUpWithin <= 0:
		return fmt.Errorf("show-up window must be positive, got %v", cfg.ShowUpWithin)
	case cfg.DayStart < 0 || cfg.DayEnd <= cfg.DayStart || cfg.DayEnd > 24*time.Hour:
		return fmt.Errorf("freelancers' daytime %v to %v is not a span within a day", cfg.DayStart, cfg.DayEnd)
	}
	if len(cfg.daytime()) == 0 {
		return fmt.Errorf("no daytime from %v to %v falls within the first %v", cfg.DayStart, cfg.DayEnd, cfg.ShowUpWithin)
	}
	return nil
}

// daytime is the freelancers' waking hours within the show-up window, as
// spans of offsets from Start.
func (cfg RolloutConfig) daytime() [][2]time.Duration {
	var spans [][2]time.Duration
	y, m, d := cfg.Start.Date()
	for i := 0; ; i++ {
		midnight := time.Date(y, m, d+i, 0, 0, 0, 0, cfg.Start.Location())
		from := max(midnight.Add(cfg.DayStart).Sub(cfg.Start), 0)
		to := min(midnight.Add(cfg.DayEnd).Sub(cfg.Start), cfg.ShowUpWithin)
		if from >= cfg.ShowUpWithin {
			return spans
		}
		if from < to {
			spans = append(spans, [2]time.Duration{from, to})
		}
	}
}

// showUps draws when each freelancer comes to the queue: uniformly over the
// daytime within the show-up window.
func (cfg RolloutConfig) showUps(rng *rand.Rand) []time.Duration {
	spans := cfg.daytime()
	var total time.Duration
	for _, s := range spans {
		total += s[1] - s[0]
	}
	out := make([]time.Duration, cfg.Cases)
	for i := range out {
		u := rng.Int64N(int64(total))
		for _, s := range spans {
			if length := int64(s[1] - s[0]); u >= length {
				u -= length
				continue
			}
			out[i] = s[0] + time.Duration(u)
			break
		}
	}
	return out
}

// deadlines are attest's deadlines for the cases, as offsets from Start,
// set by the code that sets them in the product: case i is opened with i
// cases ahead of it, so it gets the free slot after theirs among the
// agents' hours (schedule.FreeStarts, verification.BacklogSlot), plus the
// margin, and never less than the minimum notice (Policy.Deadline).
func (cfg RolloutConfig) deadlines() ([]time.Duration, error) {
	out := make([]time.Duration, cfg.Cases)
	from := cfg.Start.Add(schedule.BookingLead)
	var starts []time.Time
	if !cfg.IgnoreCapacity {
		none := func(time.Time, time.Time) (map[string][]schedule.Interval, error) { return nil, nil }
		var err error
		if starts, err = schedule.FreeStarts(cfg.agents(), none, from, cfg.Cases, cfg.Policy.SlotLength, verification.BacklogHorizon); err != nil {
			return nil, err
		}
	}
	for i := range out {
		var slot time.Time
		if !cfg.IgnoreCapacity {
			slot = verification.BacklogSlot(starts, i, from)
		}
		out[i] = cfg.Policy.Deadline(cfg.Start, 0, slot).Sub(cfg.Start)
	}
	return out, nil
}

// agents are the team's weekly hours as attest keeps them: ShiftHours from
// ShiftStart on the first WorkDays days of the week, Monday first.
func (cfg RolloutConfig) agents() []schedule.Availability {
	var week []schedule.Hours
	for d := range cfg.WorkDays {
		week = append(week, schedule.Hours{Day: time.Weekday((d + 1) % 7),
			Start: schedule.Clock(cfg.ShiftStart / time.Minute), End: schedule.Clock((cfg.ShiftStart + cfg.ShiftHours) / time.Minute)})
	}
	all := make([]schedule.Availability, cfg.Agents)
	for i := range all {
		all[i] = schedule.Availability{StaffID: fmt.Sprint("agent-", i), Location: cfg.Start.Location(), Weekly: week}
	}
	return all
}

// serve runs the live queue in the given order over the batch and returns
// when each case's call started and ended. Deadlines are those the queue
// orders by.
func (cfg RolloutConfig) serve(sched shifts, showUps, deadlines []time.Duration, order func([]queue.Entry)) (ends, starts []time.Duration) {
	ends, starts = make([]time.Duration, cfg.Cases), make([]time.Duration, cfg.Cases)
	handles := rand.New(rand.NewPCG(cfg.Seed, streamHandles))
	draw := func() time.Duration { return time.Duration(handles.ExpFloat64() * float64(cfg.HandleMean)) }
	eng := newEngine(cfg.Agents, order, sched.open, draw, func(id string, start, handle time.Duration) {
		i := entryIndex(id)
		starts[i], ends[i] = start, start+handle
	})
	arrivalOrder := make([]int, cfg.Cases)
	for i := range arrivalOrder {
		arrivalOrder[i] = i
	}
	slices.SortStableFunc(arrivalOrder, func(a, b int) int { return cmp.Compare(showUps[a], showUps[b]) })
	for _, i := range arrivalOrder {
		eng.join(queue.Entry{VerificationID: entryID(i), FreelancerID: entryID(i),
			JoinedAt: epoch.Add(showUps[i]), Deadline: epoch.Add(deadlines[i])})
		eng.dispatch(showUps[i])
	}
	eng.drain()
	return ends, starts
}

// summarise is what both policies report alike.
func summarise(showUps, starts, ends []time.Duration) RolloutResult {
	waits := make([]time.Duration, len(showUps))
	var total time.Duration
	for i := range waits {
		waits[i] = starts[i] - showUps[i]
		total += waits[i]
	}
	slices.Sort(waits)
	return RolloutResult{WaitP95: percentile(waits, 0.95), WaitMean: total / time.Duration(len(waits)),
		DaysToClear: days(slices.Max(ends))}
}

// fifo is the baseline's order: first come, first served.
func fifo(entries []queue.Entry) {
	slices.SortStableFunc(entries, func(a, b queue.Entry) int { return a.JoinedAt.Compare(b.JoinedAt) })
}

// days is d in days.
func days(d time.Duration) float64 { return d.Hours() / 24 }

// shifts is when agents work: shiftHours from shiftStart on the first
// workDays days of each week, Monday first, in start's location. Times are
// offsets from start.
type shifts struct {
	start                  time.Time
	shiftStart, shiftHours time.Duration
	workDays               int
}

// shift is the first working span that ends after t.
func (s shifts) shift(t time.Duration) (from, to time.Duration) {
	at := s.start.Add(t)
	y, m, d := at.Date()
	// A working day comes within any eight days in a row.
	for i := range 8 {
		midnight := time.Date(y, m, d+i, 0, 0, 0, 0, s.start.Location())
		if (int(midnight.Weekday())+6)%7 >= s.workDays {
			continue
		}
		from, to = midnight.Add(s.shiftStart).Sub(s.start), midnight.Add(s.shiftStart+s.shiftHours).Sub(s.start)
		if t < to {
			return from, to
		}
	}
	panic(fmt.Sprintf("plan: no working day within a week of %v", at))
}

// open is the first working instant at or after t.
func (s shifts) open(t time.Duration) time.Duration {
	from, _ := s.shift(t)
	return max(t, from)
}

// after is when d of working time has passed, counted from the start.
func (s shifts) after(d time.Duration) time.Duration {
	t := s.open(0)
	for {
		_, to := s.shift(t)
		if t+d <= to {
			return t + d
		}
		d -= to - t
		t = s.open(to)
	}
}
