package guard

import (
	"bufio"
	"fmt"
	"maps"
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
		{"class", "asked about her wedding", []string{"her wedding"}},
		{"number", "he is in his 50s", []string{"in his 50s"}},
		{"number, not an ordinal", "in her 3rd year at the agency", nil},
		{"optional word", "in her late fifties", []string{"in her late fifties"}},
		{"sentence start", "Over 50, slow with tools", []string{"Over 50"}},
		{"not at sentence start", "handled over 50 tickets", nil},
		{"comma after", "Tiny, the camera caught only his forehead", []string{"Tiny"}},
		{"no comma after", "Tiny fix in the CSS", nil},
		{"best cover", "Her baby is due in May", []string{"baby is due"}},
		{"about a product", "worked for a disability insurance provider", nil},
		{"about a product, Portuguese", "fez o app de uma empresa de cuidado de idosos", nil},
		{"not a product", "the freelancer is disabled", []string{"disabled"}},
		{"product three words on", "designed an elderly-care booking app", nil},
		{"about an audience", "native-speaker reviewers checked the copy", nil},
		{"about an audience, Portuguese", "mapas para leitores daltônicos", nil},
		{"a pronoun starts a statement", "told a client she is expecting", []string{"she is expecting"}},
		{"a comma ends the product", "um app de entregas, mãe solo", []string{"mãe solo"}},
		{"a thing's age", "the account's age is two years", nil},
		{"age of a thing", "idade da conta: dois anos", nil},
		{"accounts standing for people", "contas masculinas têm menos disputas", []string{"masculinas"}},
		{"language guessed", "Corrigiu os acentos nos nomes dos arquivos", nil},
		{"location is not origin", "Location: Recife, Brasil", nil},
		{"nationality about a person", "She is Nigerian", []string{"She is Nigerian"}},
		{"nationality about a company", "Works for a Nigerian fintech", nil},
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
	cls := classes{"poss": {{s: "his"}, {s: "her"}}}
	for _, bad := range []string{"nope", "colour\tred", "age\t", "age\tx*", "age\ta*b", "age\t@nope old",
		"age\tvery? old?", "age\ta? b? c? d? e? f", "age\t^"} {
		if _, err := parseLine(bad, cls); err == nil {
			t.Errorf("line %q: no error", bad)
		}
	}
	for _, good := range []string{"age\t@poss age", "age\tin @poss <num> s?", "age\tover <num>", "age\t^ over <num>"} {
		if _, err := parseLine(good, cls); err != nil {
			t.Errorf("line %q: %v", good, err)
		}
	}
}

// parseLine checks one term line the way load does.
func parseLine(line string, cls classes) ([]*pattern, error) {
	var variants []*pattern
	err := lines(line, func(n int, line string) error {
		cat, term, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(term) == "" || !slices.Contains(Categories, cat) {
			return os.ErrInvalid
		}
		var err error
		variants, err = parsePhrase(term, cls)
		return err
	})
	return variants, err
}

// note is one labelled line of a corpus file.
type note struct {
	cats []string // the categories a refusal may name; nil for "none"
	lang string
	text string
	line int
}

// readCorpus reads testdata/<name>: category<TAB>lang<TAB>text lines, where
// category is "none", one of Categories, or several joined by "|".
func readCorpus(t testing.TB, name string) []note {
	fh, err := os.Open("testdata/" + name)
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
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "category\t") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || parts[2] == "" {
			t.Fatalf("%s:%d: want category<TAB>lang<TAB>text, got %q", name, n, line)
		}
		nt := note{lang: parts[1], text: parts[2], line: n}
		if parts[0] != "none" {
			nt.cats = strings.Split(parts[0], "|")
			for _, c := range nt.cats {
				if !slices.Contains(Categories, c) {
					t.Fatalf("%s:%d: unknown category %q", name, n, c)
				}
			}
		}
		notes = append(notes, nt)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return notes
}

// score holds a corpus's figures: protected notes caught (and of those, the
// ones whose refusal names the labelled category), innocent notes refused.
type score struct {
	protected, caught, named int
	innocent, refused        int
}

func (s score) recall() float64      { return ratio(s.caught, s.protected) }
func (s score) falseAlarms() float64 { return ratio(s.refused, s.innocent) }
func (s score) naming() float64      { return ratio(s.named, s.caught) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s score) String() string {
	return fmt.Sprintf("recall %.3f (%d/%d), false alarms %.3f (%d/%d), category named %.3f (%d/%d)",
		s.recall(), s.caught, s.protected, s.falseAlarms(), s.refused, s.innocent, s.naming(), s.named, s.caught)
}

// measure checks every note and reports each miss, false alarm and wrongly
// named category with t.Logf; it returns the figures overall, per
// language and per labelled category.
func measure(t *testing.T, name string, notes []note) (all score, byLang, byCat map[string]*score) {
	byLang, byCat = map[string]*score{}, map[string]*score{}
	get := func(m map[string]*score, k string) *score {
		if m[k] == nil {
			m[k] = &score{}
		}
		return m[k]
	}
	for _, n := range notes {
		found := Check(n.text)
		named := FoundCategories(found)
		ss := []*score{&all, get(byLang, n.lang)}
		if n.cats == nil {
			ss = append(ss, get(byCat, "none"))
		} else {
			ss = append(ss, get(byCat, n.cats[0]))
		}
		for _, s := range ss {
			switch {
			case n.cats == nil:
				s.innocent++
				if len(found) > 0 {
					s.refused++
				}
			default:
				s.protected++
				if len(found) > 0 {
					s.caught++
					if slices.ContainsFunc(n.cats, func(c string) bool { return slices.Contains(named, c) }) {
						s.named++
					}
				}
			}
		}
		switch {
		case n.cats == nil && len(found) > 0:
			t.Logf("%s:%d false alarm [%s]: %s -> %v", name, n.line, n.lang, n.text, found)
		case n.cats != nil && len(found) == 0:
			t.Logf("%s:%d miss [%s %s]: %s", name, n.line, n.lang, strings.Join(n.cats, "|"), n.text)
		case n.cats != nil && !slices.ContainsFunc(n.cats, func(c string) bool { return slices.Contains(named, c) }):
			t.Logf("%s:%d wrong category [%s %s]: %s -> %v", name, n.line, n.lang, strings.Join(n.cats, "|"), n.text, found)
		}
	}
	for _, l := range slices.Sorted(maps.Keys(byLang)) {
		t.Logf("%s %s: %v", name, l, byLang[l])
	}
	for _, c := range append(slices.Clone(Categories), "none") {
		if s := byCat[c]; s != nil {
			t.Logf("%s %-10s: %v", name, c, s)
		}
	}
	t.Logf("%s overall: %v", name, all)
	return all, byLang, byCat
}

// TestTuning reports the figures on the tuning set, the notes the lists are
// tuned on. They say little about other notes; TestHeldOut does.
func TestTuning(t *testing.T) {
	notes := readCorpus(t, "tuning.tsv")
	if len(notes) < 600 {
		t.Fatalf("tuning.tsv has %d notes, want at least 600", len(notes))
	}
	all, _, _ := measure(t, "tuning", notes)
	if all.recall() < 0.95 || all.falseAlarms() > 0.05 || all.naming() < 0.95 {
		t.Errorf("tuning set: %v; want recall >= 0.95, false alarms <= 0.05, category named >= 0.95", all)
	}
}

// The issue's bar for the held-out figures, and the figures measured on
// the current batch (docs/GUARD.md). The test fails below the bar, and
// below what was measured, so that a change made for another reason cannot
// make them worse unnoticed. Never tune on heldout.tsv to better them:
// write a new batch.
const (
	targetRecall      = 0.90
	targetFalseAlarms = 0.05
	measuredRecall    = 0.937 // 135/144, batch 5 after round 5
	measuredFalse     = 0.031 // 4/130, batch 5 after round 5
	measuredNaming    = 0.98  // 133/135, batch 5 after round 5
)

// TestHeldOut measures the guard on notes written apart from the tuning set
// and before the last change to the lists (see the header of
// testdata/heldout.tsv): the figures docs/GUARD.md quotes. Run it with -v to
// see them.
func TestHeldOut(t *testing.T) {
	notes := readCorpus(t, "heldout.tsv")
	if len(notes) < 150 {
		t.Fatalf("heldout.tsv has %d notes, want at least 150", len(notes))
	}
	all, byLang, _ := measure(t, "heldout", notes)
	for _, l := range []string{"en", "pt"} {
		if s := byLang[l]; s == nil || s.protected < 50 || s.innocent < 40 {
			t.Errorf("held-out %s: %v, want at least 50 protected and 40 innocent notes", l, s)
		}
	}
	if all.recall() < targetRecall || all.falseAlarms() > targetFalseAlarms {
		t.Errorf("held-out figures miss the bar (recall >= %.2f, false alarms <= %.2f): %v",
			targetRecall, targetFalseAlarms, all)
	}
	if all.recall() < measuredRecall {
		t.Errorf("held-out recall %.3f fell below the measured %.3f", all.recall(), measuredRecall)
	}
	if all.falseAlarms() > measuredFalse {
		t.Errorf("held-out false alarms %.3f rose above the measured %.3f", all.falseAlarms(), measuredFalse)
	}
	if all.naming() < measuredNaming {
		t.Errorf("held-out: the refusal names the labelled category for %.3f of caught notes, below the measured %.3f",
			all.naming(), measuredNaming)
	}
}

// The issue's own outside examples: what the old guard let through, refused
// or mislabelled. They are in tuning.tsv too; this names the category.
func TestIssueExamples(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Her boyfriend was in the room during the call.", "sexuality"},
		{"Barely out of high school, yet claims eight years of experience.", "age"},
		{"Mentioned chemotherapy, said she tires quickly.", "health"},
		{"Nigerian way of speaking, hard to follow at times.", "language"},
		{"Where are you originally from?", "origin"},
		{"What is your nationality?", "origin"},
		{"Where were you born?", "origin"},
		{"Are you married?", "family"},
		{"What is your mother tongue?", "language"},
		{"gender", "gender"},
		{"female", "gender"},
		{"women over 50 are checked more often", "age"},
		{"Built a colour-blind-friendly dashboard for the ops team.", ""},
		{"Recife, Brasil", ""},
		{"location", ""},
	}
	for _, tc := range tests {
		cats := FoundCategories(Check(tc.text))
		if tc.want == "" && cats != nil || tc.want != "" && !slices.Contains(cats, tc.want) {
			t.Errorf("Check(%q) names %v, want %q", tc.text, cats, tc.want)
		}
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
	notes := readCorpus(b, "tuning.tsv")
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
