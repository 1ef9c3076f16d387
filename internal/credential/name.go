package credential

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameTokens is a name as attest compares it: the words of the name,
// each folded so that how it was typed does not matter, sorted so that the
// order of names does not either.
//
//   - compatibility forms and accents are folded: Unicode NFKD, then every
//     combining mark dropped ("José" is "jose", "ｊｏｓé" too);
//   - letters with no decomposition are spelled out the way they are
//     written without them: ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ → d,
//     ð → d, þ → th, ı → i;
//   - case is folded (lower case);
//   - apostrophes and similar marks join what they separate ("O'Brien" is
//     "obrien"); every other character that is not a letter or a digit
//     separates words (spaces, commas, hyphens, dots);
//   - the words are sorted: "SILVA, JOSE DA" and "José da Silva" have the
//     same tokens.
//
// Nothing else is forgiven: a missing or extra word, or one letter
// different, is another name, and a person decides.
func NameTokens(name string) []string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark: the accent of the letter before
		case isJoiner(r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if s, ok := spelled[unicode.ToLower(r)]; ok {
				b.WriteString(s)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	slices.Sort(words)
	return words
}

// spelled are letters NFKD leaves whole, as written without their marks.
var spelled = map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i"}

// isJoiner reports marks inside a word: apostrophes of every kind.
func isJoiner(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '´'
}

// SameName reports whether two names are the same by NameTokens.
func SameName(a, b string) bool {
	ta, tb := NameTokens(a), NameTokens(b)
	return len(ta) > 0 && slices.Equal(ta, tb)
}
