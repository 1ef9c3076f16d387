// Package guard keeps notes about people to the evidence: it finds words
// about protected characteristics in what staff write, so that they rewrite
// before saving.
//
// # Term lists
//
// The terms live in embedded text files terms/<lang>.txt (en, pt, es, de,
// and any other file added there). Each non-blank line that does not start
// with '#' is
//
//	category<TAB>term
//
// where category is one of [Categories]. A term is one or more words. A word
// ending in '*' matches any word that starts with it ("pregnan*" matches
// "pregnant" and "pregnancy"); the part before the '*' must be at least
// three letters long after normalisation. All other words match whole words
// only, so "age" does not match "page", "agenda" or "managed", and "black"
// does not match "blackboard" or "Blackwell".
//
// # Normalisation
//
// Text and terms are normalised the same way: lower-cased, Latin letters
// with diacritics folded to their base letter (ã→a, ç→c, ü→u, ñ→n; ß→ss,
// æ→ae, œ→oe, ø→o), combining marks dropped (so decomposed "é" folds too),
// and every character that is neither a letter nor a digit (spaces,
// punctuation, hyphens, apostrophes, symbols) treated as a word boundary.
// "Grávida", "GRAVIDA" and "gra\u0301vida" all match the term "grávida";
// "good-looking" matches the term "good looking". A multi-word term does not
// match across a sentence break (. ! ? ; : or a line break), so "…old. Man
// page…" is not "old man". Findings report byte offsets into the original,
// un-normalised text.
//
// # Allow-lists
//
// Some phrases contain a listed word but are harmless in a verification note:
// "black-box testing", "white paper", "race condition", "man page",
// "accent colour", "documento em preto e branco", "schwarz auf weiß". They
// are listed, one phrase per line with '#' comments, in allow/<lang>.txt,
// using the same word syntax and normalisation as terms (a trailing '*' is a
// prefix). Allow-listing works in two passes over the normalised words of
// the text:
//
//  1. Every occurrence of every allow phrase (from all languages) is found,
//     and the words it covers are marked allowed.
//  2. Terms are matched left to right, longest term first at each position;
//     a term matches only if none of the words it would cover is allowed.
//
// So an allow phrase never hides anything outside its own words: in
// "black-box tests by a black woman" only the first "black" is allowed. An
// allow phrase should be as specific as possible; a term that needs an
// exception wider than a fixed phrase should instead be listed only in the
// phrases that are clearly about a person (e.g. "old man", "looked young"
// rather than "old" or "young").
//
// # Deliberate omissions
//
// Pronouns (he, she, ela, er, sie) and English honorifics (Mr, Ms) are not
// flagged: they would fire on almost every note. Nationality and language
// adjectives ("Chinese", "Indian", "árabe") are not flagged because
// translators' and degree evidence names them legitimately ("translates
// Chinese", "Indian Institute of Technology"). Bare colour words that are
// mostly about objects in a language (Portuguese "preto", German "weiß",
// which is also "knows") are listed only where they are unambiguous or
// guarded by allow phrases. See the corpus test for measured recall and
// false-alarm rates.
package guard
