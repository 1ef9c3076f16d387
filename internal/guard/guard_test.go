package guard

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatchingRules(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // matched original substrings, in order
	}{
		{"whole word", "Black applicant", []string{"Black"}},
		{"not inside words", "Blackboard admin at Blackwell; agenda, page, managed, usage", nil},
		{"age as word", "Age around 50", []string{"Age"}},
		{"case", "PREGNANT", []string{"PREGNANT"}},
		{"prefix", "pregnancy and pregnant", []string{"pregnancy", "pregnant"}},
		{"prefix needs word start", "unpregnant-ish", nil},
		{"diacritics folded", "Está grávida", []string{"grávida"}},
		{"upper-case diacritics", "GRÁVIDA", []string{"GRÁVIDA"}},
		{"decomposed accent", "gra\u0301vida", []string{"gra\u0301vida"}},
		{"german umlaut", "Übergewichtig", []string{"Übergewichtig"}},
		{"german sharp s", "Weißer Mann", []string{"Weißer", "Mann"}},
		{"multi-word", "an old man", []string{"old man"}},
		{"asking a person's age", "So, how old are you?", []string{"how old are you"}},
		{"asking a thing's age", "How old is the company you worked for?", nil},
		{"multi-word over punctuation", "good-looking", []string{"good-looking"}},
		{"multi-word not across sentences", "It is old. Man pages were read.", nil},
		{"longest match wins", "a stay-at-home mom", []string{"stay-at-home mom"}},
		{"left to right", "very young woman", []string{"very young", "woman"}},
		{"allow-list", "black-box testing", nil},
		{"allow-list with spaces", "black box testing", nil},
		{"allow-list only covers its words", "black-box tests by a black woman", []string{"black", "woman"}},
		{"allow-list other language", "documento em preto e branco", nil},
		{"allow-list prefix", "ajustou o accent colours", nil},
		{"allow-list race condition", "fixed a race condition", nil},
		{"race alone", "could not tell his race", []string{"race"}},
		{"german idiom", "hat es schwarz auf weiß", nil},
		{"punctuation boundary", "(deaf)", []string{"deaf"}},
		{"apostrophe boundary", "the woman's ID", []string{"woman"}},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range Check(tc.text) {
				got = append(got, tc.text[f.Start:f.End])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) matched %q, want %q (%v)", tc.text, got, tc.want, Check(tc.text))
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	text := "Ela está Grávida."
	fs := Check(text)
	if len(fs) != 1 {
		t.Fatalf("Check(%q) = %v, want one finding", text, fs)
	}
	f := fs[0]
	want := Finding{Term: "gravid*", Category: "pregnancy", Lang: "pt", Start: 10, End: 18}
	if f != want {
		t.Errorf("got %#v, want %#v", f, want)
	}
	if got := text[f.Start:f.End]; got != "Grávida" {
		t.Errorf("offsets give %q", got)
	}
	if s := f.String(); s != `"gravid*" (pregnancy, pt) at 10-18` {
		t.Errorf("String() = %s", s)
	}
}

func TestTermFiles(t *testing.T) {
	for _, l := range []string{"en", "pt", "es", "de"} {
		if !slices.Contains(Languages(), l) {
			t.Errorf("no term file for %s", l)
		}
	}
	seen := map[string]map[string]bool{}
	for _, m := range []map[string][]*pattern{terms.exact, terms.prefix} {
		for _, ps := range m {
			for _, p := range ps {
				if seen[p.lang] == nil {
					seen[p.lang] = map[string]bool{}
				}
				seen[p.lang][p.cat] = true
			}
		}
	}
	for _, l := range []string{"en", "pt", "es", "de"} {
		for _, c := range Categories {
			if !seen[l][c] {
				t.Errorf("%s has no terms for %s", l, c)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, bad := range []string{"nope", "colour\tred", "age\t", "age\tx*", "age\ta*b"} {
		if _, err := parseLine(bad); err == nil {
			t.Errorf("line %q: no error", bad)
		}
	}
}

// parseLine checks one term line the way load does.
func parseLine(line string) ([]word, error) {
	var ws []word
	var err error
	lerr := lines(line, func(n int, line string) error {
		cat, term, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(term) == "" || !slices.Contains(Categories, cat) {
			return os.ErrInvalid
		}
		ws, err = parseWords(term)
		return err
	})
	return ws, lerr
}

type note struct{ label, lang, text string }

func readCorpus(t testing.TB) []note {
	fh, err := os.Open("testdata/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var notes []note
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "label\t") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || (parts[0] != "flag" && parts[0] != "ok") {
			t.Fatalf("corpus.tsv:%d: bad line %q", n, line)
		}
		notes = append(notes, note{parts[0], parts[1], parts[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return notes
}

func TestCorpus(t *testing.T) {
	notes := readCorpus(t)
	if len(notes) < 200 {
		t.Fatalf("corpus has %d notes, want at least 200", len(notes))
	}
	var flags, oks, caught, falseAlarms int
	type stat struct{ flag, caught, ok, fa int }
	per := map[string]*stat{}
	for _, n := range notes {
		s := per[n.lang]
		if s == nil {
			s = &stat{}
			per[n.lang] = s
		}
		fs := Check(n.text)
		if n.label == "flag" {
			flags++
			s.flag++
			if len(fs) > 0 {
				caught++
				s.caught++
			} else {
				t.Logf("miss [%s]: %s", n.lang, n.text)
			}
		} else {
			oks++
			s.ok++
			if len(fs) > 0 {
				falseAlarms++
				s.fa++
				t.Logf("false alarm [%s]: %s -> %v", n.lang, n.text, fs)
			}
		}
	}
	recall := float64(caught) / float64(flags)
	far := float64(falseAlarms) / float64(oks)
	for _, l := range []string{"en", "pt", "es", "de"} {
		if s := per[l]; s != nil {
			t.Logf("%s: caught %d/%d flag notes, %d/%d ok notes flagged", l, s.caught, s.flag, s.fa, s.ok)
		}
	}
	t.Logf("recall %.3f (%d/%d), false-alarm rate %.3f (%d/%d)", recall, caught, flags, far, falseAlarms, oks)
	if recall < 0.95 {
		t.Errorf("recall %.3f < 0.95", recall)
	}
	if far > 0.05 {
		t.Errorf("false-alarm rate %.3f > 0.05", far)
	}
}

func checkInvariants(t *testing.T, text string) {
	fs := Check(text)
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.Start >= f.End || f.End > len(text) {
			t.Fatalf("Check(%q): bad offsets in %v", text, fs)
		}
		if !slices.Contains(Categories, f.Category) || f.Term == "" || f.Lang == "" {
			t.Fatalf("Check(%q): bad finding %#v", text, f)
		}
		if utf8.ValidString(text) && (!utf8.RuneStart(text[f.Start]) || (f.End < len(text) && !utf8.RuneStart(text[f.End]))) {
			t.Fatalf("Check(%q): offsets split a character: %v", text, f)
		}
		prev = f.End
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"", "a", "*", "black-box", "old. man", "Grávida", "gra\u0301vida", "\u0301", "\xff\xfeblack",
		"ÄÖÜß weiß", "İstanbul", "ǅ", "\ufffd pregnant", "She looked too young", "schwarz auf weiß",
		strings.Repeat("old man ", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkInvariants(t, s) })
}

func BenchmarkCheck1000(b *testing.B) {
	var sb strings.Builder
	notes := readCorpus(b)
	for i := 0; sb.Len() < 1000; i++ {
		sb.WriteString(notes[i%len(notes)].text)
		sb.WriteByte(' ')
	}
	text := sb.String()[:1000]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Check(text)
	}
}
