package api_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/attest-dev/attest/client"
	"github.com/attest-dev/attest/internal/api"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// A key over its rate is answered 429 with Retry-After and the envelope,
// another key is not slowed by it, and the bucket refills with time.
func TestRateLimitPerKey(t *testing.T) {
	e := newEnvWith(t, server.Config{Store: storetest.SQLite(t), APIRateLimit: api.RateLimit{PerSecond: 2, Burst: 3}})
	for range 3 {
		e.must(200, e.call("GET", "/v1/capacity", nil))
	}
	res := e.must(http.StatusTooManyRequests, e.call("GET", "/v1/capacity", nil))
	if code, _ := res.errorCode(t); code != "rate_limited" {
		t.Fatalf("code %s", code)
	}
	if wait, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || wait < 1 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}

	var other string
	if err := e.srv.Store.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		other, err = e.srv.Staff.CreateAPIKey(context.Background(), tx, "test", "another backend")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.must(200, e.call("GET", "/v1/capacity", nil, "Authorization", "Bearer "+other))

	e.clock.Advance(time.Second) // two more tokens
	e.must(200, e.call("GET", "/v1/capacity", nil))
	e.must(200, e.call("GET", "/v1/capacity", nil))
	e.must(http.StatusTooManyRequests, e.call("GET", "/v1/capacity", nil))

	// The client reads it as an *Error with the status.
	_, err := e.api.Capacity(context.Background())
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Code != "rate_limited" {
		t.Fatalf("client: %v", err)
	}
}
