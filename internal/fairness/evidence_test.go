package fairness

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// wilson is the fixed-sample 95 % interval the report used before: the
// confidence sequence must always be at least as wide.
func wilson(passed, total int) (low, high float64) {
	const z = 1.959963984540054
	n, p := float64(total), float64(passed)/float64(total)
	denom := 1 + z*z/n
	centre := (p + z*z/(2*n)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	return centre - half, centre + half
}

// The table's values agree with the formulas written out with math.Lgamma.
func TestLogTableAgreesWithFormulas(t *testing.T) {
	var tab logTable
	tab.grow(500)
	lb := func(a, b float64) float64 {
		x, _ := math.Lgamma(a)
		y, _ := math.Lgamma(b)
		z, _ := math.Lgamma(a + b)
		return x + y - z
	}
	for _, c := range []struct{ s, f int }{{0, 0}, {0, 7}, {7, 0}, {3, 4}, {85, 15}, {170, 30}, {0, 500}} {
		want := lb(float64(c.s)+0.5, float64(c.f)+0.5) - lb(0.5, 0.5)
		if got := tab.logMixture(c.s, c.f); !near(got, want, 1e-9) {
			t.Errorf("logMixture(%d, %d) = %v, want %v", c.s, c.f, got, want)
		}
		if got := logMixture(c.s, c.f); !near(got, want, 1e-9) {
			t.Errorf("untabled logMixture(%d, %d) = %v, want %v", c.s, c.f, got, want)
		}
		n := float64(c.s + c.f)
		ml := 0.0
		if c.s > 0 {
			ml += float64(c.s) * math.Log(float64(c.s)/n)
		}
		if c.f > 0 {
			ml += float64(c.f) * math.Log(float64(c.f)/n)
		}
		if got := tab.logMaxLikelihood(c.s, c.f); !near(got, ml, 1e-9) {
			t.Errorf("logMaxLikelihood(%d, %d) = %v, want %v", c.s, c.f, got, ml)
		}
		// A mixture never beats the best single rate.
		if tab.logMixture(c.s, c.f) > ml+1e-12 {
			t.Errorf("mixture above the maximum likelihood at (%d, %d)", c.s, c.f)
		}
	}
}

func TestLogEvidence(t *testing.T) {
	var tab logTable
	tab.grow(4000)
	cases := []struct {
		name                   string
		gp, gn, rp, rn         int
		atLeast, atMost        float64 // bounds on the e-value
		wantLog, wantLogWithin float64 // an exact value when wantLogWithin > 0
	}{
		// Hand-computed from the formula: one pass and one failure each way,
		// mixtures (1/8)·(1/8) over (1/2)^4.
		{name: "1 of 2 against 1 of 2", gp: 1, gn: 2, rp: 1, rn: 2, wantLog: math.Log(0.25), wantLogWithin: 1e-12},
		// The same rate on both sides is no evidence.
		{name: "equal rates", gp: 340, gn: 400, rp: 3060, rn: 3600, atMost: 1},
		// 70 % against 85 % over 400 and 3,600: strong evidence.
		{name: "15 points apart", gp: 280, gn: 400, rp: 3060, rn: 3600, atLeast: 1e6},
		// Symmetric in direction: 100 % against 85 % is evidence too.
		{name: "passes everyone", gp: 400, gn: 400, rp: 3060, rn: 3600, atLeast: 1e6},
	}
	for _, c := range cases {
		le := tab.logEvidence(c.gp, c.gn, c.rp, c.rn)
		switch {
		case c.wantLogWithin > 0 && !near(le, c.wantLog, c.wantLogWithin):
			t.Errorf("%s: log evidence %v, want %v", c.name, le, c.wantLog)
		case c.atMost > 0 && math.Exp(le) > c.atMost:
			t.Errorf("%s: evidence %v, want at most %v", c.name, math.Exp(le), c.atMost)
		case c.atLeast > 0 && math.Exp(le) < c.atLeast:
			t.Errorf("%s: evidence %v, want at least %v", c.name, math.Exp(le), c.atLeast)
		}
	}
}

func TestConfidenceSequenceKnownValues(t *testing.T) {
	// At 0 of n the upper end has a closed form:
	// n·ln(1−p) = logMixture(0, n) + ln alpha.
	for _, n := range []int{1, 10, 100} {
		lo, hi := ConfidenceSequence(0, n, 0.05)
		want := 1 - math.Exp((logMixture(0, n)+math.Log(0.05))/float64(n))
		if lo != 0 || !near(hi, want, 1e-9) {
			t.Errorf("ConfidenceSequence(0, %d) = [%v, %v], want [0, %v]", n, lo, hi, want)
		}
		lo, hi = ConfidenceSequence(n, n, 0.05)
		if hi != 1 || !near(lo, 1-want, 1e-9) {
			t.Errorf("ConfidenceSequence(%d, %d) = [%v, %v], want [%v, 1]", n, n, lo, hi, 1-want)
		}
	}
	// 0 of 10: about 37.7 %, where Wilson says 27.8 %.
	if _, hi := ConfidenceSequence(0, 10, 0.05); !near(hi, 0.377, 5e-4) {
		t.Errorf("upper end at 0 of 10 = %v, want about 0.377", hi)
	}
	if lo, hi := ConfidenceSequence(0, 0, 0.05); lo != 0 || hi != 1 {
		t.Errorf("empty: [%v, %v]", lo, hi)
	}
	l1, h1 := ConfidenceSequence(30, 100, -1)
	l2, h2 := ConfidenceSequence(30, 100, 0.05)
	if l1 != l2 || h1 != h2 {
		t.Errorf("alpha out of range: [%v, %v], want the 0.05 interval [%v, %v]", l1, h1, l2, h2)
	}
}

func TestConfidenceSequenceProperties(t *testing.T) {
	for _, n := range []int{1, 2, 7, 30, 100, 1000} {
		for x := 0; x <= n; x += max(1, n/50) {
			lo, hi := ConfidenceSequence(x, n, 0.05)
			p := float64(x) / float64(n)
			if !(0 <= lo && lo <= p && p <= hi && hi <= 1) {
				t.Fatalf("ConfidenceSequence(%d, %d) = [%v, %v] does not contain %v within [0, 1]", x, n, lo, hi, p)
			}
			// Wider than the fixed-sample interval: the price of reading it at any time.
			if wl, wh := wilson(x, n); lo > wl+1e-9 || hi < wh-1e-9 {
				t.Fatalf("ConfidenceSequence(%d, %d) = [%v, %v] narrower than Wilson [%v, %v]", x, n, lo, hi, wl, wh)
			}
			// Mirror image for failures.
			mlo, mhi := ConfidenceSequence(n-x, n, 0.05)
			if !near(lo, 1-mhi, 1e-9) || !near(hi, 1-mlo, 1e-9) {
				t.Fatalf("ConfidenceSequence(%d, %d) not symmetric with (%d, %d)", x, n, n-x, n)
			}
		}
	}
	// Narrower with more data at the same rate; wider at a smaller alpha.
	prev := 2.0
	for _, n := range []int{10, 40, 160, 640, 2560} {
		lo, hi := ConfidenceSequence(n*85/100, n, 0.05)
		if hi-lo >= prev {
			t.Errorf("width at n=%d is %v, not below %v", n, hi-lo, prev)
		}
		prev = hi - lo
	}
	l1, h1 := ConfidenceSequence(85, 100, 0.05)
	l2, h2 := ConfidenceSequence(85, 100, 0.01)
	if !(l2 < l1 && h2 > h1) {
		t.Errorf("99 %% [%v, %v] not wider than 95 %% [%v, %v]", l2, h2, l1, h1)
	}
}

// Time-uniform coverage: over whole sequences of 2,000 decisions, looked at
// every 10 decisions, the true rate leaves the interval at some look in at
// most 5 % of sequences (a fixed-sample interval read this often would fail
// far more often).
func TestConfidenceSequenceCoversOverTime(t *testing.T) {
	const runs, length, p = 300, 2000, 0.85
	rng := rand.New(rand.NewPCG(20261205, 9))
	missed, wilsonMissed := 0, 0
	for range runs {
		passed := 0
		miss, wmiss := false, false
		for n := 1; n <= length; n++ {
			if rng.Float64() < p {
				passed++
			}
			if n%10 != 0 {
				continue
			}
			if lo, hi := ConfidenceSequence(passed, n, 0.05); p < lo || p > hi {
				miss = true
			}
			if lo, hi := wilson(passed, n); p < lo || p > hi {
				wmiss = true
			}
		}
		if miss {
			missed++
		}
		if wmiss {
			wilsonMissed++
		}
	}
	t.Logf("the true rate left the interval at some look in %d/%d sequences (Wilson, read as often: %d/%d)", missed, runs, wilsonMissed, runs)
	if float64(missed)/runs > 0.05 {
		t.Errorf("confidence sequence missed in %d of %d sequences, want at most 5 %%", missed, runs)
	}
}
