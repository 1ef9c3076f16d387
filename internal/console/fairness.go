package console

import (
	"context"
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// fairnessEarlier is how many earlier quarters the report offers.
const fairnessEarlier = 4

type fairnessPage struct {
	Staff   *store.Staff
	Mailbox bool
	Report  fairness.Report
	Names   map[string]string
	Period  fairness.Period
	// Last is the last day of the period; Running reports that the period
	// has not ended yet.
	Last    time.Time
	Running bool
	// Periods are the quarters the page offers, this one first.
	Periods []fairness.Period
}

// FairnessReport is the fairness report of one period, read from its first
// decision to now: the console's page and the floor's figure show the same.
func FairnessReport(ctx context.Context, s *store.Store, p fairness.Period) (fairness.Report, error) {
	decisions, err := s.FairnessDecisions(ctx, p.Start(), p.End())
	if err != nil {
		return fairness.Report{}, err
	}
	return fairness.Analyze(decisions, fairness.DefaultAlpha), nil
}

// fairnessPeriod is the quarter the request asks for (?period=2026-Q3), this
// quarter when it asks for none. ok is false, and the answer written, when
// the request names no quarter that has begun.
func (c *Console) fairnessPeriod(w http.ResponseWriter, r *http.Request) (p fairness.Period, ok bool) {
	current := fairness.PeriodOf(c.Now())
	s := r.URL.Query().Get("period")
	if s == "" {
		return current, true
	}
	p, err := fairness.ParsePeriod(s)
	if err != nil || p.Start().After(current.Start()) {
		c.Refuse(w, r, SignedIn(r.Context()), http.StatusBadRequest, web.StaffLanguage(r).Text("console.error.quarter"))
		return p, false
	}
	return p, true
}

// fairness shows whether decisions depend on who makes them, or on what
// attest knows about the case.
func (c *Console) fairness(w http.ResponseWriter, r *http.Request) {
	p, ok := c.fairnessPeriod(w, r)
	if !ok {
		return
	}
	report, err := FairnessReport(r.Context(), c.Store, p)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, a := range report.Agents {
		if st, err := c.Store.StaffByID(r.Context(), a.Group); err == nil {
			names[a.Group] = st.Name
		}
	}
	current := fairness.PeriodOf(c.Now())
	periods := []fairness.Period{current}
	for range fairnessEarlier {
		periods = append(periods, periods[len(periods)-1].Previous())
	}
	web.RenderStaff(w, r, http.StatusOK, "fairness", fairnessPage{Staff: SignedIn(r.Context()), Mailbox: c.Mailbox, Report: report,
		Names: names, Period: p, Last: p.End().AddDate(0, 0, -1), Running: p == current, Periods: periods})
}

// fairnessCSV exports the same report.
func (c *Console) fairnessCSV(w http.ResponseWriter, r *http.Request) {
	p, ok := c.fairnessPeriod(w, r)
	if !ok {
		return
	}
	report, err := FairnessReport(r.Context(), c.Store, p)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	// The label column is for people: the staff's words for each group,
	// as the page shows them; the columns before it keep the codes.
	for _, b := range report.Breakdowns {
		for i := range b.Groups {
			b.Groups[i].Label = web.Group(web.StaffLanguage(r), b.Name, b.Groups[i].Group, b.Groups[i].Label)
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="attest-fairness-`+p.String()+`.csv"`)
	if err := report.WriteCSV(w); err != nil {
		c.Log.ErrorContext(r.Context(), "write fairness csv", "err", err)
	}
}
