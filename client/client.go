// Package client is a Go client for attest's REST API v1, for marketplaces
// that integrate with attest. It has a typed method for every operation,
// turns the API's error envelope into *Error, and retries what is safe to
// retry. It uses only the standard library.
//
//	c := client.New("https://verify.example.com", os.Getenv("ATTEST_API_KEY"))
//	st, err := c.Standing(ctx, "u-1042")
//	if err != nil {
//		return err
//	}
//	if slices.Contains(st.Restrictions, "submit_proposals") {
//		// refuse the proposal
//	}
//
// Every method takes a context, which bounds the whole call including its
// retries. POSTs take [WithIdempotencyKey]: with a key, a retried POST is
// answered with the first response and changes nothing twice, so the client
// may retry it too. The API reference is served by attest at /docs and the
// OpenAPI document at /v1/openapi.json.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls one attest with one API key. It is safe for concurrent use.
type Client struct {
	baseURL string
	apiKey  string
	http    *http.Client
	retry   RetryPolicy
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of http.DefaultClient,
// for timeouts, proxies, TLS settings or a transport of your own.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithRetryPolicy replaces DefaultRetryPolicy; NoRetry turns retries off.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// New returns a client for the attest at baseURL (such as
// "https://verify.example.com"), authenticating with apiKey (atk_…).
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{baseURL: strings.TrimRight(baseURL, "/"), apiKey: apiKey, http: http.DefaultClient, retry: DefaultRetryPolicy}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RequestOption adjusts one call.
type RequestOption func(*request)

// WithIdempotencyKey sends an Idempotency-Key header (1 to 255 visible ASCII
// characters) with a POST: a repeat with the same key, path and body gets
// the first response back and changes nothing. It also makes the POST safe
// for the client to retry. Use a key that names the intent, such as
// "open-u-1042-2026-03", and keep it for retries of that intent.
func WithIdempotencyKey(key string) RequestOption {
	return func(r *request) { r.header.Set("Idempotency-Key", key) }
}

// WithResponseHeader stores the headers of the final response in *dst, for
// example to see Idempotent-Replayed: true on a replayed POST.
func WithResponseHeader(dst *http.Header) RequestOption {
	return func(r *request) { r.responseHeader = dst }
}

// request is one call as the client sends it, perhaps several times.
type request struct {
	method, path   string
	query          url.Values
	body           []byte
	header         http.Header
	responseHeader *http.Header
}

func newRequest(method, path string, body any, opts []RequestOption) (*request, error) {
	r := &request{method: method, path: path, header: http.Header{}}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("attest: encode %s %s body: %w", method, path, err)
		}
		r.body = b
	}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// retrySafe says whether sending r twice cannot do anything twice: GET, PUT
// and DELETE are idempotent, and a POST is when it carries a key.
func (r *request) retrySafe() bool {
	return r.method != http.MethodPost || r.header.Get("Idempotency-Key") != ""
}

// do sends r, with retries where they are safe, and decodes a successful
// JSON body into out (which may be nil). It returns the final status code.
func (c *Client) do(ctx context.Context, r *request, out any) (int, error) {
	res, body, err := c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	if r.responseHeader != nil {
		*r.responseHeader = res.Header
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, errorFrom(res, body)
	}
	if out != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return res.StatusCode, fmt.Errorf("attest: decode %s %s response: %w", r.method, r.path, err)
		}
	}
	return res.StatusCode, nil
}

// attempt sends r once and reads the whole response body.
func (c *Client) attempt(ctx context.Context, r *request) (*http.Response, []byte, error) {
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, nil, fmt.Errorf("attest: %s %s: %w", r.method, r.path, err)
	}
	req.Header = r.header.Clone()
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("attest: %s %s: %w", r.method, r.path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("attest: %s %s: read response: %w", r.method, r.path, err)
	}
	return res, data, nil
}

// Error is a failed call as the API explains it: the HTTP status and the
// envelope {"error": {"code", "message", "field"}}. Code is stable and meant
// for programs (see the API reference); Message is for people.
type Error struct {
	StatusCode int
	Code       string
	Message    string
	// Field names the input at fault (a JSON path, a query or path
	// parameter, or a header), or is empty.
	Field string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("attest: %d %s: %s", e.StatusCode, e.Code, e.Message)
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// errorFrom reads the envelope; a response without one (from a proxy, say)
// still becomes an *Error, with no code and the start of the body.
func errorFrom(res *http.Response, body []byte) error {
	var env struct {
		Error *struct {
			Code, Message, Field string
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil && env.Error.Code != "" {
		return &Error{StatusCode: res.StatusCode, Code: env.Error.Code, Message: env.Error.Message, Field: env.Error.Field}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(res.StatusCode)
	}
	return &Error{StatusCode: res.StatusCode, Message: msg}
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is a 409 from the API, such as
// verification_open or illegal_transition.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

// escape makes an id safe as one path segment.
func escape(id string) string { return url.PathEscape(id) }
