package verification

import (
	"crypto/rand"
	"io"
	mathrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// seeded is a random source the tests repeat: the same seed, the same
// choices.
func seeded(seed byte) *mathrand.ChaCha8 { return mathrand.NewChaCha8([32]byte{seed}) }

// checkChoice holds one choice to its mode's shape: the keys it may hold,
// how many, the phrase's words.
func checkChoice(t *testing.T, mode Mode, got []Challenge, keys []string, minN, maxN int) {
	t.Helper()
	if len(got) < minN || len(got) > maxN {
		t.Fatalf("%s: %d challenges %+v, want %d to %d", mode, len(got), got, minN, maxN)
	}
	var seen []string
	for _, c := range got {
		if !slices.Contains(keys, c.Key) || slices.Contains(seen, c.Key) {
			t.Fatalf("%s: %+v, want each of %v at most once", mode, got, keys)
		}
		seen = append(seen, c.Key)
		if c.Key != "read_phrase" {
			if c.Words != nil {
				t.Fatalf("%s: %s has words %v", mode, c.Key, c.Words)
			}
			continue
		}
		if len(c.Words) != phraseLength {
			t.Fatalf("%s: phrase %v, want %d words", mode, c.Words, phraseLength)
		}
		for i, w := range c.Words {
			if !slices.Contains(phraseWords, w) || slices.Contains(c.Words[:i], w) {
				t.Fatalf("%s: phrase %v, want different words of the list", mode, c.Words)
			}
		}
	}
}

// A video call gets one or two of the three challenges, an audio-only call
// the phrase alone (nothing can be seen), a document review none.
func TestChooseChallenges(t *testing.T) {
	tests := []struct {
		mode       Mode
		keys       []string
		minN, maxN int
	}{
		{ModeVideo, []string{"turn_head", "tilt_id", "read_phrase"}, 1, 2},
		{ModeAudio, []string{"read_phrase"}, 1, 1},
		{ModeDocuments, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			random := seeded(1)
			for range 500 {
				got, err := ChooseChallenges(tt.mode, random)
				if err != nil {
					t.Fatal(err)
				}
				checkChoice(t, tt.mode, got, tt.keys, tt.minN, tt.maxN)
			}
		})
	}
}

// The choice spreads evenly: over many video calls, one challenge as often
// as two, each challenge in about half of them and first in about a third;
// every word about as often as any other.
func TestChallengeDistribution(t *testing.T) {
	const n = 6000
	random := seeded(2)
	one, has, first := 0, map[string]int{}, map[string]int{}
	for range n {
		got, err := ChooseChallenges(ModeVideo, random)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			one++
		}
		first[got[0].Key]++
		for _, c := range got {
			has[c.Key]++
		}
	}
	near := func(what string, got int, want float64) {
		t.Helper()
		if f := float64(got) / n; f < want*0.9 || f > want*1.1 {
			t.Errorf("%s in %.3f of %d video calls, want about %.3f", what, f, n, want)
		}
	}
	near("one challenge", one, 0.5)
	for _, key := range challengeKeys {
		near(key, has[key], 0.5)
		near(key+" first", first[key], 1.0/3)
	}
	words := map[string]int{}
	for range n {
		got, err := ChooseChallenges(ModeAudio, random)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range got[0].Words {
			words[w]++
		}
	}
	want := float64(n*phraseLength) / float64(len(phraseWords))
	for _, w := range phraseWords {
		if got := float64(words[w]); got < want*0.8 || got > want*1.2 {
			t.Errorf("%q in %v phrases of %d, want about %v", w, got, n, want)
		}
	}
}

// An injected source makes the choice repeatable; the same source gives
// each call its own; the production source is not repeated either.
func TestChallengesFromTheirSource(t *testing.T) {
	draw := func(random io.Reader, mode Mode, n int) [][]Challenge {
		var out [][]Challenge
		for range n {
			got, err := ChooseChallenges(mode, random)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, got)
		}
		return out
	}
	equal := func(a, b [][]Challenge) bool {
		return slices.EqualFunc(a, b, func(x, y []Challenge) bool { return challengesEqual(x, y) })
	}
	if a, b := draw(seeded(3), ModeVideo, 20), draw(seeded(3), ModeVideo, 20); !equal(a, b) {
		t.Errorf("one seed chose %v, then %v", a, b)
	}
	if a, b := draw(seeded(3), ModeVideo, 20), draw(seeded(4), ModeVideo, 20); equal(a, b) {
		t.Errorf("two seeds chose the same %v", a)
	}
	calls := draw(seeded(5), ModeAudio, 2)
	if challengesEqual(calls[0], calls[1]) {
		t.Errorf("two calls from one source read the same phrase %v", calls[0])
	}
	// crypto/rand: ten calls reading one phrase would happen once in 10^36.
	phrases := map[string]bool{}
	for _, c := range draw(rand.Reader, ModeAudio, 10) {
		phrases[strings.Join(c[0].Words, " ")] = true
	}
	if len(phrases) < 2 {
		t.Errorf("ten calls from crypto/rand read one phrase: %v", phrases)
	}
	if _, err := ChooseChallenges(ModeVideo, strings.NewReader("short")); err == nil {
		t.Error("a source that ran dry gave challenges")
	}
}

func challengesEqual(a, b []Challenge) bool {
	return slices.EqualFunc(a, b, func(x, y Challenge) bool { return x.Key == y.Key && slices.Equal(x.Words, y.Words) })
}

// A call's live check is what was recorded when it started, and what
// verified then requires; a call from before they were recorded keeps the
// challenges its id chose then, which its steps answer.
func TestCallChallenges(t *testing.T) {
	recorded, err := ChooseChallenges(ModeVideo, seeded(6))
	if err != nil {
		t.Fatal(err)
	}
	if got := CallChallenges(ModeVideo, "call_1", recorded); !challengesEqual(got, recorded) {
		t.Errorf("CallChallenges = %+v, want the recorded %+v", got, recorded)
	}
	var want []string
	for _, c := range recorded {
		want = append(want, "live check: "+c.Key)
	}
	var got []string
	for _, req := range RequiredSteps(ModeVideo, recorded) {
		if strings.HasPrefix(req.Name, "live check: ") {
			got = append(got, req.Name)
			if step := "challenge_" + strings.TrimPrefix(req.Name, "live check: "); !slices.Equal(req.AnyOf, []string{step}) {
				t.Errorf("%s is met by %v, want %s", req.Name, req.AnyOf, step)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("verified requires %v, want the recorded %v", got, want)
	}

	// Before migration 0024: as the console showed them then.
	legacy := []struct {
		id          string
		mode        Mode
		keys, words []string
	}{
		{"call_1", ModeVideo, []string{"turn_head"}, nil},
		{"call_7", ModeVideo, []string{"tilt_id", "turn_head"}, nil},
		{"call_01HX5Z8Q2W3E4R5T6Y7U8I9O0P", ModeVideo, []string{"tilt_id", "read_phrase"}, []string{"yellow", "bridge", "orange"}},
		{"call_7", ModeAudio, []string{"read_phrase"}, []string{"yellow", "harbour", "candle"}},
		{"call_7", ModeDocuments, nil, nil},
	}
	for _, tt := range legacy {
		got := CallChallenges(tt.mode, tt.id, nil)
		var keys, words []string
		for _, c := range got {
			keys = append(keys, c.Key)
			words = append(words, c.Words...)
			for _, w := range c.Words {
				if !slices.Contains(PhraseWords(), w) {
					t.Errorf("%s: word %q is not among the words the languages say", tt.id, w)
				}
			}
		}
		if !slices.Equal(keys, tt.keys) || !slices.Equal(words, tt.words) {
			t.Errorf("%s %s before 0024: %+v, want %v reading %v", tt.id, tt.mode, got, tt.keys, tt.words)
		}
	}
	if got := CallChallenges(ModeVideo, "", nil); got != nil {
		t.Errorf("no call: %+v, want none", got)
	}
}

func TestPhraseWords(t *testing.T) {
	all := PhraseWords()
	for i, w := range all {
		if w == "" || strings.ContainsAny(w, " .") || slices.Contains(all[:i], w) {
			t.Errorf("word key %q: want a distinct key with no space or dot", w)
		}
	}
	for _, w := range append(slices.Clone(phraseWords), legacyPhraseWords...) {
		if !slices.Contains(all, w) {
			t.Errorf("PhraseWords lacks %q", w)
		}
	}
	if len(phraseWords) < 20 {
		t.Errorf("%d words make too few phrases", len(phraseWords))
	}
}

// Showing a challenge marks it alone, once, and never one the call did not
// choose; the list given is left as it was.
func TestShowChallenge(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	later := at.Add(time.Minute)
	call := []Challenge{{Key: "turn_head"}, {Key: "read_phrase", Words: []string{"river", "sun", "ten"}}}
	marked, first, err := ShowChallenge(call, "read_phrase", at)
	if err != nil || !first || marked[1].ShownAt == nil || !marked[1].ShownAt.Equal(at) || marked[1].ShownAt.Location() != time.UTC || marked[0].ShownAt != nil {
		t.Fatalf("showing read_phrase: %+v, first %v, %v", marked, first, err)
	}
	if call[1].ShownAt != nil {
		t.Error("showing changed the list it was given")
	}
	again, first, err := ShowChallenge(marked, "read_phrase", later)
	if err != nil || first || !again[1].ShownAt.Equal(at) {
		t.Errorf("showing it again: %+v, first %v, %v; want the first time kept", again, first, err)
	}
	if _, _, err := ShowChallenge(call, "tilt_id", at); err == nil {
		t.Error("a challenge the call did not choose was shown")
	}
}
