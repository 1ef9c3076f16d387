package console

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/attest-dev/attest/internal/verification"
)

// Questions suggests what to ask about a claim, by its kind. They ask about
// the work and the facts, never about the person.
var Questions = map[verification.ClaimKind][]string{
	verification.KindIdentity: {
		"Please hold your ID document up to the camera so that I can read the name.",
		"Is the name on your profile the one on your ID?",
	},
	verification.KindLocation: {
		"Which city do you usually work from?",
		"How long have you worked from there?",
		"Roughly what time is it where you are now?",
	},
	verification.KindSkill: {
		"Tell me about a recent project where you used this.",
		"What was the hardest part of it, and how did you solve it?",
		"Which tools do you use most for this work?",
	},
	verification.KindEducation: {
		"Where and when did you study?",
		"What was your main subject?",
		"Could you upload the certificate after the call?",
	},
	verification.KindEmployment: {
		"What was your role there?",
		"What did a normal week of work look like?",
		"What kind of team did you work in?",
	},
	verification.KindOther: {
		"Could you tell me a little more about this part of your profile?",
	},
}

// questionsFor returns the suggestions for a claim; a claim without a kind
// gets the general one.
func questionsFor(kind verification.ClaimKind) []string {
	if q, ok := Questions[kind]; ok {
		return q
	}
	return Questions[verification.KindOther]
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
