package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// The call's script asks for the ID as the case is worked, in the
// freelancer's language with the English beside it: held to the camera in a
// video call; read aloud from the document sent in an audio-only call,
// whose script never asks for the camera (DESIGN 4: the reviewed document
// stands in for the ID on camera). What verified still needs, and the
// freelancer's language, are in words, not codes.
func TestCallScriptAsksForTheIDAsTheCaseIsWorked(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	pt, en := i18n.Match("pt-BR"), i18n.English
	for i, tt := range []struct {
		name          string
		accommodation verification.Accommodation
		mode          verification.Mode
	}{
		{"video", "", verification.ModeVideo},
		{"audio only", verification.AudioOnly, verification.ModeAudio},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			id := fmt.Sprintf("u-36%d", i)
			var caseID string
			err := s.Store.InTx(ctx, func(tx *store.Tx) error {
				f := &verification.Freelancer{ID: id, DisplayName: "Ana Souza", Email: id + "@example.com", Locale: "pt-BR",
					TimeZone: "America/Sao_Paulo", Claims: []verification.Claim{
						{Key: "name", Label: "Nome civil", Value: "Ana Souza", Kind: verification.KindIdentity},
						{Key: "location", Label: "Localização", Value: "Recife, Brasil", Kind: verification.KindLocation}}}
				if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
					return err
				}
				opened, err := s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: id,
					Reason: verification.Reason{Code: "location_mismatch", Explanation: "Os acessos vieram de outro país."}})
				if err != nil {
					return err
				}
				if caseID = opened.Verification.ID; tt.accommodation == "" {
					return nil
				}
				return s.Workflow.Accommodate(ctx, tx, id, tt.accommodation, "")
			})
			if err != nil {
				t.Fatal(err)
			}
			agent := signedInAs(t, s, base, fmt.Sprintf("script%d@example.com", i), store.RoleAgent)
			postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
			if err := s.Store.InTx(ctx, func(tx *store.Tx) error { _, err := s.Workflow.JoinQueue(ctx, tx, id); return err }); err != nil {
				t.Fatal(err)
			}
			postForm(t, agent, base+"/agent/take", url.Values{}, "")
			ours := page(t, agent, base+"/agent", http.StatusOK)
			start, end := strings.Index(ours, `id="step-consent"`), strings.Index(ours, `id="step-decision"`)
			if start < 0 || end < start {
				t.Fatalf("no call script on the agent's page:\n%.2000s", ours)
			}
			script := ours[start:end]

			said, english := string(pt.Identity(string(tt.mode))), string(en.Identity(string(tt.mode)))
			if said == english || !strings.Contains(script, said) || !strings.Contains(script, english) {
				t.Errorf("the script lacks the ID request %q, or its English %q", said, english)
			}
			camera := strings.Contains(strings.ToLower(script), "camera") || strings.Contains(strings.ToLower(script), "câmera")
			if want := tt.mode == verification.ModeVideo; camera != want {
				t.Errorf("the %s script mentions the camera: %v, want %v", tt.name, camera, want)
			}
			if tt.mode == verification.ModeAudio && !strings.Contains(said, "leia em voz alta") {
				t.Errorf("the audio-only script does not ask to read the ID aloud: %q", said)
			}
			if !strings.Contains(ours, "in their language (Portuguese (Brazil))") || strings.Contains(ours, "(pt-BR)") {
				t.Error("the script names the freelancer's language by its code")
			}
			at := strings.Index(ours, `data-test="needed"`)
			needed := ours[at:min(at+400, len(ours))]
			for _, want := range []string{"Verified needs first:", "Consent", "ID matching the legal name", "Nome civil", "Localização"} {
				if !strings.Contains(needed, want) {
					t.Errorf("what verified needs lacks %q: %s", want, needed)
				}
			}
			for _, code := range []string{"claim: ", "live check: ", "identity,"} {
				if strings.Contains(needed, code) {
					t.Errorf("what verified needs shows the code %q: %s", code, needed)
				}
			}
			code, body := postJSON(t, agent, base+"/agent/calls/"+caseID+"/step", map[string]any{"step": "consent", "result": "given"})
			if code != 200 || fmt.Sprint(body["needed"]) == "" || strings.Contains(fmt.Sprint(body["needed"]), "claim: ") {
				t.Errorf("a step answers what verified needs as %v (%d)", body["needed"], code)
			}
		})
	}
}

// The script suggests sharing the screen for a skill claim, the work being
// its best proof, and for no other claim.
func TestCallScriptSuggestsScreenForSkills(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		f := &verification.Freelancer{ID: "u-370", DisplayName: "Ana Souza", Email: "u-370@example.com", Locale: "en",
			TimeZone: "UTC", Claims: []verification.Claim{
				{Key: "design", Label: "Brand design", Value: "5 years", Kind: verification.KindSkill},
				{Key: "location", Label: "Location", Value: "Recife, Brazil", Kind: verification.KindLocation}}}
		if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
			return err
		}
		_, err := s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: "u-370",
			Reason: verification.Reason{Code: "location_mismatch", Explanation: "Logins came from another country."}})
		if err != nil {
			return err
		}
		_, err = s.Workflow.JoinQueue(ctx, tx, "u-370")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	agent := signedInAs(t, s, base, "share@example.com", store.RoleAgent)
	postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
	postForm(t, agent, base+"/agent/take", url.Values{}, "")
	ours := page(t, agent, base+"/agent", http.StatusOK)
	if !strings.Contains(ours, `data-test="claim-design-share"`) || !strings.Contains(ours, "share their screen") {
		t.Error("the script does not suggest sharing the screen for the skill claim")
	}
	if strings.Contains(ours, `data-test="claim-location-share"`) {
		t.Error("the script suggests sharing the screen for a location claim")
	}
}

// The agent's own picture and its camera button are in the call view only
// where agents send video (serve --agent-camera): with the camera off, as
// shipped, a black "You" box and a disabled "Turn camera off" button said
// nothing true.
func TestCallViewShowsTheAgentsPictureOnlyWithACamera(t *testing.T) {
	for _, camera := range []bool{false, true} {
		t.Run(fmt.Sprintf("camera=%v", camera), func(t *testing.T) {
			s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, Call: server.CallConfig{AgentCamera: camera}})
			opened := seedCase(t, s, "u-961")
			agent := signedInAs(t, s, base, "sam@example.com", store.RoleAgent)
			postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
			postForm(t, http.DefaultClient, opened.Link.URL+"/queue", url.Values{}, "")
			postForm(t, agent, base+"/agent/take", url.Values{}, "")
			body := page(t, agent, base+"/agent", 200)
			if !strings.Contains(body, `id="remote-video"`) {
				t.Fatalf("not the call view:\n%.2000s", body)
			}
			for _, id := range []string{`id="local-video"`, `id="camera"`} {
				if strings.Contains(body, id) != camera {
					t.Errorf("with the agent's camera %v, the call view holds %s: %v", camera, id, !camera)
				}
			}
			if !strings.Contains(body, `id="mute"`) {
				t.Error("the microphone's button is gone")
			}
		})
	}
}
