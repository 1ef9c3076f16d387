package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/client"
	"github.com/attest-dev/attest/internal/keys/keystest"
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
	t     testing.TB
	srv   *server.Server
	http  *httptest.Server
	key   string
	clock *clock
	// api is the public Go client, with the test API key; every response it
	// gets is held to the OpenAPI document, as call's are. Tests of normal
	// behaviour use it; tests of input the client would never send use call.
	api *client.Client
}

func newEnv(t testing.TB, cfg store.Config) *env {
	t.Helper()
	return newEnvWith(t, server.Config{Store: cfg})
}

func newEnvWith(t testing.TB, cfg server.Config) *env {
	t.Helper()
	c := &clock{t: t0}
	cfg.Now = c.Now
	cfg.JobPoll = 50 * time.Millisecond
	if cfg.Keys == nil {
		cfg.Keys = keystest.Ring()
	}
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
		e.key, err = srv.Staff.CreateAPIKey(context.Background(), tx, "test", "test marketplace")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.api = client.New(e.http.URL, e.key, client.WithRetryPolicy(client.NoRetry),
		client.WithHTTPClient(&http.Client{Transport: specTransport{t: t, next: http.DefaultTransport}}))
	return e
}

// specTransport holds every response the client gets to openapi.json
// before the client reads it.
type specTransport struct {
	t    testing.TB
	next http.RoundTripper
}

func (s specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := s.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	checkAgainstSpec(s.t, req.Method, req.URL.EscapedPath(), res.StatusCode, res.Header, body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

// wantError fails the test unless err is the API's error with this status,
// code and field.
func wantError(t testing.TB, err error, status int, code, field string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != status || e.Code != code || e.Field != field {
		t.Fatalf("got error %v, want %d %s on field %q", err, status, code, field)
	}
}

// ok fails the test if err is not nil.
func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
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

// ana is profile() for the client.
func ana() client.FreelancerInput {
	return client.FreelancerInput{DisplayName: "Ana Souza", Email: "ana@example.com", Locale: "pt-BR", TimeZone: "America/Sao_Paulo",
		Claims: []client.Claim{
			{Key: "location", Label: "Location", Value: "Recife, Brazil", Kind: client.KindLocation},
			{Key: "skill.go", Label: "Go development", Value: "6 years", Kind: client.KindSkill},
		}}
}

// newCase is openCase() for the client.
func newCase() client.VerificationCreate {
	return client.VerificationCreate{FreelancerID: "u-1", Reason: client.Reason{Code: "new_account_review",
		Explanation: "New accounts with many invitations are checked once."}}
}

func openCase() map[string]any {
	return map[string]any{"freelancer_id": "u-1", "reason": map[string]any{"code": "new_account_review",
		"explanation": "New accounts with many invitations are checked once."}}
}

// The client's transport really holds responses to the document: a body
// that breaks it is reported.
func TestClientResponsesMeetTheSpecChecker(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"agents_online":"two"}`)
	}))
	defer fake.Close()
	rec := &specRecorder{TB: t}
	c := client.New(fake.URL, "atk_test", client.WithRetryPolicy(client.NoRetry),
		client.WithHTTPClient(&http.Client{Transport: specTransport{t: rec, next: http.DefaultTransport}}))
	c.Capacity(t.Context())
	if len(rec.failures) == 0 {
		t.Fatal("a capacity body without most fields passed the spec checker")
	}
}
