package i18n

import (
	"html/template"
	"strings"
)

// The call's script in the freelancer's language: what they agree to at the
// start, and what the live check asks of them. The agent sees the same
// words, and the same from the English catalog beside them.
//
// A phrase to read aloud is stored as word keys (verification.PhraseWords),
// and each catalog says every word: "script.word.river" is "rio" in
// pt-BR. A translator gives each the shortest everyday word for it, the
// same for every region that speaks the language (no word that one region
// names differently or finds hard to say), and no word twice, so that the
// agent's English reads back word for word. TestEveryLanguageSaysTheScript
// holds each catalog to the whole list.

// Consent is what the freelancer agrees to at the start of a call in mode
// ("video_call", "audio_call"): "script.consent." and the mode.
func (c *Catalog) Consent(mode string) template.HTML {
	return c.HTML("script.consent." + mode)
}

// Identity is how the agent asks for the ID in a call in mode: shown to
// the camera in a video call, read aloud from the document sent in an
// audio-only one ("script.identity." and the mode).
func (c *Catalog) Identity(mode string) template.HTML {
	return c.HTML("script.identity." + mode)
}

// Challenge is what one live-check challenge asks of the freelancer:
// "script.challenge." and its key, with the phrase's words for read_phrase.
func (c *Catalog) Challenge(key string, words []string) template.HTML {
	return c.HTML("script.challenge."+key, "phrase", c.Phrase(words))
}

// ChallengeText is Challenge as plain text, for a page's script to show.
func (c *Catalog) ChallengeText(key string, words []string) string {
	return c.Text("script.challenge."+key, "phrase", c.Phrase(words))
}

// Phrase is a phrase to read aloud in the catalog's words: each of words is
// a key of the word list, said by "script.word." and the key.
func (c *Catalog) Phrase(words []string) string {
	said := make([]string, len(words))
	for i, w := range words {
		said[i] = c.Text("script.word." + w)
	}
	return strings.Join(said, " ")
}
