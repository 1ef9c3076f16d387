package server_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// provider is an OpenID Connect provider in the test process: discovery,
// JWKS, authorize and token endpoints, and an RSA key made for the test.
// It signs in whoever it is told to, and its knobs misbehave on purpose.
type provider struct {
	*httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string
	now      func() time.Time

	mu     sync.Mutex
	grants map[string]grant
	// user is who the next sign-in is.
	sub, email string
	// state, when set, replaces the state sent back to the client.
	state func(string) string
	// claims, when set, changes the ID token's claims before signing.
	claims func(map[string]any)
	// signer, when set, signs instead of key (a forged token).
	signer *rsa.PrivateKey
}

type grant struct {
	nonce, challenge, redirect, sub, email string
}

func newProvider(t *testing.T, now func() time.Time) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key, clientID: "attest", secret: "client-secret", now: now, grants: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

func (p *provider) discovery(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]any{
		"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
		"jwks_uri": p.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (p *provider) jwks(w http.ResponseWriter, r *http.Request) {
	pub := p.key.PublicKey
	json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "test-key", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authorize signs the configured user in at once and sends the browser back.
func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	code := rand.Text()
	p.grants[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), sub: p.sub, email: p.email}
	state := q.Get("state")
	if p.state != nil {
		state = p.state(state)
	}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	back.RawQuery = url.Values{"code": {code}, "state": {state}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token checks the client, the code and its PKCE verifier, and answers
// with a signed ID token.
func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	p.mu.Lock()
	g, found := p.grants[r.PostFormValue("code")]
	delete(p.grants, r.PostFormValue("code"))
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case id != p.clientID || secret != p.secret:
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	case !found || g.redirect != r.PostFormValue("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	now := p.now()
	claims := map[string]any{"iss": p.URL, "sub": g.sub, "aud": p.clientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": g.nonce, "email": g.email, "email_verified": true}
	p.mu.Lock()
	if p.claims != nil {
		p.claims(claims)
	}
	signer := p.key
	if p.signer != nil {
		signer = p.signer
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "access", "token_type": "Bearer", "expires_in": 300,
		"id_token": signJWT(signer, claims)})
}

// logBuffer keeps what a server logs, for tests that check why it refused.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

func signJWT(key *rsa.PrivateKey, claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "test-key"})
	body, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(body)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// as sets who the provider signs in next, and resets its misbehaviour.
func (p *provider) as(sub, email string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sub, p.email, p.state, p.claims, p.signer = sub, email, nil, nil, nil
}

func (p *provider) misbehave(f func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// oidcSignIn follows the whole flow from the sign-in button and returns
// where the browser ended up, with the status and page.
func oidcSignIn(t *testing.T, c *http.Client, base string) (int, string, string) {
	t.Helper()
	return fetchFull(t, c, base+"/login/oidc?next=/agent/hours")
}

// fetchFull gets target and returns the status, the path it ended on after
// redirects, and the body.
func fetchFull(t testing.TB, c *http.Client, target string) (int, string, string) {
	t.Helper()
	res, err := c.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Request.URL.Path, string(b)
}

func TestOIDCSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		clk := &clock{now: time.Now().Truncate(time.Second)}
		idp := newProvider(t, clk.Now)
		logs := &logBuffer{}
		s, base := openServed(t, server.Config{Store: cfg, Now: clk.Now, Log: slog.New(slog.NewTextHandler(logs, nil)), OIDC: server.OIDCConfig{Issuer: idp.URL,
			ClientID: idp.clientID, ClientSecret: idp.secret, Name: "Example SSO"}})
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")

		if _, page := fetchWith(t, http.DefaultClient, base+"/login"); !strings.Contains(page, "Sign in with Example SSO") {
			t.Fatal("the sign-in page offers no OIDC button")
		}

		idp.as("idp-maria", "Maria@Example.com")
		maria := newClient()
		if status, path, _ := oidcSignIn(t, maria, base); status != 200 || path != "/agent/hours" {
			t.Fatalf("OIDC sign-in ended at %s with %d", path, status)
		}
		if status, _ := fetchWith(t, maria, base+"/agent"); status != 200 {
			t.Fatal("the OIDC session does not open the console")
		}
		// Signing in again with the same subject works.
		if _, path, _ := oidcSignIn(t, newClient(), base); path != "/agent/hours" {
			t.Fatalf("second OIDC sign-in ended at %s", path)
		}

		for _, tc := range []struct {
			name   string
			setup  func(p *provider)
			status int
			says   string
			logged string // why, in the log
		}{
			{"forged state", func(p *provider) { p.state = func(string) string { return "forged" } }, 400, "not started here", ""},
			{"wrong nonce", func(p *provider) { p.claims = func(c map[string]any) { c["nonce"] = "another" } }, 401, "could not be checked", "nonce"},
			{"wrong audience", func(p *provider) { p.claims = func(c map[string]any) { c["aud"] = "someone-else" } }, 401, "could not be checked", "audience"},
			{"expired", func(p *provider) {
				p.claims = func(c map[string]any) { c["exp"] = clk.Now().Add(-time.Minute).Unix() }
			}, 401, "could not be checked", "expired"},
			{"wrong issuer", func(p *provider) { p.claims = func(c map[string]any) { c["iss"] = "https://evil.example" } }, 401, "could not be checked", "different provider"},
			{"forged signature", func(p *provider) { p.signer, _ = rsa.GenerateKey(rand.Reader, 2048) }, 401, "could not be checked", "signature"},
			{"unverified email", func(p *provider) { p.claims = func(c map[string]any) { c["email_verified"] = false } }, 401, "could not be checked", "verified email"},
			{"unknown email", func(p *provider) { p.sub, p.email = "idp-eve", "eve@example.com" }, 403, "No staff account uses eve@example.com", ""},
			{"another subject for the email", func(p *provider) { p.sub = "idp-impostor" }, 403, "linked to another", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				idp.as("idp-maria", "maria@example.com")
				idp.misbehave(tc.setup)
				c := newClient()
				logs.Reset()
				status, path, page := oidcSignIn(t, c, base)
				if status != tc.status || path != "/login/oidc/callback" || !strings.Contains(page, tc.says) {
					t.Fatalf("ended at %s with %d, want %d saying %q:\n%s", path, status, tc.status, tc.says, page)
				}
				if !strings.Contains(logs.String(), tc.logged) {
					t.Fatalf("refused, but the log does not say %q:\n%s", tc.logged, logs)
				}
				if _, page := fetchWith(t, c, base+"/agent"); !strings.Contains(page, `action="/login"`) {
					t.Fatal("the refused sign-in opened the console")
				}
			})
		}

		// A callback this browser did not start (login CSRF: an attacker's
		// own code and state, delivered to the victim) is refused.
		idp.as("idp-maria", "maria@example.com")
		attacker := &http.Client{Jar: newClient().Jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/login/oidc/callback" {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		res, err := attacker.Get(base + "/login/oidc")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		victim := newClient()
		if status, _, page := fetchFull(t, victim, res.Header.Get("Location")); status != 400 || !strings.Contains(page, "not started here") {
			t.Fatalf("a callback started elsewhere: %d", status)
		}

		if actions := auditActions(t, s); actions["staff.oidc_linked"] != 1 || actions["staff.login"] != 2 {
			t.Fatalf("audit: %v", actions)
		}
	})
}
