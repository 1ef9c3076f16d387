package plan

import (
	"math"
	"testing"
	"time"
)

const day = 24 * time.Hour

// realistic is the case the live estimate is judged on: 10 agents at 85%
// utilisation, exponential 4-minute calls.
func realistic(seed uint64) Config {
	return Config{Agents: 10, ArrivalsPerHour: 0.85 * 10 * 15, HandleMean: 4 * time.Minute,
		Target: time.Minute, Duration: 30 * day, Warmup: day, Seed: seed}
}

func TestSimulateIsDeterministic(t *testing.T) {
	cfg := realistic(42)
	cfg.Duration = 3 * day
	a, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("same seed, different results:\n%+v\n%+v", a, b)
	}
	cfg.Seed = 43
	if c, _ := Simulate(cfg); c == a {
		t.Fatalf("another seed gave the very same result %+v", c)
	}
}

func TestSimulateLightLoadBarelyWaits(t *testing.T) {
	for _, dist := range []string{DistExp, DistLognormal} {
		r, err := Simulate(Config{Agents: 10, ArrivalsPerHour: 30, HandleMean: 4 * time.Minute, HandleDist: dist,
			Duration: 10 * day, Warmup: day, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Utilization >= 0.3 {
			t.Fatalf("%s: utilisation %.3f, want a light load below 0.3", dist, r.Utilization)
		}
		if r.WaitP95 != 0 || r.WaitMean > time.Second {
			t.Errorf("%s: p95 wait %v, mean %v; want 0 and under 1s at utilisation %.2f", dist, r.WaitP95, r.WaitMean, r.Utilization)
		}
	}
}

// The simulation and Erlang C check each other: for an M/M/N queue they
// must agree on the average wait.
func TestSimulateMatchesErlangC(t *testing.T) {
	l := Load{ArrivalsPerHour: 60, HandleMinutes: 4} // 4 Erlangs on 5 agents: 80%
	r, err := Simulate(Config{Agents: 5, ArrivalsPerHour: l.ArrivalsPerHour, HandleMean: 4 * time.Minute,
		Duration: 200 * day, Warmup: day, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	want := AverageWait(5, l)
	if ratio := float64(r.WaitMean) / float64(want); math.Abs(ratio-1) > 0.25 {
		t.Errorf("simulated average wait %v, Erlang C %v: off by %.0f%%, want within 25%%", r.WaitMean, want, 100*(ratio-1))
	}
	if math.Abs(r.Utilization-0.8) > 0.02 {
		t.Errorf("utilisation %.3f, want 0.80 ± 0.02", r.Utilization)
	}
	if sl := ServiceLevel(5, l, 0); math.Abs((1-r.ShareOverTarget)-sl) > 0.03 {
		t.Errorf("share taken at once %.3f, Erlang C gives %.3f", 1-r.ShareOverTarget, sl)
	}
}

// TestEstimateAccuracy measures the live wait estimate freelancers are shown
// (queue.Estimator) against the wait they then had. The target is a median
// relative error of at most 20%. Run with -v to see the figures:
//
//	go test -run TestEstimateAccuracy -v ./internal/plan
func TestEstimateAccuracy(t *testing.T) {
	const target = 0.20
	for _, dist := range []string{DistExp, DistLognormal} {
		cfg := realistic(1)
		cfg.HandleDist = dist
		r, err := Simulate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s, %d agents, utilisation %.3f, %d arrivals: wait p50 %v p95 %v mean %v",
			dist, cfg.Agents, r.Utilization, r.Arrivals, r.WaitP50, r.WaitP95, r.WaitMean)
		t.Logf("%s: queue.Estimator relative error: median %.2f, p90 %.2f, median of those who waited %.2f",
			dist, r.Estimate.Median, r.Estimate.P90, r.Estimate.MedianWaited)
		if r.Estimate.Median > target {
			t.Errorf("%s: queue.Estimator median relative error %.2f, want at most %.2f", dist, r.Estimate.Median, target)
		}
	}
}

func TestSimulateGivenArrivals(t *testing.T) {
	// One agent, three freelancers given out of order at 0, 1 s and 2 s:
	// the first is taken at once and the other two wait for that call.
	cfg := Config{Agents: 1, Arrivals: []time.Duration{2 * time.Second, 0, time.Second},
		HandleMean: 4 * time.Minute, Duration: time.Hour, Seed: 3}
	r, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Arrivals != 3 || r.WaitP50 == 0 || r.WaitMax < r.WaitP50 {
		t.Fatalf("got %+v, want 3 arrivals, the second and third waiting", r)
	}
}

func TestSimulateRejects(t *testing.T) {
	good := Config{Agents: 2, ArrivalsPerHour: 10, HandleMean: time.Minute, Duration: day}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"no agents", func(c *Config) { c.Agents = 0 }},
		{"no handle time", func(c *Config) { c.HandleMean = 0 }},
		{"no duration", func(c *Config) { c.Duration = 0 }},
		{"warm-up as long as the run", func(c *Config) { c.Warmup = day }},
		{"no arrivals", func(c *Config) { c.ArrivalsPerHour = 0 }},
		{"too many arrivals", func(c *Config) { c.ArrivalsPerHour = 1e6 }},
		{"unknown distribution", func(c *Config) { c.HandleDist = "uniform" }},
		{"arrival after the end", func(c *Config) { c.Arrivals = []time.Duration{2 * day} }},
		{"negative grace", func(c *Config) { c.Grace = -time.Hour }},
	}
	for _, tt := range tests {
		cfg := good
		tt.change(&cfg)
		if _, err := Simulate(cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if _, err := Simulate(good); err != nil {
		t.Fatalf("the valid config: %v", err)
	}
}
