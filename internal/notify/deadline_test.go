package notify

import (
	"strings"
	"testing"
	"time"
)

func TestDeadlineMessages(t *testing.T) {
	deadline := time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC)
	n := DeadlineNotice{FreelancerName: "Rahul <b>", PortalURL: "https://verify.example.com/v/tok", Deadline: deadline,
		TimeZone: "Asia/Kolkata", Now: deadline.Add(-72 * time.Hour)}
	m, err := DeadlineReminderMessage("rahul@example.com", n)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sunday, 1 November 2026, 03:30 IST", "3 days from now", "https://verify.example.com/v/tok"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("reminder lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.Subject, "1 November") || strings.Contains(m.HTML, "<b>") {
		t.Errorf("subject %q, or the name was not escaped", m.Subject)
	}
	n.Now = deadline.Add(-24 * time.Hour)
	if m, _ := DeadlineReminderMessage("rahul@example.com", n); !strings.Contains(m.Text, "24 hours from now") {
		t.Errorf("24 h reminder:\n%s", m.Text)
	}
	o, err := OverdueMessage("rahul@example.com", n)
	if err != nil || !strings.Contains(o.Text, "has passed") || !strings.Contains(o.Subject, "passed") {
		t.Fatalf("overdue: %v\n%s", err, o.Text)
	}
}
