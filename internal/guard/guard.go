package guard

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Categories are the protected characteristics the guard looks for, in the
// order used in the term files and in reports.
var Categories = []string{
	"age", "gender", "race", "ethnicity", "religion",
	"disability", "pregnancy", "accent", "appearance",
}

// Finding is one place in a text that mentions a protected characteristic.
type Finding struct {
	Term     string // the list entry that matched, as written in terms/<lang>.txt
	Category string // one of Categories
	Lang     string // the term file it came from: "en", "pt", "es", "de", ...
	Start    int    // byte offset of the first matched character in the original text
	End      int    // byte offset just after the last matched character
}

// String describes the finding, e.g. `"pregnan*" (pregnancy, en) at 12-20`.
func (f Finding) String() string {
	return fmt.Sprintf("%q (%s, %s) at %d-%d", f.Term, f.Category, f.Lang, f.Start, f.End)
}

//go:embed terms/*.txt allow/*.txt
var files embed.FS

// preferred is the load order; when the same words are listed in several
// languages, the first language wins. Other files follow alphabetically.
var preferred = []string{"en", "pt", "es", "de"}

var (
	terms *matcher
	allow *matcher
	langs []string
)

func init() {
	var err error
	terms, allow, langs, err = load(files)
	if err != nil {
		panic("guard: " + err.Error())
	}
}

// Languages lists the languages that have a term file, in load order.
func Languages() []string { return slices.Clone(langs) }

// Check returns the protected-characteristic terms found in text, in order
// of position, using the term and allow lists of all languages. Findings do
// not overlap. It returns nil when the text is clean.
func Check(text string) []Finding {
	toks := tokenize(text)
	if len(toks) == 0 {
		return nil
	}
	allowed := make([]bool, len(toks))
	for i := range toks {
		allow.each(toks, i, nil, func(p *pattern) {
			for j := range p.words {
				allowed[i+j] = true
			}
		})
	}
	var out []Finding
	for i := 0; i < len(toks); {
		var best *pattern
		terms.each(toks, i, allowed, func(p *pattern) {
			if best == nil || len(p.words) > len(best.words) {
				best = p
			}
		})
		if best == nil {
			i++
			continue
		}
		n := len(best.words)
		out = append(out, Finding{
			Term: best.term, Category: best.cat, Lang: best.lang,
			Start: toks[i].start, End: toks[i+n-1].end,
		})
		i += n
	}
	return out
}

// ---- tokenising and normalisation ----

type token struct {
	s          string // normalised word
	start, end int    // byte offsets in the original text
	brk        bool   // a sentence break precedes this token
}

// fold maps a lower-case Latin letter with a diacritic to its base letters.
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'į': "i", 'ı': "i",
	'ł': "l", 'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ř': "r", 'ß': "ss", 'ś': "s", 'š': "s", 'ş': "s", 'ș': "s", 'ť': "t", 'ţ': "t", 'ț': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}

func isBreak(r rune) bool {
	switch r {
	case '.', '!', '?', ';', ':', '\n', '\r', '…', '。':
		return true
	}
	return false
}

// tokenize splits text into normalised words with their original offsets.
func tokenize(text string) []token {
	var toks []token
	var b strings.Builder
	start, end := -1, 0
	brk := false
	flush := func() {
		if start >= 0 {
			toks = append(toks, token{s: b.String(), start: start, end: end, brk: brk})
			b.Reset()
			start = -1
			brk = false
		}
	}
	for i, r := range text {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size = utf8.DecodeRuneInString(text[i:]) // 1 for an invalid byte
		}
		switch {
		case unicode.Is(unicode.Mn, r):
			// Combining mark: part of the word, dropped from the normal form.
			if start >= 0 {
				end = i + size
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			end = i + size
			r = unicode.ToLower(r)
			if f, ok := fold[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		default:
			flush()
			if isBreak(r) {
				brk = true
			}
		}
	}
	flush()
	return toks
}

// ---- patterns ----

type word struct {
	s      string
	prefix bool
}

type pattern struct {
	words     []word
	term      string
	cat, lang string
}

type matcher struct {
	exact  map[string][]*pattern // by first word
	prefix map[string][]*pattern // by the first 3 bytes of a prefix first word
}

const prefixKey = 3

func newMatcher() *matcher {
	return &matcher{exact: map[string][]*pattern{}, prefix: map[string][]*pattern{}}
}

func (m *matcher) add(p *pattern) {
	w := p.words[0]
	if w.prefix {
		k := w.s[:prefixKey]
		m.prefix[k] = append(m.prefix[k], p)
	} else {
		m.exact[w.s] = append(m.exact[w.s], p)
	}
}

func (w word) matches(s string) bool {
	if w.prefix {
		return strings.HasPrefix(s, w.s)
	}
	return s == w.s
}

// each calls fn for every pattern that matches toks starting at i, skipping
// patterns that would cover a token marked in blocked (if non-nil).
func (m *matcher) each(toks []token, i int, blocked []bool, fn func(*pattern)) {
	try := func(ps []*pattern) {
	next:
		for _, p := range ps {
			if i+len(p.words) > len(toks) {
				continue
			}
			for j, w := range p.words {
				t := toks[i+j]
				if (j > 0 && t.brk) || (blocked != nil && blocked[i+j]) || !w.matches(t.s) {
					continue next
				}
			}
			fn(p)
		}
	}
	s := toks[i].s
	try(m.exact[s])
	if len(s) >= prefixKey {
		try(m.prefix[s[:prefixKey]])
	}
}

// parseWords normalises a term or allow phrase into words.
func parseWords(phrase string) ([]word, error) {
	var ws []word
	for _, f := range strings.Fields(phrase) {
		star := strings.HasSuffix(f, "*")
		f = strings.TrimSuffix(f, "*")
		if strings.Contains(f, "*") {
			return nil, fmt.Errorf("'*' only allowed at the end of a word: %q", phrase)
		}
		toks := tokenize(f)
		if len(toks) == 0 {
			return nil, fmt.Errorf("no words in %q", phrase)
		}
		for _, t := range toks {
			ws = append(ws, word{s: t.s})
		}
		if star {
			last := &ws[len(ws)-1]
			if len(last.s) < prefixKey {
				return nil, fmt.Errorf("prefix shorter than %d letters: %q", prefixKey, phrase)
			}
			last.prefix = true
		}
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("empty phrase")
	}
	return ws, nil
}

// lines yields the meaningful lines of a list file with their line numbers.
func lines(data string, fn func(n int, line string) error) error {
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if err := fn(n+1, line); err != nil {
			return err
		}
	}
	return nil
}

func langOrder(names []string) []string {
	var out []string
	for _, l := range preferred {
		if slices.Contains(names, l) {
			out = append(out, l)
		}
	}
	for _, l := range names {
		if !slices.Contains(preferred, l) {
			out = append(out, l)
		}
	}
	return out
}

func listLangs(fsys fs.FS, dir string) ([]string, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && path.Ext(e.Name()) == ".txt" {
			names = append(names, strings.TrimSuffix(e.Name(), ".txt"))
		}
	}
	slices.Sort(names)
	return langOrder(names), nil
}

// load reads terms/<lang>.txt and allow/<lang>.txt from fsys.
func load(fsys fs.FS) (t, a *matcher, ls []string, err error) {
	t, a = newMatcher(), newMatcher()
	ls, err = listLangs(fsys, "terms")
	if err != nil {
		return nil, nil, nil, err
	}
	for _, lang := range ls {
		name := "terms/" + lang + ".txt"
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, nil, err
		}
		err = lines(string(data), func(n int, line string) error {
			cat, term, ok := strings.Cut(line, "\t")
			cat, term = strings.TrimSpace(cat), strings.TrimSpace(term)
			if !ok || term == "" {
				return fmt.Errorf("%s:%d: want category<TAB>term", name, n)
			}
			if !slices.Contains(Categories, cat) {
				return fmt.Errorf("%s:%d: unknown category %q", name, n, cat)
			}
			ws, err := parseWords(term)
			if err != nil {
				return fmt.Errorf("%s:%d: %v", name, n, err)
			}
			t.add(&pattern{words: ws, term: term, cat: cat, lang: lang})
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
	}
	als, err := listLangs(fsys, "allow")
	if err != nil {
		return nil, nil, nil, err
	}
	for _, lang := range als {
		name := "allow/" + lang + ".txt"
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, nil, err
		}
		err = lines(string(data), func(n int, line string) error {
			ws, err := parseWords(strings.TrimSpace(line))
			if err != nil {
				return fmt.Errorf("%s:%d: %v", name, n, err)
			}
			a.add(&pattern{words: ws, term: strings.TrimSpace(line), lang: lang})
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
	}
	return t, a, ls, nil
}
