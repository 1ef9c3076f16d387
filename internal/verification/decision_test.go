package verification

import (
	"errors"
	"testing"
)

func TestDecide(t *testing.T) {
	v := &Verification{Claims: []string{"location", "skill"}}
	both := func(a, b Outcome) []ClaimOutcome {
		return []ClaimOutcome{{Key: "location", Outcome: a}, {Key: "skill", Outcome: b}}
	}
	tests := []struct {
		name     string
		outcomes []ClaimOutcome
		decision Decision
		reason   string
		want     Status
		wantCode string
	}{
		{"all confirmed", both(Confirmed, Confirmed), DecideVerified, "", Verified, ""},
		{"one unchecked", both(Confirmed, Unable), DecideVerified, "", "", "claims_not_confirmed"},
		{"outcome missing", both(Confirmed, Confirmed)[:1], DecideVerified, "", "", "outcome_missing"},
		{"negative goes to review", both(Confirmed, NotConfirmed), DecideNotVerified, "claim_not_supported", InReview, ""},
		{"negative without reason", both(Confirmed, NotConfirmed), DecideNotVerified, "", "", "required"},
		{"negative before outcomes (left early)", nil, DecideNotVerified, "left_before_finishing", InReview, ""},
		{"needs documents", both(Unable, Unable), DecideNeedsDocuments, "", AwaitingFreelancer, ""},
		{"unknown decision", both(Confirmed, Confirmed), "maybe", "", "", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decide(v, tt.outcomes, tt.decision, tt.reason)
			code := ""
			var fe *FieldError
			var re *RuleError
			switch {
			case errors.As(err, &fe):
				code = fe.Code
			case errors.As(err, &re):
				code = re.Code
			case err != nil:
				t.Fatalf("unexpected error %v", err)
			}
			if got != tt.want || code != tt.wantCode {
				t.Fatalf("Decide = %q, %q; want %q, %q", got, code, tt.want, tt.wantCode)
			}
		})
	}
}

func TestClaimOutcomeValidate(t *testing.T) {
	v := &Verification{Claims: []string{"location"}}
	if err := (ClaimOutcome{Key: "location", Outcome: Confirmed}).Validate(v); err != nil {
		t.Fatal(err)
	}
	if err := (ClaimOutcome{Key: "age", Outcome: Confirmed}).Validate(v); err == nil {
		t.Fatal("outcome for a claim the case does not check accepted")
	}
	if err := (ClaimOutcome{Key: "location", Outcome: "great"}).Validate(v); err == nil {
		t.Fatal("unknown outcome accepted")
	}
}
