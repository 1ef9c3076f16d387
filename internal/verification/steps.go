package verification

import (
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Mode is how a case is worked: a video call, an audio-only call, or a
// review of documents without any call. Each mode has its own required
// steps, so that no accommodation is a way around a check.
type Mode string

const (
	ModeVideo     Mode = "video_call"
	ModeAudio     Mode = "audio_call"
	ModeDocuments Mode = "document_review"
)

// Mode is how the case is being worked, from the accommodation chosen.
func (v *Verification) Mode() Mode {
	switch v.Accommodation {
	case AudioOnly:
		return ModeAudio
	case DocumentReview:
		return ModeDocuments
	}
	return ModeVideo
}

// Step names one check of the script. The values are stored and shown to
// staff; the live check's challenges are "challenge_" and the challenge's key.
const (
	// StepConsent: the freelancer agreed to the call (or, for a document
	// review, sent their documents for review themselves).
	StepConsent = "consent"
	// StepIdentity: an ID shown to the camera bore the legal name.
	StepIdentity = "identity"
	// StepIdentityDocument: an ID document the freelancer sent bore the
	// legal name; it stands in for StepIdentity where no camera is used.
	StepIdentityDocument = "identity_document"
	// StepDocumentsAuthentic: the reviewer examined every document sent and
	// found nothing altered or inconsistent; it stands in for the live check
	// of a document review.
	StepDocumentsAuthentic = "documents_authentic"
	challengePrefix        = "challenge_"
)

// Results a step may record: the first of each pair passes.
var stepResults = map[string][2]string{
	StepConsent:            {"given", "refused"},
	StepIdentity:           {"matched", "not_matched"},
	StepIdentityDocument:   {"matched", "not_matched"},
	StepDocumentsAuthentic: {"yes", "no"},
	challengePrefix:        {"done", "failed"},
}

func resultsOf(step string) ([2]string, bool) {
	if strings.HasPrefix(step, challengePrefix) {
		key := strings.TrimPrefix(step, challengePrefix)
		if !slices.Contains(challengeKeys, key) {
			return [2]string{}, false
		}
		step = challengePrefix
	}
	r, ok := stepResults[step]
	return r, ok
}

// StepRecord is one step as recorded: what was found, by whom and when.
// By is an actor ("staff:stf_…" or "freelancer:…").
type StepRecord struct {
	Step   string    `json:"step"`
	Result string    `json:"result"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Passed reports whether the record is the step's passing result.
func (r StepRecord) Passed() bool {
	res, ok := resultsOf(r.Step)
	return ok && r.Result == res[0]
}

// CheckStep validates a step and its result before it is recorded.
func CheckStep(step, result string) error {
	res, ok := resultsOf(step)
	if !ok {
		return fieldErr("step", "unknown_step", "%q is not a step of the script", step)
	}
	if result != res[0] && result != res[1] {
		return fieldErr("result", "invalid", "%s is recorded as %s or %s", step, res[0], res[1])
	}
	return nil
}

// CheckChallengeStep holds a live-check step to the call's challenges: a
// challenge is answered, done or failed, only after the freelancer's page
// showed it, and only a challenge the call chose is answered at all. Other
// steps pass.
func CheckChallengeStep(challenges []Challenge, step string) error {
	key, ok := strings.CutPrefix(step, challengePrefix)
	if !ok {
		return nil
	}
	i := slices.IndexFunc(challenges, func(c Challenge) bool { return c.Key == key })
	if i < 0 {
		return fieldErr("step", "unknown_challenge", "%q is not a challenge of this call", key)
	}
	if challenges[i].ShownAt == nil {
		return fieldErr("step", "challenge_not_shown", "show the challenge to the freelancer before recording how it went")
	}
	return nil
}

// Challenges of the live check. A challenge is something replayed or
// synthetic media cannot do on request.
var challengeKeys = []string{"turn_head", "tilt_id", "read_phrase"}

// ChallengeKeys are the keys of every live-check challenge: each language
// says what each asks of the freelancer.
func ChallengeKeys() []string { return slices.Clone(challengeKeys) }

// ChallengeStep is the step that records the challenge key: done or failed.
func ChallengeStep(key string) string { return challengePrefix + key }

// Challenge is one live-check challenge of a call. For read_phrase, Words
// are the phrase to read aloud as keys of the word list, not as text: each
// language says them in its own words ("river" is "rio" in Portuguese), so
// that the freelancer reads them in the language they chose and the agent
// sees them in both.
//
// ShownAt is when the agent showed it on the freelancer's page: a
// challenge is kept from the freelancer until then, so that nobody has the
// time to prepare an answer (synthetic media, a stand-in).
type Challenge struct {
	Key     string     `json:"key"`
	Words   []string   `json:"words,omitempty"`
	ShownAt *time.Time `json:"shown_at,omitempty"`
}

// ShowChallenge marks the challenge key of a call's live check as shown at
// at. It returns the live check with it marked, and whether this is its
// first showing: a challenge shown before keeps its first time. A key the
// call did not choose is refused.
func ShowChallenge(challenges []Challenge, key string, at time.Time) (marked []Challenge, first bool, err error) {
	i := slices.IndexFunc(challenges, func(c Challenge) bool { return c.Key == key })
	if i < 0 {
		return nil, false, fieldErr("challenge", "unknown_challenge", "%q is not a challenge of this call", key)
	}
	marked = slices.Clone(challenges)
	if marked[i].ShownAt != nil {
		return marked, false, nil
	}
	at = at.UTC()
	marked[i].ShownAt = &at
	return marked, true, nil
}

// phraseWords are the words a phrase to read aloud is made of, as keys:
// short words every speaker of a language knows, with no sound that one
// variety of the language finds hard ("thirty" is out), and no thing that
// regions name differently. A phrase read aloud checks that the call is
// live, never how someone speaks.
var phraseWords = []string{"river", "orange", "seven", "window", "garden", "table", "morning", "ten",
	"yellow", "bridge", "candle", "forest", "apple", "green", "pepper", "music",
	"water", "coffee", "blue", "paper", "five", "house", "door", "sun"}

// phraseLength is how many words a phrase has: 24 words make 12,144
// phrases of three different words.
const phraseLength = 3

// PhraseWords is every word a call's phrase may hold, for the languages to
// say each: the words of new calls, then those only calls started before
// the challenges were recorded hold.
func PhraseWords() []string {
	words := slices.Clone(phraseWords)
	for _, w := range legacyPhraseWords {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

// ChooseChallenges picks the live check of a new call: one or two
// challenges for a video call, the phrase alone for an audio-only call
// (nothing can be seen), none for a document review. random must be a
// source nobody can predict (crypto/rand's Reader; tests pass a seeded
// one): the choice is then known to no one before the call starts. It is
// recorded with the call and read back from there (CallChallenges), so that
// the console, the freelancer's page and the decision agree on it.
func ChooseChallenges(mode Mode, random io.Reader) ([]Challenge, error) {
	if mode == ModeDocuments {
		return []Challenge{}, nil
	}
	var seed [32]byte
	if _, err := io.ReadFull(random, seed[:]); err != nil {
		return nil, fmt.Errorf("choose the live check: %w", err)
	}
	r := rand.New(rand.NewChaCha8(seed))
	words := make([]string, phraseLength)
	for i, n := range r.Perm(len(phraseWords))[:phraseLength] {
		words[i] = phraseWords[n]
	}
	read := Challenge{Key: "read_phrase", Words: words}
	if mode == ModeAudio {
		return []Challenge{read}, nil
	}
	all := []Challenge{{Key: "turn_head"}, {Key: "tilt_id"}, read}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:1+r.IntN(2)], nil
}

// CallChallenges is the live check of a call: the challenges recorded when
// it started. A call started before they were recorded (recorded is nil:
// migration 0024) gets the ones its id chose then, which the console showed
// and the steps recorded in it answer, so that a case decided or in review
// across the upgrade is held to the same live check.
func CallChallenges(mode Mode, callID string, recorded []Challenge) []Challenge {
	if recorded != nil || callID == "" {
		return recorded
	}
	return legacyChallenges(mode, callID)
}

// legacyPhraseWords are the words of the phrases chosen before the
// challenges were recorded, in their order then: legacyChallenges needs
// them as they were.
var legacyPhraseWords = []string{"river", "orange", "seven", "window", "garden", "silver", "morning", "twelve",
	"yellow", "bridge", "candle", "forest", "harbour", "thirty", "pepper", "meadow"}

// legacyChallenges is how a call's challenges were chosen before they were
// recorded: seeded from the call's id, which anyone who saw the id could
// repeat. Only calls started before migration 0024 use it.
func legacyChallenges(mode Mode, callID string) []Challenge {
	if mode == ModeDocuments {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(callID))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	words := make([]string, phraseLength)
	for i := range words {
		words[i] = legacyPhraseWords[r.IntN(len(legacyPhraseWords))]
	}
	read := Challenge{Key: "read_phrase", Words: words}
	if mode == ModeAudio {
		return []Challenge{read}
	}
	all := []Challenge{{Key: "turn_head"}, {Key: "tilt_id"}, read}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:1+r.IntN(2)]
}

// Requirement is one thing a verified decision needs: any one of its steps
// recorded with its passing result.
type Requirement struct {
	// Name is how staff read it: "consent", "identity", "live check:
	// turn_head", "documents_authentic".
	Name  string
	AnyOf []string
}

// RequiredSteps lists what verified needs for a case worked in mode, whose
// call (if any) has the live check challenges (CallChallenges). An ID
// document reviewed, or a digital credential checked, stands in for the
// ID on camera in every mode; an audio-only call and a document review
// accept only those. A case settled by a credential alone (ModeCredential)
// needs consent and the credential.
func RequiredSteps(mode Mode, challenges []Challenge) []Requirement {
	reqs := []Requirement{{Name: StepConsent, AnyOf: []string{StepConsent}}}
	switch mode {
	case ModeVideo:
		reqs = append(reqs, Requirement{Name: StepIdentity, AnyOf: []string{StepIdentity, StepIdentityDocument, StepIdentityCredential}})
	case ModeCredential:
		// The holder's key binding over a fresh nonce is the live check.
		return append(reqs, Requirement{Name: StepIdentity, AnyOf: []string{StepIdentityCredential}})
	default:
		reqs = append(reqs, Requirement{Name: StepIdentity, AnyOf: []string{StepIdentityDocument, StepIdentityCredential}})
	}
	if mode == ModeDocuments {
		return append(reqs, Requirement{Name: StepDocumentsAuthentic, AnyOf: []string{StepDocumentsAuthentic}})
	}
	for _, c := range challenges {
		reqs = append(reqs, Requirement{Name: "live check: " + c.Key, AnyOf: []string{challengePrefix + c.Key}})
	}
	return reqs
}

// Evidence is what has been recorded on a case when someone decides it.
type Evidence struct {
	Mode Mode
	// Challenges are the live check of the case's latest call
	// (CallChallenges), which verified needs; none when there was no call.
	Challenges []Challenge
	Steps      []StepRecord
	Outcomes   []ClaimOutcome
}

// Step returns the record of one step, if there is one.
func (e Evidence) Step(name string) (StepRecord, bool) {
	i := slices.IndexFunc(e.Steps, func(r StepRecord) bool { return r.Step == name })
	if i < 0 {
		return StepRecord{}, false
	}
	return e.Steps[i], true
}

// Outcome returns the recorded outcome of one claim, if there is one.
func (e Evidence) Outcome(key string) (ClaimOutcome, bool) {
	i := slices.IndexFunc(e.Outcomes, func(o ClaimOutcome) bool { return o.Key == key })
	if i < 0 {
		return ClaimOutcome{}, false
	}
	return e.Outcomes[i], true
}

// Missing names, in the script's order, what verified still needs: each
// required step without a passing record, then each claim not confirmed
// ("claim: location").
func (e Evidence) Missing(v *Verification) []string {
	var missing []string
	for _, req := range RequiredSteps(e.Mode, e.Challenges) {
		if !slices.ContainsFunc(req.AnyOf, func(step string) bool {
			r, ok := e.Step(step)
			return ok && r.Passed()
		}) {
			missing = append(missing, req.Name)
		}
	}
	for _, key := range v.Claims {
		if o, ok := e.Outcome(key); !ok || o.Outcome != Confirmed {
			missing = append(missing, "claim: "+key)
		}
	}
	return missing
}

// Participants are the staff actors who recorded anything on the case:
// steps, outcomes or decisions are all taking part.
func (e Evidence) Participants() []string {
	var ids []string
	add := func(actor string) {
		if id, ok := strings.CutPrefix(actor, "staff:"); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, r := range e.Steps {
		add(r.By)
	}
	for _, o := range e.Outcomes {
		if o.StaffID != "" {
			add("staff:" + o.StaffID)
		}
	}
	return ids
}
