package webhook

import (
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

// A reason reads back as it was written, so the admin pages can word it in
// the staff's language; a sentence this version never wrote is not read.
func TestReasonReadsBack(t *testing.T) {
	since := time.Date(2026, 12, 5, 14, 30, 0, 0, time.UTC)
	for _, r := range []Reason{{By: "staff:stf_1"}, {By: "cli"}, {FailingSince: since, Last: "HTTP 503"},
		{FailingSince: since, Last: `Post "https://x.example/hook": dial tcp: connection refused; retrying`}} {
		got, ok := ParseReason(r.String())
		if !ok || got.By != r.By || !got.FailingSince.Equal(r.FailingSince) || got.Last != r.Last {
			t.Errorf("ParseReason(%q) = %+v, %v; want %+v", r.String(), got, ok, r)
		}
		skipped := SkippedReason(&store.WebhookEndpoint{DisabledReason: r.String()})
		if disabled, ok := ParseSkippedReason(skipped); !ok || disabled != r.String() {
			t.Errorf("ParseSkippedReason(%q) = %q, %v", skipped, disabled, ok)
		}
	}
	if disabled, ok := ParseSkippedReason(SkippedReason(&store.WebhookEndpoint{})); !ok || disabled != "" {
		t.Errorf("a skipped reason without the endpoint's: %q, %v", disabled, ok)
	}
	for _, s := range []string{"", "disabled by", "disabled by the admin after a call", "every attempt failed since yesterday; the last: HTTP 500", "moved"} {
		if r, ok := ParseReason(s); ok {
			t.Errorf("ParseReason(%q) = %+v, want it unread", s, r)
		}
	}
	if _, ok := ParseSkippedReason("the receiver asked for it"); ok {
		t.Error("ParseSkippedReason read a sentence it never wrote")
	}
}
