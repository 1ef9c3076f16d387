// Package metrics exposes attest's figures to Prometheus at /metrics.
//
// Figures that live in the database (queue length, agents online, calls in
// progress, open and overdue cases, job queue depth) are read when Prometheus
// scrapes, so every node reports the same truth. Figures about events (queue
// waits, decisions, webhook deliveries, HTTP requests) are counted in this
// process as they happen; Prometheus sums them across nodes.
//
// No metric carries personal data or a request path: label values come from
// small fixed sets (statuses, decisions, route patterns), never from input.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river/rivertype"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 5 * time.Second

// Metrics is one attest's figures, on a registry of its own (not
// Prometheus's global one), so that several servers can live in one process.
type Metrics struct {
	registry  *prometheus.Registry
	queueWait prometheus.Histogram
	decisions *prometheus.CounterVec
	webhooks  *prometheus.CounterVec
	requests  *prometheus.HistogramVec
	limits    *prometheus.CounterVec
}

// New builds the metrics of the attest whose data is in st; now is its clock,
// for what depends on the time (agents' freshness, overdue cases).
func New(st *store.Store, now func() time.Time) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "attest_queue_wait_seconds",
			Help:    "How long freelancers taken from the live queue waited there, from joining to being taken.",
			Buckets: []float64{15, 30, 60, 2 * 60, 5 * 60, 10 * 60, 20 * 60, 30 * 60, 60 * 60},
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "attest_decisions_total",
			Help: "Decisions on verifications, by stage (call: the agent ending a call; review: a second reviewer) and decision.",
		}, []string{"stage", "decision"}),
		// One count per delivery attempt, through WebhookDelivered.
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "attest_webhook_deliveries_total",
			Help: "Webhook delivery attempts, by result.",
		}, []string{"result"}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "attest_limit_refusals_total",
			Help: "Requests and connections refused or closed by a limit, by limit (per_person, per_address, idle: signaling sockets; uploads: concurrent uploads).",
		}, []string{"limit"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "attest_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route (the pattern that served it, never the path), method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "code"}),
	}
	// Series known in advance start at zero, so that rates and alerts work
	// before the first event.
	for _, d := range []verification.Decision{verification.DecideVerified, verification.DecideNotVerified, verification.DecideNeedsDocuments} {
		m.decisions.WithLabelValues("call", string(d))
	}
	for _, d := range []verification.Decision{verification.DecideVerified, verification.DecideNotVerified} {
		m.decisions.WithLabelValues("review", string(d))
	}
	// A vector without series is left out of the exposition altogether, HELP
	// and TYPE included; these two results start it off before the first delivery.
	for _, result := range []string{"delivered", "failed"} {
		m.webhooks.WithLabelValues(result)
	}
	for _, limit := range []string{"per_person", "per_address", "idle", "uploads"} {
		m.limits.WithLabelValues(limit)
	}
	m.registry.MustRegister(m.queueWait, m.decisions, m.webhooks, m.requests, m.limits,
		&database{store: st, now: now},
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector())
	return m
}

// Handler serves the figures in Prometheus's formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry, ErrorHandling: promhttp.ContinueOnError})
}

// QueueWait records how long a freelancer taken from the queue waited
// (workflow.Workflow.OnTaken).
func (m *Metrics) QueueWait(waited time.Duration) {
	m.queueWait.Observe(max(waited, 0).Seconds())
}

// Decision counts a decision (workflow.Workflow.OnDecision).
func (m *Metrics) Decision(stage string, d verification.Decision) {
	m.decisions.WithLabelValues(stage, string(d)).Inc()
}

// LimitRefused counts a request or connection refused or closed by a limit.
func (m *Metrics) LimitRefused(limit string) {
	m.limits.WithLabelValues(limit).Inc()
}

// WebhookDelivered counts one webhook delivery attempt by its result
// ("delivered" or "failed"), as webhook.Worker.OnAttempt.
func (m *Metrics) WebhookDelivered(result string) {
	m.webhooks.WithLabelValues(result).Inc()
}

// Request records an answered HTTP request. route must be a registered
// pattern or a fixed word such as "unmatched", never the request's path;
// methods outside HTTP's standard ones count as "other".
func (m *Metrics) Request(route, method string, code int, took time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Observe(took.Seconds())
}

// database reads the gauges from the database at scrape time. A read that
// fails leaves its metric out of that scrape; the others are still reported.
type database struct {
	store *store.Store
	now   func() time.Time
}

var (
	queueLengthDesc = prometheus.NewDesc("attest_queue_length",
		"Freelancers in the live queue, present or away.", nil, nil)
	agentsOnlineDesc = prometheus.NewDesc("attest_agents_online",
		"Agents online whose console was seen recently.", nil, nil)
	callsDesc = prometheus.NewDesc("attest_calls_in_progress",
		"Calls started and not yet ended.", nil, nil)
	openDesc = prometheus.NewDesc("attest_verifications_open",
		"Open verifications, by status.", []string{"status"}, nil)
	overdueDesc = prometheus.NewDesc("attest_verifications_overdue",
		"Open verifications whose deadline has passed.", nil, nil)
	jobsDesc = prometheus.NewDesc("attest_jobs",
		"Jobs in the durable job queue, by state (completed jobs are kept for a day).", []string{"state"}, nil)
)

func (d *database) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{queueLengthDesc, agentsOnlineDesc, callsDesc, openDesc, overdueDesc, jobsDesc} {
		ch <- desc
	}
}

func (d *database) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	now := d.now()
	gauge := func(desc *prometheus.Desc, n int, labels ...string) {
		if m, err := prometheus.NewConstMetric(desc, prometheus.GaugeValue, float64(n), labels...); err == nil {
			ch <- m
		}
	}
	if entries, err := d.store.Queue(ctx); err == nil {
		gauge(queueLengthDesc, len(entries))
	}
	if agents, err := workflow.AgentsAt(ctx, d.store, now); err == nil {
		gauge(agentsOnlineDesc, agents.Online)
	}
	if n, err := d.store.CallsInProgress(ctx); err == nil {
		gauge(callsDesc, n)
	}
	if counts, err := d.store.OpenCounts(ctx); err == nil {
		for _, s := range verification.OpenStatuses() {
			gauge(openDesc, counts[s], string(s))
		}
	}
	if n, err := d.store.OverdueCount(ctx, now); err == nil {
		gauge(overdueDesc, n)
	}
	if counts, err := d.store.JobCounts(ctx); err == nil {
		for _, s := range rivertype.JobStates() {
			gauge(jobsDesc, counts[string(s)], string(s))
			delete(counts, string(s))
		}
		for state, n := range counts { // a state newer than this River's list
			gauge(jobsDesc, n, state)
		}
	}
}
