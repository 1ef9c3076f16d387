package verification

import (
	"fmt"
	"slices"
	"strings"
	"time"
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

// ClaimOutcome is the finding for one claim, with an optional note, and
// who recorded it when (kept out of the JSON the console echoes).
type ClaimOutcome struct {
	Key        string    `json:"key"`
	Outcome    Outcome   `json:"outcome"`
	Note       string    `json:"note"`
	StaffID    string    `json:"-"`
	RecordedAt time.Time `json:"-"`
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
	// DecideNewCall is a second reviewer's (neither confirm nor overturn)
	// or a reader's of documents (they cannot settle it): a new call with
	// another agent.
	DecideNewCall Decision = "new_call"
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

// callOnlyReasons are the reasons only a call can give: a reading of
// documents has no live check, no spoken consent and no call to leave.
var callOnlyReasons = []string{"live_check_failed", "consent_refused", "left_before_finishing"}

// DocumentReasons are the reason codes a reading of documents may give for
// not_verified: NegativeReasons without those only a call can give.
func DocumentReasons() []string {
	return slices.DeleteFunc(slices.Clone(NegativeReasons), func(r string) bool { return slices.Contains(callOnlyReasons, r) })
}

// ErrStepsMissing is the code of a verified decision refused because the
// script's required steps or claims are not all recorded as passed.
const ErrStepsMissing = "steps_missing"

// Decide checks a call's or a document review's decision against what was
// recorded and returns the status it moves the case to:
//   - verified needs every required step passed and every claim confirmed
//     (Evidence.Missing is empty);
//   - not_verified needs a reason code and goes to a second reviewer, never
//     straight to a restriction;
//   - needs_documents names the claims documents are needed for, none of
//     them confirmed already, and waits for the freelancer to send them.
func Decide(v *Verification, ev Evidence, d Decision, reasonCode string, documentsFor []string) (Status, error) {
	switch d {
	case DecideVerified:
		if err := CheckVerified(v, ev); err != nil {
			return "", err
		}
		return Verified, nil
	case DecideNotVerified:
		if !slices.Contains(NegativeReasons, reasonCode) {
			return "", fieldErr("reason_code", "required", "not verified needs one of the reason codes")
		}
		return InReview, nil
	case DecideNeedsDocuments:
		if len(documentsFor) == 0 {
			return "", fieldErr("documents_for", "required", "name the claims documents are needed for")
		}
		for i, key := range documentsFor {
			at := fmt.Sprintf("documents_for[%d]", i)
			if !slices.Contains(v.Claims, key) {
				return "", &RuleError{Field: at, Code: "unknown_claim", Message: fmt.Sprintf("this verification does not check %q", key)}
			}
			if slices.Contains(documentsFor[:i], key) {
				return "", fieldErr(at, "duplicate", "%q appears twice", key)
			}
			if o, ok := ev.Outcome(key); ok && o.Outcome == Confirmed {
				return "", &RuleError{Field: at, Code: "claim_confirmed", Message: fmt.Sprintf("%q is confirmed already", key)}
			}
		}
		return AwaitingDocuments, nil
	}
	return "", fieldErr("decision", "invalid", "must be verified, not_verified or needs_documents")
}

// DecideReading checks a reading of documents' decision, as Decide does a
// call's, and returns the status it moves the case to:
//   - verified needs what Decide's verified needs;
//   - not_verified needs one of the DocumentReasons, and goes to a second
//     reviewer;
//   - new_call says that documents cannot settle the case: it goes back
//     to the freelancer for a call.
func DecideReading(v *Verification, ev Evidence, d Decision, reasonCode string) (Status, error) {
	switch d {
	case DecideVerified:
		return Decide(v, ev, d, reasonCode, nil)
	case DecideNotVerified:
		if !slices.Contains(DocumentReasons(), reasonCode) {
			return "", fieldErr("reason_code", "required", "not verified on documents needs one of the document reason codes")
		}
		return InReview, nil
	case DecideNewCall:
		return AwaitingFreelancer, nil
	}
	return "", fieldErr("decision", "invalid", "must be verified, not_verified or new_call")
}

// Unconfirmed lists the case's claims without a confirmed outcome, with the
// outcome each has ("" when none was recorded), in the case's order.
func Unconfirmed(v *Verification, outcomes []ClaimOutcome) []ClaimOutcome {
	var out []ClaimOutcome
	for _, key := range v.Claims {
		i := slices.IndexFunc(outcomes, func(o ClaimOutcome) bool { return o.Key == key })
		switch {
		case i < 0:
			out = append(out, ClaimOutcome{Key: key})
		case outcomes[i].Outcome != Confirmed:
			out = append(out, ClaimOutcome{Key: key, Outcome: outcomes[i].Outcome})
		}
	}
	return out
}

// ErrFourEyes is the code of a restriction by decision that lacks two
// different people's negative on the case.
const ErrFourEyes = "four_eyes"

// CheckFourEyes returns a rule error unless the negative decisions on a
// case (the staff who decided not_verified, in order) come from two
// different people: nobody is restricted on one person's word.
func CheckFourEyes(negativeBy []string) error {
	for _, id := range negativeBy {
		if id != negativeBy[0] {
			return nil
		}
	}
	return &RuleError{Field: "decision", Code: ErrFourEyes,
		Message: "a negative decision restricts only when a second person, who took no part before, confirms it"}
}

// CheckVerified returns a rule error naming what is missing unless the
// evidence has every required step passed and every claim confirmed.
func CheckVerified(v *Verification, ev Evidence) error {
	if missing := ev.Missing(v); len(missing) > 0 {
		return &RuleError{Field: "steps", Code: ErrStepsMissing, Missing: missing,
			Message: "verified needs every step and claim checked; still missing: " + strings.Join(missing, ", ")}
	}
	return nil
}
