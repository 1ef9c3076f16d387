package fairness

import (
	"math"
	"slices"
)

// logTable holds, for k = 0, 1, 2, …, the logarithms the evidence needs:
// ln Γ(k+½), ln k! and k·ln k. Looking them up makes the evidence of one
// group at one moment a handful of additions, so that following every group
// after every decision costs O(decisions × groups) additions in all.
type logTable struct {
	gammaHalf []float64 // ln Γ(k + ½)
	factorial []float64 // ln Γ(k + 1)
	xlogx     []float64 // k·ln k, 0 for k = 0
}

// grow makes sure the table reaches n.
func (t *logTable) grow(n int) {
	if more := n + 1 - len(t.factorial); more > 0 {
		t.gammaHalf = slices.Grow(t.gammaHalf, more)
		t.factorial = slices.Grow(t.factorial, more)
		t.xlogx = slices.Grow(t.xlogx, more)
	}
	for k := len(t.factorial); k <= n; k++ {
		gh, _ := math.Lgamma(float64(k) + 0.5)
		lf, _ := math.Lgamma(float64(k) + 1)
		t.gammaHalf = append(t.gammaHalf, gh)
		t.factorial = append(t.factorial, lf)
		xl := 0.0
		if k > 0 {
			xl = float64(k) * math.Log(float64(k))
		}
		t.xlogx = append(t.xlogx, xl)
	}
}

// lnPi is ln B(½, ½), the normalising constant of the Jeffreys prior.
var lnPi = math.Log(math.Pi)

// logMixture is the logarithm of the probability of one particular sequence
// with passed passes and failed failures under the Jeffreys mixture of
// Bernoulli distributions (a Beta(½, ½) prior on the pass rate; the
// Krichevsky–Trofimov estimator): ln B(passed+½, failed+½) − ln B(½, ½).
// It depends on the counts only, not on their order. The table must reach
// passed + failed.
func (t *logTable) logMixture(passed, failed int) float64 {
	return t.gammaHalf[passed] + t.gammaHalf[failed] - t.factorial[passed+failed] - lnPi
}

// logMixture is [logTable.logMixture] without a table, for one use.
func logMixture(passed, failed int) float64 {
	a, _ := math.Lgamma(float64(passed) + 0.5)
	b, _ := math.Lgamma(float64(failed) + 0.5)
	n, _ := math.Lgamma(float64(passed+failed) + 1)
	return a + b - n - lnPi
}

// logMaxLikelihood is the logarithm of the largest probability any single
// pass rate gives a sequence with these counts: the rate passed/(passed +
// failed), so passed·ln(passed/n) + failed·ln(failed/n). The table must
// reach passed + failed.
func (t *logTable) logMaxLikelihood(passed, failed int) float64 {
	return t.xlogx[passed] + t.xlogx[failed] - t.xlogx[passed+failed]
}

// logEvidence is the logarithm of the e-value against "the group passes at
// the same rate as the rest": the group's and the rest's Jeffreys mixtures
// (each its own pass rate) over the best single rate for all of them
// together. See the package documentation for why it may be read after every
// decision. The table must reach groupTotal + restTotal.
func (t *logTable) logEvidence(groupPassed, groupTotal, restPassed, restTotal int) float64 {
	return t.logMixture(groupPassed, groupTotal-groupPassed) +
		t.logMixture(restPassed, restTotal-restPassed) -
		t.logMaxLikelihood(groupPassed+restPassed, groupTotal+restTotal-groupPassed-restPassed)
}

// ConfidenceSequence returns the interval [low, high] of pass rates p that
// the Jeffreys mixture does not reject at level alpha after passed passes in
// total decisions: those with
//
//	ln B(passed+½, failed+½) − ln B(½, ½) − passed·ln p − failed·ln(1−p) < ln(1/alpha).
//
// The intervals for every total are valid at once (a confidence sequence,
// Robbins 1970): with probability at least 1 − alpha the true rate lies in
// every one of them, so the interval may be read after every decision. It is
// wider than a fixed-sample interval; that is the price of being read at any
// time. For total <= 0 it returns [0, 1]; alpha outside (0, 1) is replaced
// by 0.05.
func ConfidenceSequence(passed, total int, alpha float64) (low, high float64) {
	if total <= 0 {
		return 0, 1
	}
	if !(alpha > 0 && alpha < 1) {
		alpha = 0.05
	}
	passed = min(max(passed, 0), total)
	failed := total - passed
	// inside(p) > 0 for p in the interval; it is concave in p and positive at
	// the observed rate, so each end is found by bisection on its side.
	bound := logMixture(passed, failed) + math.Log(alpha)
	inside := func(p float64) float64 {
		ll := 0.0
		if passed > 0 {
			ll += float64(passed) * math.Log(p)
		}
		if failed > 0 {
			ll += float64(failed) * math.Log1p(-p)
		}
		return ll - bound
	}
	rate := float64(passed) / float64(total)
	low, high = 0, 1
	if passed > 0 {
		low = bisect(inside, 0, rate)
	}
	if failed > 0 {
		high = bisect(inside, rate, 1)
	}
	return low, high
}

// bisect finds where f changes sign between a and b (one of them inside,
// f > 0, the other outside) to within 1e-12.
func bisect(f func(float64) float64, a, b float64) float64 {
	aInside := f(a) > 0
	for range 64 {
		m := (a + b) / 2
		if (f(m) > 0) == aInside {
			a = m
		} else {
			b = m
		}
		if b-a < 1e-12 {
			break
		}
	}
	// Return the end just outside, so that the interval is never narrower
	// than the set it describes.
	if aInside {
		return b
	}
	return a
}
