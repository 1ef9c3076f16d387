package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// Staff who work a case see the digital IDs presented on it in their
// words: a refused one with why, and a genuine one whose name differs from
// the profile, flagged so that the agent in the call and the second
// reviewer compare the names themselves.
func TestConsoleShowsDigitalIDs(t *testing.T) {
	iss, trust := issuers(t, 1)
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
	ctx := context.Background()
	opened := identityCase(t, s, "fl_dc_staff", "José da Silva")
	portal := opened.Link.URL
	wl, err := testwallet.NewWallet()
	if err != nil {
		t.Fatal(err)
	}
	issued, err := iss[0].Issue(testwallet.Identity{GivenName: "Josefa", FamilyName: "da Silva"}, wl.HolderKey())
	if err != nil {
		t.Fatal(err)
	}
	wl.Credential = issued.Credential
	refused := startAttempt(t, portal, "cross_device")
	if code, _, _ := wl.AnswerLink(ctx, refused.WalletLink, func(r *testwallet.Request) { r.Nonce = "another" }); code != http.StatusBadRequest {
		t.Fatalf("a wrong nonce: %d", code)
	}
	differs := startAttempt(t, portal, "cross_device")
	if code, body, err := wl.AnswerLink(ctx, differs.WalletLink, nil); code != http.StatusOK {
		t.Fatalf("a differing name: %d %s %v", code, body, err)
	}

	agent := signedInAs(t, s, base, "maria@example.com", store.RoleAgent)
	maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.Workflow.JoinQueue(ctx, tx, "fl_dc_staff"); err != nil {
			return err
		}
		_, err := s.Workflow.TakeNext(ctx, tx, maria.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	call := page(t, agent, base+"/agent", http.StatusOK)
	checkDigitalIDs := func(where, html string) {
		t.Helper()
		for _, want := range []string{`data-test="case-credentials"`, `data-test="credential-differs"`,
			"states something else than the profile for <strong>Legal name</strong>",
			`data-test="credential-legal_name-differs"`, "Genuine, but a value differs from the profile",
			"attest test issuer (http://", "urn:eudi:pid:1", "Wallet on another device (QR code)",
			"Refused: The answer was made for another request"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %q", where, want)
			}
		}
		if n := strings.Count(html, `data-test="credential-attempt"`); n != 2 {
			t.Errorf("%s lists %d digital IDs, want the 2 answered", where, n)
		}
		for _, code := range []string{"wrong_nonce", ">mismatch<", ">cross_device<"} {
			if strings.Contains(html, code) {
				t.Errorf("%s shows the code %s", where, code)
			}
		}
	}
	checkDigitalIDs("the call view", call)

	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		o := verification.ClaimOutcome{Key: "legal_name", Outcome: verification.NotConfirmed, Note: "the digital ID says Josefa"}
		if err := s.Workflow.RecordOutcome(ctx, tx, maria.ID, opened.Verification.ID, o); err != nil {
			return err
		}
		_, err := s.Workflow.DecideCall(ctx, tx, maria.ID, opened.Verification.ID,
			workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "identity_not_matched"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	supervisor := signedInAs(t, s, base, "sam@example.com", store.RoleSupervisor)
	checkDigitalIDs("the second review", page(t, supervisor, base+"/agent/reviews/"+opened.Verification.ID, http.StatusOK))
}
