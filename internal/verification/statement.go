package verification

import "time"

// Statement is the statement of reasons (EU Regulation 2019/1150, Art. 4)
// that goes with every negative decision and every restriction: which
// claims were not confirmed, the reason in plain words, what is restricted
// since when, and what the freelancer can do next and by when. The
// marketplace reads it in the standing and in the events; the freelancer
// reads the same facts in their language on their page and by email.
type Statement struct {
	VerificationID string `json:"verification_id"`
	// Basis is what the restriction rests on: "decision" (a negative
	// decision confirmed by a second reviewer) or "overdue" (the deadline
	// passed while the case waited on the freelancer).
	Basis string `json:"basis"`
	// ReasonCode is the decision's reason code, or "overdue".
	ReasonCode string `json:"reason_code"`
	// Reason is the reason code in plain words.
	Reason string `json:"reason"`
	// Claims are the claims not confirmed, with what was found.
	Claims []ClaimFinding `json:"claims"`
	// Restrictions are those in force because of this case (empty when an
	// appeal lifted them), and RestrictedSince when they began.
	Restrictions    []string   `json:"restrictions"`
	RestrictedSince *time.Time `json:"restricted_since"`
	NextSteps       []NextStep `json:"next_steps"`
}

// ClaimFinding is a claim that was not confirmed. Outcome is
// not_confirmed, unable, or not_checked when nobody recorded one.
type ClaimFinding struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Outcome string `json:"outcome"`
}

// NextStep is something the freelancer can do about the restriction:
// appeal, book_call (or join the live queue), or send_documents; Until is
// the last moment for it, when it has one.
type NextStep struct {
	Action string     `json:"action"`
	Until  *time.Time `json:"until"`
}

// Statement bases.
const (
	BasisDecision = "decision"
	BasisOverdue  = "overdue"
)

// ReasonOverdue is the reason code of a restriction for a passed deadline.
const ReasonOverdue = "overdue"

// reasonWords are the reason codes in plain words, for the marketplace and
// for staff; the freelancer reads them from the translation catalogs.
var reasonWords = map[string]string{
	"identity_not_matched":  "The name on the ID shown or sent did not match the legal name on the profile.",
	"claim_not_supported":   "What was shown, said or sent did not support one or more claims.",
	"live_check_failed":     "The live check could not confirm that the video was live.",
	"consent_refused":       "The freelancer did not agree to the call, so the checks could not be done.",
	"left_before_finishing": "The call ended before the checks were finished.",
	ReasonOverdue:           "The deadline passed before the verification was done.",
}

// ReasonWords is a reason code in plain words.
func ReasonWords(code string) string {
	if w, ok := reasonWords[code]; ok {
		return w
	}
	return code
}

// Findings lists the case's claims not confirmed, labelled from the profile
// (the key stands in when the profile is gone).
func Findings(v *Verification, f *Freelancer, outcomes []ClaimOutcome) []ClaimFinding {
	findings := []ClaimFinding{}
	for _, o := range Unconfirmed(v, outcomes) {
		c := ClaimFinding{Key: o.Key, Label: o.Key, Outcome: string(o.Outcome)}
		if c.Outcome == "" {
			c.Outcome = "not_checked"
		}
		if f != nil {
			if claim, ok := f.Claim(o.Key); ok {
				c.Label = claim.Label
			}
		}
		findings = append(findings, c)
	}
	return findings
}

// DecisionStatement is the statement of a negative decision confirmed on
// v, with reasonCode: its restrictions began when the case closed, unless
// an appeal lifted them; the next step is an appeal while the window is open.
func (p Policy) DecisionStatement(v *Verification, reasonCode string, findings []ClaimFinding, now time.Time) *Statement {
	st := &Statement{VerificationID: v.ID, Basis: BasisDecision, ReasonCode: reasonCode, Reason: ReasonWords(reasonCode),
		Claims: findings, Restrictions: []string{}, NextSteps: []NextStep{}}
	if v.AppealUpheldAt == nil {
		st.Restrictions = append(st.Restrictions, p.Restrictions...)
		st.RestrictedSince = v.ClosedAt
	}
	if v.Appealable(now) {
		until := v.AppealDeadline()
		st.NextSteps = append(st.NextSteps, NextStep{Action: "appeal", Until: &until})
	}
	return st
}

// OverdueStatement is the statement of an open case past its deadline: the
// restrictions began at the deadline and end when the case is done; the next
// step is what the case waits for.
func (p Policy) OverdueStatement(v *Verification, findings []ClaimFinding) *Statement {
	since := v.Deadline
	next := "book_call"
	if v.Status == AwaitingDocuments {
		next = "send_documents"
	}
	return &Statement{VerificationID: v.ID, Basis: BasisOverdue, ReasonCode: ReasonOverdue, Reason: ReasonWords(ReasonOverdue),
		Claims: findings, Restrictions: append([]string{}, p.Restrictions...), RestrictedSince: &since,
		NextSteps: []NextStep{{Action: next}}}
}
