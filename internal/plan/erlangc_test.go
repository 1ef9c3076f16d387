package plan

import (
	"math"
	"testing"
	"time"
)

// bruteErlangC is Erlang C straight from its definition, as the stationary
// distribution of the M/M/N queue: p(k) ∝ A^k/k! below N agents and
// A^N/N!·(A/N)^(k−N) from there, so P(wait) = Σ_{k≥N} p(k). It sums the
// geometric tail term by term instead of using its closed form, so it shares
// nothing with ErlangC but the model.
func bruteErlangC(agents int, offered float64) float64 {
	var below, atOrAbove float64
	term := 1.0 // A^k / k!
	for k := 0; k < agents; k++ {
		below += term
		term *= offered / float64(k+1)
	}
	for k := agents; k < agents+100_000; k++ {
		atOrAbove += term
		term *= offered / float64(agents)
		if term < 1e-18*atOrAbove {
			break
		}
	}
	return atOrAbove / (below + atOrAbove)
}

func TestErlangCTextbook(t *testing.T) {
	tests := []struct {
		agents  int
		offered float64
		want    float64 // published tables, to four places
	}{
		{11, 10, 0.6821},
		{12, 10, 0.4494},
		{2, 1, 1.0 / 3},
		{1, 0.5, 0.5}, // M/M/1: P(wait) is the utilisation
	}
	for _, tt := range tests {
		got := ErlangC(tt.agents, tt.offered)
		if math.Abs(got-tt.want) > 5e-5 {
			t.Errorf("ErlangC(%d, %v) = %.5f, want %.4f", tt.agents, tt.offered, got, tt.want)
		}
		if brute := bruteErlangC(tt.agents, tt.offered); math.Abs(got-brute) > 1e-9 {
			t.Errorf("ErlangC(%d, %v) = %.10f, brute force gives %.10f", tt.agents, tt.offered, got, brute)
		}
	}
}

func TestErlangCAgreesWithBruteForce(t *testing.T) {
	for _, offered := range []float64{0.1, 1, 2.5, 8.5, 20, 75.3, 150} {
		for agents := int(offered) + 1; agents <= int(offered)+30; agents++ {
			got, want := ErlangC(agents, offered), bruteErlangC(agents, offered)
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("ErlangC(%d, %v) = %.12f, brute force gives %.12f", agents, offered, got, want)
			}
		}
	}
}

// A load of thousands of Erlangs would overflow A^N/N! long before the
// answer; the recursion must still give a probability.
func TestErlangCLargeLoadStaysFinite(t *testing.T) {
	for _, tt := range []struct {
		agents  int
		offered float64
	}{{1000, 950}, {5000, 4900}, {9999, 9000}} {
		c := ErlangC(tt.agents, tt.offered)
		if math.IsNaN(c) || c <= 0 || c >= 1 {
			t.Errorf("ErlangC(%d, %v) = %v, want a probability strictly between 0 and 1", tt.agents, tt.offered, c)
		}
	}
}

func TestErlangCEdges(t *testing.T) {
	tests := []struct {
		name    string
		agents  int
		offered float64
		want    float64
	}{
		{"no agents", 0, 3, 1},
		{"negative agents", -2, 3, 1},
		{"as many agents as the load", 3, 3, 1},
		{"fewer agents than the load", 2, 3, 1},
		{"no load", 3, 0, 0},
		{"not a number", 3, math.NaN(), 1},
	}
	for _, tt := range tests {
		if got := ErlangC(tt.agents, tt.offered); got != tt.want {
			t.Errorf("%s: ErlangC(%d, %v) = %v, want %v", tt.name, tt.agents, tt.offered, got, tt.want)
		}
	}
}

func TestServiceLevelAndAverageWait(t *testing.T) {
	// A = 1 Erlang, 2 agents, 4-minute calls: C = 1/3 (worked by hand in
	// the Erlang B recursion: B(1) = 1/2, B(2) = 1/5, C = 2·(1/5)/(2 − 4/5)).
	l := Load{ArrivalsPerHour: 15, HandleMinutes: 4}
	tests := []struct {
		target time.Duration
		want   float64
	}{
		{0, 2.0 / 3},
		{time.Minute, 1 - math.Exp(-0.25)/3},
		{-time.Minute, 2.0 / 3}, // a negative target counts as none
		{time.Hour, 1 - math.Exp(-15)/3},
	}
	for _, tt := range tests {
		if got := ServiceLevel(2, l, tt.target); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("ServiceLevel(2, %+v, %v) = %.12f, want %.12f", l, tt.target, got, tt.want)
		}
	}
	if got, want := AverageWait(2, l), 80*time.Second; (got - want).Abs() > time.Millisecond {
		t.Errorf("AverageWait(2, %+v) = %v, want %v", l, got, want)
	}
	if got := ServiceLevel(1, l, time.Hour); got != 0 {
		t.Errorf("ServiceLevel with agents = load: %v, want 0", got)
	}
	if got := AverageWait(1, l); got != forever {
		t.Errorf("AverageWait with agents = load: %v, want the largest Duration", got)
	}
	if got := AverageWait(0, Load{HandleMinutes: 4}); got != 0 {
		t.Errorf("AverageWait with no load: %v, want 0", got)
	}
}

// More agents never make anything worse.
func TestMonotoneInAgents(t *testing.T) {
	for _, l := range []Load{{120, 4}, {600, 3}, {30, 12}} {
		prevC, prevSL, prevWait := 1.1, -0.1, forever
		for n := 1; n < int(l.Offered())+40; n++ {
			c, sl, wait := ErlangC(n, l.Offered()), ServiceLevel(n, l, 30*time.Second), AverageWait(n, l)
			if c > prevC || sl < prevSL || wait > prevWait {
				t.Fatalf("%+v: %d agents give C %v, SL %v, wait %v; %d gave %v, %v, %v",
					l, n, c, sl, wait, n-1, prevC, prevSL, prevWait)
			}
			prevC, prevSL, prevWait = c, sl, wait
		}
	}
}

func TestAgentsNeeded(t *testing.T) {
	tests := []struct {
		name   string
		load   Load
		target time.Duration
		level  float64
		want   int
	}{
		// 10 Erlangs, 80% within 20 s of 3-minute calls: 13 agents reach
		// 1 − 0.2853·e^(−3·(1/3)/3) = 0.796, just short, so 14.
		{"ten erlangs", Load{ArrivalsPerHour: 200, HandleMinutes: 3}, 20 * time.Second, 0.8, 14},
		{"hand-worked", Load{ArrivalsPerHour: 15, HandleMinutes: 4}, 0, 0.6, 2},
		{"tiny load still needs one agent", Load{ArrivalsPerHour: 0.01, HandleMinutes: 1}, time.Minute, 0.5, 1},
	}
	for _, tt := range tests {
		got, err := AgentsNeeded(tt.load, tt.target, tt.level)
		if err != nil || got != tt.want {
			t.Errorf("%s: AgentsNeeded = %d, %v; want %d", tt.name, got, err, tt.want)
			continue
		}
		// The answer is the smallest that works.
		if sl := ServiceLevel(got, tt.load, tt.target); sl < tt.level {
			t.Errorf("%s: %d agents reach %v, want at least %v", tt.name, got, sl, tt.level)
		}
		if sl := ServiceLevel(got-1, tt.load, tt.target); sl >= tt.level {
			t.Errorf("%s: %d agents already reach %v", tt.name, got-1, sl)
		}
	}
}

func TestAgentsNeededRejects(t *testing.T) {
	tests := []struct {
		name   string
		load   Load
		target time.Duration
		level  float64
	}{
		{"no arrivals", Load{0, 4}, time.Minute, 0.8},
		{"negative handle", Load{10, -1}, time.Minute, 0.8},
		{"infinite arrivals", Load{math.Inf(1), 4}, time.Minute, 0.8},
		{"NaN handle", Load{10, math.NaN()}, time.Minute, 0.8},
		{"negative target", Load{10, 4}, -time.Second, 0.8},
		{"level 1", Load{10, 4}, time.Minute, 1},
		{"level 0", Load{10, 4}, time.Minute, 0},
		{"absurd load", Load{ArrivalsPerHour: 1e6, HandleMinutes: 4}, time.Minute, 0.8},
	}
	for _, tt := range tests {
		if got, err := AgentsNeeded(tt.load, tt.target, tt.level); err == nil {
			t.Errorf("%s: AgentsNeeded = %d, want an error", tt.name, got)
		}
	}
}
