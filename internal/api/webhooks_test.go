package api_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/attest-dev/attest/client"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// receiver is the marketplace's webhook endpoint: a real HTTP server that
// checks every request with the Standard Webhooks reference library.
type receiver struct {
	t    *testing.T
	http *httptest.Server
	mu   sync.Mutex
	// fail answers this many requests with 503 before accepting.
	fail int
	// anyTime accepts any webhook-timestamp, for tests that move the clock.
	anyTime  bool
	secret   string
	got      []received
	attempts int
}

type received struct {
	ID, Type string
	Seq      int64
	Data     json.RawMessage
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t}
	rc.http = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.http.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if rc.fail > 0 {
		rc.fail--
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	wh, err := standardwebhooks.NewWebhook(rc.secret)
	if err != nil {
		rc.t.Errorf("secret %q: %v", rc.secret, err)
		return
	}
	// The test's clock is stopped in March 2026, so the timestamp is
	// checked against it below rather than against the wall clock.
	if err := wh.VerifyIgnoringTimestamp(body, r.Header); err != nil {
		rc.t.Errorf("signature refused by the reference library: %v", err)
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	if ts := r.Header.Get("webhook-timestamp"); ts != "1774605600" && !rc.anyTime { // t0
		rc.t.Errorf("webhook-timestamp %s, want the clock's time", ts)
	}
	var p struct {
		ID, Type string
		Seq      int64
		Data     json.RawMessage
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ID != r.Header.Get("webhook-id") {
		rc.t.Errorf("payload %s with webhook-id %s: %v", body, r.Header.Get("webhook-id"), err)
	}
	rc.got = append(rc.got, received{ID: p.ID, Type: p.Type, Seq: p.Seq, Data: p.Data})
	w.WriteHeader(http.StatusNoContent)
}

// types lists what arrived in the events' order: deliveries run in
// parallel and may arrive in any order, and seq tells which came first.
func (rc *receiver) types() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	got := slices.Clone(rc.got)
	slices.SortFunc(got, func(a, b received) int { return cmp.Compare(a.Seq, b.Seq) })
	var out []string
	for _, g := range got {
		out = append(out, g.Type)
	}
	return out
}

// waitFor polls until cond holds, for work done by the job queue.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newHookEnv is an attest whose background work runs, with webhooks allowed
// to reach this machine and retries a thousand times faster than real.
func newHookEnv(t *testing.T, cfg store.Config) *env {
	return newHookEnvScaled(t, cfg, 10*time.Millisecond)
}

// newHookEnvScaled waits scale before the first retry (30 s in production).
func newHookEnvScaled(t *testing.T, cfg store.Config, scale time.Duration) *env {
	e := newEnvWith(t, server.Config{Store: cfg, Webhooks: server.WebhookConfig{AllowPrivate: true,
		RetryScale: scale, Poll: 50 * time.Millisecond}})
	stop, err := e.srv.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stop(ctx)
	})
	return e
}

// deliveryMetrics reads attest_webhook_deliveries_total from /metrics with
// Prometheus's own parser.
func deliveryMetrics(t *testing.T, e *env) (delivered, failed float64) {
	t.Helper()
	res, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	for _, m := range families["attest_webhook_deliveries_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			switch {
			case l.GetName() == "result" && l.GetValue() == "delivered":
				delivered = m.GetCounter().GetValue()
			case l.GetName() == "result" && l.GetValue() == "failed":
				failed = m.GetCounter().GetValue()
			}
		}
	}
	return delivered, failed
}

type endpointJSON struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Status         string   `json:"status"`
	DisabledReason *string  `json:"disabled_reason"`
	Secret         string   `json:"secret"`
}

func TestWebhooksDeliverSignedEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newHookEnv(t, cfg)
		ctx := context.Background()
		rc := newReceiver(t)
		ep, err := e.api.CreateWebhookEndpoint(ctx, client.WebhookEndpointCreate{URL: rc.http.URL + "/hooks",
			Events:      []client.EventType{"verification.created", "verification.canceled", "standing.changed"},
			Description: "backend"})
		if err != nil || !strings.HasPrefix(ep.Secret, "whsec_") || ep.Status != "enabled" || ep.DisabledReason != nil {
			t.Fatalf("created endpoint %+v: %v", ep, err)
		}
		rc.mu.Lock()
		rc.secret = ep.Secret
		rc.mu.Unlock()

		// The secret is shown once: never in reads.
		got := e.must(200, e.call("GET", "/v1/webhook-endpoints/"+ep.ID, nil))
		if strings.Contains(string(got.Body), "whsec_") || strings.Contains(string(got.Body), `"secret"`) {
			t.Fatalf("the secret shows again: %s", got.Body)
		}
		var listed []string
		for found, err := range e.api.WebhookEndpoints(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			listed = append(listed, found.ID+" "+found.Description)
		}
		if strings.Join(listed, ",") != ep.ID+" backend" {
			t.Fatalf("listed %v", listed)
		}

		if _, _, err := e.api.PutFreelancer(ctx, "u-1", ana()); err != nil {
			t.Fatal(err)
		}
		v, err := e.api.CreateVerification(ctx, newCase())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.api.CancelVerification(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the created and canceled webhooks", func() bool { return len(rc.types()) >= 2 })
		if types := strings.Join(rc.types(), ","); types != "verification.created,verification.canceled" {
			t.Fatalf("received %s; want only the subscribed types", types)
		}
		// The events match the feed's, number for number.
		feed, err := e.api.Events(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range rc.got {
			found := false
			for _, f := range feed.Data {
				found = found || (f.ID == g.ID && f.Seq == g.Seq && string(f.Type) == g.Type)
			}
			if !found {
				t.Fatalf("webhook %+v is not in the feed", g)
			}
		}

		// Deleted: nothing more is sent.
		if err := e.api.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.api.GetWebhookEndpoint(ctx, ep.ID); !client.IsNotFound(err) {
			t.Fatalf("a deleted endpoint: %v", err)
		}
		if err := e.api.DeleteWebhookEndpoint(ctx, ep.ID); !client.IsNotFound(err) {
			t.Fatalf("deleting twice: %v", err)
		}
		if _, err := e.api.CreateVerification(ctx, newCase()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.types()); n != 2 {
			t.Fatalf("%d webhooks after the endpoint was deleted", n)
		}
	})
}

// An endpoint subscribed with ["*"] gets every event the feed holds, of
// whatever type: verification.created, verification.canceled and the
// standing.changed that lifts the overdue restriction among them.
func TestWebhooksEveryEventType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newHookEnv(t, cfg)
		ctx := context.Background()
		rc := newReceiver(t)
		rc.anyTime = true // the clock moves past the deadline below
		var ep endpointJSON
		e.must(201, e.call("POST", "/v1/webhook-endpoints", map[string]any{"url": rc.http.URL,
			"events": []string{"*"}})).decode(t, &ep)
		rc.mu.Lock()
		rc.secret = ep.Secret
		rc.mu.Unlock()
		var read endpointJSON
		e.must(200, e.call("GET", "/v1/webhook-endpoints/"+ep.ID, nil)).decode(t, &read)
		if !slices.Equal(ep.Events, []string{"*"}) || !slices.Equal(read.Events, []string{"*"}) {
			t.Fatalf("events %v on creation, %v when read; want [*]", ep.Events, read.Events)
		}

		if _, _, err := e.api.PutFreelancer(ctx, "u-1", ana()); err != nil {
			t.Fatal(err)
		}
		v, err := e.api.CreateVerification(ctx, newCase())
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(7*24*time.Hour + time.Second) // overdue: restricted
		if st, err := e.api.Standing(ctx, "u-1"); err != nil || len(st.Restrictions) == 0 {
			t.Fatalf("standing after the deadline %+v, %v", st, err)
		}
		if _, err := e.api.CancelVerification(ctx, v.ID); err != nil { // lifts it: standing.changed
			t.Fatal(err)
		}
		var feed []string
		waitFor(t, "every event of the feed delivered", func() bool {
			page, err := e.api.Events(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			feed = feed[:0]
			for _, ev := range page.Data {
				feed = append(feed, string(ev.Type))
			}
			return slices.Equal(rc.types(), feed)
		})
		t.Logf("delivered %v", feed)
		for _, want := range []string{"verification.created", "verification.canceled", "standing.changed"} {
			if !slices.Contains(feed, want) {
				t.Errorf("the feed %v lacks %s", feed, want)
			}
		}
	})
}

// An endpoint down for a while gets its events once it is back, with the
// same webhook-id on every attempt.
func TestWebhooksRetryUntilDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newHookEnv(t, cfg)
		rc := newReceiver(t)
		rc.fail = 3
		var ep endpointJSON
		e.must(201, e.call("POST", "/v1/webhook-endpoints", map[string]any{"url": rc.http.URL,
			"events": []string{"verification.created"}})).decode(t, &ep)
		rc.mu.Lock()
		rc.secret = ep.Secret
		rc.mu.Unlock()
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
		e.must(201, e.call("POST", "/v1/verifications", openCase()))
		waitFor(t, "delivery after three failures", func() bool { return len(rc.types()) == 1 })
		rc.mu.Lock()
		attempts := rc.attempts
		rc.mu.Unlock()
		if attempts != 4 {
			t.Fatalf("%d attempts, want 4", attempts)
		}
		// The receiver has answered; the worker records the answer just after.
		var list []*store.WebhookDelivery
		waitFor(t, "the delivery recorded", func() bool {
			list, _ = e.srv.Store.WebhookDeliveries(context.Background(), store.DeliveryFilter{EndpointID: ep.ID, Limit: 10})
			return len(list) == 1 && list[0].Status == store.DeliveryDelivered
		})
		if list[0].Attempts != 4 {
			t.Fatalf("delivery log %+v", list[0])
		}
		tries, _ := e.srv.Store.WebhookAttempts(context.Background(), list[0].ID)
		if len(tries) != 4 || tries[0].StatusCode != 503 || !strings.Contains(tries[0].Response, "down for maintenance") || tries[3].StatusCode != 204 {
			t.Fatalf("attempts %+v", tries)
		}
		waitFor(t, "/metrics to count 1 delivered and 3 failed attempts", func() bool {
			delivered, failed := deliveryMetrics(t, e)
			return delivered == 1 && failed == 3
		})
	})
}

// An endpoint that never answers is disabled once a delivery has spent all
// its retries, and every admin is emailed.
func TestWebhooksDisablePersistentlyFailingEndpoint(t *testing.T) {
	// Waits from 0.1 ms doubling to at most 144 ms: the whole schedule of
	// 18 attempts, scaled down 300,000 times, in about a second.
	e := newHookEnvScaled(t, storetest.SQLite(t), 100*time.Microsecond)
	ctx := context.Background()
	err := e.srv.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.PutStaff(ctx, &store.Staff{ID: "stf_admin", Email: "admin@example.com", Name: "Ada", Role: store.RoleAdmin,
			PasswordHash: "x", CreatedAt: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t)
	rc.fail = 1 << 30
	var ep endpointJSON
	e.must(201, e.call("POST", "/v1/webhook-endpoints", map[string]any{"url": rc.http.URL,
		"events": []string{"verification.created"}})).decode(t, &ep)
	e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
	e.must(201, e.call("POST", "/v1/verifications", openCase()))
	waitFor(t, "the endpoint disabled", func() bool {
		var got endpointJSON
		e.must(200, e.call("GET", "/v1/webhook-endpoints/"+ep.ID, nil)).decode(t, &got)
		return got.Status == "disabled"
	})
	var got endpointJSON
	e.must(200, e.call("GET", "/v1/webhook-endpoints/"+ep.ID, nil)).decode(t, &got)
	if got.DisabledReason == nil || !strings.Contains(*got.DisabledReason, "HTTP 503") {
		t.Fatalf("disabled without a reason: %+v", got)
	}
	emails, _ := e.srv.Store.Emails(ctx, 50)
	var notice *store.Email
	for _, m := range emails {
		if m.Kind == "webhook_disabled" {
			notice = m
		}
	}
	if notice == nil || notice.To != "admin@example.com" || !strings.Contains(notice.Text, rc.http.URL) ||
		!strings.Contains(notice.Text, "/admin/webhooks/"+ep.ID) {
		t.Fatalf("admin email %+v", notice)
	}
	rc.mu.Lock()
	attempts := rc.attempts
	rc.mu.Unlock()
	if attempts != 18 {
		t.Fatalf("%d attempts before disabling, want 18", attempts)
	}
}

func TestWebhookEndpointsRefuseBadInput(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t)) // private targets are not allowed here
	for _, tc := range []struct {
		name        string
		body        string
		status      int
		code, field string
	}{
		{"loopback address", `{"url": "https://127.0.0.1/hooks", "events": ["verification.created"]}`, 422, "private_target", "url"},
		{"name resolving to loopback", `{"url": "https://localhost/hooks", "events": ["verification.created"]}`, 422, "private_target", "url"},
		{"link-local metadata", `{"url": "https://169.254.169.254/latest", "events": ["verification.created"]}`, 422, "private_target", "url"},
		{"private network", `{"url": "https://10.0.0.8/hooks", "events": ["verification.created"]}`, 422, "private_target", "url"},
		{"plain http", `{"url": "http://93.184.215.14/hooks", "events": ["verification.created"]}`, 400, "insecure", "url"},
		{"no url", `{"events": ["verification.created"]}`, 400, "required", "url"},
		{"no events", `{"url": "https://93.184.215.14/hooks", "events": []}`, 400, "required", "events"},
		{"unknown event", `{"url": "https://93.184.215.14/hooks", "events": ["verification.created", "user.deleted"]}`, 400, "invalid", "events[1]"},
		{"repeated event", `{"url": "https://93.184.215.14/hooks", "events": ["standing.changed", "standing.changed"]}`, 400, "duplicate", "events[1]"},
		{"every type with a name", `{"url": "https://93.184.215.14/hooks", "events": ["*", "standing.changed"]}`, 400, "invalid", "events[0]"},
		{"a name with every type", `{"url": "https://93.184.215.14/hooks", "events": ["standing.changed", "*"]}`, 400, "invalid", "events[1]"},
		{"a pattern", `{"url": "https://93.184.215.14/hooks", "events": ["verification.*"]}`, 400, "invalid", "events[0]"},
		{"unknown field", `{"url": "https://93.184.215.14/hooks", "events": ["standing.changed"], "secret": "mine"}`, 400, "unknown_field", "secret"},
		{"events not a list", `{"url": "https://93.184.215.14/hooks", "events": "standing.changed"}`, 400, "wrong_type", "events"},
		{"long description", `{"url": "https://93.184.215.14/hooks", "events": ["standing.changed"], "description": "` + strings.Repeat("x", 201) + `"}`, 400, "too_long", "description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.call("POST", "/v1/webhook-endpoints", tc.body)
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
			}
			if code, field := res.errorCode(t); code != tc.code || field != tc.field {
				t.Fatalf("error %s on %q, want %s on %q", code, field, tc.code, tc.field)
			}
		})
	}
	var list struct{ Data []endpointJSON }
	e.must(200, e.call("GET", "/v1/webhook-endpoints", nil)).decode(t, &list)
	if len(list.Data) != 0 {
		t.Fatalf("refused endpoints were stored: %+v", list.Data)
	}
	// A public address is accepted without any network check but the name's.
	e.must(201, e.call("POST", "/v1/webhook-endpoints", `{"url": "https://93.184.215.14/hooks", "events": ["standing.changed"]}`))
}

func TestWebhookEndpointsPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	for range 3 {
		if _, err := e.api.CreateWebhookEndpoint(ctx, client.WebhookEndpointCreate{URL: "https://93.184.215.14/hooks",
			Events: []client.EventType{"standing.changed"}}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := e.api.ListWebhookEndpoints(ctx, 2, "")
	if err != nil || len(first.Data) != 2 || first.NextCursor == nil {
		t.Fatalf("first page %+v %v", first, err)
	}
	second, err := e.api.ListWebhookEndpoints(ctx, 2, *first.NextCursor)
	if err != nil || len(second.Data) != 1 || second.NextCursor != nil || second.Data[0].ID == first.Data[1].ID {
		t.Fatalf("second page %+v %v", second, err)
	}
	if code, field := e.must(400, e.call("GET", "/v1/webhook-endpoints?limit=21", nil)).errorCode(t); code != "out_of_range" || field != "limit" {
		t.Fatalf("limit 21: %s %s", code, field)
	}
}

// The marketplace's receiver is down while events pile up; when it is back,
// every event arrives, and after dropping repeats (by webhook-id) they are
// exactly the feed's events, in seq order.
func TestWebhooksReceiverDownThenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newHookEnvScaled(t, cfg, 5*time.Millisecond)
		rc := newReceiver(t)
		rc.fail = 1 << 30 // down
		var ep endpointJSON
		e.must(201, e.call("POST", "/v1/webhook-endpoints", map[string]any{"url": rc.http.URL, "events": []string{"*"}})).decode(t, &ep)
		rc.mu.Lock()
		rc.secret, rc.anyTime = ep.Secret, true
		rc.mu.Unlock()
		for i := range 8 {
			id := fmt.Sprintf("u-%d", i)
			e.must(201, e.call("PUT", "/v1/freelancers/"+id, profile()))
			open := openCase()
			open["freelancer_id"] = id
			e.must(201, e.call("POST", "/v1/verifications", open))
		}
		waitFor(t, "attempts against the receiver while it is down", func() bool {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			return rc.attempts >= 8
		})
		rc.mu.Lock()
		rc.fail = 0 // back
		rc.mu.Unlock()
		var feed []int64
		events, err := e.srv.Store.Events(context.Background(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			feed = append(feed, ev.Seq)
		}
		waitFor(t, "every event delivered after the receiver came back", func() bool {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			seen := map[string]bool{}
			for _, g := range rc.got {
				seen[g.ID] = true
			}
			return len(seen) == len(feed)
		})
		rc.mu.Lock()
		defer rc.mu.Unlock()
		seen := map[string]bool{}
		var seqs []int64
		for _, g := range rc.got {
			if !seen[g.ID] {
				seen[g.ID] = true
				seqs = append(seqs, g.Seq)
			}
		}
		slices.Sort(seqs)
		if !slices.Equal(seqs, feed) {
			t.Fatalf("delivered %v, the feed is %v", seqs, feed)
		}
	})
}

// rawReceiver keeps every request's signature headers and body as they
// came, for tests that check signatures themselves.
type rawReceiver struct {
	http *httptest.Server
	mu   sync.Mutex
	got  []http.Header
	body [][]byte
}

func newRawReceiver(t *testing.T) *rawReceiver {
	rc := &rawReceiver{}
	rc.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got, rc.body = append(rc.got, r.Header.Clone()), append(rc.body, body)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.http.Close)
	return rc
}

// last waits for the n-th request and returns it.
func (rc *rawReceiver) last(t *testing.T, n int) (http.Header, []byte) {
	t.Helper()
	waitFor(t, fmt.Sprintf("webhook %d", n), func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.got) >= n })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got[n-1], rc.body[n-1]
}

// verifies reports whether the reference library accepts a message with secret.
func verifies(t *testing.T, secret string, h http.Header, body []byte) bool {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.VerifyIgnoringTimestamp(body, h) == nil
}

// A secret's rotation: the new secret is shown once; for the overlap the
// marketplace's receivers accept messages with either secret (two
// signatures, checked with the reference library); after it, the old one
// no longer verifies; with an overlap of 0 it stops at once.
func TestWebhookSecretRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newHookEnv(t, cfg)
		ctx := context.Background()
		rc := newRawReceiver(t)
		ep, err := e.api.CreateWebhookEndpoint(ctx, client.WebhookEndpointCreate{URL: rc.http.URL, Events: []client.EventType{client.EveryEventType}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.api.PutFreelancer(ctx, "u-1", ana()); err != nil {
			t.Fatal(err)
		}
		event := func(n int) (http.Header, []byte) {
			t.Helper()
			v, err := e.api.CreateVerification(ctx, newCase())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.api.CancelVerification(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
			return rc.last(t, n)
		}
		h, body := event(1)
		if !verifies(t, ep.Secret, h, body) || strings.Count(h.Get("webhook-signature"), "v1,") != 1 {
			t.Fatalf("before the rotation: %q", h.Get("webhook-signature"))
		}

		rotated, err := e.api.RotateWebhookSecret(ctx, ep.ID, client.WebhookSecretRotation{})
		if err != nil || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == ep.Secret {
			t.Fatalf("rotated: %+v %v", rotated, err)
		}
		if u := rotated.PreviousSecretExpiresAt; u == nil || !u.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("the old secret signs until %v, want a day", u)
		}
		read, err := e.api.GetWebhookEndpoint(ctx, ep.ID)
		if err != nil || read.PreviousSecretExpiresAt == nil {
			t.Fatalf("read after the rotation: %+v %v", read, err)
		}
		got := e.must(200, e.call("GET", "/v1/webhook-endpoints/"+ep.ID, nil))
		if strings.Contains(string(got.Body), "whsec_") {
			t.Fatalf("the secret shows again: %s", got.Body)
		}

		h, body = event(3)
		if strings.Count(h.Get("webhook-signature"), "v1,") != 2 {
			t.Fatalf("during the overlap: %q, want two signatures", h.Get("webhook-signature"))
		}
		for name, secret := range map[string]string{"old": ep.Secret, "new": rotated.Secret} {
			if !verifies(t, secret, h, body) {
				t.Errorf("during the overlap the %s secret does not verify", name)
			}
		}

		e.clock.Advance(24 * time.Hour)
		h, body = event(5)
		if verifies(t, ep.Secret, h, body) || !verifies(t, rotated.Secret, h, body) {
			t.Fatalf("after the overlap: %q", h.Get("webhook-signature"))
		}
		if read, _ := e.api.GetWebhookEndpoint(ctx, ep.ID); read.PreviousSecretExpiresAt != nil {
			t.Fatal("the view still shows an old secret after it stopped signing")
		}

		zero := int64(0)
		now, err := e.api.RotateWebhookSecret(ctx, ep.ID, client.WebhookSecretRotation{PreviousSecretExpiresIn: &zero})
		if err != nil || now.PreviousSecretExpiresAt != nil {
			t.Fatalf("rotated with no overlap: %+v %v", now, err)
		}
		h, body = event(7)
		if verifies(t, rotated.Secret, h, body) || !verifies(t, now.Secret, h, body) {
			t.Fatalf("with no overlap the old secret still signs: %q", h.Get("webhook-signature"))
		}

		for _, tc := range []struct {
			body        string
			code, field string
		}{
			{`{"previous_secret_expires_in": -1}`, "out_of_range", "previous_secret_expires_in"},
			{`{"previous_secret_expires_in": 604801}`, "out_of_range", "previous_secret_expires_in"},
			{`{"previous_secret_expires_in": 99999999999999999}`, "out_of_range", "previous_secret_expires_in"},
			{`{"previous_secret_expires_in": "1"}`, "wrong_type", "previous_secret_expires_in"},
			{`{"Previous_Secret_Expires_In": 1}`, "unknown_field", "Previous_Secret_Expires_In"},
		} {
			r := e.call("POST", "/v1/webhook-endpoints/"+ep.ID+"/rotate-secret", tc.body)
			if code, field := r.errorCode(t); r.Status != 400 || code != tc.code || field != tc.field {
				t.Errorf("%s: %d %s", tc.body, r.Status, r.Body)
			}
		}
		if r := e.call("POST", "/v1/webhook-endpoints/we_nope/rotate-secret", ""); r.Status != 404 {
			t.Errorf("unknown endpoint: %d %s", r.Status, r.Body)
		}
		// A refused rotation changed nothing: the last secret still signs alone.
		h, body = event(9)
		if !verifies(t, now.Secret, h, body) || strings.Count(h.Get("webhook-signature"), "v1,") != 1 {
			t.Fatalf("after refused rotations: %q", h.Get("webhook-signature"))
		}
	})
}
