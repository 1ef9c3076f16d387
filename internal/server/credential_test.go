package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// issuers starts n test issuers, each serving its status list, and the
// trusted-issuers configuration naming them all.
func issuers(t *testing.T, n int) ([]*testwallet.Issuer, *sdjwt.Trust) {
	t.Helper()
	trust := &sdjwt.Trust{}
	var list []*testwallet.Issuer
	for range n {
		h := httptest.NewUnstartedServer(nil)
		is, err := testwallet.NewIssuer("http://" + h.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		h.Config.Handler = is.Handler()
		h.Start()
		t.Cleanup(h.Close)
		one, err := is.Trust()
		if err != nil {
			t.Fatal(err)
		}
		if err := trust.Add(one.Issuers[0]); err != nil {
			t.Fatal(err)
		}
		list = append(list, is)
	}
	return list, trust
}

// identityCase opens a case on a profile whose only claim is a legal name.
func identityCase(t *testing.T, s *server.Server, id, name string) *workflow.Opened {
	t.Helper()
	return openCaseOf(t, s, &verification.Freelancer{ID: id, DisplayName: name, Email: id + "@example.com", Locale: "pt-BR", TimeZone: "America/Sao_Paulo",
		Claims: []verification.Claim{{Key: "legal_name", Label: "Legal name", Value: name, Kind: verification.KindIdentity}}})
}

// openCaseOf puts the freelancer f and opens a case on them, as a
// marketplace asking for a payout check would.
func openCaseOf(t *testing.T, s *server.Server, f *verification.Freelancer) *workflow.Opened {
	t.Helper()
	ctx := context.Background()
	var opened *workflow.Opened
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
			return err
		}
		var err error
		opened, err = s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: f.ID,
			Reason: verification.Reason{Code: "identity_check", Explanation: "Your payout details changed."}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

type startedAttempt struct {
	Attempt, Protocol, Request, WalletLink, QR string
}

func startAttempt(t *testing.T, portal, transport string) startedAttempt {
	t.Helper()
	resp, err := http.PostForm(portal+"/credential", url.Values{"transport": {transport}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Attempt    string `json:"attempt"`
		Protocol   string `json:"protocol"`
		Request    string `json:"request"`
		WalletLink string `json:"wallet_link"`
		QR         string `json:"qr"`
	}
	if err := json.UnmarshalRead(resp.Body, &a); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("start a %s attempt: %s, %v", transport, resp.Status, err)
	}
	return startedAttempt{a.Attempt, a.Protocol, a.Request, a.WalletLink, a.QR}
}

type attemptOutcome struct {
	Result  string `json:"result"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

func outcomeOf(t *testing.T, portal, attempt string) attemptOutcome {
	t.Helper()
	resp, err := http.Get(portal + "/credential/" + attempt)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var o attemptOutcome
	if err := json.UnmarshalRead(resp.Body, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// The whole flow over HTTP, with a test issuer and a test wallet: across
// devices (QR link, request_uri, direct_post) and on the same device (the
// Digital Credentials API's answer posted by the page), then every refusal.
func TestDigitalCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		iss, trust := issuers(t, 12)
		untrusted, err := testwallet.NewIssuer("https://untrusted.example")
		if err != nil {
			t.Fatal(err)
		}
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now,
			Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
		ctx := context.Background()
		n := 0
		// walletFor opens a case for name and gives a wallet holding an
		// identity credential from issuer.
		walletFor := func(name string, issuer *testwallet.Issuer, id testwallet.Identity) (string, *testwallet.Wallet, *testwallet.Issued) {
			n++
			opened := identityCase(t, s, "fl_cred_"+string(rune('a'+n)), name)
			wl, err := testwallet.NewWallet()
			if err != nil {
				t.Fatal(err)
			}
			issued, err := issuer.Issue(id, wl.HolderKey())
			if err != nil {
				t.Fatal(err)
			}
			wl.Credential = issued.Credential
			return opened.Link.URL, wl, issued
		}
		jose := testwallet.Identity{GivenName: "JOSE", FamilyName: "DA SILVA", BirthDate: "1990-01-01"}

		t.Run("cross device", func(t *testing.T) {
			portal, wl, _ := walletFor("José da Silva", iss[0], jose)
			a := startAttempt(t, portal, "cross_device")
			if !strings.HasPrefix(a.WalletLink, "openid4vp://?client_id=x509_san_dns%3A127.0.0.1&request_uri=") ||
				!strings.HasPrefix(a.QR, "data:image/svg+xml;base64,") {
				t.Fatalf("link %q, qr %.40q", a.WalletLink, a.QR)
			}
			if code, body, err := wl.AnswerLink(ctx, a.WalletLink, nil); err != nil || code != http.StatusOK {
				t.Fatalf("direct_post: %d %s %v", code, body, err)
			}
			o := outcomeOf(t, portal, a.Attempt)
			if o.Result != "verified" || o.Status != string(verification.Verified) || !strings.Contains(o.Message, "verificado") {
				t.Fatalf("after the wallet's answer: %+v, want verified in Portuguese", o)
			}
			// The request of an answered attempt is not served again.
			if code, _, _ := wl.AnswerLink(ctx, a.WalletLink, nil); code != http.StatusNotFound {
				t.Errorf("the request of an answered attempt was served again (%d)", code)
			}
		})

		t.Run("same device", func(t *testing.T) {
			portal, wl, _ := walletFor("José da Silva", iss[1], jose)
			a := startAttempt(t, portal, "dc_api")
			if a.Protocol != "openid4vp-v1-signed" || a.Request == "" {
				t.Fatalf("started %+v", a)
			}
			data, err := wl.AnswerDCAPI(a.Request, base, nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(map[string]any{"protocol": a.Protocol, "data": data})
			resp, err := http.Post(portal+"/credential/"+a.Attempt+"/response", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			var o attemptOutcome
			json.UnmarshalRead(resp.Body, &o)
			resp.Body.Close()
			if o.Result != "verified" || o.Status != string(verification.Verified) {
				t.Fatalf("answer: %+v", o)
			}
			// Replayed: the very same answer posted again.
			resp, _ = http.Post(portal+"/credential/"+a.Attempt+"/response", "application/json", strings.NewReader(string(body)))
			json.UnmarshalRead(resp.Body, &o)
			resp.Body.Close()
			if o.Result != "refused" || o.Reason != "replayed" {
				t.Errorf("the same answer twice: %+v, want refused as replayed", o)
			}
		})

		t.Run("name differs", func(t *testing.T) {
			portal, wl, _ := walletFor("José da Silva", iss[2], testwallet.Identity{GivenName: "Josefa", FamilyName: "da Silva"})
			a := startAttempt(t, portal, "cross_device")
			if code, body, err := wl.AnswerLink(ctx, a.WalletLink, nil); err != nil || code != http.StatusOK {
				t.Fatalf("direct_post: %d %s %v", code, body, err)
			}
			if o := outcomeOf(t, portal, a.Attempt); o.Result != "mismatch" || o.Status != string(verification.AwaitingFreelancer) {
				t.Fatalf("a different name: %+v, want a mismatch left open for a person", o)
			}
		})

		stripKB := func(p string) string { return p[:strings.LastIndexByte(p, '~')+1] }
		tamper := func(p string) string {
			parts := strings.Split(p, "~")
			d, _ := sdjwt.NewDisclosure(strings.NewReader(strings.Repeat("s", 16)), "given_name", "MARIA")
			parts[1] = d
			return strings.Join(parts, "~")
		}
		refusals := []struct {
			name  string
			id    testwallet.Identity
			setup func(*testwallet.Issuer, *testwallet.Issued, *testwallet.Wallet)
			edit  func(*testwallet.Request)
			want  sdjwt.Code
		}{
			{name: "wrong nonce", edit: func(r *testwallet.Request) { r.Nonce = "another-nonce" }, want: sdjwt.WrongNonce},
			{name: "wrong audience", edit: func(r *testwallet.Request) { r.ClientID = "x509_san_dns:evil.example" }, want: sdjwt.WrongAudience},
			{name: "expired", id: testwallet.Identity{IssuedAt: time.Now().AddDate(-2, 0, 0), Expires: time.Now().Add(-time.Hour)}, want: sdjwt.Expired},
			{name: "not yet valid", id: testwallet.Identity{NotBefore: time.Now().Add(time.Hour)}, want: sdjwt.NotYetValid},
			{name: "revoked", setup: func(is *testwallet.Issuer, c *testwallet.Issued, _ *testwallet.Wallet) { is.Revoke(c.Index) }, want: sdjwt.Revoked},
			{name: "status list unreachable", setup: func(is *testwallet.Issuer, _ *testwallet.Issued, _ *testwallet.Wallet) { is.Down = true }, want: sdjwt.StatusUnavailable},
			{name: "tampered disclosure", setup: func(_ *testwallet.Issuer, _ *testwallet.Issued, wl *testwallet.Wallet) { wl.Alter = tamper }, want: sdjwt.UnusedDisclosure},
			{name: "missing key binding", setup: func(_ *testwallet.Issuer, _ *testwallet.Issued, wl *testwallet.Wallet) { wl.Alter = stripKB }, want: sdjwt.KeyBindingMissing},
		}
		for i, c := range refusals {
			t.Run(c.name, func(t *testing.T) {
				id := c.id
				id.GivenName, id.FamilyName = "José", "da Silva"
				portal, wl, issued := walletFor("José da Silva", iss[3+i], id)
				if c.setup != nil {
					c.setup(iss[3+i], issued, wl)
				}
				a := startAttempt(t, portal, "cross_device")
				code, body, err := wl.AnswerLink(ctx, a.WalletLink, c.edit)
				if err != nil || code != http.StatusBadRequest || !strings.Contains(body, string(c.want)) {
					t.Fatalf("direct_post: %d %s %v; want 400 naming %s", code, body, err, c.want)
				}
				o := outcomeOf(t, portal, a.Attempt)
				if o.Result != "refused" || o.Reason != string(c.want) || o.Message == "" || o.Status != string(verification.AwaitingFreelancer) {
					t.Fatalf("outcome %+v; want refused for %s, worded, and the case still open", o, c.want)
				}
			})
		}

		t.Run("unknown issuer", func(t *testing.T) {
			portal, wl, _ := walletFor("José da Silva", untrusted, jose)
			a := startAttempt(t, portal, "cross_device")
			if code, body, _ := wl.AnswerLink(ctx, a.WalletLink, nil); code != http.StatusBadRequest || !strings.Contains(body, string(sdjwt.UnknownIssuer)) {
				t.Fatalf("an untrusted issuer: %d %s", code, body)
			}
		})
	})
}
