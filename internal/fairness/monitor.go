package fairness

import (
	"math"
	"sort"
	"time"
)

// monitor follows every group's evidence as decisions arrive, in the order
// they were made, exactly as a reader who opened the report after each
// decision would have seen it. [Analyze] runs one over a period's
// decisions; the simulation tests run one and look after every decision.
type monitor struct {
	tab          *logTable
	all          tally
	minDecisions int
	families     []*family
	buf          []string
}

// family is a set of groups whose flags share one error budget: alpha is
// split evenly over its size (Bonferroni), so that the chance of any false
// flag in the family, however often it is read, stays below alpha.
type family struct {
	size      int
	threshold float64 // ln(size/alpha): the log-evidence that flags
	dims      []*dimTrack
	flagged   int // groups flagged so far
}

type dimTrack struct {
	dim    *dimension
	byKey  map[string]*track
	tracks []*track
}

// track is one group's history.
type track struct {
	key string
	tally
	// maxLog is the largest log-evidence seen at a moment the group could be
	// flagged (it had minDecisions decisions and there was a rest to compare
	// with); 0, an e-value of 1, before any.
	maxLog float64
	// flaggedAfter is the group's number of decisions when its evidence
	// first reached the family's threshold, and flaggedAt the time of that
	// decision; 0 and zero while never.
	flaggedAfter int
	flaggedAt    time.Time
}

type tally struct{ passed, total int }

func (t *tally) add(passed bool) {
	t.total++
	if passed {
		t.passed++
	}
}

// newMonitor prepares a monitor of the families given; tab may be shared
// by monitors that run one after the other.
func newMonitor(tab *logTable, families ...*family) *monitor {
	return &monitor{tab: tab, minDecisions: MinDecisions, families: families}
}

// newFamily is a family of the dimensions' groups, of the size the report
// will list (at least 1), at level alpha.
func newFamily(alpha float64, size int, dims ...dimension) *family {
	size = max(size, 1)
	f := &family{size: size, threshold: math.Log(float64(size) / alpha)}
	for i := range dims {
		f.dims = append(f.dims, &dimTrack{dim: &dims[i], byKey: map[string]*track{}})
	}
	return f
}

// add takes the next decision and updates every group's evidence.
func (m *monitor) add(d Decision) {
	m.all.add(d.Passed)
	m.tab.grow(m.all.total)
	for _, f := range m.families {
		for _, dt := range f.dims {
			m.buf = dt.dim.keys(d, m.buf[:0])
			for _, key := range m.buf {
				tr := dt.byKey[key]
				if tr == nil {
					tr = &track{key: key}
					dt.byKey[key] = tr
					dt.tracks = append(dt.tracks, tr)
				}
				tr.add(d.Passed)
			}
		}
	}
	pooled := m.tab.logMaxLikelihood(m.all.passed, m.all.total-m.all.passed)
	for _, f := range m.families {
		for _, dt := range f.dims {
			for _, tr := range dt.tracks {
				m.update(f, tr, pooled, d.At)
			}
		}
	}
}

// update is one group's evidence after the latest decision: its mixture and
// the rest's, over the pooled maximum likelihood.
func (m *monitor) update(f *family, tr *track, pooled float64, at time.Time) {
	restTotal := m.all.total - tr.total
	if tr.total < m.minDecisions || restTotal == 0 {
		return
	}
	restPassed := m.all.passed - tr.passed
	le := m.tab.logMixture(tr.passed, tr.total-tr.passed) + m.tab.logMixture(restPassed, restTotal-restPassed) - pooled
	if le > tr.maxLog {
		tr.maxLog = le
	}
	if tr.flaggedAfter == 0 && le >= f.threshold {
		tr.flaggedAfter, tr.flaggedAt = tr.total, at
		f.flagged++
	}
}

// agent is an agent's track, nil before the agent's first decision.
func (m *monitor) agent(id string) *track { return m.families[0].dims[0].byKey[id] }

// agentsFlagged is the number of agents flagged so far.
func (m *monitor) agentsFlagged() int { return m.families[0].flagged }

// comparisons lays out one dimension's groups, sorted by key.
func (m *monitor) comparisons(f *family, dt *dimTrack) []Comparison {
	out := make([]Comparison, 0, len(dt.tracks))
	for _, tr := range dt.tracks {
		rest := tally{passed: m.all.passed - tr.passed, total: m.all.total - tr.total}
		c := Comparison{
			Rate:         newRate(tr.key, tr.passed, tr.total),
			Label:        dt.dim.label(tr.key),
			Others:       newRate("rest", rest.passed, rest.total),
			P:            math.Min(1, math.Exp(-tr.maxLog)),
			Flagged:      tr.flaggedAfter > 0,
			FlaggedAfter: tr.flaggedAfter,
			FlaggedAt:    tr.flaggedAt,
			TooFew:       tr.total < m.minDecisions,
		}
		c.OthersRate = c.Others.Rate
		c.AdjustedP = math.Min(1, float64(f.size)*c.P)
		c.Z = standardDifference(tr.passed, tr.total, rest.passed, rest.total)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

// standardDifference is the difference between two pass rates in units of
// its pooled standard error: a description of the gap's size and direction,
// not the test (the flag comes from the evidence). 0 when either side is
// empty or nobody varies.
func standardDifference(x1, n1, x2, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 0
	}
	pooled := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 0
	}
	return (float64(x1)/float64(n1) - float64(x2)/float64(n2)) / se
}
