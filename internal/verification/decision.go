package verification

import (
	"fmt"
	"slices"
)

// Outcome is what the agent found for one claim.
type Outcome string

const (
	Confirmed    Outcome = "confirmed"
	NotConfirmed Outcome = "not_confirmed"
	Unable       Outcome = "unable" // could not check
)

// Outcomes lists every outcome a claim may get.
var Outcomes = []Outcome{Confirmed, NotConfirmed, Unable}

// ClaimOutcome is the agent's finding for one claim, with an optional note.
type ClaimOutcome struct {
	Key     string  `json:"key"`
	Outcome Outcome `json:"outcome"`
	Note    string  `json:"note"`
}

// MaxNoteLen bounds an agent's note on a claim or a decision.
const MaxNoteLen = 1000

// Validate checks an outcome against the case it belongs to.
func (o ClaimOutcome) Validate(v *Verification) error {
	if !slices.Contains(v.Claims, o.Key) {
		return &RuleError{Field: "claim", Code: "unknown_claim", Message: fmt.Sprintf("this verification does not check %q", o.Key)}
	}
	if !slices.Contains(Outcomes, o.Outcome) {
		return fieldErr("outcome", "invalid", "must be confirmed, not_confirmed or unable")
	}
	return checkText("note", o.Note, MaxNoteLen, false)
}

// Decision is how a call ends.
type Decision string

const (
	DecideVerified       Decision = "verified"
	DecideNotVerified    Decision = "not_verified"
	DecideNeedsDocuments Decision = "needs_documents"
)

// NegativeReasons are the reason codes a not_verified decision must carry.
// They name what was not shown, never anything about the person.
var NegativeReasons = []string{
	"identity_not_matched",  // the ID shown did not match the legal name
	"claim_not_supported",   // a claim could not be supported in the call
	"live_check_failed",     // the live challenges suggested replayed or synthetic video
	"consent_refused",       // the freelancer did not agree to the call
	"left_before_finishing", // the call ended before the checks were done
}

// Decide checks a decision against the claims' outcomes and returns the
// status it moves the case to. Every claim needs an outcome first; verified
// needs every claim confirmed; not_verified needs a reason code and goes to
// a second reviewer, never straight to a restriction.
func Decide(v *Verification, outcomes []ClaimOutcome, d Decision, reasonCode string) (Status, error) {
	found := map[string]Outcome{}
	for _, o := range outcomes {
		found[o.Key] = o.Outcome
	}
	for _, key := range v.Claims {
		if _, ok := found[key]; !ok && d != DecideNotVerified {
			return "", &RuleError{Field: "claims", Code: "outcome_missing", Message: fmt.Sprintf("record an outcome for %q first", key)}
		}
	}
	switch d {
	case DecideVerified:
		for _, key := range v.Claims {
			if found[key] != Confirmed {
				return "", &RuleError{Field: "decision", Code: "claims_not_confirmed",
					Message: fmt.Sprintf("verified needs every claim confirmed; %q is %s", key, found[key])}
			}
		}
		return Verified, nil
	case DecideNotVerified:
		if !slices.Contains(NegativeReasons, reasonCode) {
			return "", fieldErr("reason_code", "required", "not verified needs one of the reason codes")
		}
		return InReview, nil
	case DecideNeedsDocuments:
		return AwaitingFreelancer, nil
	}
	return "", fieldErr("decision", "invalid", "must be verified, not_verified or needs_documents")
}
