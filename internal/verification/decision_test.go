package verification

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// videoCheck is a video call's live check in the tests below.
var videoCheck = []Challenge{{Key: "tilt_id"}, {Key: "read_phrase", Words: []string{"river", "apple", "seven"}}}

// passed records every required step of a video call with challenges as passed.
func passed(challenges []Challenge) []StepRecord {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	steps := []StepRecord{{StepConsent, "given", "staff:a", at}, {StepIdentity, "matched", "staff:a", at}}
	for _, c := range challenges {
		steps = append(steps, StepRecord{"challenge_" + c.Key, "done", "staff:a", at})
	}
	return steps
}

func TestDecide(t *testing.T) {
	v := &Verification{Claims: []string{"location", "skill"}}
	both := func(a, b Outcome) []ClaimOutcome {
		return []ClaimOutcome{{Key: "location", Outcome: a}, {Key: "skill", Outcome: b}}
	}
	full := func(o []ClaimOutcome) Evidence {
		return Evidence{Mode: ModeVideo, Challenges: videoCheck, Steps: passed(videoCheck), Outcomes: o}
	}
	noConsent := full(both(Confirmed, Confirmed))
	noConsent.Steps = noConsent.Steps[1:]
	refused := full(both(Confirmed, Confirmed))
	refused.Steps[0].Result = "refused"
	tests := []struct {
		name     string
		ev       Evidence
		decision Decision
		reason   string
		docsFor  []string
		want     Status
		wantCode string
	}{
		{"all confirmed, every step", full(both(Confirmed, Confirmed)), DecideVerified, "", nil, Verified, ""},
		{"one unchecked", full(both(Confirmed, Unable)), DecideVerified, "", nil, "", ErrStepsMissing},
		{"outcome missing", full(both(Confirmed, Confirmed)[:1]), DecideVerified, "", nil, "", ErrStepsMissing},
		{"nothing checked but a claim", Evidence{Mode: ModeVideo, Challenges: videoCheck, Outcomes: both(Confirmed, Confirmed)}, DecideVerified, "", nil, "", ErrStepsMissing},
		{"no consent", noConsent, DecideVerified, "", nil, "", ErrStepsMissing},
		{"consent refused", refused, DecideVerified, "", nil, "", ErrStepsMissing},
		{"negative goes to review", full(both(Confirmed, NotConfirmed)), DecideNotVerified, "claim_not_supported", nil, InReview, ""},
		{"negative without reason", full(both(Confirmed, NotConfirmed)), DecideNotVerified, "", nil, "", "required"},
		{"negative before outcomes (left early)", Evidence{}, DecideNotVerified, "left_before_finishing", nil, InReview, ""},
		{"needs documents", full(both(Confirmed, Unable)), DecideNeedsDocuments, "", []string{"skill"}, AwaitingDocuments, ""},
		{"needs documents for nothing", full(both(Unable, Unable)), DecideNeedsDocuments, "", nil, "", "required"},
		{"needs documents for a confirmed claim", full(both(Confirmed, Unable)), DecideNeedsDocuments, "", []string{"location"}, "", "claim_confirmed"},
		{"needs documents for an unknown claim", full(both(Unable, Unable)), DecideNeedsDocuments, "", []string{"age"}, "", "unknown_claim"},
		{"unknown decision", full(both(Confirmed, Confirmed)), "maybe", "", nil, "", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decide(v, tt.ev, tt.decision, tt.reason, tt.docsFor)
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

func TestRequiredStepsByMode(t *testing.T) {
	v := &Verification{Claims: []string{"location"}}
	confirmed := []ClaimOutcome{{Key: "location", Outcome: Confirmed}}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	rec := func(step, result string) StepRecord { return StepRecord{step, result, "staff:a", at} }
	tests := []struct {
		name    string
		mode    Mode
		steps   []StepRecord
		missing []string
	}{
		{"video without anything", ModeVideo, nil, nil}, // filled below from the challenges
		{"audio: an ID on camera is no use", ModeAudio, []StepRecord{rec(StepConsent, "given"), rec(StepIdentity, "matched"), rec("challenge_read_phrase", "done")},
			[]string{"identity"}},
		{"audio: a reviewed ID document and the phrase", ModeAudio, []StepRecord{rec(StepConsent, "given"), rec(StepIdentityDocument, "matched"), rec("challenge_read_phrase", "done")},
			nil},
		{"documents: authenticity stands in for the live check", ModeDocuments, []StepRecord{rec(StepConsent, "given"), rec(StepIdentityDocument, "matched")},
			[]string{"documents_authentic"}},
		{"documents: complete", ModeDocuments, []StepRecord{rec(StepConsent, "given"), rec(StepIdentityDocument, "matched"), rec(StepDocumentsAuthentic, "yes")},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			challenges := videoCheck
			if tt.mode == ModeAudio {
				challenges = []Challenge{{Key: "read_phrase", Words: []string{"sun", "door", "blue"}}}
			}
			ev := Evidence{Mode: tt.mode, Challenges: challenges, Steps: tt.steps, Outcomes: confirmed}
			want := tt.missing
			if tt.mode == ModeVideo && tt.steps == nil {
				want = []string{"consent", "identity"}
				for _, c := range videoCheck {
					want = append(want, "live check: "+c.Key)
				}
			}
			if got := ev.Missing(v); !slices.Equal(got, want) {
				t.Fatalf("Missing = %q, want %q", got, want)
			}
		})
	}
}

func TestCheckStep(t *testing.T) {
	for _, tt := range []struct {
		step, result string
		ok           bool
	}{
		{"consent", "given", true}, {"consent", "refused", true}, {"consent", "maybe", false},
		{"challenge_turn_head", "done", true}, {"challenge_fly", "done", false}, {"identity_document", "matched", true},
		{"documents_authentic", "no", true}, {"helper_name", "x", false},
	} {
		if err := CheckStep(tt.step, tt.result); (err == nil) != tt.ok {
			t.Errorf("CheckStep(%q, %q) = %v, want ok %v", tt.step, tt.result, err, tt.ok)
		}
	}
}

func TestParticipants(t *testing.T) {
	ev := Evidence{Steps: []StepRecord{{By: "staff:a"}, {By: "freelancer:u-1"}, {By: "staff:a"}},
		Outcomes: []ClaimOutcome{{StaffID: "b"}, {StaffID: ""}}}
	if got := ev.Participants(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Participants = %v", got)
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
