package auth

import (
	"container/list"
	"slices"
	"strings"
	"sync"
	"time"
)

// defaultMaxLimiterKeys caps the keys a LoginLimiter tracks, so that an
// attacker spraying usernames or addresses cannot grow it without bound.
const defaultMaxLimiterKeys = 100_000

// LoginLimiter counts failed logins per key, such as "email:alice@example.com"
// or "ip:203.0.113.9", and refuses a key that failed too often.
//
// It uses a sliding window: a failure counts for window after it happens.
// Once maxFailures failures count, the key is refused until the oldest of
// them stops counting. A success forgets the key's failures.
//
// State is in memory and per process. It is safe for concurrent use, but
// Allow and Failure are separate calls, so concurrent attempts that all pass
// Allow before any Failure is recorded can exceed maxFailures slightly.
//
// At most 100,000 keys are tracked. When that is full, the key whose last
// failure is oldest is forgotten to make room, which an attacker can use to
// reset one key only by failing on 100,000 others within the window.
type LoginLimiter struct {
	maxFailures int
	window      time.Duration
	clock       func() time.Time
	maxKeys     int
	// growing makes each failure after the first wait twice as long as
	// the one before (1 s, 2 s, 4 s, …) until maxFailures lock the key.
	growing bool

	mu      sync.Mutex
	entries map[string]*list.Element // of *loginEntry
	// order holds the entries by last failure, oldest first, so that
	// expired entries are pruned, and full maps evicted, from the front.
	order list.List
}

// loginEntry is the recent failures of one key, oldest first, at most
// maxFailures of them.
type loginEntry struct {
	key      string
	failures []time.Time
}

// NewLoginLimiter returns a limiter that refuses a key after maxFailures
// failures within window. clock is normally time.Now; nil means time.Now.
// It panics if maxFailures or window is not positive, as that is a
// programming error.
func NewLoginLimiter(maxFailures int, window time.Duration, clock func() time.Time) *LoginLimiter {
	if maxFailures < 1 {
		panic("auth: NewLoginLimiter: maxFailures must be positive")
	}
	if window <= 0 {
		panic("auth: NewLoginLimiter: window must be positive")
	}
	if clock == nil {
		clock = time.Now
	}
	return &LoginLimiter{
		maxFailures: maxFailures,
		window:      window,
		clock:       clock,
		maxKeys:     defaultMaxLimiterKeys,
		entries:     make(map[string]*list.Element),
	}
}

// WithGrowingDelay makes the limiter ask, after the second failure of a
// key, a wait that doubles with each failure (1 s, 2 s, 4 s, …) before the
// next attempt, on top of the lock at maxFailures.
func (l *LoginLimiter) WithGrowingDelay() *LoginLimiter {
	l.growing = true
	return l
}

// Throttle is a key that may not try now, and until when.
type Throttle struct {
	Key   string
	Until time.Time
}

// Throttled lists the keys that may not try now, with prefix, soonest
// free first.
func (l *LoginLimiter) Throttled(prefix string) []Throttle {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	l.pruneExpired(now.Add(-l.window))
	var out []Throttle
	for key, el := range l.entries {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		if wait := l.wait(el.Value.(*loginEntry), now); wait > 0 {
			out = append(out, Throttle{Key: key, Until: now.Add(wait)})
		}
	}
	slices.SortFunc(out, func(a, b Throttle) int { return a.Until.Compare(b.Until) })
	return out
}

// wait is how long e's key must wait at now; 0 when it may try.
func (l *LoginLimiter) wait(e *loginEntry, now time.Time) time.Duration {
	e.prune(now.Add(-l.window))
	n := len(e.failures)
	if n >= l.maxFailures {
		return e.failures[0].Add(l.window).Sub(now)
	}
	if l.growing && n >= 2 {
		if next := e.last().Add(time.Second << (n - 2)); now.Before(next) {
			return next.Sub(now)
		}
	}
	return 0
}

// Allow reports whether a login for key may be attempted now. If not,
// retryAfter is how long until it may.
func (l *LoginLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read the clock under the lock so each key's failures stay in order.
	now := l.clock()
	cutoff := now.Add(-l.window)
	l.pruneExpired(cutoff)
	el, found := l.entries[key]
	if !found {
		return true, 0
	}
	if wait := l.wait(el.Value.(*loginEntry), now); wait > 0 {
		return false, wait
	}
	return true, 0
}

// Failure records a failed login for key.
func (l *LoginLimiter) Failure(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read the clock under the lock so each key's failures stay in order.
	now := l.clock()
	cutoff := now.Add(-l.window)
	l.pruneExpired(cutoff)
	el, found := l.entries[key]
	if found {
		l.order.MoveToBack(el)
	} else {
		if len(l.entries) >= l.maxKeys {
			l.remove(l.order.Front())
		}
		el = l.order.PushBack(&loginEntry{key: key})
		l.entries[key] = el
	}
	e := el.Value.(*loginEntry)
	e.prune(cutoff)
	e.failures = append(e.failures, now)
	if extra := len(e.failures) - l.maxFailures; extra > 0 {
		e.failures = slices.Delete(e.failures, 0, extra)
	}
}

// Success forgets the failures of key, after a successful login.
func (l *LoginLimiter) Success(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, found := l.entries[key]; found {
		l.remove(el)
	}
}

// pruneExpired forgets keys whose last failure is at or before cutoff. It
// stops at the first key still counting, so it costs only what it removes.
func (l *LoginLimiter) pruneExpired(cutoff time.Time) {
	for el := l.order.Front(); el != nil; el = l.order.Front() {
		if el.Value.(*loginEntry).last().After(cutoff) {
			return
		}
		l.remove(el)
	}
}

// remove forgets the entry at el.
func (l *LoginLimiter) remove(el *list.Element) {
	delete(l.entries, el.Value.(*loginEntry).key)
	l.order.Remove(el)
}

// prune drops the failures at or before cutoff.
func (e *loginEntry) prune(cutoff time.Time) {
	i := 0
	for i < len(e.failures) && !e.failures[i].After(cutoff) {
		i++
	}
	e.failures = slices.Delete(e.failures, 0, i)
}

// last returns the time of the newest failure, or the zero time if none.
func (e *loginEntry) last() time.Time {
	if len(e.failures) == 0 {
		return time.Time{}
	}
	return e.failures[len(e.failures)-1]
}
