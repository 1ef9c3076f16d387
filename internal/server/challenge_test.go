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

// A freelancer who reads Portuguese is asked, on their page, in Portuguese:
// the consent, the gestures and the phrase to read aloud, whose words are
// Portuguese words. The agent's script shows the same Portuguese to read
// out, with the English beside it; the freelancer's page has no English.
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
				if !strings.Contains(theirs, said) || strings.Contains(theirs, english) {
					t.Errorf("the freelancer's page lacks %q, or shows the English %q", said, english)
				}
				if !strings.Contains(ours, said) || !strings.Contains(ours, english) {
					t.Errorf("the agent's page lacks %q or its translation %q", said, english)
				}
				if !strings.Contains(ours, `data-test="step-challenge-`+c.Key+`-done"`) {
					t.Errorf("the agent cannot record %s", c.Key)
				}
				phrase = append(phrase, c.Words...)
			}
			if len(phrase) != 3 {
				t.Fatalf("the call %s reads %v, want a phrase of three words", tt.name, live.Challenges)
			}
			if words := pt.Phrase(phrase); words == en.Phrase(phrase) || !strings.Contains(theirs, words) {
				t.Errorf("the freelancer reads %q, want Portuguese words on the page", words)
			}
			if !strings.Contains(ours, `lang="pt-BR"`) {
				t.Error("the agent's page does not mark the Portuguese as Portuguese")
			}
		})
	}
}
