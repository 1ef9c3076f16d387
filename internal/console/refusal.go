package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// refusals are the staff's sentences for the domain rules that refuse a
// change on their pages, by the rule's code; %s, where present, is the
// claim the rule's field names. The domain's own messages are written for
// developers and the API.
var refusals = map[string]string{
	verification.ErrStepsMissing: "Verified needs every step passed and every claim confirmed first.",
	verification.ErrFourEyes:     "A negative decision restricts only when a second person, who took no part before, confirms it.",
	workflow.ErrDocumentsMissing: "Add a document for each claim documents were asked for first.",
	"unknown_claim":              "This verification does not check that claim.",
	"claim_confirmed":            "%s is confirmed already: documents are not needed for it.",
	"confirmation_missing":       "Say what confirms %s, or ask for a new call.",
	"outcome_missing":            "Record an outcome for each claim documents were asked for.",
	"own_decision":               "You took part in this case, so someone else must decide.",
	"not_decided":                "This case has no decision to review yet.",
	"not_a_reviewer":             "You may not give second reviews.",
	"decided_before":             "You decided this case before: another agent must take the new call.",
	"not_your_call":              "This call belongs to another agent.",
	"agent_in_call":              "Finish your current call first.",
	"queue_empty":                "Nobody is waiting.",
	"no_open_verification":       "This freelancer has no open verification.",
	"appeal_decided":             "This appeal is decided already.",
	"not_appealable":             "This case can no longer be appealed.",
	"no_documents":               "The freelancer has sent no documents yet.",
	"documents_off":              "Documents are switched off.",
	"not_in_document_review":     "This case no longer waits for a document review.",
	"not_offered":                "This verification cannot be done that way.",
	"last_question":              "Keep at least one question of each kind.",
	"too_many_endpoints":         "There are as many webhook endpoints as attest allows; delete one first.",
	"endpoint_disabled":          "This endpoint is disabled; enable it first.",
	"slot_not_free":              "That time is no longer free.",
	"no_booking":                 "There is no booked call to cancel.",
}

// Refusal is the sentence staff read when a domain rule refuses what they
// asked: from the rule's code and field, with a claim named by its label.
// A rule without a sentence of its own (the guard's, which already speaks
// to staff, and any new one) shows its message as a sentence.
func Refusal(rule *verification.RuleError, claimLabel func(key string) string) string {
	text, ok := refusals[rule.Code]
	if !ok {
		return sentence(rule.Message)
	}
	if strings.Contains(text, "%s") {
		key := rule.Field[strings.LastIndexAny(rule.Field, ".")+1:]
		label := "that claim"
		if claimLabel != nil && !strings.Contains(key, "[") {
			label = "“" + claimLabel(key) + "”"
		}
		text = fmt.Sprintf(text, label)
		text = strings.ToUpper(text[:1]) + text[1:]
	}
	return text
}

// sentence is a message capitalised, with its full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// claimLabeller names the claims of the case the request's path names, by
// their labels on the freelancer's profile; a key it cannot find is shown as is.
func (c *Console) claimLabeller(r *http.Request) func(key string) string {
	return func(key string) string {
		v, err := c.Store.Verification(r.Context(), r.PathValue("id"))
		if err != nil {
			return key
		}
		f, err := c.Store.Freelancer(r.Context(), v.FreelancerID)
		if err != nil {
			return key
		}
		if claim, ok := f.Claim(key); ok && claim.Label != "" {
			return claim.Label
		}
		return key
	}
}
