// Package fairness measures whether verification decisions depend on who
// makes them: pass rates per agent with confidence intervals, and a test that
// flags an agent whose rate differs from the rest of the team.
//
// The package is pure: it takes decided cases as values and returns a
// [Report]. The only output is [Report.WriteCSV], which writes to an
// [io.Writer] supplied by the caller.
//
// # Method
//
// Every pass rate comes with a Wilson score interval at 95 % ([Z95]). Wilson
// is used instead of the textbook normal ("Wald") interval because it stays
// inside [0, 1] and keeps close to its nominal coverage for small samples and
// for rates near 0 % or 100 %, which is where verification pass rates live.
//
// Each agent with at least [MinDecisions] decisions is compared with all
// other agents pooled (every decision not made by that agent, including
// decisions of agents too small to be tested themselves) by a two-proportion
// z-test with pooled standard error and Yates' continuity correction:
//
//	p̂ = (x₁+x₂)/(n₁+n₂)
//	d = x₁/n₁ − x₂/n₂,  c = ½(1/n₁ + 1/n₂)
//	z = sign(d)·max(|d| − c, 0) / sqrt(p̂(1−p̂)(1/n₁+1/n₂))
//
// and a two-sided p-value erfc(|z|/√2). This is a normal approximation, not an
// exact test. The continuity correction is deliberate: pass rates around
// 85 % make the binomial skewed, and at the small per-test levels Holm uses
// (alpha/10 for ten agents) the uncorrected test rejects too often in the
// low-rate tail. In simulation (10 unbiased agents at 85 %, 400 decisions
// each, alpha 0.05, 80 000 teams) the uncorrected test flagged some agent in
// about 4.9–5.1 % of teams, i.e. at or just above the promised 5 %; with the
// correction it is about 4 %. The correction costs a little power, which is
// the right side to err on when a flag leads to a conversation with a person.
//
// Testing every agent at level alpha would, with ten agents, flag some honest
// agent in roughly 40 % of reporting periods. The p-values are therefore
// corrected with the Holm–Bonferroni step-down procedure. Holm was chosen
// because it controls the family-wise error rate (the probability that any
// unbiased agent is flagged at all, which is what matters when a flag leads to
// a conversation with a person) under any dependence between the tests — the
// agent-versus-rest tests share data and are not independent — and it is
// uniformly more powerful than plain Bonferroni: it rejects everything
// Bonferroni rejects, and sometimes more. Procedures that control the false
// discovery rate instead (Benjamini–Hochberg) would allow a fixed share of
// false flags, which is the wrong trade-off here.
//
// The agent-versus-rest design has one caveat worth knowing: in a small team
// a single strongly deviating agent moves the rest's pooled rate, so ordinary
// agents can then be flagged as well, in the opposite direction. The sign of
// Z (negative: passes less often than the others) tells these cases apart.
//
// A flag is a statistical signal that an agent's pass rate differs from the
// team's, in either direction; it is not proof of bias. Agents are usually
// not assigned cases at random (time zones, languages, countries), so a
// flagged agent's case mix should be checked — ByCountry and ByReason help —
// before drawing conclusions about the person.
package fairness

import (
	"math"
	"sort"
)

// Z95 is the standard normal quantile for a two-sided 95 % interval.
const Z95 = 1.959963984540054

// MinDecisions is the number of decisions an agent needs before the agent is
// tested. Agents with fewer decisions are reported with TooFew set and are
// never flagged; their decisions still count towards everyone else's
// comparison group.
const MinDecisions = 30

// DefaultAlpha is used by [Analyze] when it is given an alpha outside (0, 1).
const DefaultAlpha = 0.05

// Group names used for missing values.
const (
	UnknownAgent   = "(unknown agent)"
	UnknownCountry = "(unknown country)"
	NoReason       = "(no reason code)"
)

// Decision is one decided case, as the report needs it.
type Decision struct {
	AgentID    string
	Passed     bool
	ReasonCode string // why the case failed; ignored for passed cases
	Country    string
}

// Rate is a proportion Passed/Total for one group with its Wilson 95 %
// interval [Low, High]. For an empty group Rate is 0 and the interval is
// [0, 1].
//
// In [Report.ByReason] the fields are reused for a share rather than a pass
// rate: Passed is the number of failed decisions carrying that reason code and
// Total the number of failed decisions.
type Rate struct {
	Group         string
	Passed, Total int
	Rate          float64
	Low, High     float64
}

// AgentResult is one agent's pass rate and the test against the rest of the
// team.
type AgentResult struct {
	Rate
	// OthersRate is the pass rate of all decisions not made by this agent.
	OthersRate float64
	// Z is the two-proportion z statistic; positive when the agent passes
	// more often than the others. 0 when the agent is not tested.
	Z float64
	// P is the unadjusted two-sided p-value; 1 when the agent is not tested.
	P float64
	// AdjustedP is P after the Holm–Bonferroni correction across all tested
	// agents; 1 when the agent is not tested.
	AdjustedP float64
	// Flagged reports AdjustedP < Report.Alpha.
	Flagged bool
	// TooFew reports that the agent has fewer than MinDecisions decisions
	// and was therefore not tested.
	TooFew bool
}

// Report is the fairness report for a set of decisions.
type Report struct {
	// Agents, sorted by agent ID.
	Agents []AgentResult
	// ByReason is the share of each reason code among failed decisions,
	// most frequent first (ties by code). Passed decisions are not included;
	// see Rate for how the fields are used.
	ByReason []Rate
	// ByCountry is the pass rate per country, sorted by country.
	ByCountry []Rate
	// Overall is the pass rate of all decisions.
	Overall Rate
	// Alpha is the family-wise significance level used for flagging.
	Alpha float64
	// MinDecisions is the minimum number of decisions for an agent to be
	// tested.
	MinDecisions int
}

// Wilson returns the Wilson score interval for passed successes out of total
// trials at normal quantile z (use [Z95] for 95 %). For total <= 0 it returns
// [0, 1]. passed is clamped to [0, total].
func Wilson(passed, total int, z float64) (low, high float64) {
	if total <= 0 {
		return 0, 1
	}
	passed = min(max(passed, 0), total)
	n := float64(total)
	p := float64(passed) / n
	z2 := z * z
	denom := 1 + z2/n
	centre := (p + z2/(2*n)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	low, high = centre-half, centre+half
	// At the edges the exact values are 0 and 1; avoid rounding residue.
	if passed == 0 {
		low = 0
	}
	if passed == total {
		high = 1
	}
	return max(low, 0), min(high, 1)
}

func newRate(group string, passed, total int) Rate {
	r := Rate{Group: group, Passed: passed, Total: total}
	if total > 0 {
		r.Rate = float64(passed) / float64(total)
	}
	r.Low, r.High = Wilson(passed, total, Z95)
	return r
}

// twoProportionZ compares x1/n1 with x2/n2 using the pooled standard error
// and a continuity correction (see the package documentation) and returns z
// and the two-sided p-value. When either sample is empty, the pooled rate is
// 0 or 1 (no variation at all), or the difference is within the continuity
// correction, there is no evidence of a difference and it returns z = 0, p = 1.
func twoProportionZ(x1, n1, x2, n2 int) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1
	}
	pooled := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 0, 1
	}
	diff := float64(x1)/float64(n1) - float64(x2)/float64(n2)
	cc := 0.5 * (1/float64(n1) + 1/float64(n2))
	if math.Abs(diff) <= cc {
		return 0, 1
	}
	z = math.Copysign(math.Abs(diff)-cc, diff) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}

// holm returns Holm–Bonferroni adjusted p-values, in the order given: with
// the m p-values sorted ascending p(1) <= ... <= p(m), the adjusted value of
// p(i) is max over j <= i of min(1, (m−j+1)·p(j)). Rejecting where the
// adjusted value is below alpha is exactly Holm's step-down procedure.
func holm(ps []float64) []float64 {
	m := len(ps)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	adj := make([]float64, m)
	running := 0.0
	for rank, i := range idx {
		v := min(1, float64(m-rank)*ps[i])
		running = max(running, v)
		adj[i] = running
	}
	return adj
}

type tally struct{ passed, total int }

func (t *tally) add(passed bool) {
	t.total++
	if passed {
		t.passed++
	}
}

// Analyze builds the fairness report for decisions. alpha is the family-wise
// significance level for flagging agents (e.g. 0.05); values outside (0, 1)
// are replaced by DefaultAlpha.
func Analyze(decisions []Decision, alpha float64) Report {
	if !(alpha > 0 && alpha < 1) {
		alpha = DefaultAlpha
	}
	var all tally
	agents := map[string]*tally{}
	countries := map[string]*tally{}
	reasons := map[string]int{}
	failed := 0
	get := func(m map[string]*tally, k string) *tally {
		t := m[k]
		if t == nil {
			t = &tally{}
			m[k] = t
		}
		return t
	}
	for _, d := range decisions {
		agent := orDefault(d.AgentID, UnknownAgent)
		country := orDefault(d.Country, UnknownCountry)
		all.add(d.Passed)
		get(agents, agent).add(d.Passed)
		get(countries, country).add(d.Passed)
		if !d.Passed {
			failed++
			reasons[orDefault(d.ReasonCode, NoReason)]++
		}
	}

	r := Report{
		Overall:      newRate("all", all.passed, all.total),
		Alpha:        alpha,
		MinDecisions: MinDecisions,
	}

	ids := sortedKeys(agents)
	r.Agents = make([]AgentResult, len(ids))
	var tested []int
	var ps []float64
	for i, id := range ids {
		t := agents[id]
		a := AgentResult{Rate: newRate(id, t.passed, t.total), P: 1, AdjustedP: 1}
		op, on := all.passed-t.passed, all.total-t.total
		if on > 0 {
			a.OthersRate = float64(op) / float64(on)
		}
		if t.total < MinDecisions {
			a.TooFew = true
		} else if on > 0 {
			a.Z, a.P = twoProportionZ(t.passed, t.total, op, on)
			tested = append(tested, i)
			ps = append(ps, a.P)
		}
		r.Agents[i] = a
	}
	for k, adj := range holm(ps) {
		a := &r.Agents[tested[k]]
		a.AdjustedP = adj
		a.Flagged = adj < alpha
	}

	for _, c := range sortedKeys(countries) {
		t := countries[c]
		r.ByCountry = append(r.ByCountry, newRate(c, t.passed, t.total))
	}

	codes := make([]string, 0, len(reasons))
	for c := range reasons {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if reasons[codes[i]] != reasons[codes[j]] {
			return reasons[codes[i]] > reasons[codes[j]]
		}
		return codes[i] < codes[j]
	})
	for _, c := range codes {
		r.ByReason = append(r.ByReason, newRate(c, reasons[c], failed))
	}
	return r
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedKeys(m map[string]*tally) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
