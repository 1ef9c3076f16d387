package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// checkAllow fails the test unless l.Allow(key) gives want and wantRetry.
func checkAllow(t *testing.T, l *LoginLimiter, key string, want bool, wantRetry time.Duration) {
	t.Helper()
	ok, retry := l.Allow(key)
	if ok != want || retry != wantRetry {
		t.Fatalf("Allow(%q) = %v, %v; want %v, %v", key, ok, retry, want, wantRetry)
	}
}

func TestLoginLimiterLocksAfterMaxFailures(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(3, 10*time.Minute, clock.Now)
	const key = "email:alice@example.com"

	for range 3 {
		checkAllow(t, l, key, true, 0)
		l.Failure(key)
		clock.Advance(time.Minute) // failures at 0, 1 and 2 minutes
	}
	// Now at 3m; the oldest failure (0m) counts until 10m.
	checkAllow(t, l, key, false, 7*time.Minute)
	checkAllow(t, l, "email:bob@example.com", true, 0)
	checkAllow(t, l, "ip:203.0.113.9", true, 0)

	clock.Advance(7*time.Minute - time.Second)
	checkAllow(t, l, key, false, time.Second)

	// Sliding window: at 10m the first failure stops counting, which allows
	// one attempt; failing it locks the key until the 1m failure expires.
	clock.Advance(time.Second)
	checkAllow(t, l, key, true, 0)
	l.Failure(key)
	checkAllow(t, l, key, false, time.Minute)

	clock.Advance(time.Minute)
	checkAllow(t, l, key, true, 0)
}

func TestLoginLimiterFailuresOutsideWindowDoNotCount(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(2, time.Minute, clock.Now)
	const key = "ip:203.0.113.9"
	for range 5 {
		l.Failure(key)
		clock.Advance(time.Minute)
		checkAllow(t, l, key, true, 0)
	}
}

func TestLoginLimiterSuccessResets(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(2, time.Hour, clock.Now)
	const key = "email:alice@example.com"
	l.Failure(key)
	l.Failure(key)
	checkAllow(t, l, key, false, time.Hour)
	l.Success(key)
	checkAllow(t, l, key, true, 0)
	l.Failure(key)
	checkAllow(t, l, key, true, 0)
	l.Success("email:never-seen@example.com") // must not panic
}

func TestLoginLimiterBoundedMemory(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(1, time.Hour, clock.Now)
	l.maxKeys = 3
	for i := range 10 {
		l.Failure(fmt.Sprintf("ip:198.51.100.%d", i))
		clock.Advance(time.Second)
	}
	if n := len(l.entries); n != 3 {
		t.Fatalf("after 10 keys with a cap of 3, tracking %d keys, want 3", n)
	}
	if n := l.order.Len(); n != 3 {
		t.Fatalf("order list has %d entries, want 3 to match the map", n)
	}
	// The oldest keys were evicted, the newest kept.
	checkAllow(t, l, "ip:198.51.100.0", true, 0)
	checkAllow(t, l, "ip:198.51.100.9", false, time.Hour-time.Second)
}

func TestLoginLimiterPrunesExpired(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(3, time.Minute, clock.Now)
	for i := range 100 {
		l.Failure(fmt.Sprintf("email:user%d@example.com", i))
	}
	clock.Advance(time.Minute)
	l.Allow("email:someone@example.com")
	if n := len(l.entries); n != 0 {
		t.Errorf("a window after the last failure, tracking %d keys, want 0", n)
	}
}

func TestLoginLimiterRepeatedFailuresKeepBoundedHistory(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(3, time.Hour, clock.Now)
	const key = "email:alice@example.com"
	for range 1000 {
		l.Failure(key)
		clock.Advance(time.Second)
	}
	e := l.entries[key].Value.(*loginEntry)
	if n := len(e.failures); n != 3 {
		t.Errorf("after 1000 failures, %d are kept, want 3", n)
	}
	// Now at 1000s; the last 3 failures were at 997s, 998s and 999s, and
	// the key is locked until the one at 997s stops counting.
	checkAllow(t, l, key, false, time.Hour-3*time.Second)
}

func TestLoginLimiterConcurrent(t *testing.T) {
	clock := newFakeClock()
	l := NewLoginLimiter(5, time.Minute, clock.Now)
	l.maxKeys = 50
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				key := fmt.Sprintf("ip:192.0.2.%d", (g*7+i)%80)
				if ok, _ := l.Allow(key); ok {
					l.Failure(key)
				}
				if i%50 == 0 {
					l.Success(key)
					clock.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if n, m := len(l.entries), l.order.Len(); n > 50 || n != m {
		t.Errorf("after concurrent use: %d keys in map, %d in order list; want equal and at most 50", n, m)
	}
}

func TestNewLoginLimiterPanicsOnBadArguments(t *testing.T) {
	tests := []struct {
		name        string
		maxFailures int
		window      time.Duration
	}{
		{"zero failures", 0, time.Minute},
		{"zero window", 5, 0},
		{"negative window", 5, -time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLoginLimiter(%d, %v, nil) did not panic, want a panic", tt.maxFailures, tt.window)
				}
			}()
			NewLoginLimiter(tt.maxFailures, tt.window, nil)
		})
	}
}
