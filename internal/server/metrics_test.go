package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// scrape reads /metrics as Prometheus would and parses it with Prometheus's
// own text parser; it returns the raw text too.
func scrape(t *testing.T, base, token string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return string(body), families
}

// series finds the series of a family carrying the given label pairs.
func series(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	family, ok := families[name]
	if !ok {
		t.Fatalf("no metric family %s", name)
	}
next:
	for _, m := range family.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no series %s%v", name, labels)
	return nil
}

func gauge(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	return series(t, families, name, labels...).GetGauge().GetValue()
}

func statusOf(t *testing.T, c *http.Client, target, authorization string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", target, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// /metrics reports the queue, calls, waits, decisions, cases, jobs and HTTP
// latency by route, in Prometheus's text format, behind the metrics token;
// no label value carries a portal token.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		var mu sync.Mutex
		now := t0
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		const metricsToken = "scrape-me-please"
		s, base := openServed(t, server.Config{Store: cfg, Now: clock, MetricsToken: metricsToken})
		ctx := context.Background()

		first, second := seedCase(t, s, "u-300"), seedCase(t, s, "u-301")
		firstPath := strings.TrimPrefix(first.Link.URL, base)
		secrets := []string{strings.TrimPrefix(firstPath, "/v/"), strings.TrimPrefix(strings.TrimPrefix(second.Link.URL, base), "/v/")}
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		agentHTTP := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}

		// The first freelancer joins by the portal's form; the second 40 s later.
		if status, _ := fetchWith(t, http.DefaultClient, base+firstPath); status != http.StatusOK {
			t.Fatalf("portal page: %d", status)
		}
		postForm(t, http.DefaultClient, base+firstPath+"/queue", url.Values{}, "")
		advance(40 * time.Second)
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.JoinQueue(ctx, tx, "u-301")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// 90 s after the first joined, an agent comes online and takes them.
		advance(50 * time.Second)
		postForm(t, agentHTTP, base+"/agent/presence", url.Values{"status": {"online"}}, "")
		postForm(t, agentHTTP, base+"/agent/take", url.Values{}, "")

		_, families := scrape(t, base, metricsToken)
		for name, typ := range map[string]dto.MetricType{
			"attest_queue_length":                  dto.MetricType_GAUGE,
			"attest_agents_online":                 dto.MetricType_GAUGE,
			"attest_calls_in_progress":             dto.MetricType_GAUGE,
			"attest_verifications_open":            dto.MetricType_GAUGE,
			"attest_verifications_overdue":         dto.MetricType_GAUGE,
			"attest_jobs":                          dto.MetricType_GAUGE,
			"attest_queue_wait_seconds":            dto.MetricType_HISTOGRAM,
			"attest_decisions_total":               dto.MetricType_COUNTER,
			"attest_webhook_deliveries_total":      dto.MetricType_COUNTER,
			"attest_http_request_duration_seconds": dto.MetricType_HISTOGRAM,
			"go_goroutines":                        dto.MetricType_GAUGE,
			"process_start_time_seconds":           dto.MetricType_GAUGE,
		} {
			f, ok := families[name]
			if !ok || f.GetHelp() == "" || f.GetType() != typ {
				t.Errorf("family %s: present %v, help %q, type %v (want %v)", name, ok, f.GetHelp(), f.GetType(), typ)
			}
		}
		if q, c, a := gauge(t, families, "attest_queue_length"), gauge(t, families, "attest_calls_in_progress"),
			gauge(t, families, "attest_agents_online"); q != 1 || c != 1 || a != 1 {
			t.Errorf("queue %v, calls %v, agents %v; want 1, 1, 1", q, c, a)
		}
		wait := series(t, families, "attest_queue_wait_seconds").GetHistogram()
		if wait.GetSampleCount() != 1 || wait.GetSampleSum() != 90 {
			t.Errorf("queue wait: %d samples, sum %v; want 1, 90", wait.GetSampleCount(), wait.GetSampleSum())
		}
		for _, b := range wait.GetBucket() {
			want := uint64(0)
			if b.GetUpperBound() >= 120 {
				want = 1
			}
			if b.GetCumulativeCount() != want {
				t.Errorf("queue wait bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
			}
		}
		for status, want := range map[string]float64{"in_queue": 1, "in_call": 1, "awaiting_freelancer": 0, "scheduled": 0, "in_review": 0} {
			if got := gauge(t, families, "attest_verifications_open", "status", status); got != want {
				t.Errorf("open verifications %s: %v, want %v", status, got, want)
			}
		}
		if got := gauge(t, families, "attest_jobs", "state", "available"); got < 2 { // the two invitations
			t.Errorf("available jobs: %v", got)
		}
		for _, state := range []string{"scheduled", "running", "retryable", "completed", "discarded", "cancelled"} {
			series(t, families, "attest_jobs", "state", state)
		}

		// The agent decides verified; a stray path and a path the mux cleans.
		callBase := base + "/agent/calls/" + first.Verification.ID
		if code, body := postJSON(t, agentHTTP, callBase+"/outcome", map[string]any{"claim": "location", "outcome": "confirmed"}); code != 200 {
			t.Fatalf("outcome: %d %v", code, body)
		}
		recordCallSteps(t, agentHTTP, callBase)
		if code, body := postJSON(t, agentHTTP, callBase+"/decision", map[string]any{"decision": "verified"}); code != 200 {
			t.Fatalf("decision: %d %v", code, body)
		}
		if status := statusOf(t, http.DefaultClient, base+"/no/such/"+secrets[1], ""); status != http.StatusNotFound {
			t.Fatalf("unknown path: %d", status)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if status := statusOf(t, noFollow, base+"/v//"+secrets[1], ""); status != http.StatusTemporaryRedirect {
			t.Fatalf("unclean portal path: %d", status)
		}
		// Past the second case's deadline, which is still open: in the queue,
		// so being served and not overdue.
		advance(10 * 24 * time.Hour)

		raw, families := scrape(t, base, metricsToken)
		if q, c := gauge(t, families, "attest_queue_length"), gauge(t, families, "attest_calls_in_progress"); q != 1 || c != 0 {
			t.Errorf("after the decision: queue %v, calls %v; want 1, 0", q, c)
		}
		if got := gauge(t, families, "attest_verifications_overdue"); got != 0 {
			t.Errorf("overdue: %v, want 0 (the case waits in the queue)", got)
		}
		if got := gauge(t, families, "attest_agents_online"); got != 0 {
			t.Errorf("agents online after days unseen: %v", got)
		}
		for _, d := range []struct {
			stage, decision string
			want            float64
		}{{"call", "verified", 1}, {"call", "not_verified", 0}, {"call", "needs_documents", 0}, {"review", "verified", 0}} {
			if got := series(t, families, "attest_decisions_total", "stage", d.stage, "decision", d.decision).GetCounter().GetValue(); got != d.want {
				t.Errorf("decisions %s %s: %v, want %v", d.stage, d.decision, got, d.want)
			}
		}
		for _, r := range [][]string{
			{"route", "GET /v/{token}", "method", "GET", "code", "200"},
			{"route", "POST /v/{token}/queue", "method", "POST", "code", "303"},
			{"route", "POST /agent/calls/{id}/decision", "method", "POST", "code", "200"},
			{"route", "GET /metrics", "method", "GET", "code", "200"},
			{"route", "unmatched", "method", "GET", "code", "404"},
			{"route", "redirect", "method", "GET", "code", "307"},
		} {
			if n := series(t, families, "attest_http_request_duration_seconds", r...).GetHistogram().GetSampleCount(); n == 0 {
				t.Errorf("no requests counted for %v", r)
			}
		}
		for _, secret := range append(secrets, first.Verification.ID, second.Verification.ID) {
			if strings.Contains(raw, secret) {
				t.Errorf("/metrics mentions %q", secret)
			}
		}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if strings.Contains(l.GetValue(), "/v/") && !strings.Contains(l.GetValue(), "{token}") {
						t.Errorf("%s has a path for a label: %s=%q", f.GetName(), l.GetName(), l.GetValue())
					}
				}
			}
		}

		// Only with the token.
		for auth, want := range map[string]int{"": 401, "Bearer wrong": 401, "Bearer " + metricsToken + "x": 401,
			metricsToken: 401, "Bearer " + metricsToken: 200} {
			if got := statusOf(t, http.DefaultClient, base+"/metrics", auth); got != want {
				t.Errorf("GET /metrics with Authorization %q: %d, want %d", auth, got, want)
			}
		}
	})
}

// Without a token /metrics is open: it holds figures, no personal data.
func TestMetricsWithoutToken(t *testing.T) {
	s := open(t, server.Config{Store: storetest.SQLite(t)})
	defer s.Close()
	h := httptest.NewServer(s.Handler())
	defer h.Close()
	_, families := scrape(t, h.URL, "")
	if got := gauge(t, families, "attest_queue_length"); got != 0 {
		t.Fatalf("queue length %v", got)
	}
}
