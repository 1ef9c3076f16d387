package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/sdjwt"
)

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func newService(t testing.TB, now *time.Time) *Service {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, pub, err := NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{BaseURL: "https://verify.example", Marketplace: "Example Market", Signer: signer,
		Published: []jose.JSONWebKey{pub}, NonceKey: []byte("0123456789abcdef0123456789abcdef"),
		Now: func() time.Time { return *now }, Random: rand.Reader}
}

// proof signs a key proof; edit may change header fields and claims first.
func proof(t testing.TB, holder *ecdsa.PrivateKey, header map[string]any, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range header {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: holder}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func TestCheckProof(t *testing.T) {
	now := t0
	s := newService(t, &now)
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	nonce, err := s.NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: holder.Public()}
	good := func() (map[string]any, map[string]any) {
		return map[string]any{"typ": ProofType, "jwk": jwk},
			map[string]any{"aud": s.BaseURL, "iat": now.Unix(), "nonce": nonce}
	}
	cases := []struct {
		name string
		edit func(h, c map[string]any)
		key  *ecdsa.PrivateKey
		want string
	}{
		{name: "good", want: ""},
		{name: "aud as an array of one", edit: func(_, c map[string]any) { c["aud"] = []string{s.BaseURL} }},
		{name: "wrong typ", edit: func(h, _ map[string]any) { h["typ"] = "JWT" }, want: InvalidProof},
		{name: "no jwk", edit: func(h, _ map[string]any) { delete(h, "jwk") }, want: InvalidProof},
		{name: "kid beside jwk", edit: func(h, _ map[string]any) { h["kid"] = "k1" }, want: InvalidProof},
		{name: "private jwk", edit: func(h, _ map[string]any) { h["jwk"] = jose.JSONWebKey{Key: holder} }, want: InvalidProof},
		{name: "signed by another key", key: other, want: InvalidProof},
		{name: "wrong audience", edit: func(_, c map[string]any) { c["aud"] = "https://evil.example" }, want: InvalidProof},
		{name: "two audiences", edit: func(_, c map[string]any) { c["aud"] = []string{s.BaseURL, "x"} }, want: InvalidProof},
		{name: "no iat", edit: func(_, c map[string]any) { delete(c, "iat") }, want: InvalidProof},
		{name: "old iat", edit: func(_, c map[string]any) { c["iat"] = now.Add(-ProofAge - time.Second).Unix() }, want: InvalidProof},
		{name: "future iat", edit: func(_, c map[string]any) { c["iat"] = now.Add(2 * Leeway).Unix() }, want: InvalidProof},
		{name: "no nonce", edit: func(_, c map[string]any) { delete(c, "nonce") }, want: InvalidProof},
		{name: "foreign nonce", edit: func(_, c map[string]any) { c["nonce"] = "abc" }, want: InvalidNonce},
		{name: "nonce of another issuer", edit: func(_, c map[string]any) {
			o := &Service{NonceKey: []byte("another key, another issuer....."), Now: s.Now, Random: rand.Reader}
			n, _ := o.NewNonce()
			c["nonce"] = n
		}, want: InvalidNonce},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, claims := good()
			if c.edit != nil {
				c.edit(h, claims)
			}
			key := holder
			if c.key != nil {
				key = c.key
			}
			got, err := s.CheckProof(proof(t, key, h, claims))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want == "" && !holder.PublicKey.Equal(got.Key):
				t.Fatal("returned another key than the proof's")
			case c.want != "" && (AsError(err) == nil || AsError(err).Code != c.want):
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
}

func TestNonceGoesStale(t *testing.T) {
	now := t0
	s := newService(t, &now)
	n, _ := s.NewNonce()
	if err := s.CheckNonce(n); err != nil {
		t.Fatal(err)
	}
	now = now.Add(NonceLifetime + time.Second)
	if e := AsError(s.CheckNonce(n)); e == nil || e.Code != InvalidNonce || !strings.Contains(e.Description, "stale") {
		t.Fatalf("a stale nonce: %v", e)
	}
	tampered := []byte(n)
	tampered[3] ^= 1
	if e := AsError(s.CheckNonce(string(tampered))); e == nil || e.Code != InvalidNonce {
		t.Fatalf("a tampered nonce: %v", e)
	}
}

func TestParseTokenRequest(t *testing.T) {
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"good", url.Values{"grant_type": {PreAuthorizedGrant}, "pre-authorized_code": {"abc"}}, ""},
		{"unknown parameter ignored", url.Values{"grant_type": {PreAuthorizedGrant}, "pre-authorized_code": {"abc"}, "client_id": {"w"}}, ""},
		{"no grant type", url.Values{"pre-authorized_code": {"abc"}}, InvalidRequest},
		{"another grant", url.Values{"grant_type": {"authorization_code"}, "code": {"abc"}}, UnsupportedGrantType},
		{"no code", url.Values{"grant_type": {PreAuthorizedGrant}}, InvalidRequest},
		{"tx_code not asked for", url.Values{"grant_type": {PreAuthorizedGrant}, "pre-authorized_code": {"abc"}, "tx_code": {"1234"}}, InvalidRequest},
		{"code twice", url.Values{"grant_type": {PreAuthorizedGrant}, "pre-authorized_code": {"a", "b"}}, InvalidRequest},
		{"code too long", url.Values{"grant_type": {PreAuthorizedGrant}, "pre-authorized_code": {strings.Repeat("a", 200)}}, InvalidGrant},
	}
	for _, c := range cases {
		req, err := ParseTokenRequest(c.form)
		if c.want == "" && (err != nil || req.Code == "") {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.want != "" && (AsError(err) == nil || AsError(err).Code != c.want) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
}

func TestParseCredentialRequest(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"good", `{"credential_configuration_id": "attest_verified_claims", "proofs": {"jwt": ["a.b.c"]}}`, ""},
		{"unknown member ignored", `{"credential_configuration_id": "attest_verified_claims", "proofs": {"jwt": ["a.b.c"]}, "x": 1}`, ""},
		{"not JSON", `credential`, InvalidCredentialRequest},
		{"member twice", `{"credential_configuration_id": "attest_verified_claims", "credential_configuration_id": "x", "proofs": {"jwt": ["a"]}}`, InvalidCredentialRequest},
		{"no configuration", `{"proofs": {"jwt": ["a.b.c"]}}`, InvalidCredentialRequest},
		{"identifier", `{"credential_identifier": "x", "proofs": {"jwt": ["a.b.c"]}}`, InvalidCredentialRequest},
		{"unknown configuration", `{"credential_configuration_id": "mdl", "proofs": {"jwt": ["a.b.c"]}}`, UnknownConfiguration},
		{"no proofs", `{"credential_configuration_id": "attest_verified_claims"}`, InvalidProof},
		{"old proof member", `{"credential_configuration_id": "attest_verified_claims", "proof": {"proof_type": "jwt", "jwt": "a"}}`, InvalidProof},
		{"another proof type", `{"credential_configuration_id": "attest_verified_claims", "proofs": {"di_vp": [{}]}}`, InvalidProof},
		{"batch", `{"credential_configuration_id": "attest_verified_claims", "proofs": {"jwt": ["a", "b"]}}`, InvalidProof},
		{"empty proof", `{"credential_configuration_id": "attest_verified_claims", "proofs": {"jwt": [""]}}`, InvalidProof},
		{"encryption", `{"credential_configuration_id": "attest_verified_claims", "proofs": {"jwt": ["a"]}, "credential_response_encryption": {}}`, "invalid_encryption_parameters"},
	}
	for _, c := range cases {
		req, err := ParseCredentialRequest([]byte(c.body))
		if c.want == "" && (err != nil || req.Proof == "") {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.want != "" && (AsError(err) == nil || AsError(err).Code != c.want) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
}

// A credential states the marketplace and time in plain sight and each
// claim as its own disclosure; its status list marks what was revoked.
func TestCredentialAndStatusList(t *testing.T) {
	now := t0
	s := newService(t, &now)
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	st := Statement{VerifiedAt: t0.Add(-time.Hour), Claims: []VerifiedClaim{
		{Key: "legal_name", Label: "Legal name", Value: "Ana Souza", Kind: "identity"},
		{Key: "iss", Label: "A claim named like a registered one", Value: "x"}}}
	issued, err := s.Credential(st, &jose.JSONWebKey{Key: holder.Public()}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(issued.Credential, "~"); got != 3 {
		t.Fatalf("%d disclosures, want 2", got-1)
	}
	list, err := s.StatusList(8, []int64{7})
	if err != nil {
		t.Fatal(err)
	}
	trust := &sdjwt.Trust{}
	if err := trust.Add(&sdjwt.Issuer{ID: s.BaseURL, Keys: jose.JSONWebKeySet{Keys: s.Published}}); err != nil {
		t.Fatal(err)
	}
	lists := sdjwt.NewStatusLists(time.Second, func() time.Time { return now })
	lists.Client = staticClient(s.StatusListURI(), list)
	v := &sdjwt.Verifier{Trust: trust, Status: lists, Now: func() time.Time { return now }}
	p, _ := sdjwt.Present(issued.Credential, []string{"legal_name"}, sdjwt.KeyBinding{Signer: sdjwt.Signer{Key: holder, Alg: jose.ES256},
		Nonce: "n", Audience: "a", IssuedAt: now})
	_, err = v.Verify(t.Context(), p, sdjwt.Expect{Nonce: "n", Audience: "a"})
	if sdjwt.CodeOf(err) != sdjwt.Revoked {
		t.Fatalf("index 7 revoked: %v", err)
	}
	list, _ = s.StatusList(8, nil)
	lists = sdjwt.NewStatusLists(time.Second, func() time.Time { return now })
	lists.Client = staticClient(s.StatusListURI(), list)
	v.Status = lists
	c, err := v.Verify(t.Context(), p, sdjwt.Expect{Nonce: "n", Audience: "a"})
	if err != nil {
		t.Fatal(err)
	}
	claims := c.Claims[ClaimsMember].(map[string]any)
	if c.Claims["marketplace"] != "Example Market" || c.Claims["iss"] != s.BaseURL || len(claims) != 1 ||
		claims["legal_name"].(map[string]any)["value"] != "Ana Souza" || c.ExpiresAt != t0.Add(DefaultLifetime) {
		t.Fatalf("presented only the legal name, the verifier sees %+v", c.Claims)
	}
}
