package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit bounds how fast one API key may call, so that one runaway
// client cannot take the service from the others. Each node counts its own
// requests: behind a load balancer a key's limit is per node.
type RateLimit struct {
	// PerSecond is the sustained rate; zero turns limiting off.
	PerSecond float64
	// Burst is how many requests may come at once above it.
	Burst int
}

// DefaultRateLimit suits a marketplace that asks for the standing on its
// hot paths: far above what one backend needs for its own traffic, far
// below what would starve other keys.
var DefaultRateLimit = RateLimit{PerSecond: 500, Burst: 1000}

// limiters holds one token bucket per API key.
type limiters struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// wait reports how long the key must wait before its next request, or
// zero when it may go now (and then takes a token).
func (l *limiters) wait(limit RateLimit, keyID string, now time.Time) time.Duration {
	if limit.PerSecond <= 0 {
		return 0
	}
	l.mu.Lock()
	if l.buckets == nil || len(l.buckets) > 10000 { // keys are few; a flood of them starts afresh
		l.buckets = map[string]*rate.Limiter{}
	}
	b, ok := l.buckets[keyID]
	if !ok {
		b = rate.NewLimiter(rate.Limit(limit.PerSecond), max(limit.Burst, 1))
		l.buckets[keyID] = b
	}
	l.mu.Unlock()
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

func tooManyRequests(w http.ResponseWriter, wait time.Duration) *Error {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "this API key is sending requests too fast; retry after the time in Retry-After"}
}
