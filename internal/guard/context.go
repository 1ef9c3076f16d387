package guard

import "slices"

// A protected word that names what a product or an organisation is for is
// not about the person a note is about: a freelancer who built "a
// disability insurance provider's portal" said nothing about anyone's
// disability.

// aboutProduct reports whether the words toks[i:j] describe a product or
// an organisation rather than a person: "a disability insurance provider",
// "a pregnancy-care startup", "uma empresa de cuidado de idosos", "a
// Universidade Católica". English puts the organisation after the words
// (within two, no preposition between), Portuguese and Spanish before
// them, next to them or joined by a preposition within four. The
// organisation words are the class "org" of every classes/<lang>.txt.
func aboutProduct(toks []token, i, j int) bool {
	for k := j; k < len(toks) && k < j+2; k++ {
		if toks[k].brk || orgGaps[toks[k].s] {
			break
		}
		if isOrg(toks[k].s) {
			return true
		}
	}
	for k := i - 1; k >= 0 && k >= i-4; k-- {
		if toks[k+1].brk {
			break
		}
		if isOrg(toks[k].s) && (k == i-1 || orgLinks[toks[k+1].s]) {
			return true
		}
	}
	return false
}

// orgGaps are the words that end the search for an organisation after the
// listed words: "pregnancy-care startup" is about the startup, "a gravidez
// nas redes sociais" is not about the networks.
var orgGaps = map[string]bool{
	"in": true, "on": true, "at": true, "to": true, "for": true, "of": true, "the": true, "a": true, "an": true,
	"from": true, "with": true, "by": true, "em": true, "no": true, "na": true, "nos": true, "nas": true,
	"do": true, "da": true, "dos": true, "das": true, "de": true, "para": true, "com": true, "ao": true,
	"por": true, "pelo": true, "pela": true, "e": true, "and": true,
}

// orgLinks are the prepositions that join an organisation to what it is
// for: "empresa de …", "app para …".
var orgLinks = map[string]bool{"de": true, "do": true, "da": true, "dos": true, "das": true, "para": true, "del": true}

func isOrg(s string) bool {
	return slices.ContainsFunc(orgWords, func(w word) bool { return w.matches(s) })
}
