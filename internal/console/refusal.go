package console

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

// The staff's sentences for the domain rules that refuse a change on their
// pages are the staff catalogs' "refusal." keys, by the rule's code; a
// {claim} in one is the claim the rule's field names. The sentences for
// input refused as malformed are the "field." keys, by field (a list's
// field without its index: "documents_for" for "documents_for[1]"). The
// domain's own messages are written for developers and the API.

// Refusal is the sentence staff read, in lang, when a domain rule refuses
// what they asked: from the rule's code and field, with a claim named by
// its label, or, for the guard's, what the text mentions. Every rule has
// its sentence (TestEveryRefusalCodeHasWords); one without (a new one,
// until it has) shows its message as a sentence.
func Refusal(lang *i18n.Catalog, rule *verification.RuleError, claimLabel func(key string) string) string {
	if rule.Code == verification.ErrStepsMissing && len(rule.Missing) > 0 {
		return lang.Text("refusal.steps_missing.list", "needed", NeededList(lang, rule.Missing, claimLabel))
	}
	if len(rule.Mentions) > 0 {
		return lang.Text("refusal."+rule.Code, "found", Mentions(lang, rule.Mentions))
	}
	key := "refusal." + rule.Code
	if !lang.Base().Has(key) {
		return web.Sentence(rule.Message)
	}
	claim := rule.Field[strings.LastIndexAny(rule.Field, ".")+1:]
	label := lang.Text("refusal.that_claim")
	if claimLabel != nil && !strings.Contains(claim, "[") {
		label = lang.Text("quoted", "text", claimLabel(claim))
	}
	return web.UpperFirst(lang.Text(key, "claim", label))
}

// FieldProblem is the sentence staff read, in lang, when the domain
// refuses input a console page sent: the sentence for the field and code
// ("field.<field>.<code>", {max} the limit the message names), a note
// that is too long, the field's own sentence, or, for a field without
// one, its message as a sentence.
func FieldProblem(lang *i18n.Catalog, field *verification.FieldError, claimLabel func(key string) string) string {
	name, _, _ := strings.Cut(field.Field, "[")
	if key := "field." + name + "." + field.Code; lang.Base().Has(key) {
		return lang.Text(key, "max", limitIn(field.Message))
	}
	if field.Code == "too_long" {
		limit := limitIn(field.Message)
		if key := claimOf(field.Field); key != "" {
			return lang.Text("field.too_long.claim", "claim", labelOf(lang, key, claimLabel), "max", limit)
		}
		return lang.Text("field.too_long", "max", limit)
	}
	if key := "field." + name; lang.Base().Has(key) {
		return lang.Text(key)
	}
	return web.Sentence(field.Message)
}

// limitIn is the limit a message names, its last number: "at most 1000
// characters", "in 1 to 300 characters".
func limitIn(message string) string {
	all := number.FindAllString(message, -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

var number = regexp.MustCompile(`[0-9]+`)

// TransitionProblem is the sentence staff read, in lang, when a case
// cannot move the way they asked, its statuses in their words.
func TransitionProblem(lang *i18n.Catalog, e *verification.IllegalTransitionError) string {
	if !e.From.Open() {
		return lang.Text("refusal.transition.closed", "from", web.Word(lang, "status", e.From))
	}
	return lang.Text("refusal.transition", "from", web.Word(lang, "status", e.From), "to", web.Word(lang, "status", e.To))
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
func labelOf(lang *i18n.Catalog, key string, claimLabel func(key string) string) string {
	if claimLabel != nil {
		key = claimLabel(key)
	}
	return lang.Text("quoted", "text", key)
}

// Needed names one thing verified still needs (an entry of
// verification.Evidence.Missing) in staff words: "Consent", "Live check:
// tilt the ID", a claim by its label.
func Needed(lang *i18n.Catalog, missing string, claimLabel func(key string) string) string {
	if key, ok := strings.CutPrefix(missing, "claim: "); ok {
		if claimLabel != nil {
			return claimLabel(key)
		}
		return key
	}
	if key, ok := strings.CutPrefix(missing, "live check: "); ok {
		return web.Word(lang, "step", "challenge_"+key)
	}
	return web.Word(lang, "needed", missing)
}

// Mentions says the protected characteristics a refused text mentions, in
// staff words, each with the words of the text that matched: "age
// (“over 50”); sex or gender (“women”)".
func Mentions(lang *i18n.Catalog, mentions []verification.Mention) string {
	parts := make([]string, len(mentions))
	for i, m := range mentions {
		words := make([]string, len(m.Words))
		for j, w := range m.Words {
			words[j] = lang.Text("quoted", "text", w)
		}
		parts[i] = lang.Text("refusal.mention", "category", web.Word(lang, "guard_category", m.Category), "words", strings.Join(words, ", "))
	}
	return strings.Join(parts, "; ")
}

// NeededList is everything verified still needs, in staff words.
func NeededList(lang *i18n.Catalog, missing []string, claimLabel func(key string) string) string {
	words := make([]string, len(missing))
	for i, m := range missing {
		words[i] = Needed(lang, m, claimLabel)
	}
	return strings.Join(words, ", ")
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
