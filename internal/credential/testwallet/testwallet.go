// Package testwallet is a test issuer and a test wallet for attest's
// digital credentials: an issuer of SD-JWT VCs with its own keys and Token
// Status List, and a wallet that answers OpenID4VP requests the way a
// phone wallet does, over HTTP (request_uri, direct_post) or as the Digital
// Credentials API would hand the page its answer. attest's tests drive the
// whole flow with them; a developer can too (docs/CREDENTIALS.md). Keys
// are made afresh for each Issuer and Wallet.
package testwallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/sdjwt"
)

// Issuer issues identity credentials and publishes their status list.
type Issuer struct {
	ID     string // iss, and where its status list lives (ID + "/status/1")
	Signer sdjwt.Signer

	mu   sync.Mutex
	list *sdjwt.StatusList
	next int
	// Down makes the status list answer 503.
	Down bool
}

// NewIssuer makes an issuer with a fresh P-256 key, named by the URL it
// serves its status list at (Handler).
func NewIssuer(id string) (*Issuer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return IssuerWithKey(id, k), nil
}

// IssuerWithKey is an issuer signing with a key kept elsewhere: the demo's,
// whose key lives in the demo's data directory so that a demo started
// again trusts the credentials it issued before.
func IssuerWithKey(id string, key *ecdsa.PrivateKey) *Issuer {
	return &Issuer{ID: strings.TrimRight(id, "/"), Signer: sdjwt.Signer{Key: key, Alg: jose.ES256, KeyID: "test-issuer-1"},
		list: sdjwt.NewStatusList(1, 1024)}
}

// TrustJSON is the trusted-issuers file that makes attest accept this
// issuer (attest serve --credential-issuers FILE).
func (is *Issuer) TrustJSON() []byte {
	jwk := jose.JSONWebKey{Key: is.Signer.Key.Public(), KeyID: is.Signer.KeyID, Algorithm: string(is.Signer.Alg), Use: "sig"}
	b, _ := json.Marshal(map[string]any{"issuers": []any{map[string]any{"iss": is.ID, "name": "attest test issuer",
		"jwks": map[string]any{"keys": []any{jwk}}}}}, json.Deterministic(true))
	return b
}

// Trust is TrustJSON, read.
func (is *Issuer) Trust() (*sdjwt.Trust, error) { return sdjwt.ParseTrust(is.TrustJSON()) }

// StatusURI is the status list's address.
func (is *Issuer) StatusURI() string { return is.ID + "/status/1" }

// Identity is what an identity credential states.
type Identity struct {
	GivenName, FamilyName, BirthDate string
	// Type is the vct; "urn:eudi:pid:1" when empty.
	Type string
	// IssuedAt, NotBefore and Expires: now, none, and a year on when zero.
	IssuedAt, NotBefore, Expires time.Time
	// NoStatus leaves out the status list entry: a credential nobody can
	// revoke, for an issuer that serves no status list (the demo's, run
	// by a command that ends when it has answered).
	NoStatus bool
}

// Issued is a credential and its index in the status list.
type Issued struct {
	Credential string
	Index      int
}

// Issue issues an identity credential bound to holder, with a status list entry.
func (is *Issuer) Issue(id Identity, holder *jose.JSONWebKey) (*Issued, error) {
	is.mu.Lock()
	idx := is.next
	is.next++
	is.mu.Unlock()
	if id.Type == "" {
		id.Type = "urn:eudi:pid:1"
	}
	if id.IssuedAt.IsZero() {
		id.IssuedAt = time.Now()
	}
	if id.Expires.IsZero() {
		id.Expires = id.IssuedAt.AddDate(1, 0, 0)
	}
	disclosable := map[string]any{"given_name": id.GivenName, "family_name": id.FamilyName}
	if id.BirthDate != "" {
		disclosable["birthdate"] = id.BirthDate
	}
	status := &sdjwt.StatusRef{Index: idx, URI: is.StatusURI()}
	if id.NoStatus {
		status = nil
	}
	c, err := sdjwt.Issue(is.Signer, sdjwt.Issuance{Issuer: is.ID, Type: id.Type, IssuedAt: id.IssuedAt, NotBefore: id.NotBefore,
		Expires: id.Expires, Holder: holder, Status: status, Disclosable: disclosable, Decoys: 3}, rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Issued{Credential: c, Index: idx}, nil
}

// Revoke marks a credential's entry invalid.
func (is *Issuer) Revoke(index int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.list.Set(index, sdjwt.StatusInvalid)
}

// Handler serves the status list at /status/1, signed, with a short ttl.
func (is *Issuer) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status/1" {
			http.NotFound(w, r)
			return
		}
		is.mu.Lock()
		down := is.Down
		l := &sdjwt.StatusList{Bits: is.list.Bits, Bytes: append([]byte(nil), is.list.Bytes...)}
		is.mu.Unlock()
		if down {
			http.Error(w, "status list unavailable", http.StatusServiceUnavailable)
			return
		}
		tok, err := sdjwt.StatusListToken(is.Signer, is.ID, is.StatusURI(), l, time.Now(), time.Time{}, time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/statuslist+jwt")
		io.WriteString(w, tok)
	})
}

// Wallet holds one credential and the key it is bound to.
type Wallet struct {
	Holder     sdjwt.Signer
	Credential string
	// Client fetches requests and posts answers (http.DefaultClient when nil).
	Client *http.Client
	// Now is when the key-binding JWT says it was signed (time.Now when nil).
	Now func() time.Time
	// Alter, when set, changes each presentation before it is sent: for
	// tests of what a verifier must refuse.
	Alter func(presentation string) string
}

// NewWallet makes a wallet with a fresh P-256 holder key and no credential yet.
func NewWallet() (*Wallet, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Wallet{Holder: sdjwt.Signer{Key: k, Alg: jose.ES256}}, nil
}

// HolderKey is the public key credentials are bound to.
func (wl *Wallet) HolderKey() *jose.JSONWebKey { return &jose.JSONWebKey{Key: wl.Holder.Key.Public()} }

// Request is an OpenID4VP request as the wallet reads it.
type Request struct {
	ClientID        string   `json:"client_id"`
	ResponseType    string   `json:"response_type"`
	ResponseMode    string   `json:"response_mode"`
	ResponseURI     string   `json:"response_uri"`
	Nonce           string   `json:"nonce"`
	State           string   `json:"state"`
	ExpectedOrigins []string `json:"expected_origins"`
	DCQL            struct {
		Credentials []struct {
			ID     string `json:"id"`
			Format string `json:"format"`
			Meta   struct {
				VCTValues []string `json:"vct_values"`
			} `json:"meta"`
			Claims []struct {
				Path []string `json:"path"`
			} `json:"claims"`
		} `json:"credentials"`
	} `json:"dcql_query"`
}

// ReadRequest checks a signed request object as a wallet must: typ
// oauth-authz-req+jwt, signed by the key of the x5c leaf, which names the
// client_id's host (x509_san_dns). The certificate's own trust is not
// checked: attest's demo signs with a self-signed one.
func ReadRequest(jwt string) (*Request, error) {
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, fmt.Errorf("request object: %w", err)
	}
	h := jws.Signatures[0].Header
	if h.ExtraHeaders["typ"] != "oauth-authz-req+jwt" {
		return nil, fmt.Errorf("request object typ is %v", h.ExtraHeaders["typ"])
	}
	// attest's demo signs with a self-signed certificate: the wallet
	// trusts the chain's last certificate, and checks the rest.
	pool := x509.NewCertPool()
	if root, err := lastX5C(jwt); err == nil {
		pool.AddCert(root)
	}
	chains, err := h.Certificates(x509.VerifyOptions{Roots: pool})
	if err != nil {
		return nil, fmt.Errorf("request object x5c: %w", err)
	}
	leaf := chains[0][0]
	body, err := jws.Verify(leaf.PublicKey)
	if err != nil {
		return nil, errors.New("request object: the signature does not verify with the x5c leaf")
	}
	var req Request
	if err := json.Unmarshal(body, &req, json.RejectUnknownMembers(false)); err != nil {
		return nil, fmt.Errorf("request object: %w", err)
	}
	host, ok := strings.CutPrefix(req.ClientID, "x509_san_dns:")
	if !ok || leaf.VerifyHostname(host) != nil {
		return nil, fmt.Errorf("client_id %q is not named by the request's certificate", req.ClientID)
	}
	if len(req.DCQL.Credentials) != 1 {
		return nil, errors.New("the test wallet answers queries for one credential")
	}
	return &req, nil
}

// lastX5C reads the last certificate of a JWS's x5c header.
func lastX5C(jwt string) (*x509.Certificate, error) {
	head, _, _ := strings.Cut(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return nil, err
	}
	var h struct {
		X5C []string `json:"x5c"`
	}
	if err := json.Unmarshal(raw, &h, json.RejectUnknownMembers(false)); err != nil || len(h.X5C) == 0 {
		return nil, errors.New("no x5c")
	}
	der, err := base64.StdEncoding.DecodeString(h.X5C[len(h.X5C)-1])
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// Present answers a request with the wallet's credential: the claims the
// query names, bound to the nonce and to audience.
func (wl *Wallet) Present(req *Request, audience string) (map[string][]string, error) {
	q := req.DCQL.Credentials[0]
	var reveal []string
	for _, c := range q.Claims {
		reveal = append(reveal, c.Path[0])
	}
	now := time.Now
	if wl.Now != nil {
		now = wl.Now
	}
	p, err := sdjwt.Present(wl.Credential, reveal, sdjwt.KeyBinding{Signer: wl.Holder, Nonce: req.Nonce, Audience: audience, IssuedAt: now()})
	if err != nil {
		return nil, err
	}
	if wl.Alter != nil {
		p = wl.Alter(p)
	}
	return map[string][]string{q.ID: {p}}, nil
}

// AnswerLink does what a phone wallet does with an openid4vp:// link from a
// QR code: fetches the signed request, presents the credential to the
// client_id, and posts the vp_token with the state to the response URI. It
// returns the response URI's status and body. edit, when set, may change
// the presentation's request before the answer (a test's wrong nonce).
func (wl *Wallet) AnswerLink(ctx context.Context, link string, edit func(*Request)) (int, string, error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "openid4vp" {
		return 0, "", fmt.Errorf("not an openid4vp:// link: %q", link)
	}
	client := wl.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Query().Get("request_uri"), nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Accept", "application/oauth-authz-req+jwt")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, string(body), fmt.Errorf("request_uri answered %s", resp.Status)
	}
	r, err := ReadRequest(string(body))
	if err != nil {
		return 0, "", err
	}
	if r.ClientID != u.Query().Get("client_id") || r.ResponseMode != "direct_post" {
		return 0, "", fmt.Errorf("the request's client_id or response_mode does not fit the link")
	}
	if edit != nil {
		edit(r)
	}
	token, err := wl.Present(r, r.ClientID)
	if err != nil {
		return 0, "", err
	}
	return wl.Post(ctx, r.ResponseURI, token, r.State)
}

// Post sends a vp_token to a response URI, as direct_post.
func (wl *Wallet) Post(ctx context.Context, responseURI string, token map[string][]string, state string) (int, string, error) {
	client := wl.Client
	if client == nil {
		client = http.DefaultClient
	}
	vp, _ := json.Marshal(token)
	form := url.Values{"vp_token": {string(vp)}, "state": {state}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURI, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body), nil
}

// AnswerDCAPI does what a wallet on the same device does with a Digital
// Credentials API request: checks the signed request names origin as
// expected, and returns the data the page receives, {"vp_token": {...}},
// bound to "origin:"+origin.
func (wl *Wallet) AnswerDCAPI(requestJWT, origin string, edit func(*Request)) (map[string]any, error) {
	r, err := ReadRequest(requestJWT)
	if err != nil {
		return nil, err
	}
	if r.ResponseMode != "dc_api" || len(r.ExpectedOrigins) == 0 || r.ExpectedOrigins[0] != origin {
		return nil, fmt.Errorf("the request does not expect origin %q (expected_origins %v)", origin, r.ExpectedOrigins)
	}
	if edit != nil {
		edit(r)
	}
	token, err := wl.Present(r, "origin:"+origin)
	if err != nil {
		return nil, err
	}
	return map[string]any{"vp_token": token}, nil
}
