package fairness

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

var t0 = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)

// decisions builds n decisions by agent, the first passed of them passing,
// interleaved with nothing: callers shuffle when order matters.
func decisions(agent string, passed, n int, country, reason string) []Decision {
	ds := make([]Decision, n)
	for i := range ds {
		ds[i] = Decision{AgentID: agent, Passed: i < passed, Country: country}
		if !ds[i].Passed {
			ds[i].ReasonCode = reason
		}
	}
	return ds
}

// interleave shuffles decisions with a fixed seed and stamps them a minute
// apart, so that no agent's decisions all come first.
func interleave(ds []Decision, seed uint64) []Decision {
	rng := rand.New(rand.NewPCG(seed, 7))
	rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	for i := range ds {
		ds[i].At = t0.Add(time.Duration(i) * time.Minute)
	}
	return ds
}

func byGroup(cs []Comparison) map[string]Comparison {
	m := map[string]Comparison{}
	for _, c := range cs {
		m[c.Group] = c
	}
	return m
}

func TestAnalyze(t *testing.T) {
	var ds []Decision
	honest := []struct {
		id      string
		passed  int
		country string
		reason  string
	}{
		{"alice", 255, "DE", "blurry_id"}, {"bob", 252, "DE", "blurry_id"},
		{"carol", 258, "DE", "blurry_id"}, {"frank", 255, "DE", "blurry_id"},
		{"grace", 255, "FR", "face_mismatch"}, {"heidi", 252, "FR", "face_mismatch"},
		{"ivan", 258, "FR", "face_mismatch"}, {"judy", 255, "FR", "face_mismatch"},
	}
	for _, h := range honest {
		ds = append(ds, decisions(h.id, h.passed, 300, h.country, h.reason)...)
	}
	ds = append(ds, decisions("dave", 150, 300, "FR", "face_mismatch")...) // clearly different
	ds = append(ds, decisions("eve", 0, 10, "", "")...)                    // too few, fails everyone
	r := Analyze(interleave(ds, 1), 0.05)

	if r.Alpha != 0.05 || r.MinDecisions != MinDecisions || r.AgentFamily != 10 {
		t.Errorf("alpha %v, min %v, agents %v", r.Alpha, r.MinDecisions, r.AgentFamily)
	}
	if r.Overall.Passed != 2190 || r.Overall.Total != 2710 {
		t.Errorf("overall %+v", r.Overall)
	}
	var order []string
	for _, a := range r.Agents {
		order = append(order, a.Group)
	}
	if got := strings.Join(order, ","); got != "alice,bob,carol,dave,eve,frank,grace,heidi,ivan,judy" {
		t.Errorf("agent order %s", got)
	}
	agents := byGroup(r.Agents)
	if d := agents["dave"]; !d.Flagged || d.Passes() >= 0 || d.Z >= 0 || d.TooFew || d.FlaggedAfter < MinDecisions || d.FlaggedAt.IsZero() {
		t.Errorf("dave not flagged as low: %+v", d)
	}
	for _, h := range honest {
		if a := agents[h.id]; a.Flagged || a.TooFew || a.FlaggedAfter != 0 {
			t.Errorf("%s flagged: %+v", h.id, a)
		}
	}
	e := agents["eve"]
	if !e.TooFew || e.Flagged || e.P != 1 || e.AdjustedP != 1 {
		t.Errorf("eve should be reported as too few and untested: %+v", e)
	}
	// Eve's decisions still count in everyone else's rest.
	if a := agents["alice"]; a.Others.Total != 2410 || !near(a.OthersRate, 1935.0/2410, 1e-12) || a.Others.Rate != a.OthersRate {
		t.Errorf("alice's rest %+v", a.Others)
	}
	// Bonferroni over the ten agents, and the flag agrees with it.
	for _, a := range r.Agents {
		if !near(a.AdjustedP, math.Min(1, 10*a.P), 1e-12) || a.Flagged != (a.AdjustedP <= r.Alpha) {
			t.Errorf("%s: p %v, adjusted %v, flagged %v", a.Group, a.P, a.AdjustedP, a.Flagged)
		}
		if !(a.Low <= a.Rate.Rate && a.Rate.Rate <= a.High) || !(a.Others.Low <= a.OthersRate && a.OthersRate <= a.Others.High) {
			t.Errorf("%s: intervals %+v, rest %+v", a.Group, a.Rate, a.Others)
		}
	}
	if r.FlaggedAgents() != 1 {
		t.Errorf("%d agents flagged, want 1 (dave)", r.FlaggedAgents())
	}

	countries := r.Breakdown("country").Groups
	want := []string{fmt.Sprint(UnknownCountry, " 0/10"), "DE 1020/1200", "FR 1170/1500"}
	var got []string
	for _, c := range countries {
		got = append(got, fmt.Sprintf("%s %d/%d", c.Group, c.Passed, c.Total))
	}
	if !slices.Equal(got, want) {
		t.Errorf("countries %v, want %v", got, want)
	}
	// 520 failures: 180 blurry_id, 180+150 face_mismatch, 10 without a code.
	wantReasons := []Rate{newRate("face_mismatch", 330, 520), newRate("blurry_id", 180, 520), newRate(NoReason, 10, 520)}
	if fmt.Sprint(r.ByReason) != fmt.Sprint(wantReasons) {
		t.Errorf("reasons\n got %v\nwant %v", r.ByReason, wantReasons)
	}
	if names := breakdownNames(r); names != "claim_kind,case_reason,method,phone_handoff,locale,country,timezone_region" {
		t.Errorf("breakdowns %s", names)
	}
}

func breakdownNames(r Report) string {
	var names []string
	for _, b := range r.Breakdowns {
		names = append(names, b.Name)
	}
	return strings.Join(names, ",")
}

// "Audio-only freelancers fail twice as often" is seen: a method whose
// failure rate is double the rest's is flagged in its breakdown, and groups
// that do not differ are not.
func TestAnalyzeSeesAGroupBeyondAgents(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261205, 4))
	zones := []string{"Europe/Lisbon", "America/Sao_Paulo", "Asia/Kolkata"}
	locales := []string{"pt-BR", "en-IN", "de-DE"}
	var ds []Decision
	for i := range 3000 {
		d := Decision{AgentID: fmt.Sprintf("a%d", rng.IntN(8)), At: t0.Add(time.Duration(i) * time.Minute),
			CaseReason: []string{"random_check", "report"}[rng.IntN(2)],
			ClaimKinds: []verification.ClaimKind{verification.KindIdentity, []verification.ClaimKind{verification.KindSkill, ""}[rng.IntN(2)]},
			Method:     verification.ModeVideo, Phone: rng.IntN(5) == 0,
			Locale: locales[rng.IntN(3)], TimeZone: zones[rng.IntN(3)]}
		d.Country = strings.Split(d.Locale, "-")[1]
		pass := 0.85
		if rng.IntN(10) == 0 {
			d.Method, pass = verification.ModeAudio, 0.70 // fails twice as often
		}
		d.Passed = rng.Float64() < pass
		ds = append(ds, d)
	}
	r := Analyze(ds, 0.05)
	method := byGroup(r.Breakdown("method").Groups)
	if a := method["audio_call"]; !a.Flagged || a.Passes() >= 0 || a.Label != "audio only" {
		t.Errorf("audio-only not flagged as failing more often: %+v", a)
	}
	for _, b := range r.Breakdowns {
		for _, g := range b.Groups {
			if g.Flagged && b.Name != "method" {
				t.Errorf("%s %s flagged: %+v", b.Name, g.Group, g)
			}
		}
	}
	if r.FlaggedAgents() != 0 {
		t.Errorf("%d agents flagged; the method, not the agents, differs", r.FlaggedAgents())
	}
	// Identity is in every case: the group has no rest and cannot be tested.
	if id := byGroup(r.Breakdown("claim_kind").Groups)["identity"]; id.Total != 3000 || id.Others.Total != 0 || id.P != 1 {
		t.Errorf("identity %+v", id)
	}
	if other := byGroup(r.Breakdown("claim_kind").Groups)["other"]; other.Total == 0 {
		t.Error("claims without a kind are not counted as other")
	}
	// The family is every group of every breakdown.
	n := 0
	for _, b := range r.Breakdowns {
		n += len(b.Groups)
	}
	if r.GroupFamily != n {
		t.Errorf("group family %d, want %d", r.GroupFamily, n)
	}
}

// In a small team one strongly deviating agent drags the rest's rate so far
// that ordinary agents can be flagged too — in the opposite direction. This
// is a property of the agent-against-the-rest design, documented in the
// package comment; the direction tells the two situations apart.
func TestAnalyzeSmallTeamOutlier(t *testing.T) {
	var ds []Decision
	ds = append(ds, decisions("a", 255, 300, "DE", "x")...)
	ds = append(ds, decisions("b", 255, 300, "DE", "x")...)
	ds = append(ds, decisions("c", 150, 300, "DE", "x")...)
	r := Analyze(interleave(ds, 2), 0.05)
	if c := r.Agents[2]; !c.Flagged || c.Passes() >= 0 {
		t.Errorf("outlier c: %+v", c)
	}
	for _, a := range r.Agents[:2] {
		if !a.Flagged || a.Passes() <= 0 {
			t.Errorf("agent %s: expected the documented opposite-direction flag, got %+v", a.Group, a)
		}
	}
}

// Reading the report after every decision is the same as reading it once
// at the end for flags: a flag, once raised, stays for the period, and a
// report of the first n decisions shows exactly what the monitor showed
// after n.
func TestMonitorMatchesAnalyze(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261205, 5))
	var ds []Decision
	for i := range 3000 {
		a := rng.IntN(simAgents)
		p := simBaseRate
		if a == 3 {
			p = 0.70
		}
		ds = append(ds, Decision{AgentID: simAgentIDs[a], Passed: rng.Float64() < p, At: t0.Add(time.Duration(i) * time.Second)})
	}
	m := newMonitor(&logTable{}, newFamily(simAlpha, simAgents, agentDimension))
	sawFlag := false
	for n, d := range ds {
		m.add(d)
		if (n+1)%250 != 0 {
			continue
		}
		r := Analyze(ds[:n+1], simAlpha)
		for _, a := range r.Agents {
			tr := m.agent(a.Group)
			if a.Flagged != (tr.flaggedAfter > 0) || a.FlaggedAfter != tr.flaggedAfter || !a.FlaggedAt.Equal(tr.flaggedAt) ||
				!near(a.P, math.Min(1, math.Exp(-tr.maxLog)), 1e-12) {
				t.Fatalf("after %d decisions, %s: report %+v, monitor %+v", n+1, a.Group, a, tr)
			}
			sawFlag = sawFlag || a.Flagged
		}
	}
	if !sawFlag {
		t.Error("the biased agent was never flagged; the comparison checked nothing")
	}
}

// Decisions given out of order are read in the order they were made.
func TestAnalyzeSortsByTime(t *testing.T) {
	ds := interleave(append(decisions("a", 200, 300, "DE", "x"), decisions("b", 280, 300, "DE", "x")...), 3)
	want := Analyze(ds, 0.05)
	shuffled := slices.Clone(ds)
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	before := fmt.Sprint(shuffled)
	got := Analyze(shuffled, 0.05)
	if fmt.Sprint(got.Agents) != fmt.Sprint(want.Agents) {
		t.Errorf("out of order\n got %+v\nwant %+v", got.Agents, want.Agents)
	}
	if fmt.Sprint(shuffled) != before {
		t.Error("Analyze reordered its input")
	}
}

func TestAnalyzeEdgeCases(t *testing.T) {
	r := Analyze(nil, 0.05)
	if len(r.Agents) != 0 || r.Overall.Total != 0 || r.Overall.Low != 0 || r.Overall.High != 1 || r.FlaggedGroups() != 0 {
		t.Errorf("empty report %+v", r)
	}
	for _, bad := range []float64{0, -1, 1, math.NaN()} {
		if got := Analyze(nil, bad).Alpha; got != DefaultAlpha {
			t.Errorf("alpha %v -> %v, want default", bad, got)
		}
	}
	// A single agent has no one to be compared with: untested, not TooFew.
	r = Analyze(decisions("solo", 10, 100, "DE", "x"), 0.05)
	if a := r.Agents[0]; a.Flagged || a.TooFew || a.P != 1 || a.AdjustedP != 1 {
		t.Errorf("solo agent %+v", a)
	}
	// Everyone passes everything: no variation, nobody flagged, no NaN.
	r = Analyze(append(decisions("a", 50, 50, "DE", ""), decisions("b", 50, 50, "DE", "")...), 0.05)
	for _, a := range r.Agents {
		if a.Flagged || math.IsNaN(a.Z) || math.IsNaN(a.P) {
			t.Errorf("all pass: %+v", a)
		}
	}
	if len(r.ByReason) != 0 {
		t.Errorf("reasons without failures: %v", r.ByReason)
	}
	// Reason codes on passed decisions are ignored.
	r = Analyze([]Decision{{AgentID: "a", Passed: true, ReasonCode: "x"}}, 0.05)
	if len(r.ByReason) != 0 {
		t.Errorf("reason of a passed decision counted: %v", r.ByReason)
	}
	// A missing agent ID is grouped rather than dropped.
	r = Analyze([]Decision{{Passed: true}}, 0.05)
	if r.Agents[0].Group != UnknownAgent {
		t.Errorf("missing agent grouped as %q", r.Agents[0].Group)
	}
	if b := r.Breakdown("nonesuch"); b.Name != "nonesuch" || len(b.Groups) != 0 {
		t.Errorf("unknown breakdown %+v", b)
	}
}

// The breakdowns group what attest knows about a case, and nothing else.
func TestBreakdownKeys(t *testing.T) {
	dim := func(name string) dimension {
		for _, d := range breakdowns {
			if d.name == name {
				return d
			}
		}
		t.Fatalf("no breakdown %s", name)
		return dimension{}
	}
	cases := []struct {
		dim  string
		d    Decision
		want string
	}{
		{"claim_kind", Decision{ClaimKinds: []verification.ClaimKind{"skill", "", "skill", "other"}}, "skill,other"},
		{"claim_kind", Decision{}, UnknownKinds},
		{"case_reason", Decision{CaseReason: "random_check"}, "random_check"},
		{"case_reason", Decision{}, NoReason},
		{"method", Decision{Method: verification.ModeDocuments}, "document_review"},
		{"method", Decision{}, UnknownMethod},
		{"phone_handoff", Decision{Phone: true}, MovedToPhone},
		{"phone_handoff", Decision{}, OneDevice},
		{"locale", Decision{Locale: "pt-BR"}, "pt-BR"},
		{"locale", Decision{Locale: "und"}, UnknownLocale},
		{"locale", Decision{}, UnknownLocale},
		{"country", Decision{Country: "BR"}, "BR"},
		{"country", Decision{}, UnknownCountry},
		{"timezone_region", Decision{TimeZone: "America/Argentina/Buenos_Aires"}, "America"},
		{"timezone_region", Decision{TimeZone: "UTC"}, "UTC"},
		{"timezone_region", Decision{}, UnknownTimeZone},
	}
	for _, c := range cases {
		if got := strings.Join(dim(c.dim).keys(c.d, nil), ","); got != c.want {
			t.Errorf("%s of %+v = %q, want %q", c.dim, c.d, got, c.want)
		}
	}
	labels := map[string]string{"video_call": "video call", "audio_call": "audio only", "document_review": "documents, no call", "x": "x"}
	for key, want := range labels {
		if got := dim("method").label(key); got != want {
			t.Errorf("method label %q = %q, want %q", key, got, want)
		}
	}
	if dim("phone_handoff").label(MovedToPhone) != "moved to a phone" || dim("phone_handoff").label(OneDevice) != "stayed on one device" {
		t.Error("phone hand-off labels")
	}
}

func TestPeriod(t *testing.T) {
	cases := []struct {
		at         time.Time
		want       string
		start, end string
		previous   string
	}{
		{time.Date(2026, 12, 5, 23, 59, 0, 0, time.UTC), "2026-Q4", "2026-10-01", "2027-01-01", "2026-Q3"},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2026-Q1", "2026-01-01", "2026-04-01", "2025-Q4"},
		{time.Date(2026, 6, 30, 23, 0, 0, 0, time.FixedZone("x", -3*3600)), "2026-Q3", "2026-07-01", "2026-10-01", "2026-Q2"},
	}
	for _, c := range cases {
		p := PeriodOf(c.at)
		if p.String() != c.want || p.Start().Format(time.DateOnly) != c.start || p.End().Format(time.DateOnly) != c.end ||
			p.Previous().String() != c.previous {
			t.Errorf("PeriodOf(%v) = %s [%v, %v), previous %s", c.at, p, p.Start(), p.End(), p.Previous())
		}
		if back, err := ParsePeriod(c.want); err != nil || back != p {
			t.Errorf("ParsePeriod(%q) = %v, %v", c.want, back, err)
		}
	}
	for _, bad := range []string{"", "2026", "2026-Q5", "2026-Q0", "2026-q4", "2026-Q4x", "26-Q4", " 2026-Q4"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
}

// A busy quarter: 100,000 decisions by 40 agents, with every breakdown
// populated. go test ./internal/fairness/ -run '^$' -bench Analyze
func BenchmarkAnalyze(b *testing.B) {
	rng := rand.New(rand.NewPCG(20261205, 6))
	kinds := verification.ClaimKinds
	modes := []verification.Mode{verification.ModeVideo, verification.ModeVideo, verification.ModeAudio, verification.ModeDocuments}
	locales := []string{"en", "en-IN", "pt-BR", "es-MX", "de-DE", "fr-FR", "en-US", "hi-IN"}
	zones := []string{"Asia/Kolkata", "America/Sao_Paulo", "Europe/Berlin", "America/Mexico_City", "Africa/Lagos", "UTC"}
	ds := make([]Decision, 100000)
	for i := range ds {
		loc := locales[rng.IntN(len(locales))]
		ds[i] = Decision{AgentID: fmt.Sprintf("stf_%02d", rng.IntN(40)), Passed: rng.Float64() < 0.85,
			At: t0.Add(time.Duration(i) * time.Minute), CaseReason: fmt.Sprintf("reason_%d", rng.IntN(5)),
			ClaimKinds: []verification.ClaimKind{kinds[rng.IntN(len(kinds))], kinds[rng.IntN(len(kinds))]},
			Method:     modes[rng.IntN(len(modes))], Phone: rng.IntN(10) == 0, Locale: loc,
			TimeZone: zones[rng.IntN(len(zones))], Country: strings.ToUpper(strings.TrimPrefix(loc, strings.Split(loc, "-")[0]+"-"))}
	}
	b.ResetTimer()
	for b.Loop() {
		Analyze(ds, DefaultAlpha)
	}
}
