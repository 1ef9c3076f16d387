package notify

import (
	"strings"
	"testing"
	"time"
)

func TestResultMessages(t *testing.T) {
	until := time.Date(2026, 12, 9, 20, 0, 0, 0, time.UTC)
	n := ResultNotice{FreelancerName: "Rahul Mehta", PortalURL: "https://verify.attest.test/v/abc", TimeZone: "Asia/Kolkata", AppealUntil: until}
	tests := []struct {
		kind, subject string
		body          []string
	}{
		{ResultVerified, "Your profile is verified", []string{"verified", "https://verify.attest.test/v/abc"}},
		// The appeal window ends in the freelancer's own zone.
		{ResultNotVerified, "how to appeal", []string{"appeal until Thursday, 10 December 2026, 01:30 IST", "add a document"}},
		{ResultAppealUpheld, "Your appeal was upheld", []string{"overturned"}},
		{ResultAppealRejected, "The decision on your appeal", []string{"kept the decision"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			m, err := ResultMessage(tt.kind, "rahul@example.com", n)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Subject, tt.subject) {
				t.Errorf("subject %q, want it to contain %q", m.Subject, tt.subject)
			}
			for _, want := range append(tt.body, "Hello Rahul Mehta") {
				if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
					t.Errorf("text or HTML lacks %q:\n%s", want, m.Text)
				}
			}
		})
	}
	if _, err := ResultMessage("result_unknown", "rahul@example.com", n); err == nil {
		t.Error("an unknown kind composed a message")
	}
}
