// Package fairness measures whether verification decisions depend on who
// makes them, or on what attest knows about the case: pass rates per agent
// and per group (kind of claim, the case's reason, method and
// accommodation, phone hand-off, language setting, country, time-zone
// region), each with an interval, and a flag for a group whose rate differs
// from the rest's. The report is a live page: its flags and intervals stay
// valid however often it is read.
//
// The package is pure: it takes decided cases as values and returns a
// [Report]. The only output is [Report.WriteCSV], which writes to an
// [io.Writer] supplied by the caller.
//
// # Why a sequential test
//
// A fixed-sample test (a two-proportion z-test, say) at level 5 % is wrong
// 5 % of the time when it is read once, at a size fixed in advance. A
// report that recomputes on every visit is read again and again as the
// decisions come in, and every reading is another chance for chance to
// cross the line: with ten unbiased agents, reading such a report every 20
// decisions flagged an innocent agent in one team out of five. This
// package therefore uses an e-process, a test whose guarantee holds
// uniformly over time: the chance that it *ever* flags an agent who decides
// like the rest is at most alpha, whenever and however often it is read.
//
// # The evidence
//
// Take one group g (an agent; or, say, the audio-only cases) and the rest r
// of the period's decisions. After each decision, with s passes and f
// failures in each part and S, F over all N decisions, the evidence that g
// passes at a rate other than the rest is
//
//	        B(s_g+½, f_g+½)   B(s_r+½, f_r+½)
//	E  =  ─────────────────·───────────────── ÷ (S/N)^S (F/N)^F
//	          B(½, ½)            B(½, ½)
//
// with B the beta function. The numerator is the probability of the
// decisions seen when g and the rest each have a pass rate of their own,
// unknown, averaged over a Jeffreys (Beta(½, ½)) prior; the denominator is
// the largest probability any single rate shared by everyone gives them.
// If in truth everyone passes at the same rate p, the denominator is at
// least the probability at p, so E is at most the mixture likelihood ratio
// against p, which is a nonnegative martingale starting at 1 — whatever
// order the decisions come in and whoever makes each, as long as who decides
// a case does not depend on how it will end. By Ville's inequality the
// chance that E ever reaches 1/a is then at most a. This is universal
// inference with a mixture in the numerator (Wasserman, Ramdas and
// Balakrishnan, "Universal inference", PNAS 117(29), 2020); e-processes
// and their use for anytime-valid tests are surveyed by Ramdas, Grünwald,
// Vovk and Shafer, "Game-theoretic statistics and safe anytime-valid
// inference", Statistical Science 38(4), 2023.
//
// The report shows, per group, the always-valid p-value P = min(1, 1/max E)
// over the period so far — the running minimum, as in Johari, Koomen,
// Pekelis and Walsh, "Always valid inference: continuous monitoring of A/B
// tests", Operations Research 70(3), 2022 — and flags the group when
// K·P ≤ alpha, where K is the number of groups in its family (Bonferroni).
// A union bound over K e-processes needs no assumption about how they
// depend on each other, and these do: every agent is in everyone else's
// rest. There are two families, each with its own alpha: the agents, and
// the groups of all breakdowns together. A flag is sticky: once the
// evidence reached the line, the group stays flagged for the period, and
// the report says after how many of its decisions and when.
//
// K is counted at the reading. When the team stays the same all period the
// guarantee is exact; when agents join mid-period, earlier readings used a
// smaller K, and the chance of any false flag is at most
// alpha·(1 + ln(K at the end / K at the start)): the k-th agent to appear
// is never held to a line below ln(k/alpha). A flag that only just crossed
// the smaller K's line may then go away.
//
// E is computed from counts only (the beta function does not care about
// order), so following every group after every decision costs a few table
// look-ups per group per decision: O(decisions × groups) in all.
//
// The normal-mixture SPRT of Johari et al. was considered and not used: for
// a difference of proportions it relies on a normal approximation with a
// plug-in variance, which is poor at the small counts and 85 %-ish rates a
// report sees when it is first read, and it needs a mixing variance tuned to
// the effect size. The beta mixture over the maximum likelihood is exact at
// every count and has nothing to tune.
//
// # Intervals
//
// Every rate comes with a 95 % confidence sequence from the same Jeffreys
// mixture ([ConfidenceSequence]; Robbins, "Statistical methods related to
// the law of the iterated logarithm", Annals of Mathematical Statistics
// 41(5), 1970; see also Howard, Ramdas, McAuliffe and Sekhon,
// "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals
// of Statistics 49(2), 2021). With probability 95 % the true rate lies in
// the interval at every moment, so it too may be read at any time; it is
// wider than a fixed-sample (Wilson) interval, which is the price.
//
// # Periods
//
// The guarantee holds for a sequence of decisions read from a fixed start.
// The report follows one calendar quarter ([Period]); a window that slid
// with the reading (the last 90 days) would restart the test at every
// reading. Each quarter is a new test with its own alpha.
//
// # What a flag means
//
// A flag says that the group's pass rate differs from the rest's, in the
// direction the rates show; it is not proof of bias. The test's null is
// that every decision of the period passes with the same probability:
// agents are not assigned cases at random (time zones, languages), and the
// breakdowns are there to check a flagged agent's case mix before drawing
// conclusions about the person. In a small team a strongly deviating agent
// also moves the rest's rate, so ordinary agents can be flagged in the
// opposite direction; the direction tells these apart. Groups with fewer
// than [MinDecisions] decisions are listed but not flagged.
package fairness

import (
	"slices"
	"sort"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// Level is the coverage of every interval in the report.
const Level = 0.95

// MinDecisions is the number of decisions a group needs before it can be
// flagged. Smaller groups are reported with TooFew set; their decisions
// still count towards everyone else's rest.
const MinDecisions = 30

// DefaultAlpha is used by [Analyze] when it is given an alpha outside (0, 1):
// the chance, per family and period, of any false flag.
const DefaultAlpha = 0.05

// Decision is one decided case, as the report needs it. It holds what
// attest legitimately knows about the case and nothing about the person:
// the profile has no field for protected characteristics.
type Decision struct {
	AgentID    string
	Passed     bool
	ReasonCode string    // why the case failed; ignored for passed cases
	At         time.Time // when it was decided
	// CaseReason is the reason code the marketplace opened the case with.
	CaseReason string
	// ClaimKinds are the kinds of the claims the case checked.
	ClaimKinds []verification.ClaimKind
	// Method is how the case was worked: a video call, or an accommodation.
	Method verification.Mode
	// Phone reports that the freelancer moved to a phone during the case.
	Phone bool
	// Locale and TimeZone are the profile's; Country is the region of the
	// locale (profiles carry no country field).
	Locale   string
	TimeZone string
	Country  string
}

// Rate is a proportion Passed/Total for one group with its 95 % confidence
// sequence [Low, High] ([ConfidenceSequence]). For an empty group Rate is 0
// and the interval is [0, 1].
//
// In [Report.ByReason] the fields are reused for a share rather than a pass
// rate: Passed is the number of failed decisions carrying that reason code
// and Total the number of failed decisions.
type Rate struct {
	Group         string
	Passed, Total int
	Rate          float64
	Low, High     float64
}

func newRate(group string, passed, total int) Rate {
	r := Rate{Group: group, Passed: passed, Total: total}
	if total > 0 {
		r.Rate = float64(passed) / float64(total)
	}
	r.Low, r.High = ConfidenceSequence(passed, total, 1-Level)
	return r
}

// Comparison is one group's pass rate against the rest of the period's
// decisions, and the sequential test between them.
type Comparison struct {
	Rate
	// Label is the group in words, for people (Group is the key the CSV uses).
	Label string
	// Others is the pass rate of every decision not in the group, with its
	// interval; OthersRate repeats Others.Rate.
	Others     Rate
	OthersRate float64
	// Z is the gap between the group's rate and the rest's in units of its
	// standard error: positive when the group passes more often. It
	// describes the gap; the flag does not come from it.
	Z float64
	// P is the always-valid p-value of the period so far (1/the largest
	// evidence, at most 1); 1 while the group is too small to be tested.
	P float64
	// AdjustedP is P times the number of groups in the family, at most 1.
	AdjustedP float64
	// Flagged reports that the evidence reached the family's line
	// (AdjustedP <= the report's Alpha) at some point in the period.
	Flagged bool
	// FlaggedAfter is the group's number of decisions when it was first
	// flagged, and FlaggedAt the time of that decision; 0 and zero if never.
	FlaggedAfter int
	FlaggedAt    time.Time
	// TooFew reports fewer than MinDecisions decisions: never flagged.
	TooFew bool
}

// Passes reports the direction of the gap: -1 when the group passes less
// often than the rest, +1 when more often, 0 when at the same rate.
func (c Comparison) Passes() int {
	switch {
	case c.Rate.Rate < c.Others.Rate:
		return -1
	case c.Rate.Rate > c.Others.Rate:
		return 1
	}
	return 0
}

// Breakdown is the pass rate of each group of one dimension, each against
// the rest.
type Breakdown struct {
	// Name is the dimension's key in the CSV ("method"); Title and Note say
	// what it is for people.
	Name, Title, Note string
	Groups            []Comparison
}

// Report is the fairness report for a period's decisions.
type Report struct {
	// Agents, sorted by agent ID, each against the rest of the team.
	Agents []Comparison
	// Breakdowns are the groups beyond one agent (see the package
	// documentation), each group sorted by key.
	Breakdowns []Breakdown
	// ByReason is the share of each reason code among failed decisions,
	// most frequent first (ties by code). Passed decisions are not included;
	// see Rate for how the fields are used.
	ByReason []Rate
	// Overall is the pass rate of all decisions.
	Overall Rate
	// Alpha is the chance, per family, of any false flag in the period.
	Alpha float64
	// AgentFamily and GroupFamily are the number of agents, and of groups
	// over all breakdowns, over which Alpha is split.
	AgentFamily, GroupFamily int
	// MinDecisions is the minimum number of decisions for a group to be
	// flagged.
	MinDecisions int
}

// Breakdown returns the breakdown with the given name, or an empty one.
func (r Report) Breakdown(name string) Breakdown {
	for _, b := range r.Breakdowns {
		if b.Name == name {
			return b
		}
	}
	return Breakdown{Name: name}
}

// FlaggedAgents and FlaggedGroups count the flags in the report.
func (r Report) FlaggedAgents() int { return countFlags(r.Agents) }

// FlaggedGroups counts the flagged groups over all breakdowns.
func (r Report) FlaggedGroups() int {
	n := 0
	for _, b := range r.Breakdowns {
		n += countFlags(b.Groups)
	}
	return n
}

func countFlags(cs []Comparison) int {
	n := 0
	for _, c := range cs {
		if c.Flagged {
			n++
		}
	}
	return n
}

// Analyze builds the fairness report for one period's decisions. It reads
// them in the order they were made (by At; decisions with equal times keep
// the order given), as a reader who opened the report after every decision
// would have seen them. alpha is the chance, per family, of any false flag
// in the period (e.g. 0.05); values outside (0, 1) are replaced by
// DefaultAlpha.
func Analyze(decisions []Decision, alpha float64) Report {
	if !(alpha > 0 && alpha < 1) {
		alpha = DefaultAlpha
	}
	byTime := func(a, b Decision) int { return a.At.Compare(b.At) }
	if !slices.IsSortedFunc(decisions, byTime) {
		decisions = slices.Clone(decisions)
		slices.SortStableFunc(decisions, byTime)
	}
	agents, groups := familySizes(decisions)
	tab := &logTable{}
	tab.grow(len(decisions))
	m := newMonitor(tab, newFamily(alpha, agents, agentDimension), newFamily(alpha, groups, breakdowns...))
	reasons := map[string]int{}
	failed := 0
	for _, d := range decisions {
		m.add(d)
		if !d.Passed {
			failed++
			reasons[orDefault(d.ReasonCode, NoReason)]++
		}
	}

	agentFamily, groupFamily := m.families[0], m.families[1]
	r := Report{
		Overall:      newRate("all", m.all.passed, m.all.total),
		Alpha:        alpha,
		AgentFamily:  agentFamily.size,
		GroupFamily:  groupFamily.size,
		MinDecisions: m.minDecisions,
		Agents:       m.comparisons(agentFamily, agentFamily.dims[0]),
	}
	for _, dt := range groupFamily.dims {
		r.Breakdowns = append(r.Breakdowns, Breakdown{Name: dt.dim.name, Title: dt.dim.title, Note: dt.dim.note,
			Groups: m.comparisons(groupFamily, dt)})
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

// familySizes counts the agents, and the groups over all breakdowns, that
// the decisions make: the number of tests each family's alpha is split over.
func familySizes(decisions []Decision) (agents, groups int) {
	seen := make([]map[string]bool, 1+len(breakdowns))
	for i := range seen {
		seen[i] = map[string]bool{}
	}
	var buf []string
	for _, d := range decisions {
		buf = agentDimension.keys(d, buf[:0])
		for i := 0; i <= len(breakdowns); i++ {
			if i > 0 {
				buf = breakdowns[i-1].keys(d, buf[:0])
			}
			for _, k := range buf {
				if !seen[i][k] {
					seen[i][k] = true
				}
			}
		}
	}
	agents = len(seen[0])
	for _, s := range seen[1:] {
		groups += len(s)
	}
	return agents, groups
}
