package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// seedFor is a seed whose first video call has a gesture and the phrase,
// so that the test sees both kinds of challenge.
func seedFor(t *testing.T) [32]byte {
	t.Helper()
	for i := range 256 {
		seed := [32]byte{byte(i)}
		got, err := verification.ChooseChallenges(verification.ModeVideo, rand.NewChaCha8(seed))
		if err != nil {
			t.Fatal(err)
		}
		keys := []string{got[0].Key}
		if len(got) == 2 {
			keys = append(keys, got[1].Key)
		}
		if len(keys) == 2 && slices.Contains(keys, "read_phrase") {
			return seed
		}
	}
	t.Fatal("no seed of 256 chose a gesture and the phrase")
	return [32]byte{}
}

// A freelancer who reads Portuguese is asked in Portuguese: the consent on
// their page, and the gestures and the phrase to read aloud (Portuguese
// words) when the agent shows each, never before. The agent's script shows
// the same Portuguese to read out, with the English beside it.
func TestCallScriptInTheFreelancersLanguage(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	s.Workflow.Random = rand.NewChaCha8(seedFor(t))
	pt, en := i18n.Match("pt-BR"), i18n.English
	tests := []struct {
		name          string
		accommodation verification.Accommodation
		mode          verification.Mode
		consent       string // a part of the Portuguese consent
	}{
		{"video", "", verification.ModeVideo, "Vamos pedir que você mostre um documento de identidade"},
		{"audio only", verification.AudioOnly, verification.ModeAudio, "Vamos conferir o documento de identidade que você enviou"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			id := fmt.Sprintf("u-34%d", i)
			opened := seedCaseIn(t, s, id, "pt-BR", "America/Sao_Paulo")
			if tt.accommodation != "" {
				err := s.Store.InTx(ctx, func(tx *store.Tx) error { return s.Workflow.Accommodate(ctx, tx, id, tt.accommodation, "") })
				if err != nil {
					t.Fatal(err)
				}
			}
			agent := signedInAs(t, s, base, fmt.Sprintf("agent%d@example.com", i), store.RoleAgent)
			postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
			postForm(t, http.DefaultClient, opened.Link.URL+"/queue", url.Values{}, "")
			postForm(t, agent, base+"/agent/take", url.Values{}, "")
			live, err := s.Store.LiveCall(ctx, opened.Verification.ID)
			if err != nil {
				t.Fatalf("no call after the take: %v", err)
			}
			if live.Challenges == nil {
				t.Fatal("the call was started without its challenges")
			}
			_, theirs := fetch(t, opened.Link.URL)
			ours := page(t, agent, base+"/agent", http.StatusOK)

			consent := string(pt.Consent(string(tt.mode)))
			if !strings.Contains(consent, tt.consent) {
				t.Fatalf("the Portuguese consent reads %q", consent)
			}
			shown := map[string]bool{"freelancer": strings.Contains(theirs, consent),
				"agent": strings.Contains(ours, consent), "agent's English": strings.Contains(ours, string(en.Consent(string(tt.mode))))}
			for who, ok := range shown {
				if !ok {
					t.Errorf("the %s page lacks the consent", who)
				}
			}
			if strings.Contains(theirs, string(en.Consent(string(tt.mode)))) {
				t.Error("the freelancer's page shows the English consent")
			}
			var phrase []string
			for _, c := range live.Challenges {
				said, english := string(pt.Challenge(c.Key, c.Words)), string(en.Challenge(c.Key, c.Words))
				// The freelancer's page holds no challenge: each comes over
				// the call's socket when the agent shows it.
				if strings.Contains(theirs, said) || strings.Contains(theirs, english) || strings.Contains(theirs, pt.ChallengeText(c.Key, c.Words)) {
					t.Errorf("the freelancer's page shows %s before the agent showed it", c.Key)
				}
				if !strings.Contains(ours, said) || !strings.Contains(ours, english) {
					t.Errorf("the agent's page lacks %q or its translation %q", said, english)
				}
				for _, button := range []string{"step-challenge-" + c.Key + "-done", "challenge-" + c.Key + "-show"} {
					if !strings.Contains(ours, `data-test="`+button+`"`) {
						t.Errorf("the agent's page lacks %s", button)
					}
				}
				phrase = append(phrase, c.Words...)
			}
			if len(phrase) != 3 {
				t.Fatalf("the call %s reads %v, want a phrase of three words", tt.name, live.Challenges)
			}
			if words := pt.Phrase(phrase); words == en.Phrase(phrase) || strings.Contains(theirs, words) {
				t.Errorf("the phrase reads %q: want Portuguese words, off the page until shown", words)
			}
			if !strings.Contains(ours, `lang="pt-BR"`) {
				t.Error("the agent's page does not mark the Portuguese as Portuguese")
			}
			// The agent shows each: what the freelancer's page gets is in Portuguese.
			for _, c := range live.Challenges {
				res := postForm(t, agent, base+"/agent/calls/"+opened.Verification.ID+"/challenges/"+c.Key+"/show", url.Values{}, "")
				if res.StatusCode != http.StatusOK {
					t.Fatalf("showing %s: %d", c.Key, res.StatusCode)
				}
			}
			gets, err := s.Workflow.ShownChallenges(ctx, opened.Verification.ID)
			if err != nil || len(gets) != len(live.Challenges) {
				t.Fatalf("shown %+v (%v), want all %d", gets, err, len(live.Challenges))
			}
			for _, c := range gets {
				if c.Lang != "pt-BR" || c.Text == "" || strings.Contains(c.Text, en.Phrase(phrase)) {
					t.Errorf("the freelancer's page gets %+v, want Portuguese", c)
				}
				if c.Key == "read_phrase" && c.Phrase != pt.Phrase(phrase) {
					t.Errorf("the phrase to read is %q, want %q", c.Phrase, pt.Phrase(phrase))
				}
			}
			if res := postForm(t, agent, base+"/agent/calls/"+opened.Verification.ID+"/challenges/sing/show", url.Values{}, ""); res.StatusCode != http.StatusBadRequest {
				t.Errorf("showing a challenge the call did not choose: %d, want 400", res.StatusCode)
			}
		})
	}
}
