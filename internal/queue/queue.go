// Package queue is the live queue: who is taken next, where a freelancer
// stands, and how long they should expect to wait. It is pure: the caller
// brings the entries and the time.
package queue

import (
	"cmp"
	"slices"
	"time"
)

// Entry is a freelancer waiting for a live call.
type Entry struct {
	VerificationID string
	FreelancerID   string
	Deadline       time.Time
	JoinedAt       time.Time
	// AwaySince is set while the freelancer's page is closed. Their place is
	// held for a while, so stepping away for a minute costs nothing.
	AwaySince *time.Time
	// NotifiedAt is when an away freelancer was told their turn is near.
	NotifiedAt *time.Time
}

// NearPosition is how close to the front an away freelancer must be to be
// told to come back.
const NearPosition = 2

// ShouldNotify reports whether an away freelancer at position should now be
// told that their turn is near: once per wait, only while the place is held.
func (e Entry) ShouldNotify(position int, now time.Time, hold time.Duration) bool {
	return e.AwaySince != nil && e.NotifiedAt == nil && position <= NearPosition && e.Held(now, hold)
}

// Compare orders entries for dispatch: the earliest deadline first, so that
// nobody's deadline passes while someone with more time is served, then the
// longest waiting.
func Compare(a, b Entry) int {
	if c := a.Deadline.Compare(b.Deadline); c != 0 {
		return c
	}
	if c := a.JoinedAt.Compare(b.JoinedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.VerificationID, b.VerificationID)
}

// Sort puts entries in dispatch order.
func Sort(entries []Entry) { slices.SortFunc(entries, Compare) }

// Present reports whether the freelancer is on the page and can be called now.
func (e Entry) Present() bool { return e.AwaySince == nil }

// Held reports whether an away freelancer still holds their place at now.
func (e Entry) Held(now time.Time, hold time.Duration) bool {
	return e.AwaySince == nil || now.Before(e.AwaySince.Add(hold))
}

// Position is where a verification stands among entries in dispatch order:
// 1 is next. It is 0 when the verification is not queued.
func Position(sorted []Entry, verificationID string) int {
	i := slices.IndexFunc(sorted, func(e Entry) bool { return e.VerificationID == verificationID })
	return i + 1
}

// Estimator turns a position into an honest expected wait.
type Estimator struct {
	// HandleTime is how long a call takes, on average, including the
	// agent's notes: the measured mean once calls have been made.
	HandleTime time.Duration
}

// Wait is the expected time until the freelancer at position is taken, with
// online agents of whom idle are free. Someone an idle agent can take waits
// nothing. Otherwise every agent is in a call, and with N agents a call ends
// about every HandleTime/N (call lengths vary, so when one started says
// little about when it ends): the freelancer waits for that many ends. With
// nobody online there is no estimate, and ok is false: better no number than
// a made-up one. The simulation in internal/plan measures this against the
// waits people then have (docs/PLANNING.md).
func (e Estimator) Wait(position, online, idle int) (wait time.Duration, ok bool) {
	if online <= 0 || position <= 0 {
		return 0, false
	}
	if position <= idle {
		return 0, true
	}
	ahead := position - max(idle, 0)
	return time.Duration(float64(ahead) * float64(e.HandleTime) / float64(online)).Round(time.Second), true
}

// Stats summarise the queue for the agents' floor view.
type Stats struct {
	Waiting     int
	LongestWait time.Duration
}

// Summarise counts the entries and finds the longest wait at now.
func Summarise(entries []Entry, now time.Time) Stats {
	s := Stats{Waiting: len(entries)}
	for _, e := range entries {
		s.LongestWait = max(s.LongestWait, now.Sub(e.JoinedAt))
	}
	return s
}
