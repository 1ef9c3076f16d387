package sdjwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const issuerID = "https://pid.example.test"

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is an issuer, a holder and a verifier that trusts the issuer.
type fixture struct {
	issuer   Signer
	holder   Signer
	verifier *Verifier
	lists    *listServer
}

func newFixture(t testing.TB) *fixture {
	ik, hk := newKey(t), newKey(t)
	f := &fixture{issuer: Signer{Key: ik, Alg: jose.ES256, KeyID: "issuer-1"}, holder: Signer{Key: hk, Alg: jose.ES256}}
	trust := &Trust{}
	if err := trust.Add(&Issuer{ID: issuerID, Keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ik.Public(), KeyID: "issuer-1", Algorithm: "ES256"}}}}); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return t0 }
	lists := NewStatusLists(2*time.Second, now)
	lists.AllowHTTP = true
	f.verifier = &Verifier{Trust: trust, Status: lists, Now: now}
	f.lists = newListServer(t, f.issuer)
	return f
}

func (f *fixture) holderJWK() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: f.holder.Key.Public()}
}

func (f *fixture) issuance() Issuance {
	return Issuance{Issuer: issuerID, Type: "urn:eudi:pid:1", IssuedAt: t0.Add(-24 * time.Hour), Expires: t0.Add(365 * 24 * time.Hour),
		Holder: f.holderJWK(), Disclosable: map[string]any{"given_name": "José", "family_name": "da Silva", "birthdate": "1990-01-01"},
		Decoys: 2}
}

func (f *fixture) issue(t testing.TB, in Issuance) string {
	t.Helper()
	c, err := Issue(f.issuer, in, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var want = Expect{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verify.example.test"}

func (f *fixture) present(t testing.TB, credential string, reveal ...string) string {
	t.Helper()
	p, err := Present(credential, reveal, KeyBinding{Signer: f.holder, Nonce: want.Nonce, Audience: want.Audience, IssuedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listServer serves one status list, as its issuer signed it.
type listServer struct {
	srv     *httptest.Server
	list    *StatusList
	signer  Signer
	fetches atomic.Int32
	down    atomic.Bool
	ttl     time.Duration
}

func newListServer(t testing.TB, s Signer) *listServer {
	ls := &listServer{list: NewStatusList(2, 1024), signer: s, ttl: time.Hour}
	ls.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ls.fetches.Add(1)
		if ls.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		tok, err := StatusListToken(ls.signer, issuerID, ls.uri(), ls.list, t0.Add(-time.Minute), time.Time{}, ls.ttl)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/statuslist+jwt")
		w.Write([]byte(tok))
	}))
	t.Cleanup(ls.srv.Close)
	return ls
}

func (ls *listServer) uri() string { return ls.srv.URL + "/lists/1" }

func TestVerifyHappyPath(t *testing.T) {
	f := newFixture(t)
	p := f.present(t, f.issue(t, f.issuance()), "given_name", "family_name")
	c, err := f.verifier.Verify(context.Background(), p, want)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if c.Issuer != issuerID || c.Type != "urn:eudi:pid:1" {
		t.Errorf("issuer, type = %q, %q", c.Issuer, c.Type)
	}
	if c.Claims["given_name"] != "José" || c.Claims["family_name"] != "da Silva" {
		t.Errorf("claims = %v, want the two names", c.Claims)
	}
	if _, ok := c.Claims["birthdate"]; ok {
		t.Errorf("birthdate was not revealed, yet it is among the claims: %v", c.Claims)
	}
	for _, k := range []string{"_sd", "_sd_alg"} {
		if _, ok := c.Claims[k]; ok {
			t.Errorf("%s left in the claims", k)
		}
	}
}

func TestVerifyNestedAndArrayDisclosures(t *testing.T) {
	f := newFixture(t)
	street, _ := NewDisclosure(rand.Reader, "street_address", "Rua A 1")
	elem := b64.EncodeToString([]byte(`["c2FsdHNhbHQ","PT"]`))
	hidden := b64.EncodeToString([]byte(`["c2FsdHNhbHR4","BR"]`))
	addr, _ := NewDisclosure(rand.Reader, "address", map[string]any{"_sd": []any{Digest(street)}, "country": "PT"})
	claims := map[string]any{"iss": issuerID, "vct": "urn:eudi:pid:1", "iat": t0.Unix(), "_sd_alg": "sha-256",
		"cnf": map[string]any{"jwk": f.holderJWK()}, "_sd": []any{Digest(addr)},
		"nationalities": []any{map[string]any{"...": Digest(elem)}, map[string]any{"...": Digest(hidden)}}}
	jwt, err := f.issuer.sign(TypeCredential, claims)
	if err != nil {
		t.Fatal(err)
	}
	p := f.present(t, jwt+"~"+addr+"~"+street+"~"+elem+"~", "address", "street_address")
	c, err := f.verifier.Verify(context.Background(), p, want)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	a, _ := c.Claims["address"].(map[string]any)
	if a["street_address"] != "Rua A 1" || a["country"] != "PT" {
		t.Errorf("address = %v", c.Claims["address"])
	}
	if n, _ := c.Claims["nationalities"].([]any); len(n) != 1 || n[0] != "PT" {
		t.Errorf("nationalities = %v, want [PT] (the undisclosed element dropped)", c.Claims["nationalities"])
	}
}

// signed signs raw claims as the issuer, for credentials Issue would never make.
func (f *fixture) signed(t testing.TB, claims map[string]any) string {
	jwt, err := f.issuer.sign(TypeCredential, claims)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func TestVerifyRefusals(t *testing.T) {
	f := newFixture(t)
	good := f.issue(t, f.issuance())
	other := Signer{Key: newKey(t), Alg: jose.ES256}
	kb := func(cred string, edit func(*KeyBinding)) string {
		k := KeyBinding{Signer: f.holder, Nonce: want.Nonce, Audience: want.Audience, IssuedAt: t0}
		edit(&k)
		p, err := Present(cred, []string{"given_name", "family_name"}, k)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	withIssuance := func(edit func(*Issuance)) string {
		in := f.issuance()
		edit(&in)
		return f.present(t, f.issue(t, in), "given_name", "family_name")
	}
	given, _ := NewDisclosure(rand.Reader, "given_name", "João")
	tampered := func() string {
		// The holder swaps in a disclosure of its own and signs over it.
		jwt, _, _, _, _ := parts(good)
		return kb(jwt+"~"+given+"~", func(*KeyBinding) {})
	}
	repeated := func() string {
		jwt, ds, _, _, _ := parts(good)
		p, err := Present(jwt+"~"+ds[0]+"~"+ds[0]+"~", []string{"birthdate", "family_name", "given_name"},
			KeyBinding{Signer: f.holder, Nonce: want.Nonce, Audience: want.Audience, IssuedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	digestTwice := func() string {
		d, _ := NewDisclosure(rand.Reader, "given_name", "José")
		jwt := f.signed(t, map[string]any{"iss": issuerID, "vct": "t", "cnf": map[string]any{"jwk": f.holderJWK()},
			"_sd": []any{Digest(d)}, "address": map[string]any{"_sd": []any{Digest(d)}}})
		return kb(jwt+"~"+d+"~", func(*KeyBinding) {})
	}
	unknown := func() string {
		s := f.issuer
		jwt, _ := s.sign(TypeCredential, map[string]any{"iss": "https://other.example", "vct": "t", "cnf": map[string]any{"jwk": f.holderJWK()}})
		return kb(jwt+"~", func(*KeyBinding) {})
	}
	forged := func() string {
		s := other
		s.KeyID = "issuer-1"
		jwt, _ := s.sign(TypeCredential, map[string]any{"iss": issuerID, "vct": "t", "cnf": map[string]any{"jwk": f.holderJWK()}})
		return kb(jwt+"~", func(*KeyBinding) {})
	}
	wrongTyp := func() string {
		jwt, _ := f.issuer.sign("JWT", map[string]any{"iss": issuerID, "vct": "t"})
		return kb(jwt+"~", func(*KeyBinding) {})
	}
	sha512 := func() string {
		return kb(f.signed(t, map[string]any{"iss": issuerID, "vct": "t", "_sd_alg": "sha-512", "cnf": map[string]any{"jwk": f.holderJWK()}})+"~", func(*KeyBinding) {})
	}
	unbound := func() string {
		return kb(f.signed(t, map[string]any{"iss": issuerID, "vct": "t"})+"~", func(*KeyBinding) {})
	}
	hmac := func() string {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, (&jose.SignerOptions{}).WithType(TypeCredential))
		jws, _ := s.Sign([]byte(`{"iss":"` + issuerID + `","vct":"t"}`))
		c, _ := jws.CompactSerialize()
		return c + "~"
	}
	revoked, suspended := 7, 8
	f.lists.list.Set(revoked, StatusInvalid)
	f.lists.list.Set(suspended, StatusSuspended)
	withStatus := func(idx int, uri string) string {
		return withIssuance(func(in *Issuance) { in.Status = &StatusRef{Index: idx, URI: uri} })
	}
	cases := []struct {
		name         string
		presentation string
		want         Code
	}{
		{"no key binding", f.issue(t, f.issuance()), KeyBindingMissing},
		{"credential without cnf", unbound(), KeyBindingMissing},
		{"wrong nonce", kb(good, func(k *KeyBinding) { k.Nonce = "another" }), WrongNonce},
		{"wrong audience", kb(good, func(k *KeyBinding) { k.Audience = "x509_san_dns:evil.example" }), WrongAudience},
		{"key binding by another key", kb(good, func(k *KeyBinding) { k.Signer = other }), KeyBindingInvalid},
		{"key binding too old", kb(good, func(k *KeyBinding) { k.IssuedAt = t0.Add(-6 * time.Minute) }), StaleKeyBinding},
		{"key binding from the future", kb(good, func(k *KeyBinding) { k.IssuedAt = t0.Add(2 * time.Minute) }), StaleKeyBinding},
		{"disclosure dropped after signing", dropDisclosure(kb(good, func(*KeyBinding) {})), HashMismatch},
		{"tampered disclosure", tampered(), UnusedDisclosure},
		{"disclosure presented twice", repeated(), RepeatedDisclosure},
		{"digest twice in the credential", digestTwice(), RepeatedDisclosure},
		{"unknown issuer", unknown(), UnknownIssuer},
		{"forged issuer signature", forged(), BadSignature},
		{"wrong typ", wrongTyp(), WrongType},
		{"HMAC", hmac(), UnsupportedAlgorithm},
		{"sha-512", sha512(), UnsupportedHash},
		{"expired", withIssuance(func(in *Issuance) { in.Expires = t0.Add(-2 * time.Minute) }), Expired},
		{"not yet valid", withIssuance(func(in *Issuance) { in.NotBefore = t0.Add(2 * time.Minute) }), NotYetValid},
		{"revoked", withStatus(revoked, f.lists.uri()), Revoked},
		{"suspended", withStatus(suspended, f.lists.uri()), Suspended},
		{"status list unreachable", withStatus(1, "http://127.0.0.1:1/lists/1"), StatusUnavailable},
		{"index outside the list", withStatus(100000, f.lists.uri()), StatusListInvalid},
		{"not an SD-JWT", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.verifier.Verify(context.Background(), c.presentation, want)
			if CodeOf(err) != c.want {
				t.Fatalf("got %v, %v; want refusal %s", got, err, c.want)
			}
		})
	}
}

func dropDisclosure(p string) string {
	i := strings.IndexByte(p, '~')
	j := strings.IndexByte(p[i+1:], '~')
	return p[:i] + p[i+1+j:]
}

func TestLeewayAllowsSmallSkew(t *testing.T) {
	f := newFixture(t)
	in := f.issuance()
	in.Expires, in.NotBefore = t0.Add(-30*time.Second), t0.Add(30*time.Second)
	p := f.present(t, f.issue(t, in), "given_name")
	if _, err := f.verifier.Verify(context.Background(), p, want); err != nil {
		t.Fatalf("30 s of skew is within the leeway, got %v", err)
	}
}

func TestStatusListCachedForItsTTL(t *testing.T) {
	f := newFixture(t)
	now := t0
	f.verifier.Now = func() time.Time { return now }
	f.verifier.Status.Now = f.verifier.Now
	f.lists.ttl = 10 * time.Minute
	in := f.issuance()
	in.Status = &StatusRef{Index: 3, URI: f.lists.uri()}
	cred := f.issue(t, in)
	verify := func() error {
		p, err := Present(cred, []string{"given_name"}, KeyBinding{Signer: f.holder, Nonce: want.Nonce, Audience: want.Audience, IssuedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.verifier.Verify(context.Background(), p, want)
		return err
	}
	if err := verify(); err != nil {
		t.Fatal(err)
	}
	f.lists.list.Set(3, StatusInvalid)
	now = t0.Add(9 * time.Minute)
	if err := verify(); err != nil || f.lists.fetches.Load() != 1 {
		t.Fatalf("within the ttl: %v after %d fetches, want the cached list (valid) and 1 fetch", err, f.lists.fetches.Load())
	}
	now = t0.Add(11 * time.Minute)
	if err := verify(); CodeOf(err) != Revoked || f.lists.fetches.Load() != 2 {
		t.Fatalf("after the ttl: %v after %d fetches, want revoked after 2", err, f.lists.fetches.Load())
	}
	f.lists.down.Store(true)
	now = t0.Add(30 * time.Minute)
	if err := verify(); CodeOf(err) != StatusUnavailable {
		t.Fatalf("list down after the ttl: %v, want %s (never the stale list, never an acceptance)", err, StatusUnavailable)
	}
}

func TestStatusListSignedByAnotherKey(t *testing.T) {
	f := newFixture(t)
	f.lists.signer = Signer{Key: newKey(t), Alg: jose.ES256, KeyID: "issuer-1"}
	in := f.issuance()
	in.Status = &StatusRef{Index: 3, URI: f.lists.uri()}
	p := f.present(t, f.issue(t, in), "given_name")
	if _, err := f.verifier.Verify(context.Background(), p, want); CodeOf(err) != StatusListInvalid {
		t.Fatalf("got %v, want %s", err, StatusListInvalid)
	}
}

func TestStatusListBits(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		l := NewStatusList(bits, 100)
		for i := range 100 {
			l.Set(i, i%(1<<bits))
		}
		enc := l.Encode()
		back, err := decodeStatusList(float64(bits), enc["lst"].(string))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			if got, _ := back.Get(i); got != i%(1<<bits) {
				t.Fatalf("bits %d: entry %d = %d, want %d", bits, i, got, i%(1<<bits))
			}
		}
	}
	// The draft's example: one bit per entry, bytes 0xB9 0xA3 give entry 0 = 1, 1 = 0, 3 = 1.
	l := &StatusList{Bits: 1, Bytes: []byte{0xB9, 0xA3}}
	for i, want := range []int{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1} {
		if got, _ := l.Get(i); got != want {
			t.Errorf("entry %d = %d, want %d", i, got, want)
		}
	}
}

// chain makes a root and a leaf naming dns, signed by the root.
func chain(t testing.TB, dns string) (root *x509.Certificate, leaf *x509.Certificate, leafKey *ecdsa.PrivateKey) {
	rk, lk := newKey(t), newKey(t)
	rt := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root"}, NotBefore: t0.Add(-time.Hour),
		NotAfter: t0.Add(time.Hour * 24 * 365), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rder, err := x509.CreateCertificate(rand.Reader, rt, rt, rk.Public(), rk)
	if err != nil {
		t.Fatal(err)
	}
	root, _ = x509.ParseCertificate(rder)
	lt := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dns}, DNSNames: []string{dns},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour * 24 * 30), KeyUsage: x509.KeyUsageDigitalSignature}
	lder, err := x509.CreateCertificate(rand.Reader, lt, root, lk.Public(), rk)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(lder)
	return root, leaf, lk
}

func TestX509TrustAnchors(t *testing.T) {
	root, leaf, lk := chain(t, "pid.example.test")
	otherRoot, _, _ := chain(t, "pid.example.test")
	pemOf := func(c *x509.Certificate) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	holder := Signer{Key: newKey(t), Alg: jose.ES256}
	verify := func(rootPEM string, s Signer) error {
		trust, err := ParseTrust([]byte(`{"issuers":[{"iss":"` + issuerID + `","x509_roots_pem":[` + jsonString(rootPEM) + `]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		v := &Verifier{Trust: trust, Now: func() time.Time { return t0 }}
		cred, err := Issue(s, Issuance{Issuer: issuerID, Type: "t", IssuedAt: t0, Holder: &jose.JSONWebKey{Key: holder.Key.Public()},
			Disclosable: map[string]any{"given_name": "A"}}, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Present(cred, []string{"given_name"}, KeyBinding{Signer: holder, Nonce: want.Nonce, Audience: want.Audience, IssuedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), p, want)
		return err
	}
	if err := verify(pemOf(root), Signer{Key: lk, Alg: jose.ES256, Chain: []*x509.Certificate{leaf}}); err != nil {
		t.Errorf("chain to the configured root: %v", err)
	}
	if err := verify(pemOf(otherRoot), Signer{Key: lk, Alg: jose.ES256, Chain: []*x509.Certificate{leaf}}); CodeOf(err) != UntrustedCertificate {
		t.Errorf("chain to another root: %v, want %s", err, UntrustedCertificate)
	}
	strangerRoot, strangerLeaf, sk := chain(t, "other.example.test")
	if err := verify(pemOf(strangerRoot), Signer{Key: sk, Alg: jose.ES256, Chain: []*x509.Certificate{strangerLeaf}}); CodeOf(err) != UntrustedCertificate {
		t.Errorf("leaf naming another host: %v, want %s", err, UntrustedCertificate)
	}
}

func jsonString(s string) string {
	return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"`
}
