package sdjwt

import (
	"context"
	"crypto/rand"
	"github.com/go-json-experiment/json"
	"testing"
	"time"
)

// FuzzVerify feeds presentations of every shape to the verifier: it must
// refuse with a code or accept, never panic, and never accept anything but
// a presentation its issuer and holder signed.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	good := fx.present(f, fx.issue(f, fx.issuance()), "given_name", "family_name")
	f.Add(good)
	f.Add(fx.issue(f, fx.issuance()))
	f.Add("~")
	f.Add("a.b.c~~")
	f.Add("eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.e30.AA~WyJhIiwiYiJd~")
	f.Fuzz(func(t *testing.T, p string) {
		c, err := fx.verifier.Verify(context.Background(), p, want)
		if err == nil && p != good {
			// Only the holder's own presentation verifies; a fuzzer cannot sign.
			t.Fatalf("accepted a presentation nobody signed: %q → %v", p, c)
		}
		if err != nil && CodeOf(err) == "" {
			t.Fatalf("refused without a code: %v", err)
		}
	})
}

// FuzzDisclose feeds disclosures of every shape to the digest walk.
func FuzzDisclose(f *testing.F) {
	d, _ := NewDisclosure(rand.Reader, "given_name", "José")
	f.Add(`{"_sd":["`+Digest(d)+`"]}`, d)
	f.Add(`{"a":[{"...":"`+Digest("WyJhIiwiYiJd")+`"}]}`, "WyJhIiwiYiJd")
	f.Add(`{"_sd":"x"}`, "W10")
	f.Fuzz(func(t *testing.T, payload, disclosure string) {
		var p map[string]any
		if err := json.Unmarshal([]byte(payload), &p); err != nil || p == nil {
			return
		}
		if _, err := disclose(p, []string{disclosure}); err != nil && CodeOf(err) == "" {
			t.Fatalf("refused without a code: %v", err)
		}
	})
}

// FuzzStatusList feeds status list tokens of every shape to the reader.
func FuzzStatusList(f *testing.F) {
	fx := newFixture(f)
	tok, _ := StatusListToken(fx.issuer, issuerID, "https://x/l", NewStatusList(1, 8), t0, time.Time{}, time.Minute)
	f.Add(tok)
	f.Add("a.b.c")
	is := fx.verifier.Trust.Issuer(issuerID)
	f.Fuzz(func(t *testing.T, token string) {
		l, _, err := fx.verifier.Status.readToken(token, "https://x/l", is, t0)
		if err != nil && CodeOf(err) == "" {
			t.Fatalf("refused without a code: %v", err)
		}
		if err == nil {
			l.Get(0)
		}
	})
}
