package guard

import (
	"errors"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/verification"
)

func TestCheckProfile(t *testing.T) {
	claim := func(key, label, value string) *verification.Freelancer {
		return &verification.Freelancer{Claims: []verification.Claim{
			{Key: "location", Label: "Location", Value: "Recife, Brasil", Kind: verification.KindLocation},
			{Key: key, Label: label, Value: value},
		}}
	}
	tests := []struct {
		name      string
		f         *verification.Freelancer
		field     string // "" when accepted
		inMessage string
	}{
		{"location and skill", claim("skill.go", "Go development", "6 years"), "", ""},
		{"issue: gender claim", claim("gender", "Gender", "female"), "claims[1].key", "sex or gender"},
		{"protected label", claim("status", "Marital status", "single"), "claims[1].label", "marital or family status"},
		{"protected value", claim("about", "About", "Devout Muslim, two kids"), "claims[1].value", "religion"},
		{"mother tongue is language, not gender", claim("mother_tongue", "Language", "Yoruba"), "claims[1].key", "language as a sign of origin"},
		{"nationality", claim("nationality", "Nationality", "Brazilian"), "claims[1].key", "origin or nationality"},
		{"translation skill", claim("skill.translation", "Technical translation", "German ↔ English"), "", ""},
		{"education", claim("degree", "Degree", "BSc Computer Science, Universidade de São Paulo"), "", ""},
		{"a legal name is not read", &verification.Freelancer{Claims: []verification.Claim{
			{Key: "legal_name", Label: "Legal name", Value: "Joy Black Branco", Kind: verification.KindIdentity}}}, "", ""},
		{"but a claim of another kind is", &verification.Freelancer{Claims: []verification.Claim{
			{Key: "about", Label: "About me", Value: "Black woman in tech", Kind: verification.KindOther}}}, "claims[0].value", "ethnicity or race"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckProfile(tc.f)
			checkRefusal(t, err, tc.field, tc.inMessage)
		})
	}
}

func TestCheckRequest(t *testing.T) {
	tests := []struct {
		code, explanation string
		field             string
		inMessage         []string
	}{
		{"new_account_review", "Your account is new and received many client invitations in its first week.", "", nil},
		{"payment_dispute", "A client disputed a payment and said the work was done by someone else.", "", nil},
		{"random_check", "women over 50 are checked more often", "reason.explanation", []string{"age", `"women over 50"`}},
		{"older_freelancers", "We check some accounts every year.", "reason.code", []string{"age"}},
		{"origin_review", "Accounts from Nigeria are reviewed by hand.", "reason.explanation", []string{"origin or nationality"}},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			r := &verification.Request{Reason: verification.Reason{Code: tc.code, Explanation: tc.explanation}}
			err := CheckRequest(r)
			for _, m := range tc.inMessage {
				checkRefusal(t, err, tc.field, m)
			}
			if tc.inMessage == nil {
				checkRefusal(t, err, tc.field, "")
			}
		})
	}
}

func TestCheckNoteAndQuestion(t *testing.T) {
	checkRefusal(t, CheckNote("confirmations.location", "Lives there with her husband, ID matches"),
		"confirmations.location", `marital or family status ("husband")`)
	checkRefusal(t, CheckNote("note", "Bank statement shows the address."), "", "")
	checkRefusal(t, CheckQuestion("text", "Where are you originally from?"), "text", "origin or nationality")
	checkRefusal(t, CheckQuestion("text", "Which city do you usually work from?"), "", "")
}

// checkRefusal expects nil when field is "", else a RuleError with Code
// naming field whose message holds inMessage.
func checkRefusal(t *testing.T, err error, field, inMessage string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("refused, want accepted: %v", err)
		}
		return
	}
	var rule *verification.RuleError
	if !errors.As(err, &rule) {
		t.Fatalf("got %v, want a RuleError for %s", err, field)
	}
	if rule.Field != field || rule.Code != Code || !strings.Contains(rule.Message, inMessage) {
		t.Errorf("got %s %s %q, want field %s, code %s, a message with %q", rule.Field, rule.Code, rule.Message, field, Code, inMessage)
	}
}

func TestDescribe(t *testing.T) {
	text := "Elderly lady, pregnant"
	got := Describe(text, Check(text))
	want := `age ("Elderly"), sex or gender ("lady") and pregnancy ("pregnant")`
	if got != want {
		t.Errorf("Describe(%q) = %s, want %s", text, got, want)
	}
}
