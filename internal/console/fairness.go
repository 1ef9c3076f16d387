package console

import (
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// fairnessWindow is how far back the report looks.
const fairnessWindow = 90 * 24 * time.Hour

type fairnessPage struct {
	Staff   *store.Staff
	Mailbox bool
	Report  fairness.Report
	Names   map[string]string
	Since   time.Time
}

func (c *Console) fairnessReport(r *http.Request) (fairness.Report, time.Time, error) {
	since := c.Now().Add(-fairnessWindow)
	decisions, err := c.Store.FairnessDecisions(r.Context(), since)
	if err != nil {
		return fairness.Report{}, since, err
	}
	return fairness.Analyze(decisions, fairness.DefaultAlpha), since, nil
}

// fairness shows whether decisions depend on who makes them.
func (c *Console) fairness(w http.ResponseWriter, r *http.Request) {
	report, since, err := c.fairnessReport(r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, a := range report.Agents {
		if st, err := c.Store.StaffByID(r.Context(), a.Group); err == nil {
			names[a.Group] = st.Name
		}
	}
	web.Render(w, http.StatusOK, "fairness", fairnessPage{Staff: SignedIn(r.Context()), Mailbox: c.Mailbox, Report: report, Names: names, Since: since})
}

// fairnessCSV exports the same report.
func (c *Console) fairnessCSV(w http.ResponseWriter, r *http.Request) {
	report, _, err := c.fairnessReport(r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="attest-fairness.csv"`)
	if err := report.WriteCSV(w); err != nil {
		c.Log.ErrorContext(r.Context(), "write fairness csv", "err", err)
	}
}
