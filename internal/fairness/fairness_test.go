package fairness

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestWilsonKnownValues(t *testing.T) {
	cases := []struct {
		passed, total int
		low, high     float64
		tol           float64
	}{
		// Textbook example (e.g. Newcombe 1998 / Wikipedia): 81/263.
		{81, 263, 0.2553, 0.3662, 5e-5},
		// Edges: 0/n has lower bound 0 and upper z²/(n+z²); n/n mirrors it.
		{0, 10, 0, Z95 * Z95 / (10 + Z95*Z95), 1e-12},
		{10, 10, 10 / (10 + Z95*Z95), 1, 1e-12},
		// Symmetric around 1/2.
		{5, 10, 0.2366, 0.7634, 5e-5},
		// Empty group: no information.
		{0, 0, 0, 1, 0},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.passed, c.total, Z95)
		if !near(lo, c.low, c.tol) || !near(hi, c.high, c.tol) {
			t.Errorf("Wilson(%d, %d) = [%.6f, %.6f], want [%.4f, %.4f]", c.passed, c.total, lo, hi, c.low, c.high)
		}
	}
	if lo, hi := Wilson(0, 10, Z95); lo != 0 || hi >= 1 {
		t.Errorf("Wilson(0,10) = [%v, %v], want low exactly 0", lo, hi)
	}
	if lo, hi := Wilson(10, 10, Z95); hi != 1 || lo <= 0 {
		t.Errorf("Wilson(10,10) = [%v, %v], want high exactly 1", lo, hi)
	}
}

func TestWilsonProperties(t *testing.T) {
	for _, n := range []int{1, 2, 7, 30, 100, 1000} {
		prevLo, prevHi := -1.0, -1.0
		for x := 0; x <= n; x++ {
			lo, hi := Wilson(x, n, Z95)
			p := float64(x) / float64(n)
			if !(0 <= lo && lo <= p && p <= hi && hi <= 1) {
				t.Fatalf("Wilson(%d,%d) = [%v,%v] does not contain %v within [0,1]", x, n, lo, hi, p)
			}
			// Both bounds increase strictly with the number of passes.
			if lo < prevLo || (x > 0 && lo <= prevLo) || hi <= prevHi {
				t.Fatalf("Wilson(%d,%d) = [%v,%v] not increasing after [%v,%v]", x, n, lo, hi, prevLo, prevHi)
			}
			prevLo, prevHi = lo, hi
			// Symmetry: the interval for failures mirrors the one for passes.
			mlo, mhi := Wilson(n-x, n, Z95)
			if !near(lo, 1-mhi, 1e-12) || !near(hi, 1-mlo, 1e-12) {
				t.Fatalf("Wilson(%d,%d) not symmetric with Wilson(%d,%d)", x, n, n-x, n)
			}
		}
	}
	// The interval narrows with more data at the same rate, and widens with z.
	prevW := 2.0
	for _, n := range []int{10, 40, 160, 640} {
		lo, hi := Wilson(n*3/10, n, Z95)
		if hi-lo >= prevW {
			t.Errorf("width at n=%d is %v, not below %v", n, hi-lo, prevW)
		}
		prevW = hi - lo
	}
	l1, h1 := Wilson(30, 100, 1.645)
	l2, h2 := Wilson(30, 100, Z95)
	if !(l2 < l1 && h1 < h2) {
		t.Errorf("95%% interval [%v,%v] does not contain 90%% interval [%v,%v]", l2, h2, l1, h1)
	}
}

func TestTwoProportionZHandComputed(t *testing.T) {
	// Agent 30/50 = 0.60 against others 60/80 = 0.75: d = −0.15.
	// Pooled p̂ = 90/130 = 9/13; SE = sqrt(9/13 · 4/13 · (1/50 + 1/80))
	// = sqrt(36/169 · 13/400) = 0.3/√13.
	// Continuity correction c = ½(1/50 + 1/80) = 0.01625, so
	// z = −(0.15 − 0.01625) / (0.3/√13) = −0.13375·√13/0.3 ≈ −1.60747 and
	// the two-sided p = 2(1 − Φ(1.60747)) ≈ 0.10795.
	// (Without the correction z would be −√13/2 ≈ −1.803, p ≈ 0.0714.)
	z, p := twoProportionZ(30, 50, 60, 80)
	if want := -0.13375 * math.Sqrt(13) / 0.3; !near(z, want, 1e-12) {
		t.Errorf("z = %v, want %v", z, want)
	}
	if !near(p, 0.107950, 1e-6) {
		t.Errorf("p = %v, want 0.107950", p)
	}
	// Swapping the groups flips the sign only.
	z2, p2 := twoProportionZ(60, 80, 30, 50)
	if !near(z2, -z, 1e-12) || !near(p2, p, 1e-12) {
		t.Errorf("swapped: z=%v p=%v", z2, p2)
	}
	// No variation at all: no evidence, not NaN.
	if z, p := twoProportionZ(50, 50, 80, 80); z != 0 || p != 1 {
		t.Errorf("all passed: z=%v p=%v, want 0, 1", z, p)
	}
	if z, p := twoProportionZ(0, 0, 3, 8); z != 0 || p != 1 {
		t.Errorf("empty sample: z=%v p=%v, want 0, 1", z, p)
	}
	// A difference smaller than the continuity correction is no evidence:
	// 50/100 vs 101/200, |d| = 0.005 < c = 0.0075.
	if z, p := twoProportionZ(50, 100, 101, 200); z != 0 || p != 1 {
		t.Errorf("tiny difference: z=%v p=%v, want 0, 1", z, p)
	}
}

func TestHolmHandComputed(t *testing.T) {
	// Sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04,
	// raised to 0.06 by the running maximum (step-down stops at the third).
	ps := []float64{0.01, 0.04, 0.03, 0.005}
	want := []float64{0.03, 0.06, 0.06, 0.02}
	got := holm(ps)
	for i := range want {
		if !near(got[i], want[i], 1e-12) {
			t.Errorf("holm(%v)[%d] = %v, want %v", ps, i, got[i], want[i])
		}
	}
	// Capped at 1, and order-preserving for ties.
	got = holm([]float64{0.5, 0.5, 0.9})
	for i, w := range []float64{1, 1, 1} {
		if got[i] != w {
			t.Errorf("holm cap: got %v", got)
		}
	}
	if len(holm(nil)) != 0 {
		t.Error("holm(nil) not empty")
	}
	// Holm never rejects less than Bonferroni.
	ps = []float64{0.001, 0.012, 0.013, 0.2, 0.011}
	for i, a := range holm(ps) {
		if bonf := min(1, float64(len(ps))*ps[i]); a > bonf+1e-15 {
			t.Errorf("holm %v above Bonferroni %v", a, bonf)
		}
	}
}

// decisions builds n decisions by agent, the first passed of them passing.
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

func TestAnalyze(t *testing.T) {
	var ds []Decision
	honest := []struct {
		id      string
		passed  int
		country string
		reason  string
	}{
		{"alice", 85, "DE", "blurry_id"}, {"bob", 84, "DE", "blurry_id"},
		{"carol", 86, "DE", "blurry_id"}, {"frank", 85, "DE", "blurry_id"},
		{"grace", 85, "FR", "face_mismatch"}, {"heidi", 84, "FR", "face_mismatch"},
		{"ivan", 86, "FR", "face_mismatch"}, {"judy", 85, "FR", "face_mismatch"},
	}
	for _, h := range honest {
		ds = append(ds, decisions(h.id, h.passed, 100, h.country, h.reason)...)
	}
	ds = append(ds, decisions("dave", 50, 100, "FR", "face_mismatch")...) // clearly different
	ds = append(ds, decisions("eve", 0, 10, "", "")...)                   // too few, fails everyone
	r := Analyze(ds, 0.05)

	if r.Alpha != 0.05 || r.MinDecisions != MinDecisions {
		t.Errorf("alpha %v, min %v", r.Alpha, r.MinDecisions)
	}
	if r.Overall.Passed != 730 || r.Overall.Total != 910 {
		t.Errorf("overall %+v", r.Overall)
	}
	byID := map[string]AgentResult{}
	var order []string
	for _, a := range r.Agents {
		byID[a.Group] = a
		order = append(order, a.Group)
	}
	if got := strings.Join(order, ","); got != "alice,bob,carol,dave,eve,frank,grace,heidi,ivan,judy" {
		t.Errorf("agent order %s", got)
	}
	if d := byID["dave"]; !d.Flagged || d.Z >= 0 || d.TooFew {
		t.Errorf("dave not flagged as low: %+v", d)
	}
	for _, h := range honest {
		if a := byID[h.id]; a.Flagged || a.TooFew {
			t.Errorf("%s flagged: %+v", h.id, a)
		}
	}
	e := byID["eve"]
	if !e.TooFew || e.Flagged || e.P != 1 || e.AdjustedP != 1 || e.Z != 0 {
		t.Errorf("eve should be reported as too few and untested: %+v", e)
	}
	// Eve's decisions still count in everyone else's comparison group.
	if a := byID["alice"]; !near(a.OthersRate, 645.0/810, 1e-12) {
		t.Errorf("alice others rate %v, want %v", a.OthersRate, 645.0/810)
	}
	// Holm with 9 tested agents (eve excluded): the smallest p is multiplied by 9.
	if d := byID["dave"]; !near(d.AdjustedP, min(1, 9*d.P), 1e-15) {
		t.Errorf("dave adjusted p %v, p %v", d.AdjustedP, d.P)
	}
	// Each agent's own numbers agree with the standalone test.
	z, p := twoProportionZ(50, 100, 680, 810)
	if d := byID["dave"]; d.Z != z || d.P != p {
		t.Errorf("dave z=%v p=%v, want %v %v", d.Z, d.P, z, p)
	}

	wantCountries := []Rate{newRate(UnknownCountry, 0, 10), newRate("DE", 340, 400), newRate("FR", 390, 500)}
	if fmt.Sprint(r.ByCountry) != fmt.Sprint(wantCountries) {
		t.Errorf("countries\n got %v\nwant %v", r.ByCountry, wantCountries)
	}
	// 180 failures: 60 blurry_id, 60+50 face_mismatch, 10 without a code.
	wantReasons := []Rate{newRate("face_mismatch", 110, 180), newRate("blurry_id", 60, 180), newRate(NoReason, 10, 180)}
	if fmt.Sprint(r.ByReason) != fmt.Sprint(wantReasons) {
		t.Errorf("reasons\n got %v\nwant %v", r.ByReason, wantReasons)
	}
}

// In a small team one strongly deviating agent drags the pooled rate of "the
// others" so far that ordinary agents can be flagged too — in the opposite
// direction. This is a property of the agent-versus-rest design, documented in
// the package comment; the sign of Z tells the two situations apart.
func TestAnalyzeSmallTeamOutlier(t *testing.T) {
	var ds []Decision
	ds = append(ds, decisions("a", 170, 200, "DE", "x")...)
	ds = append(ds, decisions("b", 170, 200, "DE", "x")...)
	ds = append(ds, decisions("c", 100, 200, "DE", "x")...)
	r := Analyze(ds, 0.05)
	if c := r.Agents[2]; !c.Flagged || c.Z >= 0 {
		t.Errorf("outlier c: %+v", c)
	}
	for _, a := range r.Agents[:2] {
		if !a.Flagged || a.Z <= 0 {
			t.Errorf("agent %s: expected the documented opposite-direction flag, got %+v", a.Group, a)
		}
	}
}

func TestAnalyzeEdgeCases(t *testing.T) {
	r := Analyze(nil, 0.05)
	if len(r.Agents) != 0 || r.Overall.Total != 0 || r.Overall.Low != 0 || r.Overall.High != 1 {
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
		if a.Flagged || a.P != 1 || math.IsNaN(a.Z) {
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
}

func readCSV(t *testing.T, r Report) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(&buf)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, buf.String())
	}
	return recs
}

func TestWriteCSVRoundTrip(t *testing.T) {
	var ds []Decision
	ds = append(ds, decisions("alice", 85, 100, "DE", "blurry_id")...)
	ds = append(ds, decisions("bob, \"the reviewer\"", 40, 100, "FR", "face\nmismatch")...)
	ds = append(ds, decisions("carol", 5, 8, "DE", "blurry_id")...)
	r := Analyze(ds, 0.05)
	recs := readCSV(t, r)

	// Split into sections at the header rows.
	sections := map[string][][]string{}
	var cur string
	for _, rec := range recs {
		switch rec[0] {
		case "overall", "agent", "country", "reason_code":
			cur = rec[0]
		}
		sections[cur] = append(sections[cur], rec)
	}
	wantHeaders := map[string][]string{
		"overall": csvOverallHeader, "agent": csvAgentHeader,
		"country": csvCountryHeader, "reason_code": csvReasonHeader,
	}
	for name, h := range wantHeaders {
		sec := sections[name]
		if len(sec) == 0 || strings.Join(sec[0], "|") != strings.Join(h, "|") {
			t.Fatalf("section %s header %v, want %v", name, sec, h)
		}
		for _, row := range sec[1:] {
			if len(row) != len(h) {
				t.Errorf("section %s row %v has %d cells, header %d", name, row, len(row), len(h))
			}
		}
	}
	if n := len(sections["agent"]) - 1; n != len(r.Agents) {
		t.Fatalf("%d agent rows, want %d", n, len(r.Agents))
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("cell %q: %v", s, err)
		}
		return f
	}
	for i, a := range r.Agents {
		row := sections["agent"][i+1]
		if row[0] != a.Group || row[1] != strconv.Itoa(a.Passed) || row[2] != strconv.Itoa(a.Total) {
			t.Errorf("agent row %v vs %+v", row, a)
		}
		for j, v := range []float64{a.Rate.Rate, a.Low, a.High, a.OthersRate, a.Z, a.P, a.AdjustedP} {
			if got := num(row[3+j]); !near(got, v, 1e-5*math.Max(1, math.Abs(v))) {
				t.Errorf("agent %s column %s = %v, want %v", a.Group, csvAgentHeader[3+j], got, v)
			}
		}
		if row[10] != strconv.FormatBool(a.TooFew) || row[11] != strconv.FormatBool(a.Flagged) {
			t.Errorf("agent flags %v vs %+v", row, a)
		}
	}
	// The biased agent is flagged, and the negative z survives as a number.
	if row := sections["agent"][2]; row[11] != "true" || num(row[7]) >= 0 {
		t.Errorf("bob row %v", row)
	}
	if row := sections["agent"][3]; row[10] != "true" {
		t.Errorf("carol row %v", row)
	}
	if got := sections["overall"][1]; got[0] != "all" || got[2] != "208" || num(got[6]) != 0.05 || got[7] != "30" {
		t.Errorf("overall row %v", got)
	}
	if len(sections["country"]) != 3 || len(sections["reason_code"]) != 3 {
		t.Errorf("countries %v reasons %v", sections["country"], sections["reason_code"])
	}
	if got := sections["reason_code"][1][0]; got != "face\nmismatch" {
		t.Errorf("reason with newline came back as %q", got)
	}
}

func TestWriteCSVInjectionGuard(t *testing.T) {
	ds := []Decision{
		{AgentID: "=HYPERLINK(\"http://evil\",\"x\")", Passed: false, ReasonCode: "+cmd|' /C calc'!A0", Country: "@SUM(A1)"},
		{AgentID: "-2+3", Passed: true, Country: "\tTAB"},
		{AgentID: "ok", Passed: false, ReasonCode: "\rCR", Country: "DE"},
	}
	recs := readCSV(t, Analyze(ds, 0.05))
	seen := map[string]bool{}
	for _, rec := range recs {
		seen[rec[0]] = true
		for _, cell := range rec {
			if cell == "" {
				continue
			}
			if strings.ContainsRune("=+@\t\r", rune(cell[0])) {
				t.Errorf("dangerous cell %q in %v", cell, rec)
			}
			// '-' is allowed only at the start of a number we produced.
			if cell[0] == '-' {
				if _, err := strconv.ParseFloat(cell, 64); err != nil {
					t.Errorf("dangerous cell %q in %v", cell, rec)
				}
			}
		}
	}
	for _, want := range []string{"'=HYPERLINK(\"http://evil\",\"x\")", "'-2+3", "'+cmd|' /C calc'!A0", "'@SUM(A1)", "'\tTAB", "'\rCR", "ok", "DE"} {
		if !seen[want] {
			t.Errorf("missing guarded cell %q; got %v", want, recs)
		}
	}
	if sanitizeCell("") != "" || sanitizeCell("a=b") != "a=b" || sanitizeCell("'x") != "'x" {
		t.Error("sanitizeCell changes harmless text")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteCSVError(t *testing.T) {
	if err := Analyze(decisions("a", 1, 2, "DE", "x"), 0.05).WriteCSV(failWriter{}); err == nil {
		t.Error("write error not reported")
	}
}
