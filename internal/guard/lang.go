package guard

// Which term lists apply to a text. Every list applies to a text whose
// language cannot be told (a claim value such as "Sexo: F"); otherwise
// English (notes mix in English technical words) and the languages whose
// function words the text uses, so that a Spanish term does not fire on the
// Portuguese word it resembles ("acentos": accents in Spanish, accent marks
// in Portuguese). Allow phrases of every language always apply: they only
// ever let words through.

// functionWords are frequent words of each language, in their normalised
// form (lower case, diacritics folded), that the other languages do not
// use: words Portuguese and Spanish share ("para", "que", "de") tell
// nothing and are not listed.
var functionWords = map[string][]string{
	"en": {"the", "and", "is", "was", "of", "to", "with", "for", "his", "her", "she", "he", "not", "but",
		"are", "you", "did", "have", "has", "from", "this", "that", "they", "it", "at", "by", "were", "be"},
	"pt": {"nao", "voce", "e", "uma", "um", "com", "pelo", "pela", "dele", "dela", "mas", "tambem",
		"muito", "isso", "essa", "esse", "ao", "do", "da", "dos", "das", "em", "os", "foi", "tem", "sao",
		"seu", "sua", "num", "numa", "ela", "ele", "estava", "mostrou", "ja", "so", "o", "a", "as",
		"esteve", "sem", "nos", "na", "no"},
	"es": {"el", "los", "las", "del", "y", "una", "con", "pero", "muy", "es", "su", "sus", "lo",
		"al", "usted", "tiene", "fue", "hay", "ella", "estaba", "ya", "un", "en", "sin"},
	"de": {"der", "die", "das", "und", "ist", "nicht", "ein", "eine", "mit", "zu", "auf", "den", "dem",
		"sie", "er", "ich", "hat", "war", "im", "vom", "zum", "bei", "aber", "auch", "sehr"},
}

var functionLangs = func() map[string][]string {
	m := map[string][]string{}
	for lang, words := range functionWords {
		for _, w := range words {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

// activeLangs returns the languages whose terms apply to toks, or nil for
// all of them: English and every language with a function word in the
// text; only English when English alone shows; all when none does.
func activeLangs(toks []token) map[string]bool {
	score := map[string]int{}
	for _, t := range toks {
		for _, l := range functionLangs[t.s] {
			score[l]++
		}
	}
	active := map[string]bool{"en": true}
	for l, n := range score {
		if l != "en" && n > 0 {
			active[l] = true
		}
	}
	if len(active) == 1 && score["en"] < 2 {
		return nil
	}
	return active
}
