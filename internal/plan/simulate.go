package plan

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/attest-dev/attest/internal/queue"
)

// Handle-time distributions for Config.HandleDist.
const (
	// DistExp is the exponential distribution: Erlang C's own assumption.
	DistExp = "exp"
	// DistLognormal is the lognormal distribution, closer to real calls:
	// few very short, a long tail.
	DistLognormal = "lognormal"
)

// Defaults for the zero values of Config.
const (
	DefaultGrace    = 7 * 24 * time.Hour
	DefaultHandleCV = 0.5
)

// MaxSimArrivals bounds a simulation's size (about 5 s of work), so a
// mistyped rate fails at once instead of running for an hour.
const MaxSimArrivals = 2_000_000

// estimateFloor is the least wait the estimate's error is measured against:
// being 40 s off when the wait is 20 s is not a 200% error to a person.
const estimateFloor = time.Minute

// Stream identifiers for the seeded generators: arrivals and handle times
// draw from separate streams, so changing one leaves the other as it was.
const (
	streamArrivals = 1
	streamHandles  = 2
)

// Config is one simulated run of the live queue.
type Config struct {
	// Agents are online for the whole run.
	Agents int
	// ArrivalsPerHour is the rate of the Poisson arrivals.
	ArrivalsPerHour float64
	// Arrivals, when set, replace the Poisson arrivals: offsets from the
	// start of the run, each within Duration.
	Arrivals []time.Duration
	// HandleMean is the mean length of a call, notes included.
	HandleMean time.Duration
	// HandleDist is DistExp (the default) or DistLognormal.
	HandleDist string
	// HandleCV is the lognormal's standard deviation over its mean;
	// 0 means DefaultHandleCV. The exponential's is always 1.
	HandleCV float64
	// Grace sets each arrival's deadline, arrival + Grace, which the
	// dispatch order reads; 0 means DefaultGrace.
	Grace time.Duration
	// Target is the wait that Result.ShareOverTarget counts against.
	Target time.Duration
	// Duration is how long freelancers keep arriving, warm-up included.
	// Everyone who arrived is served before the run ends.
	Duration time.Duration
	// Warmup is left out of the figures: the run starts with an empty queue
	// and idle agents, which a real day seldom does.
	Warmup time.Duration
	// Seed makes the run repeatable: the same Config gives the same Result.
	Seed uint64
}

// Result is what freelancers who arrived after the warm-up went through.
type Result struct {
	// Arrivals counts them.
	Arrivals int
	// Waits in the queue, from joining to being taken.
	WaitP50, WaitP95, WaitMax, WaitMean time.Duration
	// Utilization is the share of agent time spent in calls after the
	// warm-up.
	Utilization float64
	// ShareOverTarget is the share who waited longer than Config.Target.
	ShareOverTarget float64
	// Estimate is how far the live estimate each freelancer was shown on
	// joining, queue.Estimator.Wait, was from the wait they then had.
	Estimate Accuracy
}

// Accuracy describes an estimate's relative errors,
// |estimate − actual| / max(actual, 1 min).
type Accuracy struct {
	// Median and P90 are over every freelancer.
	Median, P90 float64
	// MedianWaited is over those who were not taken at once: the harder
	// half, where a good estimate cannot simply say "now".
	MedianWaited float64
}

// accuracy sums up the errors for all freelancers, and for those who waited.
func accuracy(all, waited []float64) Accuracy {
	slices.Sort(all)
	slices.Sort(waited)
	return Accuracy{Median: percentile(all, 0.5), P90: percentile(all, 0.9), MedianWaited: percentile(waited, 0.5)}
}

// visit is one freelancer's way through the queue.
type visit struct {
	arrival, start time.Duration
	// estimate is what queue.Estimator showed on joining; shown is false
	// when it showed nothing.
	estimate time.Duration
	shown    bool
}

// Simulate runs the live queue with cfg.Agents agents taking freelancers in
// attest's dispatch order (queue.Sort), and measures the waits and the live
// estimate against them.
func Simulate(cfg Config) (Result, error) {
	cfg, err := cfg.normalised()
	if err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	arrivals := cfg.arrivals(rand.New(rand.NewPCG(cfg.Seed, streamArrivals)))
	draw, err := handleSampler(cfg.HandleDist, cfg.HandleMean, cfg.HandleCV)
	if err != nil {
		return Result{}, fmt.Errorf("simulate: %w", err)
	}
	s := &simulation{cfg: cfg, visits: make([]visit, len(arrivals))}
	handles := rand.New(rand.NewPCG(cfg.Seed, streamHandles))
	s.engine = newEngine(cfg.Agents, queue.Sort, alwaysOpen, func() time.Duration { return draw(handles) }, s.started)
	for i, at := range arrivals {
		s.arrive(i, at)
	}
	s.engine.drain()
	return s.result(), nil
}

// normalised is cfg with defaults filled in, or why it cannot run.
func (cfg Config) normalised() (Config, error) {
	switch {
	case cfg.Agents < 1 || cfg.Agents > MaxAgents:
		return cfg, fmt.Errorf("agents must be between 1 and %d, got %d", MaxAgents, cfg.Agents)
	case cfg.HandleMean <= 0:
		return cfg, fmt.Errorf("mean handle time must be positive, got %v", cfg.HandleMean)
	case cfg.Duration <= 0:
		return cfg, fmt.Errorf("duration must be positive, got %v", cfg.Duration)
	case cfg.Warmup < 0 || cfg.Warmup >= cfg.Duration:
		return cfg, fmt.Errorf("warm-up must be at least 0 and shorter than the duration %v, got %v", cfg.Duration, cfg.Warmup)
	case cfg.Grace < 0 || cfg.HandleCV < 0 || cfg.Target < 0:
		return cfg, fmt.Errorf("grace %v, handle CV %v and target %v must not be negative", cfg.Grace, cfg.HandleCV, cfg.Target)
	}
	if cfg.Arrivals == nil {
		if !(cfg.ArrivalsPerHour > 0) || math.IsInf(cfg.ArrivalsPerHour, 0) {
			return cfg, fmt.Errorf("arrivals per hour must be a positive number, got %v", cfg.ArrivalsPerHour)
		}
		if n := cfg.ArrivalsPerHour * cfg.Duration.Hours(); n > MaxSimArrivals {
			return cfg, fmt.Errorf("about %.0f arrivals is more than the %d a simulation may have; simulate a shorter time", n, MaxSimArrivals)
		}
	}
	for _, at := range cfg.Arrivals {
		if at < 0 || at >= cfg.Duration {
			return cfg, fmt.Errorf("arrival at %v is outside the run [0, %v)", at, cfg.Duration)
		}
	}
	if cfg.HandleDist == "" {
		cfg.HandleDist = DistExp
	}
	if cfg.HandleCV == 0 {
		cfg.HandleCV = DefaultHandleCV
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	return cfg, nil
}

// arrivals are the moments freelancers join, in order: the given ones, or a
// Poisson process (exponential gaps) at the configured rate.
func (cfg Config) arrivals(rng *rand.Rand) []time.Duration {
	if cfg.Arrivals != nil {
		return slices.Sorted(slices.Values(cfg.Arrivals))
	}
	meanGap := float64(time.Hour) / cfg.ArrivalsPerHour
	var out []time.Duration
	for t := time.Duration(rng.ExpFloat64() * meanGap); t < cfg.Duration; t += time.Duration(rng.ExpFloat64() * meanGap) {
		out = append(out, t)
	}
	return out
}

// handleSampler draws call lengths with the given mean from dist.
func handleSampler(dist string, mean time.Duration, cv float64) (func(*rand.Rand) time.Duration, error) {
	switch dist {
	case DistExp:
		return func(r *rand.Rand) time.Duration { return time.Duration(r.ExpFloat64() * float64(mean)) }, nil
	case DistLognormal:
		// A lognormal with mean m and coefficient of variation cv has
		// σ² = ln(1 + cv²) and μ = ln m − σ²/2.
		sigma := math.Sqrt(math.Log1p(cv * cv))
		mu := math.Log(float64(mean)) - sigma*sigma/2
		return func(r *rand.Rand) time.Duration { return time.Duration(math.Exp(mu + sigma*r.NormFloat64())) }, nil
	}
	return nil, fmt.Errorf("handle-time distribution %q is neither %q nor %q", dist, DistExp, DistLognormal)
}

// alwaysOpen is the working time of a team that is always online.
func alwaysOpen(t time.Duration) time.Duration { return t }

// simulation is the state of one Simulate run.
type simulation struct {
	cfg    Config
	engine *engine
	visits []visit
	// ended holds calls that have started, by when they end: a call counts
	// towards the measured handle time only once it is over.
	ended       timeHeap
	handledSum  time.Duration
	handledN    int
	busyInRange time.Duration
}

// arrive is freelancer i joining at at: they are shown an estimate for
// their place, then taken if an agent is free.
func (s *simulation) arrive(i int, at time.Duration) {
	entry := queue.Entry{
		VerificationID: entryID(i),
		FreelancerID:   entryID(i),
		JoinedAt:       epoch.Add(at),
		Deadline:       epoch.Add(at + s.cfg.Grace),
	}
	position := s.engine.join(entry)
	handle := s.measuredHandle(at)
	v := &s.visits[i]
	v.arrival = at
	v.estimate, v.shown = queue.Estimator{HandleTime: handle}.Wait(position, s.cfg.Agents, s.engine.idle(at, position))
	s.engine.dispatch(at)
}

// measuredHandle is the mean length of the calls over by now, as the
// service would measure it; before any is over, the configured mean.
func (s *simulation) measuredHandle(now time.Duration) time.Duration {
	for len(s.ended) > 0 && s.ended[0].at <= now {
		c := heap.Pop(&s.ended).(timed)
		s.handledSum += c.handle
		s.handledN++
	}
	if s.handledN == 0 {
		return s.cfg.HandleMean
	}
	return s.handledSum / time.Duration(s.handledN)
}

// started records a call as it starts.
func (s *simulation) started(id string, start, handle time.Duration) {
	s.visits[entryIndex(id)].start = start
	heap.Push(&s.ended, timed{at: start + handle, handle: handle})
	s.busyInRange += overlap(start, start+handle, s.cfg.Warmup, s.cfg.Duration)
}

// result sums up the visits after the warm-up.
func (s *simulation) result() Result {
	var waits []time.Duration
	var est, estWaited []float64
	var over int
	var total time.Duration
	for _, v := range s.visits {
		if v.arrival < s.cfg.Warmup {
			continue
		}
		wait := v.start - v.arrival
		waits = append(waits, wait)
		total += wait
		if wait > s.cfg.Target {
			over++
		}
		e := relativeError(v.estimate, wait)
		if v.shown {
			est = append(est, e)
			if wait > 0 {
				estWaited = append(estWaited, e)
			}
		}
	}
	r := Result{Arrivals: len(waits)}
	if len(waits) == 0 {
		return r
	}
	slices.Sort(waits)
	r.WaitP50, r.WaitP95, r.WaitMax = percentile(waits, 0.5), percentile(waits, 0.95), waits[len(waits)-1]
	r.WaitMean = total / time.Duration(len(waits))
	r.ShareOverTarget = float64(over) / float64(len(waits))
	r.Utilization = float64(s.busyInRange) / (float64(s.cfg.Agents) * float64(s.cfg.Duration-s.cfg.Warmup))
	r.Estimate = accuracy(est, estWaited)
	return r
}

// relativeError is |estimate − actual| / max(actual, estimateFloor).
func relativeError(estimate, actual time.Duration) float64 {
	return (estimate - actual).Abs().Seconds() / max(actual, estimateFloor).Seconds()
}

// percentile is the nearest-rank p-quantile of sorted, or zero when empty.
func percentile[T cmp.Ordered](sorted []T, p float64) T {
	if len(sorted) == 0 {
		var zero T
		return zero
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// overlap is how much of [a, b) lies within [lo, hi).
func overlap(a, b, lo, hi time.Duration) time.Duration {
	return max(0, min(b, hi)-max(a, lo))
}

// entryID names the i-th entry of a run; zero-padded so that IDs sort as
// the numbers do, should the dispatch order ever fall back to them.
func entryID(i int) string { return fmt.Sprintf("%09d", i) }

// entryIndex is the i that entryID(i) names.
func entryIndex(id string) int {
	i, err := strconv.Atoi(id)
	if err != nil {
		panic("plan: entry ID " + id + " was not made by entryID")
	}
	return i
}
