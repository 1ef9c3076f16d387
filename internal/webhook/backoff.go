package webhook

import "time"

const (
	// MaxAttempts is how often a delivery is tried before it fails for good.
	MaxAttempts = 18
	// firstRetry is the wait after the first failed attempt; each later wait doubles.
	firstRetry = 30 * time.Second
	// longestWait caps the doubling.
	longestWait = 12 * time.Hour
	// jitter spreads retries by up to this share of the wait, so that
	// deliveries failing together (an endpoint's outage) do not all return
	// at the same second. It only adds, so the schedule never gets shorter.
	jitter = 0.25
)

// RetryDelay is the wait after failed attempt n (1-based), before jitter:
// 30 s doubling to at most 12 h. The 17 waits of a delivery add up to about
// 3.7 days before jitter, so an endpoint has more than three days to recover.
func RetryDelay(attempt int, scale time.Duration) time.Duration {
	if scale == 0 {
		scale = firstRetry
	}
	longest := longestWait / firstRetry * scale // the cap, scaled like the rest
	d := scale
	for i := 1; i < attempt && d < longest; i++ {
		d *= 2
	}
	return min(d, longest)
}

// withJitter adds up to jitter of d: u, from [0, 1), says how much.
func withJitter(d time.Duration, u float64) time.Duration {
	return d + time.Duration(u*jitter*float64(d))
}
