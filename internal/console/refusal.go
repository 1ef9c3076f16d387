package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
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
	"outcome_missing":            "Record an outcome for %s: documents were asked for it.",
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
	if rule.Code == verification.ErrStepsMissing && len(rule.Missing) > 0 {
		return "Verified needs first: " + NeededList(rule.Missing, claimLabel) + "."
	}
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

// fieldProblems are the staff's sentences for input the domain refused as
// malformed, by field (a list's field without its index: "documents_for"
// for "documents_for[1]").
var fieldProblems = map[string]string{
	"decision":      "Choose a decision.",
	"reason_code":   "Choose the reason for “Not verified”.",
	"documents_for": "Choose the claims documents are needed for.",
	"outcome":       "Choose an outcome for each claim.",
	"step":          "Choose an answer for each question about the documents.",
	"result":        "Choose an answer for each question about the documents.",
}

// FieldProblem is the sentence staff read when the domain refuses input a
// console page sent: the field's own sentence, a note that is too long,
// or, for a field without one, its message as a sentence.
func FieldProblem(field *verification.FieldError, claimLabel func(key string) string) string {
	if field.Code == "too_long" {
		what := "The note"
		if key := claimOf(field.Field); key != "" {
			what = "The note on " + labelOf(key, claimLabel)
		}
		return what + " is too long: " + field.Message + "."
	}
	name, _, _ := strings.Cut(field.Field, "[")
	if text, ok := fieldProblems[name]; ok {
		return text
	}
	return sentence(field.Message)
}

// TransitionProblem is the sentence staff read when a case cannot move
// the way they asked, its statuses in their words.
func TransitionProblem(e *verification.IllegalTransitionError) string {
	if !e.From.Open() {
		return "This verification is “" + web.Word("status", e.From) + "” already: it can no longer change."
	}
	return "This verification is “" + web.Word("status", e.From) + "” now, so it cannot become “" +
		web.Word("status", e.To) + "” from here. Reload the page to see where it stands."
}

// claimOf is the claim a field names ("outcomes.location.note",
// "confirmations.location"), or "".
func claimOf(field string) string {
	parts := strings.Split(field, ".")
	switch {
	case len(parts) == 3 && parts[0] == "outcomes":
		return parts[1]
	case len(parts) == 2 && (parts[0] == "outcomes" || parts[0] == "confirmations"):
		return parts[1]
	}
	return ""
}

// labelOf is a claim named for staff: its label in quotes.
func labelOf(key string, claimLabel func(key string) string) string {
	if claimLabel != nil {
		key = claimLabel(key)
	}
	return "“" + key + "”"
}

// Needed names one thing verified still needs (an entry of
// verification.Evidence.Missing) in staff words: "Consent", "Live check:
// tilt the ID", a claim by its label.
func Needed(missing string, claimLabel func(key string) string) string {
	if key, ok := strings.CutPrefix(missing, "claim: "); ok {
		if claimLabel != nil {
			return claimLabel(key)
		}
		return key
	}
	if key, ok := strings.CutPrefix(missing, "live check: "); ok {
		return web.Word("step", "challenge_"+key)
	}
	return web.Word("needed", missing)
}

// NeededList is everything verified still needs, in staff words.
func NeededList(missing []string, claimLabel func(key string) string) string {
	words := make([]string, len(missing))
	for i, m := range missing {
		words[i] = Needed(m, claimLabel)
	}
	return strings.Join(words, ", ")
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
