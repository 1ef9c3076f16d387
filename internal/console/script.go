package console

import (
	"fmt"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// questionsByKind groups the stored question templates by claim kind, in
// their order, for a call script.
func questionsByKind(list []*store.QuestionTemplate) map[verification.ClaimKind][]string {
	byKind := map[verification.ClaimKind][]string{}
	for _, q := range list {
		byKind[q.Kind] = append(byKind[q.Kind], q.Text)
	}
	return byKind
}

// questionsFor returns the suggestions for a claim; a claim without a kind,
// or of a kind with no questions, gets the general ones.
func questionsFor(byKind map[verification.ClaimKind][]string, kind verification.ClaimKind) []string {
	if q, ok := byKind[kind]; ok {
		return q
	}
	return byKind[verification.KindOther]
}

// Challenge is a live-check challenge of the call with what the agent asks.
type Challenge struct {
	Key         string
	Instruction string
}

// instructions word each challenge for the agent.
var instructions = map[string]string{
	"turn_head":   "Ask them to turn their head slowly to the left, then to the right.",
	"tilt_id":     "Ask them to tilt the ID towards the light, so that its surface catches it.",
	"read_phrase": "Ask them to read this phrase aloud: “%s”.",
}

// challengesFor words the call's live check, which the domain chooses
// (verification.Challenges) so that the decision checks the same ones.
func challengesFor(mode verification.Mode, callID string) []Challenge {
	var out []Challenge
	for _, c := range verification.Challenges(mode, callID) {
		text := instructions[c.Key]
		if c.Phrase != "" {
			text = fmt.Sprintf(text, c.Phrase)
		}
		out = append(out, Challenge{Key: c.Key, Instruction: text})
	}
	return out
}
