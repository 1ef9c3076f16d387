package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/attest-dev/attest/internal/metrics"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

func gather(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// Events are counted as they come; a database that fails leaves its gauges
// out of the scrape and the rest is still served.
func TestCountsAndFailingDatabase(t *testing.T) {
	st, err := server.Migrated(context.Background(), storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(st, time.Now)
	m.QueueWait(-time.Second) // clocks of two nodes disagreeing
	m.Decision("review", verification.DecideNotVerified)
	m.Request("unmatched", "BREW", http.StatusNotFound, time.Millisecond)

	families := gather(t, m)
	if got := families["attest_queue_length"].GetMetric()[0].GetGauge().GetValue(); got != 0 {
		t.Fatalf("queue length %v", got)
	}
	if h := families["attest_queue_wait_seconds"].GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 0 {
		t.Fatalf("queue wait %d samples, sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	var methods []string
	for _, s := range families["attest_http_request_duration_seconds"].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == "method" {
				methods = append(methods, l.GetValue())
			}
		}
	}
	if len(methods) != 1 || methods[0] != "other" {
		t.Fatalf("methods %v", methods)
	}

	st.Close()
	families = gather(t, m)
	for _, name := range []string{"attest_queue_length", "attest_agents_online", "attest_calls_in_progress",
		"attest_verifications_open", "attest_verifications_overdue", "attest_jobs"} {
		if _, ok := families[name]; ok {
			t.Errorf("%s reported without a database", name)
		}
	}
	for _, name := range []string{"attest_decisions_total", "attest_webhook_deliveries_total", "go_goroutines"} {
		if _, ok := families[name]; !ok {
			t.Errorf("%s missing when the database fails", name)
		}
	}
}
