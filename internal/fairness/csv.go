package fairness

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSV section headers. Each section of [Report.WriteCSV] starts with one of
// these rows; its first cell names the section.
var (
	csvOverallHeader = []string{"overall", "passed", "total", "rate", "low95", "high95", "alpha", "min_decisions"}
	csvAgentHeader   = []string{"agent", "passed", "total", "rate", "low95", "high95", "others_rate", "z", "p", "adjusted_p", "too_few", "flagged"}
	csvCountryHeader = []string{"country", "passed", "total", "rate", "low95", "high95"}
	csvReasonHeader  = []string{"reason_code", "failed_with_reason", "failed_total", "share", "low95", "high95"}
)

// WriteCSV writes the report as CSV in four sections — overall, agents,
// countries, reason codes — each starting with its own header row and
// separated by an empty line. Read it back with encoding/csv and
// FieldsPerRecord = -1 (the sections have different widths); csv.Reader skips
// the empty lines.
//
// Text cells (agent IDs, countries, reason codes) that start with = + - @,
// tab or carriage return are prefixed with a single quote so that a
// spreadsheet does not evaluate them as formulas (CSV injection). Numeric
// cells are produced by this package and are left alone: a negative z such
// as -2.5 is a number, not a formula, and must stay parseable.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{csvOverallHeader, append(rateCells(r.Overall),
		fmtFloat(r.Alpha), strconv.Itoa(r.MinDecisions)), {}}
	rows = append(rows, csvAgentHeader)
	for _, a := range r.Agents {
		rows = append(rows, append(rateCells(a.Rate),
			fmtFloat(a.OthersRate), fmtFloat(a.Z), fmtFloat(a.P), fmtFloat(a.AdjustedP),
			strconv.FormatBool(a.TooFew), strconv.FormatBool(a.Flagged)))
	}
	rows = append(rows, []string{}, csvCountryHeader)
	for _, c := range r.ByCountry {
		rows = append(rows, rateCells(c))
	}
	rows = append(rows, []string{}, csvReasonHeader)
	for _, c := range r.ByReason {
		rows = append(rows, rateCells(c))
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

// sanitizeCell defuses text that a spreadsheet would treat as a formula.
func sanitizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
