package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/webhook"
)

// records decodes every line logged so far.
func records(t *testing.T, b *logBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	return out
}

// find returns the first record with msg whose fields include want.
func find(recs []map[string]any, msg string, want map[string]any) map[string]any {
next:
	for _, rec := range recs {
		if rec["msg"] != msg {
			continue
		}
		for k, v := range want {
			if rec[k] != v {
				continue next
			}
		}
		return rec
	}
	return nil
}

// waitRecord waits for a line: the access line is written once the
// answer is sent, so it may follow the client's read by a moment.
func waitRecord(t *testing.T, logs *logBuffer, msg string, want map[string]any) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if rec := find(records(t, logs), msg, want); rec != nil {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q line with %v in:\n%s", msg, want, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func openLogged(t *testing.T) (*server.Server, *httptest.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Log: slog.New(slog.NewJSONHandler(logs, nil))})
	t.Cleanup(func() { s.Close() })
	h := httptest.NewServer(s.Handler())
	t.Cleanup(h.Close)
	return s, h, logs
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// A well-formed X-Request-Id is kept; anything else is replaced by a
// fresh id, so that a client cannot write what it likes into the logs.
func TestRequestIDIsEchoedOrReplaced(t *testing.T) {
	_, h, _ := openLogged(t)
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"a UUID", "0b6f6e0c-3c1e-4a8e-9d5c-2f0c8e1f7a21", true},
		{"a proxy's id", "req_01HZX.abc-9", true},
		{"none", "", false},
		{"too long", strings.Repeat("a", 65), false},
		{"a space", "abc def", false},
		{"a quote", `abc"def`, false},
		{"non-ASCII", "açaí", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", h.URL+"/healthz", nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("X-Request-Id")
			switch {
			case tc.kept && got != tc.sent:
				t.Errorf("sent %q, answered %q; want it echoed", tc.sent, got)
			case !tc.kept && !generatedID.MatchString(got):
				t.Errorf("sent %q, answered %q; want a fresh 24-hex-digit id", tc.sent, got)
			}
		})
	}
	a, b := requestID(t, h.URL+"/healthz"), requestID(t, h.URL+"/healthz")
	if a == b {
		t.Errorf("two requests got the same id %s", a)
	}
}

func requestID(t *testing.T, target string) string {
	t.Helper()
	res, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Header.Get("X-Request-Id")
}

// A line a handler logs with the request's context carries the request's
// id, and so does the request's access line.
func TestLogLinesCarryTheRequestID(t *testing.T) {
	s, h, logs := openLogged(t)
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
	form := url.Values{"email": {"maria@example.com"}, "password": {"not her password"}}
	req, _ := http.NewRequest("POST", h.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Request-Id", "trace-4711")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	access := waitRecord(t, logs, "request", map[string]any{"request_id": "trace-4711"})
	if find(records(t, logs), "failed staff sign-in", map[string]any{"request_id": "trace-4711"}) == nil {
		t.Errorf("no failed sign-in line with request_id trace-4711 in:\n%s", logs)
	}
	for k, want := range map[string]any{"level": "INFO", "method": "POST", "route": "POST /login", "status": float64(401)} {
		if access[k] != want {
			t.Errorf("access line %s = %v, want %v", k, access[k], want)
		}
	}
	if _, ok := access["duration_ms"].(float64); !ok {
		t.Errorf("access line has no duration_ms: %v", access)
	}
	if n, _ := access["bytes"].(float64); n <= 0 {
		t.Errorf("access line bytes = %v, want the page's size", access["bytes"])
	}
}

// The access line names the route, never the path: a portal path is the
// freelancer's credential. Cookies and Authorization headers stay out too.
func TestAccessLogHoldsNoSecrets(t *testing.T) {
	s, h, logs := openLogged(t)
	opened := seedCase(t, s, "u-60")
	token := opened.Link.URL[strings.LastIndex(opened.Link.URL, "/")+1:]
	req, _ := http.NewRequest("GET", h.URL+"/v/"+token+"?notice=left", nil)
	req.Header.Set("Cookie", "attest_session=cookie-secret-value")
	req.Header.Set("Authorization", "Bearer bearer-secret-value")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	access := waitRecord(t, logs, "request", map[string]any{"request_id": id})
	if access["route"] != "GET /v/{token}" || access["status"] != float64(200) {
		t.Fatalf("access line %v, want route GET /v/{token} and status 200", access)
	}
	for _, secret := range []string{token, "notice=left", "cookie-secret-value", "bearer-secret-value"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs)
		}
	}
}

// Stopping the server (SIGTERM ends Run's context) lets a request in flight
// finish with its whole answer, and lets a job in flight finish: a webhook
// delivery to a receiver that takes a second is recorded as delivered, not
// cut off to be retried.
func TestShutdownDrainsRequestsAndJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		hookStarted := make(chan struct{}, 1)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case hookStarted <- struct{}{}:
			default:
			}
			time.Sleep(time.Second)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer receiver.Close()
		// Retries an hour away: a delivery cut off would not be retried
		// within the test.
		s := open(t, server.Config{Store: cfg, Webhooks: server.WebhookConfig{AllowPrivate: true,
			RetryScale: time.Hour, Poll: 50 * time.Millisecond}})
		defer s.Close()
		addEndpoint(t, s, receiver.URL)
		requestStarted := make(chan struct{})
		server.WrapHandler(s, slowRoute(requestStarted))

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ran := make(chan error, 1)
		go func() { ran <- s.Run(ctx, ln) }()
		seedCase(t, s, "u-70") // verification.created goes to the receiver
		answer := make(chan string, 1)
		go func() { answer <- get("http://" + ln.Addr().String() + "/slow") }()
		waitClosed(t, "the slow request to start", requestStarted)
		waitClosed(t, "the webhook delivery to start", hookStarted)

		cancel()
		select {
		case err := <-ran:
			if err != nil {
				t.Fatalf("run: %v", err)
			}
		case <-time.After(server.DrainTimeout + 10*time.Second):
			t.Fatal("Run did not return")
		}
		select {
		case got := <-answer:
			if got != "200 {\"status\":\"ok\"}\n" {
				t.Errorf("the request in flight got %q, want 200 and the whole answer", got)
			}
		case <-time.After(5 * time.Second):
			t.Error("the request in flight got no answer")
		}
		ds, err := s.Store.WebhookDeliveries(context.Background(), store.DeliveryFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered {
			for _, d := range ds {
				t.Logf("delivery %s: %s after %d attempts, last error %q", d.EventType, d.Status, d.Attempts, d.LastError)
			}
			t.Fatalf("%d deliveries; want the one in flight delivered", len(ds))
		}
	})
}

func addEndpoint(t *testing.T, s *server.Server, target string) {
	t.Helper()
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := s.Webhooks.Create(ctx, tx, "test", webhook.NewEndpoint{URL: target, Events: []string{"verification.created"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// slowRoute answers GET /slow like /readyz, a second after it began: long
// enough for the test to stop the server while it runs.
func slowRoute(started chan<- struct{}) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/slow" {
				next.ServeHTTP(w, r)
				return
			}
			close(started)
			time.Sleep(time.Second)
			r.URL.Path = "/readyz"
			next.ServeHTTP(w, r)
		})
	}
}

// get is the status and body of a GET, or the error.
func get(target string) string {
	res, err := http.Get(target)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err.Error()
	}
	return strings.Fields(res.Status)[0] + " " + string(b)
}

func waitClosed(t *testing.T, what string, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(15 * time.Second):
		t.Fatalf("waited 15s for %s", what)
	}
}
