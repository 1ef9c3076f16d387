package i18n

import (
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/verification"
)

// Every language says the whole script: the consent of each kind of call,
// each challenge, and every word a phrase may hold, one word each, the
// same list in every language and no word twice, so that a phrase read in
// one language translates back word for word.
func TestEveryLanguageSaysTheScript(t *testing.T) {
	words := verification.PhraseWords()
	keys := []string{"script.consent." + string(verification.ModeVideo), "script.consent." + string(verification.ModeAudio)}
	for _, key := range verification.ChallengeKeys() {
		keys = append(keys, "script.challenge."+key)
	}
	for _, w := range words {
		keys = append(keys, "script.word."+w)
	}
	for _, c := range All() {
		for _, key := range keys {
			if !c.Has(key) || strings.TrimSpace(c.Raw(key)) == "" {
				t.Errorf("%s does not say %q", c.Tag, key)
			}
		}
		var list []string
		for _, key := range c.Keys() {
			if w, ok := strings.CutPrefix(key, "script.word."); ok {
				if !slices.Contains(words, w) {
					t.Errorf("%s has the word %q, which no phrase holds", c.Tag, key)
				}
				list = append(list, c.Text(key))
			}
		}
		if len(list) != len(words) {
			t.Errorf("%s has %d words, want %d", c.Tag, len(list), len(words))
		}
		for i, said := range list {
			if said == "" || strings.ContainsAny(said, " {}<>") || slices.Contains(list[:i], said) {
				t.Errorf("%s word %q: want one word, said once", c.Tag, said)
			}
		}
		if !strings.Contains(c.Raw("script.challenge.read_phrase"), "{phrase}") {
			t.Errorf("%s read_phrase does not show the phrase: %q", c.Tag, c.Raw("script.challenge.read_phrase"))
		}
	}
}

// The phrase and the challenges read in the catalog's own words.
func TestScriptInItsLanguage(t *testing.T) {
	pt := Match("pt-BR")
	words := []string{"river", "apple", "seven"}
	tests := []struct {
		got, want string
	}{
		{pt.Phrase(words), "rio maçã sete"},
		{English.Phrase(words), "river apple seven"},
		{string(pt.Challenge("read_phrase", words)), "Leia estas palavras em voz alta: <strong>rio maçã sete</strong>"},
		{string(English.Challenge("read_phrase", words)), "Read these words aloud: <strong>river apple seven</strong>"},
		{string(pt.Challenge("turn_head", nil)), "Vire a cabeça devagar para a esquerda e depois para a direita."},
		{string(pt.Consent(string(verification.ModeAudio))), "Esta chamada não é gravada. Vamos conferir o documento de identidade que você enviou e fazer algumas perguntas sobre o seu perfil. Leva cerca de três minutos. Tudo bem para você?"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
