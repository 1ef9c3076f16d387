package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
)

// clock is a settable clock for deterministic deadlines and overdue checks.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var t0 = time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC)

// env is a whole attest behind a real HTTP listener.
type env struct {
	t     *testing.T
	srv   *server.Server
	http  *httptest.Server
	key   string
	clock *clock
}

func newEnv(t *testing.T, cfg store.Config) *env {
	t.Helper()
	return newEnvWith(t, server.Config{Store: cfg})
}

func newEnvWith(t *testing.T, cfg server.Config) *env {
	t.Helper()
	c := &clock{t: t0}
	cfg.Now = c.Now
	cfg.JobPoll = 50 * time.Millisecond
	e := &env{t: t, clock: c}
	var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.srv.Handler().ServeHTTP(w, r) })
	e.http = httptest.NewServer(handler)
	t.Cleanup(e.http.Close)
	cfg.BaseURL = e.http.URL
	srv, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e.srv = srv
	err = srv.Store.InTx(context.Background(), func(tx *store.Tx) error {
		e.key, err = srv.Workflow.CreateAPIKey(context.Background(), tx, "test", "test marketplace")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test if it cannot.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorCode is the envelope's code and field.
func (r response) errorCode(t *testing.T) (code, field string) {
	t.Helper()
	var env struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	r.decode(t, &env)
	if env.Error.Code == "" || env.Error.Message == "" {
		t.Fatalf("status %d without an error envelope: %s", r.Status, r.Body)
	}
	return env.Error.Code, env.Error.Field
}

// call sends a request with the test API key; body may be a string (sent
// as is), nil, or a value to encode. Every response is held to the OpenAPI
// document.
func (e *env) call(method, path string, body any, headers ...string) response {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewBufferString(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.http.URL+path, reader)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Body: data}
	checkAgainstSpec(e.t, method, path, res.StatusCode, res.Header, data)
	return out
}

func (e *env) must(want int, r response) response {
	e.t.Helper()
	if r.Status != want {
		e.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

func profile() map[string]any {
	return map[string]any{
		"display_name": "Ana Souza", "email": "ana@example.com", "locale": "pt-BR", "timezone": "America/Sao_Paulo",
		"claims": []map[string]any{
			{"key": "location", "label": "Location", "value": "Recife, Brazil", "kind": "location"},
			{"key": "skill.go", "label": "Go development", "value": "6 years", "kind": "skill"},
		},
	}
}

func openCase() map[string]any {
	return map[string]any{"freelancer_id": "u-1", "reason": map[string]any{"code": "new_account_review",
		"explanation": "New accounts with many invitations are checked once."}}
}
