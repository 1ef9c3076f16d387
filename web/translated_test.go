package web

import (
	"html/template"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"golang.org/x/net/html"

	"github.com/attest-dev/attest/internal/i18n"
)

// freelancerPages speak the freelancer's catalogs (docs, the API
// reference, speaks English): every other page is the staff's.
var freelancerPages = []string{"portal.html", "portal_error.html", "portal_wallet.html", "phone.html", "docs.html"}

// shownAttributes are the attributes people read or hear.
var shownAttributes = []string{"title", "aria-label", "placeholder", "alt", "aria-description"}

// untranslated are the words that are the same in every language: the
// product's name and technical names.
var untranslated = regexp.MustCompile(`\b(attest|HTTP|UTC|KB|MB|CSV|OIDC|TOTP|JSON|API|URL|HMAC|SHA-256|ID)\b`)

// action stands for a template action in the text the test reads.
const action = "\x00"

// Every staff template says its words through the staff catalogs: a
// text node or a shown attribute with letters outside a translation call
// fails here. Codes in attributes that are not shown (data-*, name, value
// of a choice) stay codes.
func TestConsoleTemplatesAreTranslated(t *testing.T) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil || len(names) < 20 {
		t.Fatalf("templates: %v, %v", names, err)
	}
	all := localFuncs(i18n.StaffEnglish)
	checked := 0
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if slices.Contains(freelancerPages, base) {
			continue
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := template.New(base).Funcs(all).Parse(string(b))
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		for _, def := range tmpl.Templates() {
			if def.Tree == nil {
				continue
			}
			if base == "layout.html" && def.Name() == "layout.html" {
				checked++ // the layout's own text is only the skip link, through t
			}
			var text strings.Builder
			flatten(def.Tree.Root, &text)
			for _, literal := range shownLiterals(text.String()) {
				t.Errorf("%s (%s): %q is not translated: say it with {{t \"…\"}} from the staff catalogs", base, def.Name(), literal)
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("checked only %d templates: the walk is broken", checked)
	}
}

// flatten writes a template's text with each action as the action mark;
// the branches of if, range and with follow each other.
func flatten(n parse.Node, out *strings.Builder) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			flatten(c, out)
		}
	case *parse.TextNode:
		out.Write(n.Text)
	case *parse.IfNode:
		out.WriteString(action)
		flatten(n.List, out)
		flatten(n.ElseList, out)
	case *parse.RangeNode:
		out.WriteString(action)
		flatten(n.List, out)
		flatten(n.ElseList, out)
	case *parse.WithNode:
		out.WriteString(action)
		flatten(n.List, out)
		flatten(n.ElseList, out)
	default:
		out.WriteString(action)
	}
}

// shownLiterals are the texts with letters in an HTML fragment's text and
// shown attributes, outside scripts and styles.
func shownLiterals(fragment string) []string {
	var found []string
	check := func(s string) {
		s = strings.TrimSpace(untranslated.ReplaceAllString(strings.ReplaceAll(s, action, " "), ""))
		if hasWord(s) {
			found = append(found, s)
		}
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	skip := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return found
		case html.TextToken:
			if !skip {
				check(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tag := z.Token()
			skip = tag.Data == "script" || tag.Data == "style"
			for _, a := range tag.Attr {
				if slices.Contains(shownAttributes, a.Key) {
					check(a.Val)
				}
			}
		case html.EndTagToken:
			skip = false
		}
	}
}

// hasWord reports whether s holds two letters in a row: a word, not a
// number, a symbol or an arrow.
func hasWord(s string) bool {
	run := 0
	for _, r := range s {
		if unicodeLetter(r) {
			run++
			if run >= 2 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func unicodeLetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && strings.ContainsRune("áàâãéêíóôõúçÁÀÂÃÉÊÍÓÔÕÚÇ", r)
}
