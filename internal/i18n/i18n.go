// Package i18n holds attest's words in each language it speaks: the
// freelancer's message catalogs embedded from catalogs/*.json, the staff's
// (the console and the admin pages) from catalogs/staff/*.json, the choice
// of a catalog for a locale or a browser, plural forms and dates with
// localized weekday and month names.
//
// A message is looked up by key and may name arguments in braces:
// "Hello {name}". The only markup a message may carry is <strong>…</strong>;
// Text drops it, HTML keeps it and escapes everything else.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed catalogs/*.json catalogs/staff/*.json
var catalogFS embed.FS

// Catalog is one language's messages.
type Catalog struct {
	// Tag is the BCP 47 tag the catalog is written in, e.g. "pt-BR": what
	// a page's lang attribute says.
	Tag      string
	messages map[string]message
	plural   func(n int) string
	// fallback is the English catalog of the same set (freelancer or
	// staff) a missing message comes from; nil for English itself.
	fallback *Catalog
}

// message is one entry: a plain text, or one text per plural form.
type message struct {
	text  string
	forms map[string]string // "one", "other"
}

// set is one audience's catalogs by tag: the freelancer's or the staff's.
type set map[string]*Catalog

var (
	catalogs = load("catalogs/*.json")
	// English is the freelancer catalog every other falls back to.
	English = catalogs["en"]

	staffCatalogs = load("catalogs/staff/*.json")
	// StaffEnglish is the staff catalog every other staff catalog falls
	// back to.
	StaffEnglish = staffCatalogs["en"]
)

// load reads every embedded catalog matching pattern. A broken catalog
// stops the program at start: it is part of the binary, so the tests find
// it first.
func load(pattern string) set {
	names, err := fs.Glob(catalogFS, pattern)
	if err != nil {
		panic(err)
	}
	all := set{}
	for _, name := range names {
		c, err := parse(name)
		if err != nil {
			panic(err)
		}
		all[c.Tag] = c
	}
	if all["en"] == nil {
		panic("i18n: no English catalog in " + pattern)
	}
	for tag, c := range all {
		if tag != "en" {
			c.fallback = all["en"]
		}
	}
	return all
}

func parse(name string) (*Catalog, error) {
	b, err := catalogFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read catalog %s: %w", name, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	tag := strings.TrimSuffix(path.Base(name), ".json")
	c := &Catalog{Tag: tag, messages: make(map[string]message, len(raw)), plural: pluralRule(language(tag))}
	for key, v := range raw {
		var m message
		if err := json.Unmarshal(v, &m.text); err != nil {
			if err := json.Unmarshal(v, &m.forms); err != nil || m.forms["other"] == "" {
				return nil, fmt.Errorf("catalog %s: %q is neither a text nor plural forms with \"other\"", name, key)
			}
		}
		c.messages[key] = m
	}
	return c, nil
}

// All is every freelancer catalog, English first, then by tag.
func All() []*Catalog { return catalogs.all() }

// StaffAll is every staff catalog, English first, then by tag.
func StaffAll() []*Catalog { return staffCatalogs.all() }

func (s set) all() []*Catalog {
	list := make([]*Catalog, 0, len(s))
	for _, c := range s {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if (list[i].Tag == "en") != (list[j].Tag == "en") {
			return list[i].Tag == "en"
		}
		return list[i].Tag < list[j].Tag
	})
	return list
}

// Match chooses the catalog for a profile's locale: the catalog of that
// exact tag (case does not matter, "_" reads as "-"), else one of the same
// language (the one named after the language alone first, so "pt" and
// "pt-PT" read Brazilian Portuguese until a catalog of their own exists),
// else English.
func Match(locale string) *Catalog {
	if c := catalogs.match(locale); c != nil {
		return c
	}
	return English
}

// StaffMatch chooses the staff catalog for a staff member's language
// setting, as Match does; nil when none fits (an empty setting), for the
// caller to fall back to the browser's language.
func StaffMatch(locale string) *Catalog { return staffCatalogs.match(locale) }

// Negotiate chooses the catalog for a browser's Accept-Language header,
// for pages that cannot tell whose they are (a broken link): the first
// language listed that attest speaks, else English.
func Negotiate(acceptLanguage string) *Catalog { return catalogs.negotiate(acceptLanguage) }

// StaffNegotiate chooses the staff catalog for a browser's Accept-Language
// header: the first language listed that the console speaks, else English.
func StaffNegotiate(acceptLanguage string) *Catalog { return staffCatalogs.negotiate(acceptLanguage) }

func (s set) negotiate(acceptLanguage string) *Catalog {
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, _, _ := strings.Cut(part, ";")
		if c := s.match(tag); c != nil {
			return c
		}
	}
	return s["en"]
}

// match chooses a catalog of the set for a locale without falling back to
// English: nil when no catalog fits.
func (s set) match(locale string) *Catalog {
	want := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(locale), "_", "-"))
	if want == "" {
		return nil
	}
	var sameLanguage *Catalog
	for _, c := range s.all() {
		tag := strings.ToLower(c.Tag)
		switch {
		case tag == want:
			return c
		case language(tag) == language(want) && (sameLanguage == nil || tag == language(tag)):
			sameLanguage = c
		}
	}
	return sameLanguage
}

// language is the primary subtag of a tag: "pt" of "pt-BR".
func language(tag string) string {
	lang, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return lang
}

// Keys are the catalog's message keys, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.messages))
	for k := range c.messages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether the catalog itself defines key.
func (c *Catalog) Has(key string) bool {
	_, ok := c.messages[key]
	return ok
}

// Plural reports whether key has plural forms.
func (c *Catalog) Plural(key string) bool { return c.messages[key].forms != nil }

// Raw is a message as written, with its markup and placeholders; a plural
// message gives its "other" form. It falls back to English, then to the
// key itself, so a gap shows on the page instead of breaking it.
func (c *Catalog) Raw(key string) string {
	return c.lookup(key).pick("other")
}

// Forms is a message's plural forms by name ("one", "other"), for the
// page's scripts, which choose with Intl.PluralRules.
func (c *Catalog) Forms(key string) map[string]string {
	m := c.lookup(key)
	if m.forms == nil {
		return map[string]string{"other": m.text}
	}
	return m.forms
}

func (c *Catalog) lookup(key string) message {
	if m, ok := c.messages[key]; ok {
		return m
	}
	if c.fallback != nil {
		if m, ok := c.fallback.messages[key]; ok {
			return m
		}
	}
	return message{text: key}
}

// Base is the English catalog of c's set (c itself when it is English):
// the one whose keys every catalog of the set has.
func (c *Catalog) Base() *Catalog {
	if c.fallback != nil {
		return c.fallback
	}
	return c
}

func (m message) pick(form string) string {
	if m.forms == nil {
		return m.text
	}
	if s, ok := m.forms[form]; ok {
		return s
	}
	return m.forms["other"]
}

// Restrictions names what a marketplace pauses, for the freelancer: each
// restriction by its words ("restriction.<name>"), or, for a name the
// catalogs do not know (the marketplace chooses its own), the name with
// spaces for underscores; joined with commas.
func (c *Catalog) Restrictions(names []string) string {
	words := make([]string, len(names))
	for i, name := range names {
		if c.Has("restriction."+name) || English.Has("restriction."+name) {
			words[i] = c.Text("restriction." + name)
		} else {
			words[i] = strings.ReplaceAll(name, "_", " ")
		}
	}
	return strings.Join(words, ", ")
}

// Text is a message as plain text, its markup dropped and args filled in.
// Args come in pairs, name then value: Text("greeting", "name", "Ana").
func (c *Catalog) Text(key string, args ...any) string {
	return fill(plain(c.Raw(key)), args, show)
}

// N is the plain text of a plural message for n, which also fills {count}.
func (c *Catalog) N(key string, n int, args ...any) string {
	return fill(plain(c.lookup(key).pick(c.plural(n))), append([]any{"count", n}, args...), show)
}

// HTML is a message for an HTML page or email: the message and the
// arguments are escaped, and only the message's own <strong> markup is
// kept, and an argument that is template.HTML, which is safe already.
func (c *Catalog) HTML(key string, args ...any) template.HTML {
	return markup(c.Raw(key), args)
}

// NHTML is HTML for a plural message.
func (c *Catalog) NHTML(key string, n int, args ...any) template.HTML {
	return markup(c.lookup(key).pick(c.plural(n)), append([]any{"count", n}, args...))
}

var strongTags = strings.NewReplacer("&lt;strong&gt;", "<strong>", "&lt;/strong&gt;", "</strong>")

// escapeText escapes what could open markup in the catalog's own text.
// Quotes stay, so "don't" reads as written; where a message lands in an
// attribute, html/template escapes them there. Arguments, which may come
// from anyone, are escaped fully.
var escapeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func markup(raw string, args []any) template.HTML {
	escaped := strongTags.Replace(escapeText.Replace(raw))
	return template.HTML(fill(escaped, args, EscapeArg))
}

// EscapeArg escapes an argument for HTML, except one that is already
// safe HTML (template.HTML, as html/template treats it): a page's own
// <time> element set inside a sentence.
func EscapeArg(v any) string {
	if h, ok := v.(template.HTML); ok {
		return string(h)
	}
	return template.HTMLEscapeString(fmt.Sprint(v))
}

func show(v any) string { return fmt.Sprint(v) }

var tagDropper = strings.NewReplacer("<strong>", "", "</strong>", "")

func plain(s string) string { return tagDropper.Replace(s) }

// fill replaces each {name} with its argument, shown by show. A name with no
// argument stays as written, which the catalog tests catch.
func fill(s string, args []any, show func(any) string) string {
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", show(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// placeholders are the {names} a text uses, in order of appearance.
func placeholders(s string) []string {
	var names []string
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			return names
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return names
		}
		names = append(names, s[open+1:open+end])
		s = s[open+end+1:]
	}
}

// pluralRule is a language's choice between "one" and "other", after the
// CLDR rules for whole numbers: English says "1 day" and "0 days";
// Portuguese treats 0 and 1 alike.
func pluralRule(lang string) func(n int) string {
	one := func(n int) bool { return n == 1 }
	if lang == "pt" {
		one = func(n int) bool { return n == 0 || n == 1 }
	}
	return func(n int) string {
		if one(n) {
			return "one"
		}
		return "other"
	}
}
