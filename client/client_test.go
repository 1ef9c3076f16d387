package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests hold the client's own machinery (errors, retries, paging) to
// a fake server; the API tests in internal/api exercise every method
// against a real attest.

var fast = RetryPolicy{Attempts: 3, MinDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond}

// fake answers each request with the next of answers (status, body,
// Retry-After), counting requests; the last answer repeats.
func fake(t *testing.T, answers ...[3]string) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := min(int(n.Add(1))-1, len(answers)-1)
		a := answers[i]
		if a[2] != "" {
			w.Header().Set("Retry-After", a[2])
		}
		w.Header().Set("Content-Type", "application/json")
		code, err := strconv.Atoi(a[0])
		if err != nil {
			t.Errorf("bad status %q", a[0])
		}
		w.WriteHeader(code)
		io.WriteString(w, a[1])
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, "atk_test", WithRetryPolicy(fast)), &n
}

const capacityBody = `{"agents_online":1,"queue_length":0,"estimated_wait_seconds":null,"next_free_slot":null,"booked_share_next_7_days":0}`

func TestErrorEnvelope(t *testing.T) {
	c, _ := fake(t, [3]string{"404", `{"error":{"code":"not_found","message":"no such resource","field":"id"}}`})
	_, err := c.GetVerification(context.Background(), "ver_x")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 404 || e.Code != "not_found" || e.Field != "id" || e.Message != "no such resource" {
		t.Fatalf("got %#v, want a 404 not_found on field id", err)
	}
	if !IsNotFound(err) || IsConflict(err) {
		t.Fatalf("IsNotFound/IsConflict disagree with %v", err)
	}
}

func TestErrorWithoutEnvelope(t *testing.T) {
	c, _ := fake(t, [3]string{"502", `<html>bad gateway</html>`})
	_, err := c.Capacity(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 502 || e.Code != "" || !strings.Contains(e.Message, "bad gateway") {
		t.Fatalf("got %#v, want a 502 carrying the body", err)
	}
}

func TestRetries(t *testing.T) {
	unavailable := [3]string{"503", `{"error":{"code":"unavailable","message":"try again"}}`, ""}
	ok := [3]string{"200", capacityBody, ""}
	created := [3]string{"201", `{"id":"ver_1","status":"awaiting_freelancer"}`, ""}
	open := VerificationCreate{FreelancerID: "u-1", Reason: Reason{Code: "x", Explanation: "y"}}
	tests := []struct {
		name     string
		answers  [][3]string
		call     func(*Client) error
		wantErr  bool
		wantSent int32
	}{
		{"GET retried after 503", [][3]string{unavailable, ok},
			func(c *Client) error { _, err := c.Capacity(context.Background()); return err }, false, 2},
		{"GET retried after 429 with Retry-After", [][3]string{{"429", `{"error":{"code":"rate_limited","message":"slow down"}}`, "0"}, ok},
			func(c *Client) error { _, err := c.Capacity(context.Background()); return err }, false, 2},
		{"gives up after the attempts", [][3]string{unavailable},
			func(c *Client) error { _, err := c.Capacity(context.Background()); return err }, true, 3},
		{"Retry-After beyond MaxDelay is not waited for", [][3]string{{"503", `{"error":{"code":"unavailable","message":"later"}}`, "3600"}, ok},
			func(c *Client) error { _, err := c.Capacity(context.Background()); return err }, true, 1},
		{"404 is not retried", [][3]string{{"404", `{"error":{"code":"not_found","message":"no"}}`, ""}, ok},
			func(c *Client) error { _, err := c.Capacity(context.Background()); return err }, true, 1},
		{"POST without a key is never retried", [][3]string{unavailable, created},
			func(c *Client) error { _, err := c.CreateVerification(context.Background(), open); return err }, true, 1},
		{"POST with a key is retried", [][3]string{unavailable, created},
			func(c *Client) error {
				_, err := c.CreateVerification(context.Background(), open, WithIdempotencyKey("k-1"))
				return err
			}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sent := fake(t, tt.answers...)
			err := tt.call(c)
			if (err != nil) != tt.wantErr || sent.Load() != tt.wantSent {
				t.Fatalf("error %v after %d requests; want error %v after %d", err, sent.Load(), tt.wantErr, tt.wantSent)
			}
		})
	}
}

// A network error is retried, and the same body is sent again.
func TestRetryAfterNetworkError(t *testing.T) {
	var n atomic.Int32
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b)+" "+r.Header.Get("Idempotency-Key"))
		if n.Add(1) == 1 {
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close() // drop the connection without an answer
			return
		}
		w.WriteHeader(201)
		io.WriteString(w, `{"id":"pl_1","url":"https://x/v/t","expires_at":"2026-04-01T00:00:00Z"}`)
	}))
	defer srv.Close()
	c := New(srv.URL, "atk_test", WithRetryPolicy(fast))
	link, err := c.CreatePortalLink(context.Background(), "u-1", WithIdempotencyKey("link-1"))
	if err != nil || link.ID != "pl_1" || !link.ExpiresAt.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %+v, %v", link, err)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.HasSuffix(bodies[1], "link-1") {
		t.Fatalf("sent %q; want the same request twice", bodies)
	}
}

// The context bounds the retries: a canceled call stops waiting at once.
func TestRetryStopsWithContext(t *testing.T) {
	c, sent := fake(t, [3]string{"503", `{"error":{"code":"unavailable","message":"x"}}`, "5"})
	c.retry = RetryPolicy{Attempts: 5, MinDelay: time.Second, MaxDelay: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Capacity(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second || sent.Load() != 1 {
		t.Fatalf("error %v after %v and %d requests; want the deadline, soon, after one", err, time.Since(start), sent.Load())
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{"Fri, 27 Mar 2026 10:00:07 GMT", 7 * time.Second, true},
		{"Fri, 27 Mar 2026 09:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"-1", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDelayGrowsWithinBounds(t *testing.T) {
	p := RetryPolicy{Attempts: 10, MinDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt, full := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		full *= time.Millisecond
		for range 20 {
			if d := p.delay(attempt + 1); d < full/2 || d > full {
				t.Fatalf("delay after attempt %d = %v, want between %v and %v", attempt+1, d, full/2, full)
			}
		}
	}
}

// The iterator follows next_cursor to the end and stops when the loop does.
func TestVerificationsIterator(t *testing.T) {
	var cursors []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cursors = append(cursors, r.URL.Query().Get("cursor"))
		switch r.URL.Query().Get("cursor") {
		case "":
			io.WriteString(w, `{"data":[{"id":"ver_3"},{"id":"ver_2"}],"next_cursor":"c2"}`)
		default:
			io.WriteString(w, `{"data":[{"id":"ver_1"}],"next_cursor":null}`)
		}
	}))
	defer srv.Close()
	c := New(srv.URL, "atk_test")
	var ids []string
	for v, err := range c.Verifications(context.Background(), VerificationFilter{Status: Verified, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	if strings.Join(ids, ",") != "ver_3,ver_2,ver_1" || strings.Join(cursors, ",") != ",c2" {
		t.Fatalf("ids %v with cursors %q", ids, cursors)
	}
	cursors = nil
	for range c.Verifications(context.Background(), VerificationFilter{}) {
		break
	}
	if len(cursors) != 1 {
		t.Fatalf("a loop that stopped at once fetched %d pages", len(cursors))
	}
}

// A restricted standing decodes with its statement of reasons, and a case
// awaiting documents with the claims it awaits them for.
func TestStatementDecodes(t *testing.T) {
	c, _ := fake(t, [3]string{"200", `{"freelancer_id":"u-1","verified":false,"restrictions":["submit_proposals"],
		"open_verification":null,
		"statement":{"verification_id":"ver_1","basis":"decision","reason_code":"claim_not_supported",
			"reason":"What was shown or said did not support one or more claims.",
			"claims":[{"key":"skill.go","label":"Go development","outcome":"not_confirmed"}],
			"restrictions":["submit_proposals"],"restricted_since":"2026-03-27T10:00:00Z",
			"next_steps":[{"action":"appeal","until":"2026-04-10T10:00:00Z"}]}}`, ""})
	st, err := c.Standing(context.Background(), "u-1")
	if err != nil {
		t.Fatal(err)
	}
	s := st.Statement
	if s == nil || s.Basis != BasisDecision || s.ReasonCode != ReasonClaimNotSupported || len(s.Claims) != 1 ||
		s.Claims[0].Outcome != OutcomeNotConfirmed || s.RestrictedSince == nil || len(s.NextSteps) != 1 ||
		s.NextSteps[0].Action != ActionAppeal || s.NextSteps[0].Until == nil ||
		!s.NextSteps[0].Until.Equal(time.Date(2026, 4, 10, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("statement %+v", s)
	}

	c, _ = fake(t, [3]string{"200", `{"id":"ver_1","status":"awaiting_documents","documents_for":["skill.go"]}`, ""})
	v, err := c.GetVerification(context.Background(), "ver_1")
	if err != nil || v.Status != AwaitingDocuments || len(v.DocumentsFor) != 1 || v.DocumentsFor[0] != "skill.go" || v.Statement != nil {
		t.Fatalf("verification %+v, %v", v, err)
	}
}
