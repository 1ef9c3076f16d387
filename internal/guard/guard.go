package guard

import (
	"embed"
	"fmt"
	"slices"
)

// Categories are the protected characteristics the guard looks for, in the
// order used in the term files and in reports.
var Categories = []string{
	"origin", "ethnicity", "language", "religion", "gender", "sexuality",
	"family", "pregnancy", "age", "health", "disability", "appearance",
}

// categoryNames say each category in the words a refusal uses.
var categoryNames = map[string]string{
	"origin":     "origin or nationality",
	"ethnicity":  "ethnicity or race",
	"language":   "language as a sign of origin (accent, mother tongue)",
	"religion":   "religion",
	"gender":     "sex or gender",
	"sexuality":  "sexual orientation or relationships",
	"family":     "marital or family status",
	"pregnancy":  "pregnancy",
	"age":        "age",
	"health":     "health",
	"disability": "disability",
	"appearance": "appearance",
}

// CategoryName says a category in words, e.g. "origin or nationality".
func CategoryName(category string) string {
	if n, ok := categoryNames[category]; ok {
		return n
	}
	return category
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

//go:embed terms/*.txt allow/*.txt classes/*.txt
var files embed.FS

// preferred is the load order; when the same words are listed in several
// languages, the first language wins. Other files follow alphabetically.
var preferred = []string{"en", "pt", "es", "de"}

var (
	terms *matcher
	allow *matcher
	langs []string
	// contextWords are the classes "org", "aud" and "thing" of every
	// language (see aboutProduct).
	contextWords map[string]wordSet
)

func init() {
	var err error
	terms, allow, langs, err = load(files)
	if err == nil {
		contextWords, err = loadContextWords(files, "org", "aud", "thing")
	}
	if err != nil {
		panic("guard: " + err.Error())
	}
}

// Languages lists the languages that have a term file, in load order.
func Languages() []string { return slices.Clone(langs) }

// Check returns the protected-characteristic terms found in text, in order
// of position, using the allow lists of all languages and the term lists of
// the languages the text may be in (see activeLangs). Findings do not
// overlap. It returns nil when the text is clean.
func Check(text string) []Finding {
	toks := tokenize(text)
	if len(toks) == 0 {
		return nil
	}
	allowed := make([]bool, len(toks))
	for i := range toks {
		allow.each(toks, i, nil, func(p *pattern) {
			for j := range p.elems {
				allowed[i+j] = true
			}
		})
	}
	active := activeLangs(toks)
	// Every match at every position, then the set of matches that do not
	// overlap and cover the most words: so "her baby is due" is read as a
	// pregnancy ("baby is due") rather than a child ("her baby"). Among
	// equal covers the more specific category wins (see specificity).
	cands := make([][]*pattern, len(toks))
	for i := range toks {
		terms.each(toks, i, allowed, func(p *pattern) {
			if active == nil || active[p.lang] {
				cands[i] = append(cands[i], p)
			}
		})
	}
	type step struct {
		weight int
		take   *pattern // nil: skip token i
	}
	best := make([]step, len(toks)+1)
	for i := len(toks) - 1; i >= 0; i-- {
		best[i] = step{weight: best[i+1].weight}
		for _, p := range cands[i] {
			n := len(p.elems)
			w := n*weightPerWord + specificity[p.cat] + best[i+n].weight
			if w > best[i].weight || (w == best[i].weight && best[i].take != nil && n > len(best[i].take.elems)) {
				best[i] = step{weight: w, take: p}
			}
		}
	}
	var out []Finding
	for i := 0; i < len(toks); {
		p := best[i].take
		if p == nil {
			i++
			continue
		}
		n := len(p.elems)
		if !aboutProduct(toks, i, i+n) {
			out = append(out, Finding{
				Term: p.term, Category: p.cat, Lang: p.lang,
				Start: toks[i].start, End: toks[i+n-1].end,
			})
		}
		i += n
	}
	return out
}

// weightPerWord makes the words a cover takes count before specificity.
const weightPerWord = 32

// specificity ranks categories for a tie between covers of equal length:
// the narrower reading first ("small baby bump" is a pregnancy before it
// is a small child; "senhora idosa" is an age before it is a gender).
var specificity = map[string]int{
	"pregnancy": 12, "sexuality": 11, "disability": 10, "health": 9, "ethnicity": 8, "origin": 7,
	"language": 6, "religion": 5, "age": 4, "appearance": 3, "family": 2, "gender": 1,
}

// FoundCategories lists the distinct categories of findings, in the order
// they first appear.
func FoundCategories(found []Finding) []string {
	var cats []string
	for _, f := range found {
		if !slices.Contains(cats, f.Category) {
			cats = append(cats, f.Category)
		}
	}
	return cats
}
