package i18n

import (
	"html/template"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every catalog says everything English says, and nothing more, in each
// set (the freelancer's and the staff's): a key missing on either side
// fails here, as does a message whose placeholders, plural forms or markup
// differ from the English one.
func TestCatalogsMatchEnglish(t *testing.T) {
	for name, all := range map[string][]*Catalog{"freelancer": All(), "staff": StaffAll()} {
		if len(all) < 2 {
			t.Fatalf("%s catalogs %v, want English and at least Brazilian Portuguese", name, tags(all))
		}
		english := all[0]
		for _, c := range all[1:] {
			for _, key := range english.Keys() {
				if !c.Has(key) {
					t.Errorf("%s %s lacks %q (English: %q)", name, c.Tag, key, english.Raw(key))
					continue
				}
				compareMessage(t, english, c, key)
			}
			for _, key := range c.Keys() {
				if !english.Has(key) {
					t.Errorf("%s %s has %q, which English lacks", name, c.Tag, key)
				}
			}
		}
	}
}

func compareMessage(t *testing.T, english, c *Catalog, key string) {
	t.Helper()
	if c.Plural(key) != english.Plural(key) {
		t.Errorf("%s %q: plural %v, English plural %v", c.Tag, key, c.Plural(key), english.Plural(key))
	}
	for form, text := range c.Forms(key) {
		want := english.Forms(key)["other"]
		if got, have := placeholderSet(text), placeholderSet(want); !slices.Equal(got, have) {
			t.Errorf("%s %q (%s): placeholders %v, English has %v", c.Tag, key, form, got, have)
		}
		if got, have := strings.Count(text, "<strong>"), strings.Count(want, "<strong>"); got != have || strings.Count(text, "</strong>") != got {
			t.Errorf("%s %q (%s): %d <strong> in %q, English has %d", c.Tag, key, form, got, text, have)
		}
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s %q (%s) is empty", c.Tag, key, form)
		}
	}
}

// placeholderSet is a text's placeholders, sorted, without {count}, which a
// language may leave unsaid ("One person is…").
func placeholderSet(s string) []string {
	var names []string
	for _, p := range placeholders(s) {
		if p != "count" && !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	return names
}

func tags(all []*Catalog) []string {
	var list []string
	for _, c := range all {
		list = append(list, c.Tag)
	}
	return list
}

func TestMatch(t *testing.T) {
	tests := []struct{ locale, want string }{
		{"en", "en"}, {"en-IN", "en"}, {"en_GB", "en"},
		{"pt-BR", "pt-BR"}, {"pt_br", "pt-BR"}, {"PT-br", "pt-BR"},
		// Portuguese of other countries reads Brazilian Portuguese, which
		// serves them better than English until a catalog of their own exists.
		{"pt", "pt-BR"}, {"pt-PT", "pt-BR"}, {"pt-AO", "pt-BR"},
		{"de-DE", "en"}, {"", "en"}, {"x", "en"}, {"ptx", "en"},
	}
	for _, tt := range tests {
		if got := Match(tt.locale).Tag; got != tt.want {
			t.Errorf("Match(%q) = %s, want %s", tt.locale, got, tt.want)
		}
	}
}

// Both the freelancer's pages and, when the account chooses no language,
// the console speak the browser's language.
func TestNegotiate(t *testing.T) {
	tests := []struct{ header, want string }{
		{"pt-BR,pt;q=0.9,en-US;q=0.8", "pt-BR"},
		{"de-DE, pt;q=0.5", "pt-BR"},
		{"en-GB,en;q=0.9", "en"},
		{"fr, de", "en"},
		{"", "en"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header).Tag; got != tt.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tt.header, got, tt.want)
		}
		if got := StaffNegotiate(tt.header); got.Tag != tt.want || got != staffCatalogs[tt.want] {
			t.Errorf("StaffNegotiate(%q) = %s, want the staff catalog %s", tt.header, got.Tag, tt.want)
		}
	}
}

// A staff account's language setting chooses a staff catalog, empty for
// the browser's; the staff catalogs fall back to the staff English.
func TestStaffMatch(t *testing.T) {
	if c := StaffMatch(""); c != nil {
		t.Errorf("StaffMatch(\"\") = %s, want none (the browser's language)", c.Tag)
	}
	if c := StaffMatch("pt-BR"); c == nil || c.Text("word.status.in_call") != "Em chamada" {
		t.Errorf("StaffMatch(pt-BR) does not speak Portuguese")
	}
	if got := staffCatalogs["pt-BR"].Base(); got != StaffEnglish {
		t.Errorf("the staff pt-BR catalog falls back to %v, want the staff English", got.Tag)
	}
}

func TestPlurals(t *testing.T) {
	pt := Match("pt-BR")
	tests := []struct {
		c    *Catalog
		key  string
		n    int
		want string
	}{
		{English, "duration.days", 1, "1 day"},
		{English, "duration.days", 3, "3 days"},
		{English, "duration.days", 0, "0 days"},
		{pt, "duration.days", 1, "1 dia"},
		{pt, "duration.days", 3, "3 dias"},
		{English, "portal.join.agents", 1, "One person is taking calls right now."},
		{English, "portal.join.agents", 3, "3 people are taking calls right now."},
		{pt, "portal.join.agents", 1, "Uma pessoa está atendendo agora."},
		{pt, "portal.join.agents", 2, "2 pessoas estão atendendo agora."},
	}
	for _, tt := range tests {
		if got := tt.c.N(tt.key, tt.n); got != tt.want {
			t.Errorf("%s N(%q, %d) = %q, want %q", tt.c.Tag, tt.key, tt.n, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	pt := Match("pt-BR")
	wed := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC)
	first := time.Date(2026, 11, 1, 9, 5, 0, 0, time.UTC)
	tests := []struct {
		c      *Catalog
		layout string
		at     time.Time
		want   string
	}{
		{English, "date.long", wed, "Wednesday 2 December 2026, 15:30 (IST)"},
		{pt, "date.long", wed, "quarta-feira, 2 de dezembro de 2026, às 15:30 (IST)"},
		{English, "date.day_month", first, "1 November"},
		{pt, "date.day_month", first, "1º de novembro"},
		{English, "date.day_short", first, "Sun 1 Nov"},
		{pt, "date.day_short", first, "dom, 1º nov"},
	}
	for _, tt := range tests {
		if got := tt.c.Date(tt.layout, tt.at, "IST"); got != tt.want {
			t.Errorf("%s Date(%s) = %q, want %q", tt.c.Tag, tt.layout, got, tt.want)
		}
	}
	if got := pt.Duration(71 * time.Hour); got != "3 dias" {
		t.Errorf("pt-BR Duration(71h) = %q, want %q", got, "3 dias")
	}
	if got := English.Minutes(45 * time.Minute); got != "45 minutes" {
		t.Errorf("Minutes(45m) = %q", got)
	}
}

// A message keeps its own <strong> and nothing an argument brings, unless
// the argument is template.HTML, safe already.
func TestHTMLEscapesArgumentsOnly(t *testing.T) {
	got := string(English.HTML("portal.deadline.before", "deadline", `<script>"x"</script>`))
	want := "<strong>Nothing on your account is restricted before &lt;script&gt;&#34;x&#34;&lt;/script&gt;.</strong>"
	if got != want {
		t.Errorf("HTML = %q, want %q", got, want)
	}
	got = string(English.HTML("portal.deadline.before", "deadline", template.HTML(`<time datetime="2026-12-05">5 Dec</time>`)))
	want = `<strong>Nothing on your account is restricted before <time datetime="2026-12-05">5 Dec</time>.</strong>`
	if got != want {
		t.Errorf("HTML with a template.HTML argument = %q, want %q", got, want)
	}
	if got := English.Text("portal.deadline.before", "deadline", "<b>"); got != "Nothing on your account is restricted before <b>." {
		t.Errorf("Text = %q: markup should be dropped and arguments left as they are", got)
	}
}

// An unknown key falls back to English, then shows itself.
func TestFallback(t *testing.T) {
	if got := Match("pt-BR").Text("no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q", got)
	}
}

// Restrictions reach the freelancer in words: a known name in their
// language, a marketplace's own name without its underscores.
func TestRestrictionsInWords(t *testing.T) {
	for _, tt := range []struct{ tag, want string }{
		{"en", "sending proposals, receive payments"},
		{"pt-BR", "enviar propostas, receive payments"},
	} {
		if got := Match(tt.tag).Restrictions([]string{"submit_proposals", "receive_payments"}); got != tt.want {
			t.Errorf("%s: Restrictions = %q, want %q", tt.tag, got, tt.want)
		}
	}
}
