package web

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/attest-dev/attest/internal/i18n"
)

// The staff catalogs (internal/i18n/catalogs/staff) are the one place that
// turns the codes staff see (statuses, outcomes, reasons, steps, roles,
// actors) into their words, in the staff member's language: the key is
// "word.", the kind and the code ("word.status.in_call"). Exports and data
// attributes keep the codes. internal/console's TestEveryCodeHasWords walks
// every code in every staff language.

// Word is the staff's word, in c's language, for a code of a kind
// ("status", "outcome", "reason", …). A code without a word reads as its
// code in plain letters, so a page never shows underscores; tests catch
// the missing word.
func Word(c *i18n.Catalog, kind string, code any) string {
	s := fmt.Sprint(code)
	if HasWord(c, kind, s) {
		return c.Text(wordKey(kind, s))
	}
	if kind == "step" {
		if key, ok := strings.CutPrefix(s, "challenge_"); ok {
			return c.Text("word.step.challenge", "challenge", LowerFirst(Word(c, "challenge", key)))
		}
	}
	// The audit log's status changes ("verification.<status>").
	if kind == "action" {
		if status, ok := strings.CutPrefix(s, "verification."); ok && HasWord(c, "status", status) {
			return c.Text("audit.status_change", "status", LowerFirst(Word(c, "status", status)))
		}
	}
	if s == "" {
		return ""
	}
	return UpperFirst(strings.ReplaceAll(s, "_", " "))
}

func wordKey(kind, code string) string { return "word." + kind + "." + code }

// Group is a fairness group in c's words: the kind of claim, the words
// for a group whose key is a code ("word.fairness_group.<dimension>:<key>",
// the time-zone areas among them), a locale or a country by its name in
// c's language ("en-IN": "Inglês (Índia)"); the marketplace's reason codes
// are its data and read as their label, as does a locale or country that
// names nothing.
func Group(c *i18n.Catalog, dimension, key, label string) string {
	if dimension == "claim_kind" && HasWord(c, "claim_kind", key) {
		return Word(c, "claim_kind", key)
	}
	if HasWord(c, "fairness_group", dimension+":"+key) {
		return Word(c, "fairness_group", dimension+":"+key)
	}
	reader, err := language.Parse(c.Tag)
	if err != nil {
		return label
	}
	switch dimension {
	case "locale":
		if tag, err := language.Parse(key); err == nil {
			if name := display.Tags(reader).Name(tag); name != "" {
				return UpperFirst(name)
			}
		}
	case "country":
		if region, err := language.ParseRegion(key); err == nil && region.IsCountry() {
			if name := display.Regions(reader).Name(region); name != "" {
				return UpperFirst(name)
			}
		}
	}
	return label
}

// UpperFirst is s with its first letter in upper case, by rune: a name
// that starts a table cell ("inglês (Índia)" reads "Inglês (Índia)"), a
// sentence's first word.
func UpperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// Sentence is a domain message shown as a sentence of a page: its first
// letter in upper case, with a full stop.
func Sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = UpperFirst(msg)
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// HasWord reports whether a code of a kind has its own word in c (or in
// the English it falls back to).
func HasWord(c *i18n.Catalog, kind, code string) bool {
	return c.Has(wordKey(kind, code)) || c.Base().Has(wordKey(kind, code))
}

// LowerFirst is s with its first letter in lower case, for a word or
// sentence set inside another: "Em revisão" reads "em revisão", "Área"
// reads "área" (the first rune, never a byte of it).
func LowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// StaffName is how the audit log and the webhook pages name a staff
// member: "Name (Role)", the role in c's language.
func StaffName(c *i18n.Catalog, name, role string) string {
	return c.Text("actor.staff", "name", name, "role", Word(c, "role", role))
}

// Actor is who did something, as the audit log and the webhook pages name
// them, in c's language: a staff member by name and role (names maps
// "staff:<id>" to StaffName), the freelancer, the command line, attest
// itself, or an API key by its id.
func Actor(c *i18n.Catalog, actor string, names map[string]string) string {
	if name, ok := names[actor]; ok {
		return name
	}
	kind, id, _ := strings.Cut(actor, ":")
	switch kind {
	case "staff":
		return c.Text("actor.former_staff")
	case "freelancer":
		return c.Text("actor.freelancer", "id", id)
	case "api_key":
		return c.Text("actor.api_key", "id", id)
	case "cli":
		return c.Text("actor.cli")
	case "system":
		return c.Text("actor.system")
	}
	return actor
}
