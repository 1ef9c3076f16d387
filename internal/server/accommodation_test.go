package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

func TestAudioOnlyAccommodation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		ctx := context.Background()
		opened := seedCase(t, s, "u-190") // every method allowed by default
		token := strings.TrimPrefix(opened.Link.URL, base)
		if _, page := fetch(t, base+token); !strings.Contains(page, "Audio only, no video") {
			t.Fatal("the portal does not offer an audio-only call")
		}
		res := postForm(t, http.DefaultClient, base+token+"/accommodation", url.Values{"accommodation": {"audio_only"}, "reason": {"My camera is broken"}}, "")
		if res.Request.URL.Query().Get("notice") != "audio-only" {
			t.Fatalf("asking for audio only: %s", res.Request.URL)
		}
		v, _ := s.Store.Verification(ctx, opened.Verification.ID)
		if v.Accommodation != verification.AudioOnly || v.AccommodationReason != "My camera is broken" {
			t.Fatalf("stored %q %q", v.Accommodation, v.AccommodationReason)
		}
		// The marketplace sees the accommodation, never the reason.
		body, _ := json.Marshal(v)
		if !strings.Contains(string(body), `"accommodation":"audio_only"`) || strings.Contains(string(body), "camera is broken") {
			t.Fatalf("API view: %s", body)
		}

		// The agent sees it, with the reason, when the call starts.
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.Workflow.JoinQueue(ctx, tx, "u-190"); err != nil {
				return err
			}
			_, err := s.Workflow.TakeNext(ctx, tx, maria.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		if _, page := fetchWith(t, agent, base+"/agent"); !strings.Contains(page, "asked for an audio-only call") || !strings.Contains(page, "My camera is broken") {
			t.Fatal("the console does not show the accommodation")
		}

		// A case that allows only video calls offers no audio-only call.
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			f := &verification.Freelancer{ID: "u-191", DisplayName: "Lena", Email: "lena@example.com", Locale: "de-DE", TimeZone: "Europe/Berlin",
				Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Berlin"}}}
			if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
				return err
			}
			_, err := s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: "u-191",
				Reason: verification.Reason{Code: "x", Explanation: "why"}, Methods: []verification.Method{verification.MethodVideoCall}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.Workflow.Accommodate(ctx, tx, "u-191", verification.AudioOnly, "")
		})
		if err == nil {
			t.Fatal("audio only accepted for a video-only case")
		}
	})
}
