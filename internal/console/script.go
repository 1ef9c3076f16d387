package console

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

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

// Challenge is a live check that replayed or synthetic video cannot pass easily.
type Challenge struct {
	Key         string `json:"key"`
	Instruction string `json:"instruction"`
}

var phraseWords = []string{"river", "orange", "seven", "window", "garden", "silver", "morning", "twelve",
	"yellow", "bridge", "candle", "forest", "harbour", "thirty", "pepper", "meadow"}

// challengesFor picks one or two live challenges for a call. The choice is
// random but seeded from the call's id (itself random), so a reloaded
// console shows the same challenges.
func challengesFor(callID string) []Challenge {
	h := fnv.New64a()
	h.Write([]byte(callID))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	phrase := fmt.Sprintf("%s %s %s", phraseWords[r.IntN(len(phraseWords))], phraseWords[r.IntN(len(phraseWords))], phraseWords[r.IntN(len(phraseWords))])
	all := []Challenge{
		{"turn_head", "Ask them to turn their head slowly to the left, then to the right."},
		{"tilt_id", "Ask them to tilt the ID towards the light, so that its surface catches it."},
		{"read_phrase", fmt.Sprintf("Ask them to read this phrase aloud: “%s”.", phrase)},
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:1+r.IntN(2)]
}
