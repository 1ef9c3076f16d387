package fairness

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSV section headers. Each section of [Report.WriteCSV] starts with one of
// these rows; its first cell names the section. Tell a header by the whole
// row: a row of the breakdown section may start with "country". Columns are only ever added
// at the end of a section, so that readers of older exports keep working.
var (
	csvOverallHeader = []string{"overall", "passed", "total", "rate", "low95", "high95", "alpha", "min_decisions",
		"agent_family", "group_family"}
	csvAgentHeader = []string{"agent", "passed", "total", "rate", "low95", "high95", "others_rate", "z", "p", "adjusted_p", "too_few", "flagged",
		"others_low95", "others_high95", "flagged_after", "flagged_at"}
	csvCountryHeader   = []string{"country", "passed", "total", "rate", "low95", "high95"}
	csvReasonHeader    = []string{"reason_code", "failed_with_reason", "failed_total", "share", "low95", "high95"}
	csvBreakdownHeader = []string{"breakdown", "group", "label", "passed", "total", "rate", "low95", "high95",
		"others_rate", "others_low95", "others_high95", "z", "p", "adjusted_p", "too_few", "flagged", "flagged_after", "flagged_at"}
)

// WriteCSV writes the report as CSV in five sections — overall, agents,
// countries, reason codes, then every breakdown's groups — each starting
// with its own header row and separated by an empty line. Read it back with
// encoding/csv and FieldsPerRecord = -1 (the sections have different
// widths); csv.Reader skips the empty lines.
//
// The low95 and high95 columns are 95 % confidence sequences (valid however
// often the report is read); p and adjusted_p are always-valid p-values;
// flagged_at is RFC 3339 UTC, empty when never flagged.
//
// Text cells (agent IDs, countries, reason codes, locales) that start with
// = + - @, tab or carriage return are prefixed with a single quote so that a
// spreadsheet does not evaluate them as formulas (CSV injection). Numeric
// cells are produced by this package and are left alone: a negative z such
// as -2.5 is a number, not a formula, and must stay parseable.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{csvOverallHeader, append(rateCells(r.Overall),
		fmtFloat(r.Alpha), strconv.Itoa(r.MinDecisions), strconv.Itoa(r.AgentFamily), strconv.Itoa(r.GroupFamily)), {}}
	rows = append(rows, csvAgentHeader)
	for _, a := range r.Agents {
		rows = append(rows, append(rateCells(a.Rate),
			fmtFloat(a.OthersRate), fmtFloat(a.Z), fmtFloat(a.P), fmtFloat(a.AdjustedP),
			strconv.FormatBool(a.TooFew), strconv.FormatBool(a.Flagged),
			fmtFloat(a.Others.Low), fmtFloat(a.Others.High), strconv.Itoa(a.FlaggedAfter), fmtTime(a.FlaggedAt)))
	}
	rows = append(rows, []string{}, csvCountryHeader)
	for _, c := range r.Breakdown("country").Groups {
		rows = append(rows, rateCells(c.Rate))
	}
	rows = append(rows, []string{}, csvReasonHeader)
	for _, c := range r.ByReason {
		rows = append(rows, rateCells(c))
	}
	rows = append(rows, []string{}, csvBreakdownHeader)
	for _, b := range r.Breakdowns {
		for _, g := range b.Groups {
			rows = append(rows, []string{b.Name, sanitizeCell(g.Group), sanitizeCell(g.Label),
				strconv.Itoa(g.Passed), strconv.Itoa(g.Total), fmtFloat(g.Rate.Rate), fmtFloat(g.Low), fmtFloat(g.High),
				fmtFloat(g.Others.Rate), fmtFloat(g.Others.Low), fmtFloat(g.Others.High),
				fmtFloat(g.Z), fmtFloat(g.P), fmtFloat(g.AdjustedP),
				strconv.FormatBool(g.TooFew), strconv.FormatBool(g.Flagged), strconv.Itoa(g.FlaggedAfter), fmtTime(g.FlaggedAt)})
		}
	}
	for _, row := range rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func rateCells(r Rate) []string {
	return []string{
		sanitizeCell(r.Group), strconv.Itoa(r.Passed), strconv.Itoa(r.Total),
		fmtFloat(r.Rate), fmtFloat(r.Low), fmtFloat(r.High),
	}
}

// fmtFloat uses six significant digits: enough for rates and intervals, and
// small p-values stay readable (1.23e-09).
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// fmtTime writes a time as RFC 3339 UTC, and the zero time as nothing.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sanitizeCell defuses text that a spreadsheet would treat as a formula.
func sanitizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
