package guard

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ---- tokenising and normalisation ----

type token struct {
	s          string // normalised word
	start, end int    // byte offsets in the original text
	brk        bool   // a sentence break precedes this token
	comma      bool   // a comma precedes this token
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
	brk, comma := false, false // seen since the last word
	flush := func() {
		if start >= 0 {
			toks = append(toks, token{s: b.String(), start: start, end: end, brk: brk, comma: comma})
			b.Reset()
			start = -1
			brk, comma = false, false
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
			switch {
			case isBreak(r):
				brk = true
			case r == ',':
				comma = true
			}
		}
	}
	flush()
	return toks
}

// ---- patterns ----

// word is one alternative of an element: a whole normalised word, or a
// prefix of one.
type word struct {
	s      string
	prefix bool
}

func (w word) matches(s string) bool {
	if w.prefix {
		return strings.HasPrefix(s, w.s)
	}
	return s == w.s
}

// elem is one position of a pattern: a word, a class of words (any of
// them), or a number (a token that starts with a digit: "50", "50s", "1961").
type elem struct {
	alts       []word
	number     bool
	commaAfter bool // the word must be followed by a comma, a break or the end
}

func (e elem) matches(s string) bool {
	if e.number {
		return s != "" && s[0] >= '0' && s[0] <= '9'
	}
	return slices.ContainsFunc(e.alts, func(w word) bool { return w.matches(s) })
}

type pattern struct {
	elems     []elem
	atStart   bool // only at the start of the text or of a sentence
	term      string
	cat, lang string
}

// A matcher finds patterns by their first element: exact words in a map,
// prefixes by their first prefixKey bytes, numbers apart.
type matcher struct {
	exact   map[string][]*pattern
	prefix  map[string][]*pattern
	numbers []*pattern
}

const prefixKey = 3

func newMatcher() *matcher {
	return &matcher{exact: map[string][]*pattern{}, prefix: map[string][]*pattern{}}
}

func (m *matcher) add(p *pattern) {
	first := p.elems[0]
	if first.number {
		m.numbers = append(m.numbers, p)
		return
	}
	for _, w := range first.alts {
		if w.prefix {
			k := w.s[:prefixKey]
			m.prefix[k] = append(m.prefix[k], p)
		} else {
			m.exact[w.s] = append(m.exact[w.s], p)
		}
	}
}

// each calls fn for every pattern that matches toks starting at i, skipping
// patterns that would cover a token marked in blocked (if non-nil). A
// pattern reached by two of its first element's words may be passed twice.
func (m *matcher) each(toks []token, i int, blocked []bool, fn func(*pattern)) {
	try := func(ps []*pattern) {
	next:
		for _, p := range ps {
			if i+len(p.elems) > len(toks) || (p.atStart && i > 0 && !toks[i].brk) {
				continue
			}
			for j, e := range p.elems {
				t := toks[i+j]
				if (j > 0 && t.brk) || (blocked != nil && blocked[i+j]) || !e.matches(t.s) {
					continue next
				}
				if e.commaAfter && i+j+1 < len(toks) && !toks[i+j+1].comma && !toks[i+j+1].brk {
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
	if s[0] >= '0' && s[0] <= '9' {
		try(m.numbers)
	}
}

// ---- list files ----

// maxOptional bounds the optional elements of one line: each doubles the
// patterns it expands to.
const maxOptional = 4

// classes maps a class name to its words, for one language.
type classes map[string][]word

// parseWord normalises one word of a list; a trailing '*' makes it a prefix.
func parseWord(f, line string) ([]word, error) {
	star := strings.HasSuffix(f, "*")
	f = strings.TrimSuffix(f, "*")
	if strings.Contains(f, "*") {
		return nil, fmt.Errorf("'*' only allowed at the end of a word: %q", line)
	}
	toks := tokenize(f)
	if len(toks) == 0 {
		return nil, fmt.Errorf("no words in %q", line)
	}
	ws := make([]word, len(toks))
	for i, t := range toks {
		ws[i] = word{s: t.s}
	}
	if star {
		last := &ws[len(ws)-1]
		if len(last.s) < prefixKey {
			return nil, fmt.Errorf("prefix shorter than %d letters: %q", prefixKey, line)
		}
		last.prefix = true
	}
	return ws, nil
}

// parsePhrase turns a term or allow phrase into the patterns it stands for:
// one per combination of its optional ('?') elements. A leading "^" anchors
// them to the start of a sentence; a "," after a word asks for a comma (or
// the end of the sentence) after it, as in the telegraphic "Tiny, …".
func parsePhrase(phrase string, cls classes) ([]*pattern, error) {
	fields := strings.Fields(phrase)
	atStart := len(fields) > 0 && fields[0] == "^"
	if atStart {
		fields = fields[1:]
	}
	type part struct {
		elems    []elem
		optional bool
	}
	var parts []part
	optional := 0
	for _, f := range fields {
		if f == "," {
			if len(parts) == 0 || parts[len(parts)-1].optional {
				return nil, fmt.Errorf("',' must follow a word that is not optional in %q", phrase)
			}
			last := &parts[len(parts)-1]
			last.elems[len(last.elems)-1].commaAfter = true
			continue
		}
		p := part{}
		if s, ok := strings.CutSuffix(f, "?"); ok && s != "" {
			f, p.optional = s, true
			optional++
		}
		switch {
		case f == "<num>":
			p.elems = []elem{{number: true}}
		case strings.HasPrefix(f, "@"):
			ws, ok := cls[f[1:]]
			if !ok {
				return nil, fmt.Errorf("unknown class %s in %q", f, phrase)
			}
			p.elems = []elem{{alts: ws}}
		default:
			ws, err := parseWord(f, phrase)
			if err != nil {
				return nil, err
			}
			for _, w := range ws {
				p.elems = append(p.elems, elem{alts: []word{w}})
			}
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty phrase")
	}
	if optional > maxOptional {
		return nil, fmt.Errorf("more than %d optional words in %q", maxOptional, phrase)
	}
	var out []*pattern
	for mask := 0; mask < 1<<optional; mask++ {
		var es []elem
		bit := 0
		for _, p := range parts {
			if p.optional {
				keep := mask&(1<<bit) != 0
				bit++
				if !keep {
					continue
				}
			}
			es = append(es, p.elems...)
		}
		if len(es) > 0 {
			out = append(out, &pattern{elems: es, atStart: atStart, term: phrase})
		}
	}
	if len(out) < 1<<optional {
		return nil, fmt.Errorf("every word of %q is optional", phrase)
	}
	return out, nil
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

// loadClasses reads classes/<lang>.txt, if there is one: lines of
// name<TAB>word word…; a name on several lines collects all their words.
func loadClasses(fsys fs.FS, lang string) (classes, error) {
	cls := classes{}
	name := "classes/" + lang + ".txt"
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return cls, nil
	}
	if err != nil {
		return nil, err
	}
	err = lines(string(data), func(n int, line string) error {
		class, members, ok := strings.Cut(line, "\t")
		class = strings.TrimSpace(class)
		if !ok || class == "" || strings.TrimSpace(members) == "" {
			return fmt.Errorf("%s:%d: want name<TAB>word word…", name, n)
		}
		for _, f := range strings.Fields(members) {
			ws, err := parseWord(f, line)
			if err != nil {
				return fmt.Errorf("%s:%d: %v", name, n, err)
			}
			if len(ws) != 1 {
				return fmt.Errorf("%s:%d: %q is more than one word", name, n, f)
			}
			cls[class] = append(cls[class], ws[0])
		}
		return nil
	})
	return cls, err
}

// load reads terms/<lang>.txt, allow/<lang>.txt and classes/<lang>.txt from fsys.
func load(fsys fs.FS) (t, a *matcher, ls []string, err error) {
	t, a = newMatcher(), newMatcher()
	ls, err = listLangs(fsys, "terms")
	if err != nil {
		return nil, nil, nil, err
	}
	cls := map[string]classes{}
	for _, lang := range ls {
		if cls[lang], err = loadClasses(fsys, lang); err != nil {
			return nil, nil, nil, err
		}
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
			variants, err := parsePhrase(term, cls[lang])
			if err != nil {
				return fmt.Errorf("%s:%d: %v", name, n, err)
			}
			for _, p := range variants {
				p.cat, p.lang = cat, lang
				t.add(p)
			}
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
		if cls[lang] == nil {
			if cls[lang], err = loadClasses(fsys, lang); err != nil {
				return nil, nil, nil, err
			}
		}
		err = lines(string(data), func(n int, line string) error {
			phrase := strings.TrimSpace(line)
			variants, err := parsePhrase(phrase, cls[lang])
			if err != nil {
				return fmt.Errorf("%s:%d: %v", name, n, err)
			}
			for _, p := range variants {
				p.lang = lang
				a.add(p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
	}
	return t, a, ls, nil
}

// loadContextWords collects the named classes of every classes/<lang>.txt.
func loadContextWords(fsys fs.FS, names ...string) (map[string]wordSet, error) {
	ls, err := listLangs(fsys, "classes")
	if err != nil {
		return nil, err
	}
	out := map[string]wordSet{}
	for _, lang := range ls {
		cls, err := loadClasses(fsys, lang)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			out[n] = append(out[n], cls[n]...)
		}
	}
	return out, nil
}
