package guard

import "slices"

// A protected word that names what a product or an organisation is for is
// not about the person a note is about: a freelancer who built "a
// disability insurance provider's portal" said nothing about anyone's
// disability.

// aboutProduct reports whether the words toks[i:j] describe a product, an
// organisation, an audience or a thing rather than the person a note is
// about: "a disability insurance provider", "an elderly-care booking app",
// "uma empresa de cuidado de idosos", "leitores daltônicos",
// "native-speaker reviewers", "the account's age", "idade da conta". A
// match that starts with a pronoun ("she is expecting") is about a person.
// English puts the organisation after the words (within three, no
// preposition between), Portuguese and Spanish before them, next to them or
// joined by a preposition within six. A comma or a verb that starts
// another statement ends the search: "um app de entregas, mãe solo" is
// about a mother. The words are the classes "org", "aud" and "thing" of
// every classes/<lang>.txt.
func aboutProduct(toks []token, i, j int) bool {
	if subjects[toks[i].s] {
		return false // "told a client she is expecting" is about her
	}
	for k := j; k < len(toks) && k < j+3; k++ {
		if toks[k].brk || toks[k].comma || orgGaps[toks[k].s] {
			break
		}
		if isOrg(toks[k].s) || isAudience(toks[k].s) {
			return true
		}
	}
	for k := i - 1; k >= 0 && k >= i-6; k-- {
		if toks[k+1].brk || toks[k+1].comma || orgStops[toks[k].s] {
			break
		}
		if (isOrg(toks[k].s) || isAudience(toks[k].s)) && (k == i-1 || orgLinks[toks[k+1].s]) {
			return true
		}
	}
	return ofAThing(toks, i, j)
}

// ofAThing reports whether toks[i:j] is said of a thing: "the account's
// age", "age of the account", "idade da conta". Identity documents are not things here: "the passport's date of
// birth" is about the person.
func ofAThing(toks []token, i, j int) bool {
	if i >= 1 && !toks[i].brk {
		prev := i - 1
		// "the account's age" ("account", "s", "age"); not "contas
		// masculinas", where the accounts stand for people.
		if toks[prev].s == "s" && prev >= 1 && !toks[prev].brk && isThing(toks[prev-1].s) {
			return true
		}
	}
	if j < len(toks) && !toks[j].brk && thingLinks[toks[j].s] {
		k := j + 1
		if k < len(toks) && (toks[k].s == "the" || toks[k].s == "a" || toks[k].s == "an" || toks[k].s == "this" || toks[k].s == "that") {
			k++
		}
		if k < len(toks) && !toks[k].brk && isThing(toks[k].s) {
			return true
		}
	}
	return false
}

// subjects start a statement about a person.
var subjects = map[string]bool{
	"he": true, "she": true, "they": true, "you": true, "ele": true, "ela": true, "eles": true, "elas": true, "voce": true,
}

// thingLinks join a thing to what is said of it: "age of the account",
// "idade da conta".
var thingLinks = map[string]bool{"of": true, "da": true, "do": true, "das": true, "dos": true, "de": true, "del": true}

// orgStops end the search for an organisation before the listed words:
// what follows them is a new statement about someone ("an app for
// deliveries, she is a single mother").
var orgStops = map[string]bool{
	"is": true, "was": true, "has": true, "had": true, "she": true, "he": true, "who": true,
	"tem": true, "foi": true, "era": true, "esta": true, "ela": true, "ele": true, "que": true,
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

func isOrg(s string) bool      { return contextWords["org"].has(s) }
func isAudience(s string) bool { return contextWords["aud"].has(s) }
func isThing(s string) bool    { return contextWords["thing"].has(s) }

// wordSet is the words of one class across every language.
type wordSet []word

func (ws wordSet) has(s string) bool {
	return slices.ContainsFunc(ws, func(w word) bool { return w.matches(s) })
}
