package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/floor"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// DefaultWaitTarget is the live-queue wait a freelancer should not exceed.
const DefaultWaitTarget = 10 * time.Minute

// historyDays is how far back the floor's charts look.
const historyDays = 30

type floorPage struct {
	Staff   *store.Staff
	Mailbox bool
	Now     floor.Now
	// Figures are the live figures as the page shows them, the same words
	// its refresh puts in place.
	Figures map[string]string
	Charts  []floor.Chart
	Days    []floor.Day
	// Fairness is this quarter's fairness report in brief.
	Fairness fairnessFigure
}

// fairnessFigure is what the floor shows of the fairness report: how many
// agents and groups its sequential test flags this quarter, and which.
// The test stays valid however often the floor is read.
type fairnessFigure struct {
	Period    fairness.Period
	Decisions int
	Agents    int
	Groups    int
	Flags     []fairnessFlag
}

type fairnessFlag struct {
	What  string // "Agent maria", "How the case was worked: audio only"
	Fewer bool   // passes less often than the rest
}

// fairnessAt reads this quarter's fairness report for the floor.
func (c *Admin) fairnessAt(ctx context.Context, lang *i18n.Catalog, now time.Time) (fairnessFigure, error) {
	p := fairness.PeriodOf(now)
	report, err := console.FairnessReport(ctx, c.Store, p)
	if err != nil {
		return fairnessFigure{}, err
	}
	f := fairnessFigure{Period: p, Decisions: report.Overall.Total, Agents: report.FlaggedAgents(), Groups: report.FlaggedGroups()}
	for _, a := range report.Agents {
		if a.Flagged {
			name := a.Group
			if st, err := c.Store.StaffByID(ctx, a.Group); err == nil {
				name = st.Name
			}
			f.Flags = append(f.Flags, fairnessFlag{What: lang.Text("floor.flag.agent", "name", name), Fewer: a.Passes() < 0})
		}
	}
	for _, b := range report.Breakdowns {
		for _, g := range b.Groups {
			if g.Flagged {
				f.Flags = append(f.Flags, fairnessFlag{What: web.Word(lang, "fairness_title", b.Name) + ": " + web.Group(lang, b.Name, g.Group, g.Label), Fewer: g.Passes() < 0})
			}
		}
	}
	return f, nil
}

// floorAt reads the live floor at now. activity must reach back to the
// start of now's day at least: today's waits are taken from it.
func (c *Admin) floorAt(ctx context.Context, now time.Time, activity *store.Activity) (floor.Now, error) {
	n := floor.Now{At: now, WaitTarget: DefaultWaitTarget}
	entries, err := c.Store.Queue(ctx)
	if err != nil {
		return n, err
	}
	n.Queue = len(entries)
	waiting := make([]time.Duration, 0, len(entries))
	for _, e := range entries {
		waiting = append(waiting, now.Sub(e.JoinedAt))
		n.LongestWait = max(n.LongestWait, now.Sub(e.JoinedAt))
	}
	agents, err := workflow.AgentsAt(ctx, c.Store, now)
	if err != nil {
		return n, err
	}
	n.AgentsOnline, n.AgentsBusy = agents.Online, agents.Busy
	if n.Calls, err = c.Store.CallsInProgress(ctx); err != nil {
		return n, err
	}
	if n.Overdue, err = c.Store.OverdueCount(ctx, now); err != nil {
		return n, err
	}
	today := floor.StartOfDay(now)
	var waits []store.QueueWait
	for _, w := range activity.Waits {
		if !w.At.Before(today) {
			waits = append(waits, w)
		}
	}
	n.WaitFigures(waits, waiting)
	return n, nil
}

// figures words the live floor for people, in lang.
func figures(lang *i18n.Catalog, n floor.Now) map[string]string {
	longest, p50, p95 := lang.Text("floor.nobody_waiting"), lang.Text("floor.none_yet"), lang.Text("floor.none_yet")
	if n.Queue > 0 {
		longest = web.Minutes(lang, n.LongestWait)
	}
	if n.WaitsToday > 0 {
		p50, p95 = web.Minutes(lang, n.WaitP50), web.Minutes(lang, n.WaitP95)
	}
	return map[string]string{
		"agents_online": fmt.Sprint(n.AgentsOnline), "agents_busy": fmt.Sprint(n.AgentsBusy),
		"queue": fmt.Sprint(n.Queue), "longest_wait": longest,
		"wait_p50": p50, "wait_p95": p95, "waits_today": fmt.Sprint(n.WaitsToday),
		"calls": fmt.Sprint(n.Calls), "overdue": fmt.Sprint(n.Overdue), "breaches": fmt.Sprint(n.Breaches),
		"at": n.At.UTC().Format("15:04:05 UTC"),
	}
}

// floorView is the live floor with its history, from one read of the
// last 30 days' activity.
func (c *Admin) floorView(w http.ResponseWriter, r *http.Request) {
	now := c.Now()
	activity, err := c.Store.ActivitySince(r.Context(), floor.StartOfDay(now).AddDate(0, 0, -(historyDays-1)))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	n, err := c.floorAt(r.Context(), now, activity)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	fair, err := c.fairnessAt(r.Context(), web.StaffLanguage(r), now)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	days := floor.History(activity, now, historyDays)
	web.RenderStaff(w, r, http.StatusOK, "admin_floor", floorPage{Staff: console.SignedIn(r.Context()), Mailbox: c.Mailbox, Now: n,
		Figures: figures(web.StaffLanguage(r), n), Days: days, Charts: historyCharts(web.StaffLanguage(r), days), Fairness: fair})
}

// floorJSON is the live floor for the page's periodic refresh.
func (c *Admin) floorJSON(w http.ResponseWriter, r *http.Request) {
	now := c.Now()
	today, err := c.Store.ActivitySince(r.Context(), floor.StartOfDay(now))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	n, err := c.floorAt(r.Context(), now, today)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(figures(web.StaffLanguage(r), n))
}

func historyCharts(lang *i18n.Catalog, days []floor.Day) []floor.Chart {
	labels := make([]string, len(days))
	opened, verified, negative, waits := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	for i, d := range days {
		labels[i] = lang.Text("floor.chart.day", "day", d.Date.Day(), "mon", lang.Text(fmt.Sprintf("month.%d.short", d.Date.Month())))
		opened[i], verified[i], negative[i] = float64(d.Opened), float64(d.Verified), float64(d.NotVerified)
		waits[i] = d.WaitP50.Minutes()
	}
	return []floor.Chart{
		{ID: "chart-opened", Title: lang.Text("floor.chart.opened.title"), Labels: labels,
			Desc:   lang.Text("floor.chart.opened.desc"),
			Series: []floor.Series{{Name: lang.Text("floor.chart.opened.series"), Color: "#2f5d8a", Values: opened}}},
		{ID: "chart-decisions", Title: lang.Text("floor.chart.decisions.title"), Labels: labels,
			Desc: lang.Text("floor.chart.decisions.desc"),
			Series: []floor.Series{{Name: lang.Text("floor.chart.decisions.verified"), Color: "#2e7d4f", Values: verified},
				{Name: lang.Text("floor.chart.decisions.not_verified"), Color: "#b3541e", Values: negative}}},
		{ID: "chart-waits", Title: lang.Text("floor.chart.waits.title"), Labels: labels, Unit: lang.Text("floor.chart.waits.unit"), Decimal: lang.Text("number.decimal"),
			Desc:   lang.Text("floor.chart.waits.desc"),
			Series: []floor.Series{{Name: lang.Text("floor.chart.waits.series"), Color: "#6b4e9b", Values: waits}}},
	}
}
