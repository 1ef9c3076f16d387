package guard

import (
	"fmt"
	"strings"

	"github.com/attest-dev/attest/internal/verification"
)

// Code is the error code of every refusal: the API answers it with 422 and
// the field that was refused.
const Code = "protected_characteristic"

// Describe says what the findings in text are about, category by category
// with the words that matched: `age ("over 50") and sex or gender ("women")`.
func Describe(text string, found []Finding) string {
	var parts []string
	for _, cat := range FoundCategories(found) {
		var words []string
		for _, f := range found {
			if f.Category == cat && len(words) < 3 {
				words = append(words, fmt.Sprintf("%q", text[f.Start:f.End]))
			}
		}
		parts = append(parts, CategoryName(cat)+" ("+strings.Join(words, ", ")+")")
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// refusal is the RuleError for field when text has findings, else nil.
// message gets the description of what was found.
func refusal(field, text string, message func(found string) string) error {
	found := Check(text)
	if len(found) == 0 {
		return nil
	}
	return &verification.RuleError{Field: field, Code: Code, Message: message(Describe(text, found)), Mentions: mentions(text, found)}
}

// mentions are the findings by category, in Describe's order, with at
// most three of the words that matched each.
func mentions(text string, found []Finding) []verification.Mention {
	var out []verification.Mention
	for _, cat := range FoundCategories(found) {
		m := verification.Mention{Category: cat}
		for _, f := range found {
			if f.Category == cat && len(m.Words) < 3 {
				m.Words = append(m.Words, text[f.Start:f.End])
			}
		}
		out = append(out, m)
	}
	return out
}

// CheckNote refuses a note staff write about a case (a claim outcome, a
// decision, a review, an appeal, a document reading) that mentions a
// protected characteristic, naming field and what was found.
func CheckNote(field, note string) error {
	return refusal(field, note, func(found string) string {
		return "The note mentions " + found + ". Please rewrite it about the evidence only: what was shown and said, never the person."
	})
}

// CheckQuestion refuses a question template that asks about a protected
// characteristic.
func CheckQuestion(field, text string) error {
	return refusal(field, text, func(found string) string {
		return "The question asks about " + found + ". Ask about the claim (the work, the place, the documents), never about the person."
	})
}

// CheckProfile refuses a profile whose claims touch a protected
// characteristic in their key, label or value: attest verifies what a
// freelancer says about their work and where they work from, never who they
// are. The field is the claim's JSON path, e.g. "claims[0].value". The value
// of an identity claim is a legal name and is not checked: names hold words
// such as "Black", "Branco" or "Moreno", and the display name is not
// checked either.
func CheckProfile(f *verification.Freelancer) error {
	for i, c := range f.Claims {
		parts := []struct{ name, text string }{{"key", c.Key}, {"label", c.Label}, {"value", c.Value}}
		if c.Kind == verification.KindIdentity {
			parts = parts[:2]
		}
		for _, part := range parts {
			field := fmt.Sprintf("claims[%d].%s", i, part.name)
			err := refusal(field, part.text, func(found string) string {
				return "This claim is about " + found + ": attest verifies what freelancers say about their work, " +
					"where they work from and their name, never who they are. Remove the claim or reword it."
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckRequest refuses a verification whose reason, code or explanation,
// touches a protected characteristic: the reason is shown to the freelancer,
// and a check must never be started because of who someone is.
func CheckRequest(r *verification.Request) error {
	for _, part := range []struct{ field, text string }{{"reason.code", r.Reason.Code}, {"reason.explanation", r.Reason.Explanation}} {
		err := refusal(part.field, part.text, func(found string) string {
			return "The reason mentions " + found + ": a verification is opened because of what an account did, " +
				"never because of who the freelancer is. State the account's activity instead."
		})
		if err != nil {
			return err
		}
	}
	return nil
}
