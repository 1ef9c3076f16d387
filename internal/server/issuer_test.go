package server_test

import (
	"context"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// testClock is a clock a test moves forward; attest and the test wallet share it.
type testClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

var (
	walletLink = regexp.MustCompile(`href="(openid-credential-offer://[^"]+)" data-test="wallet-link"`)
	walletQR   = regexp.MustCompile(`data-test="wallet-qr" data-offer="(openid-credential-offer://[^"]+)"`)
)

// offerLink asks for "Add to your wallet" on the portal and returns the
// offer link the page shows (by value), or the status when there is none.
func offerLink(t *testing.T, portal string) (string, int) {
	t.Helper()
	link, _, status := offerLinks(t, portal)
	return link, status
}

// offerLinks asks for "Add to your wallet" on the portal and returns the
// offer by value (the same-device link) and by reference (the QR code).
func offerLinks(t *testing.T, portal string) (byValue, byReference string, status int) {
	t.Helper()
	res, err := http.PostForm(portal+"/wallet", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := walletLink.FindSubmatch(b)
	if res.StatusCode != http.StatusOK || m == nil {
		return "", "", res.StatusCode
	}
	if !strings.Contains(string(b), `src="data:image/svg`) {
		t.Fatal("the offer page shows no QR code")
	}
	qr := walletQR.FindSubmatch(b)
	if qr == nil {
		t.Fatal("the offer page's QR code names no offer")
	}
	return html.UnescapeString(string(m[1])), html.UnescapeString(string(qr[1])), res.StatusCode
}

// A verified freelancer adds the result to their wallet: the test wallet
// takes the offer through metadata, token, nonce and credential over
// HTTP, checks the credential as any verifier would, and sees it revoked
// after each of the ways a result is taken back. Then every refusal.
func TestWalletIssuance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		clock := &testClock{at: time.Now()}
		pid, trust := issuers(t, 1)
		s, base := openServed(t, server.Config{Store: cfg, Now: clock.Now,
			Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second},
			Issuer:      server.IssuerConfig{Marketplace: "Mercado Teste"}})
		ctx := context.Background()
		n := 0
		// verified makes a freelancer verified by their digital ID and
		// returns their portal link.
		verified := func(t *testing.T) (string, string) {
			t.Helper()
			n++
			id := "fl_vci_" + string(rune('a'+n))
			opened := identityCase(t, s, id, "José da Silva")
			wl, err := testwallet.NewWallet()
			if err != nil {
				t.Fatal(err)
			}
			got, err := pid[0].Issue(testwallet.Identity{GivenName: "José", FamilyName: "da Silva", IssuedAt: clock.Now()}, wl.HolderKey())
			if err != nil {
				t.Fatal(err)
			}
			wl.Credential, wl.Now = got.Credential, clock.Now
			a := startAttempt(t, opened.Link.URL, "cross_device")
			if code, body, err := wl.AnswerLink(ctx, a.WalletLink, nil); err != nil || code != http.StatusOK {
				t.Fatalf("verify by digital ID: %d %s %v", code, body, err)
			}
			return id, opened.Link.URL
		}
		newWallet := func(t *testing.T) *testwallet.Wallet {
			wl, err := testwallet.NewWallet()
			if err != nil {
				t.Fatal(err)
			}
			wl.Now = clock.Now
			return wl
		}
		received := func(t *testing.T, portal string) *testwallet.Wallet {
			t.Helper()
			_, link, status := offerLinks(t, portal) // as the QR code holds it
			if link == "" {
				t.Fatalf("no offer: %d", status)
			}
			wl := newWallet(t)
			if _, err := wl.Receive(ctx, link); err != nil {
				t.Fatalf("receive: %v", err)
			}
			return wl
		}
		checkRevoked := func(t *testing.T, wl *testwallet.Wallet) {
			t.Helper()
			if _, err := wl.CheckIssued(ctx, base); sdjwt.CodeOf(err) != sdjwt.Revoked {
				t.Fatalf("after revocation the check gave %v, want revoked", err)
			}
		}

		t.Run("issued and checked", func(t *testing.T) {
			id, portal := verified(t)
			_, page := fetch(t, portal)
			if !strings.Contains(page, `data-test="wallet-offer"`) || !strings.Contains(page, "Adicionar à sua carteira") {
				t.Fatal("the verified page offers no wallet, in Portuguese")
			}
			wl := received(t, portal)
			c, err := wl.CheckIssued(ctx, base)
			if err != nil {
				t.Fatalf("the credential does not check: %v", err)
			}
			claims, _ := c.Claims[issuer.ClaimsMember].(map[string]any)
			name, _ := claims["legal_name"].(map[string]any)
			if c.Issuer != base || c.Type != base+issuer.TypeMetadataURL || c.Claims["marketplace"] != "Mercado Teste" ||
				name["value"] != "José da Silva" || name["kind"] != "identity" || c.Claims["verified_at"] == nil {
				t.Fatalf("the credential states %+v", c.Claims)
			}
			holder, _ := issuer.Thumbprint(wl.HolderKey())
			bound, _ := issuer.Thumbprint(&c.Holder)
			if holder != bound {
				t.Fatal("the credential is not bound to the wallet's key")
			}
			if c.Status == nil || c.Status.URI != base+issuer.StatusListPath {
				t.Fatalf("status %+v", c.Status)
			}
			for _, leak := range []string{id, "@example.com", "pt-BR", "America/Sao_Paulo"} {
				if strings.Contains(decoded(t, wl.Credential), leak) {
					t.Errorf("the credential carries %q", leak)
				}
			}
			list, err := s.Store.IssuedCredentials(ctx, id)
			if err != nil || len(list) != 1 || list[0].HolderKey != holder || list[0].RevokedAt != nil {
				t.Fatalf("recorded %+v %v", list, err)
			}
			// Selective disclosure: a presentation may keep the claim back.
			p, err := sdjwt.Present(wl.Credential, nil, sdjwt.KeyBinding{Signer: wl.Holder, Nonce: "n", Audience: "v", IssuedAt: clock.Now()})
			if err != nil || strings.Count(p, "~") != 1 {
				t.Fatalf("a presentation of nothing: %v, %d parts", err, strings.Count(p, "~"))
			}
		})

		t.Run("revoked when a later case ends not verified", func(t *testing.T) {
			id, portal := verified(t)
			wl := received(t, portal)
			if _, err := wl.CheckIssued(ctx, base); err != nil {
				t.Fatal(err)
			}
			laterNegative(t, s, id)
			checkRevoked(t, wl)
			if list, _ := s.Store.IssuedCredentials(ctx, id); len(list) != 1 || list[0].RevokeReason != workflow.RevokedNotVerified {
				t.Fatalf("recorded %+v", list)
			}
		})

		t.Run("revoked on erasure", func(t *testing.T) {
			id, portal := verified(t)
			wl := received(t, portal)
			var key string
			s.Store.InTx(ctx, func(tx *store.Tx) (err error) { key, err = s.Staff.CreateAPIKey(ctx, tx, "test", "erase "+id); return })
			req, _ := http.NewRequest(http.MethodDelete, base+"/v1/freelancers/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != http.StatusNoContent {
				t.Fatalf("erase: %v %v", res, err)
			}
			res.Body.Close()
			checkRevoked(t, wl)
		})

		t.Run("an offer is used once, and not after it expires", func(t *testing.T) {
			_, portal := verified(t)
			link, _ := offerLink(t, portal)
			wl := newWallet(t)
			if _, err := wl.Receive(ctx, link); err != nil {
				t.Fatal(err)
			}
			offer, _ := testwallet.ParseOffer(link)
			_, err := wl.Token(ctx, base+issuer.TokenPath, testwallet.CodeForm(offer.Code()))
			wantOAuth(t, err, http.StatusBadRequest, issuer.InvalidGrant)

			link, _ = offerLink(t, portal)
			offer, _ = testwallet.ParseOffer(link)
			clock.Add(issuer.DefaultOfferLifetime + time.Second)
			_, err = wl.Token(ctx, base+issuer.TokenPath, testwallet.CodeForm(offer.Code()))
			wantOAuth(t, err, http.StatusBadRequest, issuer.InvalidGrant)

			_, err = wl.Token(ctx, base+issuer.TokenPath, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}})
			wantOAuth(t, err, http.StatusBadRequest, issuer.UnsupportedGrantType)
		})

		t.Run("an offer by reference", func(t *testing.T) {
			_, portal := verified(t)
			byValue, byReference, _ := offerLinks(t, portal)
			uri, err := testwallet.OfferURI(byReference)
			if err != nil || !strings.HasPrefix(uri, base+issuer.OfferPath) {
				t.Fatalf("the QR code's offer_uri is %q (%v)", uri, err)
			}
			if 2*len(byReference) > len(byValue) {
				t.Errorf("the QR code holds %d characters, the offer by value %d: a reference is to be the short one", len(byReference), len(byValue))
			}
			wl := newWallet(t)
			fetched, err := wl.FetchOffer(ctx, byReference)
			if err != nil {
				t.Fatal(err)
			}
			inline, _ := testwallet.ParseOffer(byValue)
			if fetched.Code() != inline.Code() || fetched.CredentialIssuer != base || fetched.ConfigurationIDs[0] != issuer.ConfigurationID {
				t.Fatalf("by reference %+v, by value %+v: one offer, one code", fetched, inline)
			}
			status, body := fetch(t, uri)
			if status != http.StatusOK || !strings.Contains(body, `"pre-authorized_code"`) {
				t.Fatalf("the offer URI answers %d %s", status, body)
			}
			// Taken once, by value or by reference, it answers nothing more.
			if _, err := wl.Receive(ctx, byValue); err != nil {
				t.Fatal(err)
			}
			_, err = wl.FetchOffer(ctx, byReference)
			wantOAuth(t, err, http.StatusNotFound, issuer.OfferNotFound)
			// Expired, it answers nothing either.
			_, byReference, _ = offerLinks(t, portal)
			clock.Add(issuer.DefaultOfferLifetime)
			_, err = wl.FetchOffer(ctx, byReference)
			wantOAuth(t, err, http.StatusNotFound, issuer.OfferNotFound)
			for _, bad := range []string{"short", strings.Repeat("!", 43), strings.Repeat("A", 44)} {
				status, body := fetch(t, base+issuer.OfferPath+bad)
				if status != http.StatusBadRequest || !strings.Contains(body, issuer.InvalidOfferReference) {
					t.Errorf("reference %q: %d %s", bad, status, body)
				}
			}
			status, body = fetch(t, base+issuer.OfferPath+strings.Repeat("A", 43))
			if status != http.StatusNotFound || !strings.Contains(body, issuer.OfferNotFound) {
				t.Errorf("an unknown reference: %d %s", status, body)
			}
		})

		t.Run("proofs refused", func(t *testing.T) {
			_, portal := verified(t)
			link, _ := offerLink(t, portal)
			offer, _ := testwallet.ParseOffer(link)
			wl := newWallet(t)
			staleNonce, err := wl.Nonce(ctx, base+issuer.NoncePath)
			if err != nil {
				t.Fatal(err)
			}
			clock.Add(issuer.NonceLifetime + time.Second)
			token, err := wl.Token(ctx, base+issuer.TokenPath, testwallet.CodeForm(offer.Code()))
			if err != nil {
				t.Fatal(err)
			}
			nonce, _ := wl.Nonce(ctx, base+issuer.NoncePath)
			other := newWallet(t)
			cases := []struct {
				name   string
				claims testwallet.ProofClaims
				signer *sdjwt.Signer
				want   string
			}{
				{"wrong audience", testwallet.ProofClaims{Audience: "https://evil.example", Nonce: nonce}, nil, issuer.InvalidProof},
				{"wrong nonce", testwallet.ProofClaims{Audience: base, Nonce: "bm90LWEtbm9uY2U"}, nil, issuer.InvalidNonce},
				{"stale nonce", testwallet.ProofClaims{Audience: base, Nonce: staleNonce}, nil, issuer.InvalidNonce},
				{"no nonce", testwallet.ProofClaims{Audience: base}, nil, issuer.InvalidProof},
				{"old proof", testwallet.ProofClaims{Audience: base, Nonce: nonce, IssuedAt: clock.Now().Add(-time.Hour)}, nil, issuer.InvalidProof},
				{"not signed by the header key", testwallet.ProofClaims{Audience: base, Nonce: nonce}, &other.Holder, issuer.InvalidProof},
			}
			for _, c := range cases {
				if c.claims.IssuedAt.IsZero() {
					c.claims.IssuedAt = clock.Now()
				}
				proof, err := wl.Proof(c.claims, c.signer)
				if err != nil {
					t.Fatal(err)
				}
				_, err = wl.RequestCredential(ctx, base+issuer.CredentialPath, token, issuer.ConfigurationID, proof)
				if e := new(testwallet.OAuthError); !errors.As(err, &e) || e.Code != c.want || e.Status != http.StatusBadRequest {
					t.Errorf("%s: %v, want 400 %s", c.name, err, c.want)
				}
			}
			// A refused proof spends nothing: the token still buys its credential, once.
			proof, _ := wl.Proof(testwallet.ProofClaims{Audience: base, Nonce: nonce, IssuedAt: clock.Now()}, nil)
			if _, err := wl.RequestCredential(ctx, base+issuer.CredentialPath, token, issuer.ConfigurationID, proof); err != nil {
				t.Fatalf("a good proof after refused ones: %v", err)
			}
			_, err = wl.RequestCredential(ctx, base+issuer.CredentialPath, token, issuer.ConfigurationID, proof)
			wantOAuth(t, err, http.StatusUnauthorized, issuer.InvalidToken)
		})

		t.Run("issuing turned off", func(t *testing.T) {
			_, portal := verified(t)
			early, _ := offerLink(t, portal)
			tokenLink, _ := offerLink(t, portal)
			wl := newWallet(t)
			offer, _ := testwallet.ParseOffer(tokenLink)
			token, err := wl.Token(ctx, base+issuer.TokenPath, testwallet.CodeForm(offer.Code()))
			if err != nil {
				t.Fatal(err)
			}
			setIssuing(t, s, false)
			t.Cleanup(func() { setIssuing(t, s, true) })
			if _, page := fetch(t, portal); strings.Contains(page, `data-test="wallet-offer"`) {
				t.Error("the page offers a wallet while issuing is off")
			}
			if _, status := offerLink(t, portal); status != http.StatusConflict {
				t.Errorf("an offer while off: %d, want 409", status)
			}
			offer, _ = testwallet.ParseOffer(early)
			_, err = wl.Token(ctx, base+issuer.TokenPath, testwallet.CodeForm(offer.Code()))
			wantOAuth(t, err, http.StatusBadRequest, issuer.InvalidGrant)
			nonce, _ := wl.Nonce(ctx, base+issuer.NoncePath)
			proof, _ := wl.Proof(testwallet.ProofClaims{Audience: base, Nonce: nonce, IssuedAt: clock.Now()}, nil)
			_, err = wl.RequestCredential(ctx, base+issuer.CredentialPath, token, issuer.ConfigurationID, proof)
			wantOAuth(t, err, http.StatusBadRequest, issuer.RequestDenied)
			// What was issued stays checkable: the list is still published.
			if status, _ := fetch(t, base+issuer.StatusListPath); status != http.StatusOK {
				t.Errorf("the status list while off: %d", status)
			}
		})
	})
}

func wantOAuth(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *testwallet.OAuthError
	if !errors.As(err, &e) || e.Status != status || e.Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
}

// decoded is a credential's issuer JWT payload and disclosures, decoded.
func decoded(t *testing.T, credential string) string {
	t.Helper()
	var out strings.Builder
	parts := strings.Split(strings.TrimSuffix(credential, "~"), "~")
	jwt := strings.Split(parts[0], ".")
	for _, p := range append([]string{jwt[1]}, parts[1:]...) {
		b, err := b64url(p)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	return out.String()
}

// setIssuing turns issuing on or off as an admin does.
func setIssuing(t *testing.T, s *server.Server, on bool) {
	t.Helper()
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.Workflow.CurrentPolicy(ctx)
		if err != nil {
			return err
		}
		p.IssueCredentials = on
		return s.Workflow.SetPolicy(ctx, tx, "staff:test", p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// laterNegative opens a new case on a verified freelancer which a call
// decides not_verified and a second reviewer confirms.
func laterNegative(t *testing.T, s *server.Server, freelancerID string) {
	t.Helper()
	ctx := context.Background()
	agent := staffMember(t, s, freelancerID+"-agent@example.com", store.RoleAgent)
	reviewer := staffMember(t, s, freelancerID+"-sup@example.com", store.RoleSupervisor)
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		opened, err := s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: freelancerID,
			Reason: verification.Reason{Code: "identity_check", Explanation: "Your payout details changed again."}})
		if err != nil {
			return err
		}
		if _, err := s.Workflow.JoinQueue(ctx, tx, freelancerID); err != nil {
			return err
		}
		if _, err := s.Workflow.TakeNext(ctx, tx, agent.ID); err != nil {
			return err
		}
		o := verification.ClaimOutcome{Key: "legal_name", Outcome: verification.NotConfirmed, Note: "the name differs"}
		if err := s.Workflow.RecordOutcome(ctx, tx, agent.ID, opened.Verification.ID, o); err != nil {
			return err
		}
		if _, err := s.Workflow.DecideCall(ctx, tx, agent.ID, opened.Verification.ID, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"}); err != nil {
			return err
		}
		_, err = s.Workflow.DecideReview(ctx, tx, reviewer, opened.Verification.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func staffMember(t *testing.T, s *server.Server, email string, role store.Role) *store.Staff {
	t.Helper()
	addStaff(t, s, email, role, "correct horse battery")
	st, err := s.Store.StaffByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func b64url(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
