package fairness

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

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

// sections splits the records at the header rows (whole rows: a
// breakdown's row may start with "country").
func sections(recs [][]string) map[string][][]string {
	headers := map[string]bool{}
	for _, h := range [][]string{csvOverallHeader, csvAgentHeader, csvCountryHeader, csvReasonHeader, csvBreakdownHeader} {
		headers[strings.Join(h, "|")] = true
	}
	out := map[string][][]string{}
	var cur string
	for _, rec := range recs {
		if headers[strings.Join(rec, "|")] {
			cur = rec[0]
		}
		out[cur] = append(out[cur], rec)
	}
	return out
}

func TestWriteCSVRoundTrip(t *testing.T) {
	var ds []Decision
	ds = append(ds, decisions("alice", 255, 300, "DE", "blurry_id")...)
	ds = append(ds, decisions("bob, \"the reviewer\"", 120, 300, "FR", "face\nmismatch")...)
	ds = append(ds, decisions("carol", 5, 8, "DE", "blurry_id")...)
	for i := range ds {
		ds[i].Method = verification.ModeVideo
		if i%7 == 0 {
			ds[i].Method = verification.ModeAudio
		}
	}
	r := Analyze(interleave(ds, 4), 0.05)
	secs := sections(readCSV(t, r))

	wantHeaders := map[string][]string{
		"overall": csvOverallHeader, "agent": csvAgentHeader, "country": csvCountryHeader,
		"reason_code": csvReasonHeader, "breakdown": csvBreakdownHeader,
	}
	for name, h := range wantHeaders {
		sec := secs[name]
		if len(sec) == 0 || strings.Join(sec[0], "|") != strings.Join(h, "|") {
			t.Fatalf("section %s header %v, want %v", name, sec, h)
		}
		for _, row := range sec[1:] {
			if len(row) != len(h) {
				t.Errorf("section %s row %v has %d cells, header %d", name, row, len(row), len(h))
			}
		}
	}
	// The columns of earlier exports keep their places.
	for name, prefix := range map[string]string{
		"overall": "overall|passed|total|rate|low95|high95|alpha|min_decisions",
		"agent":   "agent|passed|total|rate|low95|high95|others_rate|z|p|adjusted_p|too_few|flagged",
	} {
		if !strings.HasPrefix(strings.Join(secs[name][0], "|"), prefix) {
			t.Errorf("section %s no longer starts %s", name, prefix)
		}
	}
	if n := len(secs["agent"]) - 1; n != len(r.Agents) {
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
		row := secs["agent"][i+1]
		if row[0] != a.Group || row[1] != strconv.Itoa(a.Passed) || row[2] != strconv.Itoa(a.Total) {
			t.Errorf("agent row %v vs %+v", row, a)
		}
		for j, v := range []float64{a.Rate.Rate, a.Low, a.High, a.OthersRate, a.Z, a.P, a.AdjustedP} {
			if got := num(row[3+j]); !near(got, v, 1e-5*math.Max(1, math.Abs(v))) {
				t.Errorf("agent %s column %s = %v, want %v", a.Group, csvAgentHeader[3+j], got, v)
			}
		}
		if row[10] != strconv.FormatBool(a.TooFew) || row[11] != strconv.FormatBool(a.Flagged) ||
			row[14] != strconv.Itoa(a.FlaggedAfter) || row[15] != fmtTime(a.FlaggedAt) {
			t.Errorf("agent flags %v vs %+v", row, a)
		}
	}
	// The biased agent is flagged, with when; the negative z survives as a number.
	if row := secs["agent"][2]; row[11] != "true" || num(row[7]) >= 0 || row[14] == "0" {
		t.Errorf("bob row %v", row)
	} else if _, err := time.Parse(time.RFC3339, row[15]); err != nil {
		t.Errorf("bob flagged_at %q: %v", row[15], err)
	}
	if row := secs["agent"][3]; row[10] != "true" || row[15] != "" {
		t.Errorf("carol row %v", row)
	}
	if got := secs["overall"][1]; got[0] != "all" || got[2] != "608" || num(got[6]) != 0.05 || got[7] != "30" || got[8] != "3" {
		t.Errorf("overall row %v", got)
	}
	if len(secs["country"]) != 3 || len(secs["reason_code"]) != 3 {
		t.Errorf("countries %v reasons %v", secs["country"], secs["reason_code"])
	}
	if got := secs["reason_code"][1][0]; got != "face\nmismatch" {
		t.Errorf("reason with newline came back as %q", got)
	}
	// Every group of every breakdown has a row, labelled.
	n := 0
	for _, b := range r.Breakdowns {
		n += len(b.Groups)
	}
	if len(secs["breakdown"])-1 != n {
		t.Errorf("%d breakdown rows, want %d", len(secs["breakdown"])-1, n)
	}
	found := false
	for _, row := range secs["breakdown"][1:] {
		if row[0] == "method" && row[1] == "audio_call" {
			found = row[2] == "audio only" && row[4] != "0"
		}
	}
	if !found {
		t.Errorf("no audio-only row in %v", secs["breakdown"])
	}
}

func TestWriteCSVInjectionGuard(t *testing.T) {
	ds := []Decision{
		{AgentID: "=HYPERLINK(\"http://evil\",\"x\")", Passed: false, ReasonCode: "+cmd|' /C calc'!A0", Country: "@SUM(A1)", CaseReason: "=1+1"},
		{AgentID: "-2+3", Passed: true, Country: "\tTAB", Locale: "-x"},
		{AgentID: "ok", Passed: false, ReasonCode: "\rCR", Country: "DE", TimeZone: "+Zone/X"},
	}
	recs := readCSV(t, Analyze(ds, 0.05))
	seen := map[string]bool{}
	for _, rec := range recs {
		for _, cell := range rec {
			seen[cell] = true
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
	for _, want := range []string{"'=HYPERLINK(\"http://evil\",\"x\")", "'-2+3", "'+cmd|' /C calc'!A0", "'@SUM(A1)", "'\tTAB",
		"'\rCR", "'=1+1", "'-x", "'+Zone", "ok", "DE"} {
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
