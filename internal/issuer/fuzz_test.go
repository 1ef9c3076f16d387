package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// staticClient answers every request for uri with body.
func staticClient(uri, body string) *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.String() != uri {
			return &http.Response{StatusCode: http.StatusNotFound, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Whatever a wallet sends as a key proof is refused with invalid_proof or
// invalid_nonce, or accepted with a public key; it never panics.
func FuzzCheckProof(f *testing.F) {
	now := t0
	s := newService(f, &now)
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	nonce, _ := s.NewNonce()
	f.Add(proof(f, holder, map[string]any{"typ": ProofType, "jwk": jose.JSONWebKey{Key: holder.Public()}},
		map[string]any{"aud": s.BaseURL, "iat": now.Unix(), "nonce": nonce}))
	f.Add(proof(f, holder, map[string]any{"typ": ProofType, "jwk": jose.JSONWebKey{Key: holder.Public()}, "x5c": []string{"AAAA"}},
		map[string]any{"aud": []any{1}, "iat": "x"}))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, p string) {
		key, err := s.CheckProof(p)
		if err != nil {
			if e := AsError(err); e == nil || (e.Code != InvalidProof && e.Code != InvalidNonce) {
				t.Fatalf("refused without the protocol's code: %v", err)
			}
			return
		}
		if key == nil || !key.IsPublic() {
			t.Fatal("accepted without a public key")
		}
	})
}

// Whatever form a token request has, it is parsed or refused with an OAuth code.
func FuzzParseTokenRequest(f *testing.F) {
	f.Add("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc")
	f.Add("grant_type=authorization_code&code=x")
	f.Add("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=a&tx_code=1")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // net/http answers these before the parser sees them
		}
		req, err := ParseTokenRequest(form)
		if err != nil {
			if AsError(err) == nil {
				t.Fatalf("refused without an OAuth code: %v", err)
			}
			return
		}
		if req.Code == "" || len(req.Code) > 128 {
			t.Fatalf("accepted code %q", req.Code)
		}
	})
}

// Whatever body a credential request has, it is parsed or refused with a code.
func FuzzParseCredentialRequest(f *testing.F) {
	f.Add([]byte(`{"credential_configuration_id": "attest_verified_claims", "proofs": {"jwt": ["a.b.c"]}}`))
	f.Add([]byte(`{"credential_configuration_id": 1, "proofs": {"jwt": "a"}}`))
	f.Add([]byte(`{"proofs": {"jwt": [null]}, "proof": {}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseCredentialRequest(body)
		if err != nil {
			if AsError(err) == nil {
				t.Fatalf("refused without a protocol code: %v", err)
			}
			return
		}
		if req.Proof == "" {
			t.Fatal("accepted without a proof")
		}
	})
}
