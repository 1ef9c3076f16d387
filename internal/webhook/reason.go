package webhook

import (
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

// Why an endpoint is disabled, and so why a delivery to it was skipped, is
// stored as a sentence for the API's readers (disabled_reason,
// skipped_reason). The admin pages say the same reasons in the staff's
// language from Reason, which reads the sentences written here.

// Reason is why an endpoint was disabled: by someone, or by attest after
// every attempt failed.
type Reason struct {
	// By is the actor who disabled the endpoint by hand ("staff:<id>");
	// empty when attest disabled it.
	By string
	// FailingSince is when every attempt began to fail, and Last how the
	// last one ended (an error, or "HTTP 500"), when attest disabled it.
	FailingSince time.Time
	Last         string
}

const (
	byHandPrefix   = "disabled by "
	failingPrefix  = "every attempt failed since "
	lastSeparator  = "; the last: "
	skippedPrefix  = "the endpoint was disabled"
	skippedJoining = ": "
)

// String is the reason as stored and as the API shows it.
func (r Reason) String() string {
	if r.By != "" {
		return byHandPrefix + r.By
	}
	return failingPrefix + r.FailingSince.UTC().Format(time.RFC3339) + lastSeparator + r.Last
}

// ParseReason reads a stored disabled reason; ok is false for one this
// version does not write.
func ParseReason(s string) (r Reason, ok bool) {
	if by, ok := strings.CutPrefix(s, byHandPrefix); ok && by != "" && !strings.ContainsAny(by, " ;") {
		return Reason{By: by}, true
	}
	rest, ok := strings.CutPrefix(s, failingPrefix)
	if !ok {
		return Reason{}, false
	}
	since, last, ok := strings.Cut(rest, lastSeparator)
	t, err := time.Parse(time.RFC3339, since)
	if !ok || err != nil {
		return Reason{}, false
	}
	return Reason{FailingSince: t, Last: last}, true
}

// SkippedReason says why an event was not sent to an endpoint: the
// endpoint was disabled, and why it was.
func SkippedReason(ep *store.WebhookEndpoint) string {
	if ep.DisabledReason == "" {
		return skippedPrefix
	}
	return skippedPrefix + skippedJoining + ep.DisabledReason
}

// ParseSkippedReason reads a stored skipped reason: the endpoint's
// disabled reason in it ("" when it had none); ok is false for a reason
// this version does not write.
func ParseSkippedReason(s string) (disabled string, ok bool) {
	rest, ok := strings.CutPrefix(s, skippedPrefix)
	if !ok {
		return "", false
	}
	if rest == "" {
		return "", true
	}
	disabled, ok = strings.CutPrefix(rest, skippedJoining)
	return disabled, ok
}
