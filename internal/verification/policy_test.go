package verification

import (
	"errors"
	"testing"
	"time"
)

func TestPolicyCheck(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Policy)
		field  string // "" when the policy is sound
	}{
		{"the defaults", func(p *Policy) {}, ""},
		{"no reminders at all", func(p *Policy) { p.DeadlineReminders, p.CallReminders = nil, nil }, ""},
		{"grace zero", func(p *Policy) { p.GraceDays = 0 }, "grace_days"},
		{"grace past the maximum", func(p *Policy) { p.GraceDays = 91 }, "grace_days"},
		{"no restriction", func(p *Policy) { p.Restrictions = nil }, "restrictions"},
		{"eleven restrictions", func(p *Policy) { p.Restrictions = make([]string, 11) }, "restrictions"},
		{"upper case name", func(p *Policy) { p.Restrictions = []string{"Submit"} }, "restrictions"},
		{"name of 65", func(p *Policy) { p.Restrictions = []string{string(make([]byte, 65))} }, "restrictions"},
		{"name twice", func(p *Policy) { p.Restrictions = []string{"a", "a"} }, "restrictions"},
		{"names with punctuation", func(p *Policy) { p.Restrictions = []string{"market:submit_proposals", "v1.chat-send"} }, ""},
		{"no method", func(p *Policy) { p.Methods = nil }, "methods"},
		{"unknown method", func(p *Policy) { p.Methods = []Method{"telepathy"} }, "methods"},
		{"reminder under an hour", func(p *Policy) { p.DeadlineReminders = []time.Duration{30 * time.Minute} }, "deadline_reminders"},
		{"reminder past 14 days", func(p *Policy) { p.CallReminders = []time.Duration{15 * Day} }, "call_reminders"},
		{"six reminders", func(p *Policy) {
			p.DeadlineReminders = []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 5 * time.Hour, 6 * time.Hour}
		}, "deadline_reminders"},
		{"reminder twice", func(p *Policy) { p.CallReminders = []time.Duration{time.Hour, time.Hour} }, "call_reminders"},
		{"appeal window zero", func(p *Policy) { p.AppealWindow = 0 }, "appeal_window_days"},
		{"appeal window of half a day", func(p *Policy) { p.AppealWindow = Day + 12*time.Hour }, "appeal_window_days"},
		{"documents kept zero days", func(p *Policy) { p.Retention.Documents = 0 }, "retention_documents_days"},
		{"personal data kept a week", func(p *Policy) { p.Retention.PersonalData = 7 * Day }, "retention_personal_data_days"},
		{"audit kept 364 days", func(p *Policy) { p.Retention.Audit = 364 * Day }, "retention_audit_days"},
		{"audit kept a year", func(p *Policy) { p.Retention.Audit = 365 * Day }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultPolicy()
			c.change(&p)
			errs := p.Check()
			switch {
			case c.field == "" && len(errs) > 0:
				t.Fatalf("refused: %v", errs[0])
			case c.field != "" && (len(errs) != 1 || errs[0].Field != c.field):
				t.Fatalf("got %v, want one error on %s", errs, c.field)
			}
		})
	}
}

func TestParseAndFormatDurations(t *testing.T) {
	got, err := ParseDurations("f", " 72h, 1h30m,,24h ")
	if err != nil || FormatDurations(got) != "72h, 1h30m, 24h" {
		t.Fatalf("got %v %v", got, err)
	}
	if _, err := ParseDurations("f", "3 days"); err == nil || err.Field != "f" {
		t.Fatalf("3 days: %v", err)
	}
}

// A decision keeps the appeal deadline it was made with; older decisions,
// made before one was kept, have the default window.
func TestAppealDeadline(t *testing.T) {
	closed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until := closed.Add(3 * Day)
	kept := Verification{Status: NotVerified, ClosedAt: &closed, AppealUntil: &until}
	if kept.Appealable(closed.Add(4*Day)) || !kept.Appealable(closed.Add(2*Day)) {
		t.Fatal("the kept deadline is not used")
	}
	old := Verification{Status: NotVerified, ClosedAt: &closed}
	if !old.AppealDeadline().Equal(closed.Add(14 * Day)) {
		t.Fatalf("an older decision's deadline: %v", old.AppealDeadline())
	}
}

// The policy's grace and a request's grace have the same bounds, and a
// request may lengthen the policy's notice, never shorten it.
func TestGraceBounds(t *testing.T) {
	f := validFreelancer()
	for _, c := range []struct {
		days        int
		policyCode  string // "" when an admin may set it
		requestCode string // "" when a request may ask for it, with the policy's notice at 7 days
	}{
		{-1, "out_of_range", "out_of_range"},
		{0, "out_of_range", "out_of_range"},
		{MinGraceDays, "", "below_minimum_notice"},
		{6, "", "below_minimum_notice"},
		{7, "", ""},
		{DefaultPolicy().MaxGraceDays, "", ""},
		{DefaultPolicy().MaxGraceDays + 1, "out_of_range", "out_of_range"},
	} {
		p := DefaultPolicy()
		p.GraceDays = c.days
		var policyCode string
		for _, e := range p.Check() {
			if e.Field == "grace_days" {
				policyCode = e.Code
			}
		}
		if policyCode != c.policyCode {
			t.Errorf("policy grace of %d days: %q, want %q", c.days, policyCode, c.policyCode)
		}
		r := Request{FreelancerID: f.ID, Reason: Reason{Code: "new_account_review", Explanation: "New accounts are checked once."},
			GraceDays: new(c.days)}
		var requestCode string
		var fe *FieldError
		var re *RuleError
		switch err := r.Validate(&f, DefaultPolicy()); {
		case errors.As(err, &fe) && fe.Field == "grace_days":
			requestCode = fe.Code
		case errors.As(err, &re) && re.Field == "grace_days":
			requestCode = re.Code
		case err != nil:
			t.Fatalf("request for %d days: %v", c.days, err)
		}
		if requestCode != c.requestCode {
			t.Errorf("request for %d days: %q, want %q", c.days, requestCode, c.requestCode)
		}
	}
}
