// Package api is the marketplace's REST API v1: strict JSON in, the error
// envelope out, API keys, idempotent POSTs, and an OpenAPI document that a
// test holds to the router.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/webhook"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// Server serves /v1/.
type Server struct {
	Workflow *workflow.Workflow
	Store    *store.Store
	Webhooks *webhook.Endpoints
	Log      *slog.Logger
	// Limit bounds each key's request rate (DefaultRateLimit when zero;
	// a negative PerSecond turns it off).
	Limit  RateLimit
	limits limiters
	mux    *http.ServeMux
	keys   keyCache
}

// keyCacheTTL is how long a key found in the database is trusted without
// asking again: every standing check would otherwise cost a query. A
// revoked key therefore stops working within this time.
const keyCacheTTL = 10 * time.Second

// keyCache remembers recently seen API keys by hash.
type keyCache struct {
	entries sync.Map // hash → cachedKey
	size    atomic.Int64
}

type cachedKey struct {
	key     *store.APIKey
	expires time.Time
}

func (c *keyCache) get(hash string, now time.Time) *store.APIKey {
	if v, ok := c.entries.Load(hash); ok && now.Before(v.(cachedKey).expires) {
		return v.(cachedKey).key
	}
	return nil
}

// put remembers a key; past a few thousand entries (only valid keys are
// stored, so that takes many real keys) it starts afresh.
func (c *keyCache) put(hash string, k *store.APIKey, now time.Time) {
	if c.size.Add(1) > 4096 {
		c.entries.Clear()
		c.size.Store(1)
	}
	c.entries.Store(hash, cachedKey{key: k, expires: now.Add(keyCacheTTL)})
}

// Route is one operation of the API, as the router and the OpenAPI document
// know it, with who may call it.
type Route struct {
	Method, Path string
	Access       web.Access
	handler      http.HandlerFunc
}

// withKey is an operation for the marketplace's API key (s.read and
// s.mutation check it); public, one anyone may call.
func withKey(method, path string, h http.HandlerFunc) Route {
	return Route{method, path, web.APIKey, h}
}
func public(method, path string, h http.HandlerFunc) Route { return Route{method, path, web.Public, h} }

// Routes lists every operation, for the router and for the test that holds
// the OpenAPI document to it.
func (s *Server) Routes() []Route {
	return []Route{
		withKey("PUT", "/v1/freelancers/{id}", s.mutation(s.putFreelancer)),
		withKey("GET", "/v1/freelancers/{id}", s.read(s.getFreelancer)),
		withKey("DELETE", "/v1/freelancers/{id}", s.mutation(s.eraseFreelancer)),
		withKey("GET", "/v1/freelancers/{id}/standing", s.read(s.getStanding)),
		withKey("GET", "/v1/freelancers/{id}/export", s.read(s.exportFreelancer)),
		withKey("POST", "/v1/freelancers/{id}/portal-links", s.mutation(s.createPortalLink)),
		withKey("DELETE", "/v1/freelancers/{id}/portal-links", s.mutation(s.revokePortalLinks)),
		withKey("POST", "/v1/verifications", s.mutation(s.createVerification)),
		withKey("GET", "/v1/verifications", s.read(s.listVerifications, "freelancer_id", "status", "limit", "cursor")),
		withKey("GET", "/v1/verifications/{id}", s.read(s.getVerification)),
		withKey("POST", "/v1/verifications/{id}/cancel", s.mutation(s.cancelVerification)),
		withKey("GET", "/v1/events", s.read(s.listEvents, "after", "limit")),
		withKey("GET", "/v1/capacity", s.read(s.getCapacity)),
		withKey("POST", "/v1/webhook-endpoints", s.mutation(s.createEndpoint, s.checkEndpointTarget)),
		withKey("GET", "/v1/webhook-endpoints", s.read(s.listEndpoints, "limit", "cursor")),
		withKey("GET", "/v1/webhook-endpoints/{id}", s.read(s.getEndpoint)),
		withKey("DELETE", "/v1/webhook-endpoints/{id}", s.mutation(s.deleteEndpoint)),
		withKey("POST", "/v1/webhook-endpoints/{id}/rotate-secret", s.mutation(s.rotateSecret)),
		public("GET", "/v1/openapi.json", serveOpenAPI),
	}
}

// Handler returns the API's handler, to mount at /v1/.
func (s *Server) Handler() http.Handler {
	s.mux = http.NewServeMux()
	for _, r := range s.Routes() {
		s.mux.HandleFunc(r.Method+" "+r.Path, r.handler)
	}
	s.mux.HandleFunc("/v1/", s.unrouted)
	return s.mux
}

// unrouted answers paths and methods no route takes with the envelope,
// rather than the standard library's plain text.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{"GET", "PUT", "POST", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/v1/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) == 0 {
		s.writeError(w, r, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such endpoint: see /v1/openapi.json"})
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Message: r.Method + " is not allowed here; use " + strings.Join(allowed, " or ")})
}

type ctxKey struct{}

// caller is the API key behind a request.
func caller(ctx context.Context) *store.APIKey { return ctx.Value(ctxKey{}).(*store.APIKey) }

func actor(ctx context.Context) string { return "api_key:" + caller(ctx).ID }

// authenticate finds the API key of a request.
func (s *Server) authenticate(r *http.Request) (*http.Request, error) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !auth.LooksLikeAPIKey(key) {
		return nil, errUnauthorized
	}
	hash, now := auth.HashAPIKey(key), s.Workflow.Now()
	if k := s.keys.get(hash, now); k != nil {
		return r.WithContext(context.WithValue(r.Context(), ctxKey{}, k)), nil
	}
	k, err := s.Store.APIKeyByHash(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "this API key is unknown or revoked"}
	}
	if err != nil {
		return nil, err
	}
	s.keys.put(hash, k, now)
	return r.WithContext(context.WithValue(r.Context(), ctxKey{}, k)), nil
}

// admit authenticates a request and holds its key to the rate limit.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	r, err := s.authenticate(r)
	if err != nil {
		return nil, err
	}
	limit := s.Limit
	if limit == (RateLimit{}) {
		limit = DefaultRateLimit
	}
	if wait := s.limits.wait(limit, caller(r.Context()).ID, s.Workflow.Now()); wait > 0 {
		return nil, tooManyRequests(w, wait)
	}
	return r, nil
}

type readFunc func(r *http.Request) (any, error)

// read wraps a handler that changes nothing and takes the named query
// parameters, and no others.
func (s *Server) read(h readFunc, params ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		authed, err := s.admit(w, r)
		if err != nil {
			s.writeError(w, r, err) // r, not authed: a failed check has no request to log
			return
		}
		r = authed
		if err := onlyParams(r.URL.Query(), params...); err != nil {
			s.writeError(w, r, err)
			return
		}
		resp, err := h(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if a, ok := resp.(attachment); ok {
			w.Header().Set("Content-Disposition", `attachment; filename="`+a.filename+`"`)
			writeRaw(w, http.StatusOK, a.body)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// attachment is a read's answer that a browser should save as a file: JSON
// already encoded.
type attachment struct {
	filename string // letters, digits and ._:@- only: it is sent unescaped
	body     []byte
}

// mutationFunc changes state inside tx and returns the status and body to send.
type mutationFunc func(r *http.Request, tx *store.Tx, body []byte) (int, any, error)

// checkFunc looks at a mutation's body before its transaction begins, for
// checks that wait on the network.
type checkFunc func(r *http.Request, body []byte) error

// mutation wraps a handler that changes state: it reads the bounded body and
// runs the change in one transaction, which also claims the Idempotency-Key
// and stores the response, so a retried POST is answered as the first was.
// The checks run first, outside the transaction.
func (s *Server) mutation(h mutationFunc, checks ...checkFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		authed, err := s.admit(w, r)
		if err != nil {
			s.writeError(w, r, err) // r, not authed: a failed check has no request to log
			return
		}
		r = authed
		if err := onlyParams(r.URL.Query()); err != nil {
			s.writeError(w, r, err)
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		idemKey := r.Header.Get("Idempotency-Key")
		if idemKey != "" && (r.Method != http.MethodPost || !validIdempotencyKey(idemKey)) {
			s.writeError(w, r, badRequest("invalid_idempotency_key", "Idempotency-Key",
				"Idempotency-Key must be 1 to 255 visible ASCII characters, on POST requests"))
			return
		}
		for _, check := range checks {
			if err := check(r, body); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		var status int
		var out []byte
		replayed := false
		err = s.Store.InTx(r.Context(), func(tx *store.Tx) error {
			if idemKey != "" {
				prev, err := tx.ClaimIdempotencyKey(r.Context(), caller(r.Context()).ID, idemKey, requestHash(r, body), s.Workflow.Now())
				if errors.Is(err, store.ErrConflict) {
					if prev.RequestHash != requestHash(r, body) {
						return &Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused", Field: "Idempotency-Key",
							Message: "this Idempotency-Key was used for a different request"}
					}
					status, out, replayed = prev.Status, prev.Body, true
					return nil
				}
				if err != nil {
					return err
				}
			}
			code, resp, err := h(r, tx, body)
			if err != nil {
				return err
			}
			status, out = code, mustJSON(resp)
			if idemKey != "" {
				return tx.SaveIdempotentResponse(r.Context(), caller(r.Context()).ID, idemKey, status, out)
			}
			return nil
		})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		writeRaw(w, status, out)
	}
}

func validIdempotencyKey(k string) bool {
	if len(k) > 255 {
		return false
	}
	for _, c := range []byte(k) {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
