package floor

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

func TestQuantileIsNearestRank(t *testing.T) {
	waits := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5}, {0.95, 10}, {0.9, 9}, {0, 1}, {1, 10}} {
		if got := Quantile(waits, tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if Quantile(nil, 0.5) != 0 {
		t.Error("no waits should give 0")
	}
}

// Today's waits and those still waiting both count against the target.
func TestWaitFigures(t *testing.T) {
	n := Now{WaitTarget: 10 * time.Minute}
	n.WaitFigures([]store.QueueWait{{Waited: 2 * time.Minute}, {Waited: 12 * time.Minute}, {Waited: 4 * time.Minute}},
		[]time.Duration{11 * time.Minute, time.Minute})
	if n.WaitsToday != 3 || n.WaitP50 != 4*time.Minute || n.WaitP95 != 12*time.Minute || n.Breaches != 2 {
		t.Fatalf("%+v", n)
	}
}

// Days are UTC days; what falls outside the window is left out.
func TestHistory(t *testing.T) {
	today := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	a := &store.Activity{
		Opened: []time.Time{today, today.Add(-2 * time.Hour), today.AddDate(0, 0, -40)},
		Decisions: []store.DecidedAt{{At: today.AddDate(0, 0, -1), Status: "verified"},
			{At: today.AddDate(0, 0, -1), Status: "not_verified"}},
		Waits: []store.QueueWait{{At: today, Waited: time.Minute}, {At: today, Waited: 3 * time.Minute}},
	}
	days := History(a, today, 30)
	last, before := days[29], days[28]
	if len(days) != 30 || !last.Date.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("days end %v", last.Date)
	}
	if last.Opened != 1 || before.Opened != 1 || before.Verified != 1 || before.NotVerified != 1 {
		t.Fatalf("today %+v, yesterday %+v", last, before)
	}
	if last.Waits != 2 || last.WaitP50 != time.Minute {
		t.Fatalf("today's waits %+v", last)
	}
	total := 0
	for _, d := range days {
		total += d.Opened
	}
	if total != 2 {
		t.Fatalf("%d opened in the window, want 2 (one is 40 days old)", total)
	}
}

// The chart escapes what it is given and reads round values on its grid.
func TestChartSVG(t *testing.T) {
	svg := string(Chart{ID: "c", Title: `<script>x</script>`, Desc: "d", Labels: []string{"1 Mar", "2 Mar"},
		Series: []Series{{Name: "opened", Color: "#2f5d8a", Values: []float64{3, 7}}}}.SVG())
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;") {
		t.Fatal("the title is not escaped")
	}
	if !strings.Contains(svg, "2 Mar: 7 opened") || !strings.Contains(svg, ">8</text>") {
		t.Fatalf("bar reading or grid missing:\n%s", svg)
	}
	if strings.Contains(svg, `class="legend"`) {
		t.Error("a chart of one series has a legend")
	}
}

// The grid reads whole numbers for counts, evenly spaced: never "0, 2, 5".
func TestChartGrid(t *testing.T) {
	grid := regexp.MustCompile(`text-anchor="end" font-size="11" fill="#4a5361">([^<]*)</text>`)
	for _, tc := range []struct {
		values []float64
		want   string
	}{
		{[]float64{0, 0}, "0 1"},
		{[]float64{1, 0}, "0 1"},
		{[]float64{3, 1}, "0 1 2 3"},
		{[]float64{5, 2}, "0 2 4 6"},
		{[]float64{7}, "0 2 4 6 8"},
		{[]float64{12}, "0 5 10 15"},
		{[]float64{0.4, 0.25}, "0.0 0.1 0.2 0.3 0.4"},
		{[]float64{2.5, 1}, "0 1 2 3"},
		{[]float64{0, 0.0001}, "0.00000 0.00005 0.00010"},
		{[]float64{0.03, 0.01}, "0.00 0.01 0.02 0.03"},
	} {
		unit := ""
		if !(Chart{Series: []Series{{Values: tc.values}}}).whole() {
			unit = "%.1f"
		}
		labels := make([]string, len(tc.values))
		svg := string(Chart{ID: "c", Labels: labels, Unit: unit, Series: []Series{{Name: "n", Values: tc.values}}}.SVG())
		var got []string
		for _, m := range grid.FindAllStringSubmatch(svg, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("grid for %v reads %q, want %q", tc.values, strings.Join(got, " "), tc.want)
		}
	}
}

// The waits chart in Portuguese: a decimal comma in the grid and in each
// bar's reading, the unit's decimals on the bars, none on a whole grid.
func TestChartDecimal(t *testing.T) {
	svg := string(Chart{ID: "w", Labels: []string{"1 mar", "2 mar"}, Unit: "%.1f min", Decimal: ",",
		Series: []Series{{Name: "espera", Values: []float64{2.5, 0}}}}.SVG())
	for _, want := range []string{">0 min</text>", ">3 min</text>", "1 mar: 2,5 min espera", "2 mar: 0,0 min espera"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "2.5") {
		t.Errorf("a decimal point in Portuguese:\n%s", svg)
	}
	legend := string(Chart{ID: "l", Labels: []string{"x"}, Series: []Series{{Name: "área", Values: []float64{1}}, {Name: "b", Values: []float64{1}}}}.SVG())
	if !strings.Contains(legend, ">Área</text>") {
		t.Errorf("the legend's first letter, by rune:\n%s", legend)
	}
}

// A chart of stacked series says which colour is which.
func TestChartLegend(t *testing.T) {
	svg := string(Chart{ID: "d", Labels: []string{"1 Mar"}, Series: []Series{
		{Name: "verified", Color: "#2e7d4f", Values: []float64{2}}, {Name: "not verified", Color: "#b3541e", Values: []float64{1}}}}.SVG())
	for _, want := range []string{`class="legend"`, `fill="#2e7d4f"/><text`, ">Verified</text>", `fill="#b3541e"/><text`, ">Not verified</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the legend lacks %s:\n%s", want, svg)
		}
	}
}
