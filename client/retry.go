package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy says how often and how patiently the client retries a call
// that met a network error, 429 Too Many Requests or 503 Service
// Unavailable. Only calls that cannot act twice are retried: GET, PUT,
// DELETE, and POSTs sent WithIdempotencyKey.
type RetryPolicy struct {
	// Attempts is the most times a call is sent, the first included; 1 or
	// less means no retries.
	Attempts int
	// MinDelay is the wait before the first retry; it doubles for each
	// retry after, up to MaxDelay, with random jitter so that many clients
	// do not retry in step.
	MinDelay time.Duration
	MaxDelay time.Duration
	// A Retry-After header is honored: the client waits at least that
	// long, and gives up instead when it asks for more than MaxDelay.
}

// DefaultRetryPolicy sends a call at most three times, waiting about half a
// second, then about a second.
var DefaultRetryPolicy = RetryPolicy{Attempts: 3, MinDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second}

// NoRetry sends every call once.
var NoRetry = RetryPolicy{Attempts: 1}

// send sends r until it succeeds, fails for good, or the policy or ctx ends
// the retries, and returns the last response (or error).
func (c *Client) send(ctx context.Context, r *request) (*http.Response, []byte, error) {
	for attempt := 1; ; attempt++ {
		res, body, err := c.attempt(ctx, r)
		if attempt >= c.retry.Attempts || !r.retrySafe() || !retryable(ctx, res, err) {
			return res, body, err
		}
		wait := c.retry.delay(attempt)
		if res != nil {
			if after, ok := retryAfter(res.Header.Get("Retry-After"), time.Now()); ok {
				if after > c.retry.MaxDelay {
					return res, body, err // the server asks for longer than we are willing to wait
				}
				wait = max(wait, after)
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			if err == nil {
				err = ctx.Err()
			}
			return nil, nil, err
		case <-timer.C:
		}
	}
}

// retryable says whether the outcome of an attempt is worth another: a
// network error (but not the caller giving up), 429 or 503.
func retryable(ctx context.Context, res *http.Response, err error) bool {
	if err != nil {
		return ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable
}

// delay is the wait after the given attempt: MinDelay doubled per retry,
// capped at MaxDelay, then between half and all of that at random.
func (p RetryPolicy) delay(attempt int) time.Duration {
	d := p.MinDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
