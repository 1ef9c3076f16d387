// Package guard keeps what staff write and what the marketplace sends to the
// evidence: it finds words about protected characteristics, so that a note,
// a question template, a claim or a verification reason that touches one is
// refused, naming the category, before anything is saved.
//
// # Categories
//
// [Categories] are origin and nationality, ethnicity and race, language as
// a sign of origin (accent, mother tongue), religion, sex and gender, sexual
// orientation and relationships, marital and family status, pregnancy, age
// and its proxies ("barely out of high school"), health, disability and
// appearance. [CategoryName] says each in the words a refusal uses. Term
// lists exist for English and Portuguese (the two measured languages) and
// for Spanish and German.
//
// # Term lists
//
// The terms live in embedded text files terms/<lang>.txt. Each non-blank
// line that does not start with '#' is
//
//	category<TAB>term
//
// where category is one of [Categories]. A term is a sequence of:
//
//   - words, matched whole: "age" does not match "page" or "managed";
//   - prefixes, a word ending in '*' ("pregnan*" matches "pregnant" and
//     "pregnancy"), at least three letters long after normalisation;
//   - classes, @name: any word of the class name in classes/<lang>.txt
//     ("@poss wedding" matches "her wedding" and "his wedding"; a class
//     file line is name<TAB>word word…, and a name on several lines
//     collects all their words);
//   - <num>: any number ("50", "50s", "1961");
//   - ",": the word before must be followed by a comma (or the end of the
//     sentence), as in the telegraphic "Tiny, …";
//
// any element but "," may end in '?' to make it optional (at most four per
// line), and a leading "^" anchors the term to the start of a sentence
// ("^ over <num>" matches "Over 50, probably slow"). A multi-word term does
// not match across a sentence break (. ! ? ; : or a line break).
//
// # Normalisation
//
// Text and terms are normalised the same way: lower-cased, Latin letters
// with diacritics folded to their base letter (ã→a, ç→c, ü→u, ñ→n; ß→ss,
// æ→ae, œ→oe, ø→o), combining marks dropped (so decomposed "é" folds too),
// and every character that is neither a letter nor a digit treated as a word
// boundary. "Grávida", "GRAVIDA" and "gra\u0301vida" all match "grávida";
// "good-looking" matches "good looking". Findings report byte offsets into
// the original text.
//
// # How a text is read
//
//  1. Allow phrases (allow/<lang>.txt, the term syntax without a category)
//     of every language mark the words they cover as allowed: "race
//     condition", "black-box", "gender-neutral", "chave estrangeira",
//     "<num> anos de" (years of experience). An allow phrase never hides
//     anything outside its own words.
//  2. The term lists that apply are English's and those of the languages
//     whose function words the text uses, or all of them when no language
//     shows (see activeLangs): a Spanish term does not fire on the
//     Portuguese word it resembles.
//  3. Every term match that covers no allowed word is a candidate; the
//     findings are the candidates that do not overlap and cover the most
//     words, the more specific category winning a tie ("her baby is due"
//     is a pregnancy, not a child).
//  4. A finding said of something other than the person is dropped: an
//     organisation or product (class "org": "a disability insurance
//     provider", "uma empresa de cuidado de idosos"), an audience (class
//     "aud": "native-speaker reviewers", "leitores daltônicos") or a thing
//     (class "thing": "the account's age", "idade da conta"); a finding
//     that starts with a pronoun ("she is expecting") never is (see
//     aboutProduct).
//
// # Refusals
//
// [CheckNote], [CheckQuestion], [CheckProfile] and [CheckRequest] turn
// findings into a *verification.RuleError with code [Code], the field (a
// JSON path such as "claims[0].value" or "reason.explanation") and a message
// naming every category found and the words that matched ([Describe]).
// internal/workflow calls them for every free text staff write and for
// every profile and verification the marketplace sends; the API answers
// 422.
//
// # Measured, not assumed
//
// testdata/tuning.tsv holds the notes the lists are tuned on;
// testdata/heldout.tsv a batch written apart, before the last change, that
// is never used to tune. TestHeldOut reports recall, false alarms and how
// often the refusal names the labelled category, per language and per
// category; docs/GUARD.md records the figures and how they were obtained.
//
// # Deliberate omissions
//
// Pronouns (he, she, ela, er, sie) and honorifics (Mr, Ms) are not flagged:
// they would fire on almost every note. Nationality and language adjectives
// ("Chinese", "Indian", "árabe") and country names are flagged only in
// phrases about a person ("she is Nigerian", "freelancers from Pakistan"),
// because translators', employers' and degrees' evidence names them
// legitimately ("translates Chinese", "Indian Institute of Technology"), and
// a claim's location ("Recife, Brasil") is what attest verifies. Words
// mostly about objects ("old", "native", "married" the datasets) are listed
// only in phrases about a person.
package guard
