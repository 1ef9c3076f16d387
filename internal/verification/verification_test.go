package verification

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTransitionsFollowTheDesign(t *testing.T) {
	// Every pair the design allows, written out independently of the table.
	allowed := map[[2]Status]bool{
		{AwaitingFreelancer, Scheduled}: true, {AwaitingFreelancer, InQueue}: true,
		{AwaitingFreelancer, InReview}: true, {AwaitingFreelancer, Canceled}: true,
		{Scheduled, InCall}: true, {Scheduled, InQueue}: true,
		{Scheduled, AwaitingFreelancer}: true, {Scheduled, Canceled}: true,
		{InQueue, InCall}: true, {InQueue, AwaitingFreelancer}: true, {InQueue, Canceled}: true,
		{InCall, Verified}: true, {InCall, InReview}: true,
		{InCall, AwaitingDocuments}: true, {InCall, Canceled}: true,
		{AwaitingDocuments, InReview}: true, {AwaitingDocuments, Canceled}: true,
		{InReview, Verified}: true, {InReview, NotVerified}: true, {InReview, Canceled}: true,
		{InReview, AwaitingFreelancer}: true, // sent back for a new call
		// a digital credential confirmed every claim: no call needed
		{AwaitingFreelancer, Verified}: true, {Scheduled, Verified}: true, {InQueue, Verified}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			want := allowed[[2]Status{from, to}]
			err := CheckTransition(from, to)
			if got := err == nil; got != want {
				t.Errorf("%s -> %s: allowed = %v, want %v", from, to, got, want)
			}
			var ite *IllegalTransitionError
			if err != nil && !errors.As(err, &ite) {
				t.Errorf("%s -> %s: error %T, want *IllegalTransitionError", from, to, err)
			}
		}
	}
}

func TestNegativeDecisionNeedsReview(t *testing.T) {
	if InCall.CanBecome(NotVerified) {
		t.Fatal("a call must not end in not_verified without a second reviewer")
	}
}

func TestOpenAndDecided(t *testing.T) {
	for _, s := range Statuses {
		closed := s == Verified || s == NotVerified || s == Canceled
		if s.Open() == closed {
			t.Errorf("%s.Open() = %v", s, s.Open())
		}
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	if Status("done").Valid() {
		t.Error("unknown status reported valid")
	}
}

func TestMoveToStampsAndRefuses(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	v := &Verification{Status: InReview}
	if err := v.MoveTo(Verified, t0); err != nil {
		t.Fatal(err)
	}
	if v.ClosedAt == nil || !v.ClosedAt.Equal(t0) || !v.UpdatedAt.Equal(t0) {
		t.Fatalf("closed at %v updated %v, want %v", v.ClosedAt, v.UpdatedAt, t0)
	}
	if err := v.MoveTo(Canceled, t0); err == nil || v.Status != Verified {
		t.Fatalf("moving a decided case: err %v status %s", err, v.Status)
	}
}

func TestDeadline(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 3, 27, 12, 30, 15, 500, time.UTC)
	tests := []struct {
		name  string
		grace int
		slot  time.Time
		want  time.Time
	}{
		{"grace only, rounded up to the hour", 0, time.Time{}, time.Date(2026, 4, 3, 13, 0, 0, 0, time.UTC)},
		{"slot is soon", 0, now.Add(24 * time.Hour), time.Date(2026, 4, 3, 13, 0, 0, 0, time.UTC)},
		{"slot is late", 0, now.Add(10 * 24 * time.Hour), time.Date(2026, 4, 8, 13, 0, 0, 0, time.UTC)},
		{"custom grace", 14, time.Time{}, time.Date(2026, 4, 10, 13, 0, 0, 0, time.UTC)},
		// Validation refuses a shorter grace; the deadline never honours one.
		{"grace never shortens the notice", 1, time.Time{}, time.Date(2026, 4, 3, 13, 0, 0, 0, time.UTC)},
		{"grace never shortens, even with a slot soon", 1, now.Add(time.Hour), time.Date(2026, 4, 3, 13, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Deadline(now, tt.grace, tt.slot); !got.Equal(tt.want) {
				t.Errorf("Deadline = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeadlineOnTheHourStays(t *testing.T) {
	now := time.Date(2026, 3, 27, 13, 0, 0, 0, time.UTC)
	if got, want := DefaultPolicy().Deadline(now, 0, time.Time{}), now.AddDate(0, 0, 7); !got.Equal(want) {
		t.Fatalf("Deadline = %v, want %v", got, want)
	}
}

func TestStanding(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	open := &Verification{ID: "ver_1", Status: AwaitingFreelancer, Deadline: now.Add(time.Hour)}
	overdue := &Verification{ID: "ver_2", Status: AwaitingFreelancer, Deadline: now.Add(-time.Second)}
	verified := &Verification{ID: "ver_3", Status: Verified}
	rejected := &Verification{ID: "ver_4", Status: NotVerified}
	inReview := &Verification{ID: "ver_5", Status: InReview, Deadline: now.Add(time.Hour)}
	tests := []struct {
		name         string
		cases        Cases
		wantVerified bool
		restricted   bool
		overdue      bool
	}{
		{"nothing known", Cases{}, false, false, false},
		{"open before deadline", Cases{Open: open}, false, false, false},
		{"open and overdue", Cases{Open: overdue}, false, true, true},
		{"verified", Cases{LatestDecided: verified}, true, false, false},
		{"verified then reopened", Cases{Open: open, LatestDecided: verified}, true, false, false},
		{"verified then overdue", Cases{Open: overdue, LatestDecided: verified}, true, true, true},
		{"confirmed negative", Cases{LatestDecided: rejected}, false, true, false},
		{"first negative under review", Cases{Open: inReview}, false, false, false},
		// The team, not the freelancer, owes the next step: no restriction.
		{"review running past the deadline", Cases{Open: &Verification{ID: "ver_7", Status: InReview, Deadline: now.Add(-time.Hour)}}, false, false, false},
		{"call running past the deadline", Cases{Open: &Verification{ID: "ver_8", Status: InCall, Deadline: now.Add(-time.Second)}}, false, false, false},
		{"booked call after the deadline", Cases{Open: &Verification{ID: "ver_9", Status: Scheduled, Deadline: now.Add(-time.Second)}}, false, false, false},
		{"queued past the deadline", Cases{Open: &Verification{ID: "ver_10", Status: InQueue, Deadline: now.Add(-time.Second)}}, false, false, false},
		{"documents not sent by the deadline", Cases{Open: &Verification{ID: "ver_11", Status: AwaitingDocuments, Deadline: now.Add(-time.Second)}}, false, true, true},
		// An upheld appeal lifts the restriction; only confirmed claims verify.
		{"negative overturned on appeal", Cases{LatestDecided: &Verification{ID: "ver_6", Status: NotVerified, AppealUpheldAt: &now}}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := p.ComputeStanding("fl_1", tt.cases, now)
			if st.Verified != tt.wantVerified {
				t.Errorf("verified = %v, want %v", st.Verified, tt.wantVerified)
			}
			if got := len(st.Restrictions) > 0; got != tt.restricted {
				t.Errorf("restrictions = %v, want restricted %v", st.Restrictions, tt.restricted)
			}
			if st.Restrictions == nil {
				t.Error("restrictions must be an empty list, not null")
			}
			if st.OpenVerification != nil && st.OpenVerification.Overdue != tt.overdue {
				t.Errorf("overdue = %v, want %v", st.OpenVerification.Overdue, tt.overdue)
			}
		})
	}
}

func validFreelancer() Freelancer {
	return Freelancer{
		ID: "u-1042", DisplayName: "Ana Souza", Email: "ana@example.com", Locale: "pt-BR",
		TimeZone: "America/Sao_Paulo",
		Claims: []Claim{
			{Key: "location", Label: "Location", Value: "Recife, Brazil", Kind: KindLocation},
			{Key: "skill.go", Label: "Skill", Value: "Go, 6 years", Kind: KindSkill},
		},
	}
}

func TestFreelancerValidate(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*Freelancer)
		wantField string
	}{
		{"valid", func(*Freelancer) {}, ""},
		{"bad id", func(f *Freelancer) { f.ID = "../x" }, "id"},
		{"no name", func(f *Freelancer) { f.DisplayName = "  " }, "display_name"},
		{"long name", func(f *Freelancer) { f.DisplayName = strings.Repeat("é", 201) }, "display_name"},
		{"control char", func(f *Freelancer) { f.DisplayName = "Ana\x00" }, "display_name"},
		{"bad email", func(f *Freelancer) { f.Email = "Ana <ana@example.com>" }, "email"},
		{"no email", func(f *Freelancer) { f.Email = "" }, "email"},
		{"bad locale", func(f *Freelancer) { f.Locale = "portuguese!" }, "locale"},
		{"bad zone", func(f *Freelancer) { f.TimeZone = "Mars/Olympus" }, "timezone"},
		{"local zone", func(f *Freelancer) { f.TimeZone = "Local" }, "timezone"},
		{"bad claim key", func(f *Freelancer) { f.Claims[1].Key = "Skill Go" }, "claims[1].key"},
		{"duplicate claim", func(f *Freelancer) { f.Claims[1].Key = "location" }, "claims[1].key"},
		{"bad kind", func(f *Freelancer) { f.Claims[0].Kind = "gender" }, "claims[0].kind"},
		{"no label", func(f *Freelancer) { f.Claims[0].Label = "" }, "claims[0].label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validFreelancer()
			tt.change(&f)
			err := f.Validate()
			var fe *FieldError
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.wantField != "" && !errors.As(err, &fe):
				t.Fatalf("error %v, want a FieldError on %s", err, tt.wantField)
			case tt.wantField != "" && fe.Field != tt.wantField:
				t.Fatalf("field %q, want %q", fe.Field, tt.wantField)
			}
		})
	}
}

func TestRequestOpen(t *testing.T) {
	f := validFreelancer()
	p := DefaultPolicy()
	now := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	r := Request{FreelancerID: f.ID, Reason: Reason{Code: "new_account_review", Explanation: "New accounts are checked once."}}
	if err := r.Validate(&f, p); err != nil {
		t.Fatal(err)
	}
	v := r.Open("ver_x", &f, p, now, time.Time{})
	if len(v.Claims) != 2 || v.Status != AwaitingFreelancer || len(v.Methods) != 3 {
		t.Fatalf("opened %+v", v)
	}
	r.Claims = []string{"education"}
	var re *RuleError
	if err := r.Validate(&f, p); !errors.As(err, &re) || re.Code != "unknown_claim" || re.Field != "claims[0]" {
		t.Fatalf("unknown claim: %v", err)
	}
	r.Claims = nil
	r.GraceDays = new(91)
	var fe *FieldError
	if err := r.Validate(&f, p); !errors.As(err, &fe) || fe.Field != "grace_days" {
		t.Fatalf("grace: %v", err)
	}
}
