package testwallet

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/attest-dev/attest/internal/sdjwt"
)

// This file is the wallet's side of OpenID for Verifiable Credential
// Issuance 1.0 with a pre-authorized code: what a phone wallet does with
// attest's "Add to your wallet" offer, step by step so that tests can
// change any step.

// Offer is a credential offer as the wallet reads it.
type Offer struct {
	CredentialIssuer string   `json:"credential_issuer"`
	ConfigurationIDs []string `json:"credential_configuration_ids"`
	Grants           map[string]struct {
		Code   string `json:"pre-authorized_code"`
		TxCode any    `json:"tx_code"`
	} `json:"grants"`
}

// preAuthorized is the grant type of the pre-authorized code.
const preAuthorized = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// Code is the offer's pre-authorized code.
func (o *Offer) Code() string { return o.Grants[preAuthorized].Code }

// ParseOffer reads an openid-credential-offer:// link holding the offer by value.
func ParseOffer(link string) (*Offer, error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "openid-credential-offer" {
		return nil, fmt.Errorf("not an openid-credential-offer:// link: %q", link)
	}
	return readOffer([]byte(u.Query().Get("credential_offer")))
}

// OfferURI is the credential_offer_uri of a link holding an offer by
// reference, or "" when the link holds it by value.
func OfferURI(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "openid-credential-offer" {
		return "", fmt.Errorf("not an openid-credential-offer:// link: %q", link)
	}
	q := u.Query()
	_, byValue := q["credential_offer"]
	uri, byReference := q["credential_offer_uri"]
	switch {
	case byValue && byReference:
		return "", errors.New("the link holds both credential_offer and credential_offer_uri; an offer has one")
	case byValue:
		return "", nil
	case !byReference || len(uri) != 1 || uri[0] == "":
		return "", errors.New("the link holds neither credential_offer nor credential_offer_uri")
	}
	return uri[0], nil
}

// FetchOffer reads a credential offer from a link, by value or by
// reference: the reference is fetched with GET, as OpenID4VCI 1.0
// section 4.1.3 says, and must answer application/json.
func (wl *Wallet) FetchOffer(ctx context.Context, link string) (*Offer, error) {
	uri, err := OfferURI(link)
	if err != nil {
		return nil, err
	}
	if uri == "" {
		return ParseOffer(link)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("credential_offer_uri: %w", err)
	}
	var raw jsontext.Value
	if err := wl.call(req, &raw); err != nil {
		return nil, fmt.Errorf("credential offer at %s: %w", uri, err)
	}
	return readOffer(raw)
}

func readOffer(b []byte) (*Offer, error) {
	var o Offer
	if err := json.Unmarshal(b, &o, json.RejectUnknownMembers(false)); err != nil {
		return nil, fmt.Errorf("credential_offer: %w", err)
	}
	if o.CredentialIssuer == "" || len(o.ConfigurationIDs) == 0 || o.Code() == "" {
		return nil, errors.New("the offer names no issuer, no configuration or no pre-authorized code")
	}
	if o.Grants[preAuthorized].TxCode != nil {
		return nil, errors.New("the offer asks for a transaction code, which the test wallet cannot type")
	}
	return &o, nil
}

// IssuerMetadata is what the wallet reads of the issuer's metadata and of
// its authorization server's.
type IssuerMetadata struct {
	CredentialIssuer   string                   `json:"credential_issuer"`
	CredentialEndpoint string                   `json:"credential_endpoint"`
	NonceEndpoint      string                   `json:"nonce_endpoint"`
	Configurations     map[string]Configuration `json:"credential_configurations_supported"`
	TokenEndpoint      string                   `json:"-"`
}

// Configuration is one credential the issuer offers.
type Configuration struct {
	Format  string   `json:"format"`
	VCT     string   `json:"vct"`
	Binding []string `json:"cryptographic_binding_methods_supported"`
	Proofs  map[string]struct {
		Algs []string `json:"proof_signing_alg_values_supported"`
	} `json:"proof_types_supported"`
}

// OAuthError is a refusal from the issuer's token or credential endpoint.
type OAuthError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *OAuthError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Description)
}

func (wl *Wallet) client() *http.Client {
	if wl.Client != nil {
		return wl.Client
	}
	return http.DefaultClient
}

// call sends a request and reads a JSON answer into out, or an *OAuthError.
func (wl *Wallet) call(req *http.Request, out any) error {
	resp, err := wl.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		e := &OAuthError{Status: resp.StatusCode}
		json.Unmarshal(body, e, json.RejectUnknownMembers(false))
		return e
	}
	return json.Unmarshal(body, out, json.RejectUnknownMembers(false))
}

func (wl *Wallet) get(ctx context.Context, uri string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return err
	}
	return wl.call(req, out)
}

// wellKnown inserts a well-known path between an identifier's host and path.
func wellKnown(identifier, name string) (string, error) {
	u, err := url.Parse(identifier)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("not an issuer identifier: %q", identifier)
	}
	return u.Scheme + "://" + u.Host + "/.well-known/" + name + strings.TrimRight(u.Path, "/"), nil
}

// Metadata fetches the issuer's metadata and its authorization server's
// token endpoint, checking each names the issuer it was fetched for.
func (wl *Wallet) Metadata(ctx context.Context, issuer string) (*IssuerMetadata, error) {
	uri, err := wellKnown(issuer, "openid-credential-issuer")
	if err != nil {
		return nil, err
	}
	var m IssuerMetadata
	if err := wl.get(ctx, uri, &m); err != nil {
		return nil, fmt.Errorf("issuer metadata: %w", err)
	}
	if m.CredentialIssuer != issuer {
		return nil, fmt.Errorf("the metadata names %q, not %q", m.CredentialIssuer, issuer)
	}
	if uri, err = wellKnown(issuer, "oauth-authorization-server"); err != nil {
		return nil, err
	}
	var as struct {
		Issuer        string   `json:"issuer"`
		TokenEndpoint string   `json:"token_endpoint"`
		Grants        []string `json:"grant_types_supported"`
	}
	if err := wl.get(ctx, uri, &as); err != nil {
		return nil, fmt.Errorf("authorization server metadata: %w", err)
	}
	if as.Issuer != issuer || as.TokenEndpoint == "" {
		return nil, fmt.Errorf("the authorization server metadata names %q and token endpoint %q", as.Issuer, as.TokenEndpoint)
	}
	m.TokenEndpoint = as.TokenEndpoint
	return &m, nil
}

// Token redeems a pre-authorized code for an access token.
func (wl *Wallet) Token(ctx context.Context, tokenEndpoint string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := wl.call(req, &out); err != nil {
		return "", err
	}
	if out.AccessToken == "" || !strings.EqualFold(out.TokenType, "Bearer") {
		return "", fmt.Errorf("token response without a Bearer access token: %+v", out)
	}
	return out.AccessToken, nil
}

// CodeForm is the token request of a pre-authorized code.
func CodeForm(code string) url.Values {
	return url.Values{"grant_type": {preAuthorized}, "pre-authorized_code": {code}}
}

// Nonce fetches a c_nonce.
func (wl *Wallet) Nonce(ctx context.Context, nonceEndpoint string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, nonceEndpoint, nil)
	if err != nil {
		return "", err
	}
	var out struct {
		Nonce string `json:"c_nonce"`
	}
	if err := wl.call(req, &out); err != nil {
		return "", err
	}
	return out.Nonce, nil
}

// ProofClaims are what a key proof states.
type ProofClaims struct {
	Audience string
	Nonce    string
	IssuedAt time.Time
}

// Proof signs a key proof (typ openid4vci-proof+jwt) with the holder key,
// naming it in the jwk header. signer, when not nil, signs instead while
// the header still names the holder key: a proof a test expects refused.
func (wl *Wallet) Proof(c ProofClaims, signer *sdjwt.Signer) (string, error) {
	key := wl.Holder
	if signer != nil {
		key = *signer
	}
	opts := (&jose.SignerOptions{}).WithType("openid4vci-proof+jwt").
		WithHeader(jose.HeaderKey("jwk"), wl.HolderKey())
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: key.Alg, Key: key.Key}, opts)
	if err != nil {
		return "", err
	}
	claims := map[string]any{"aud": c.Audience, "iat": c.IssuedAt.Unix()}
	if c.Nonce != "" {
		claims["nonce"] = c.Nonce
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// RequestCredential asks the credential endpoint for the credential of a
// configuration, with one key proof, and returns the credential.
func (wl *Wallet) RequestCredential(ctx context.Context, endpoint, accessToken, configuration, proof string) (string, error) {
	body, _ := json.Marshal(map[string]any{"credential_configuration_id": configuration, "proofs": map[string]any{"jwt": []string{proof}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+accessToken)
	var out struct {
		Credentials []struct {
			Credential string `json:"credential"`
		} `json:"credentials"`
	}
	if err := wl.call(req, &out); err != nil {
		return "", err
	}
	if len(out.Credentials) != 1 || out.Credentials[0].Credential == "" {
		return "", fmt.Errorf("the credential response holds %d credentials", len(out.Credentials))
	}
	return out.Credentials[0].Credential, nil
}

// Receive takes a credential offer link (by value or by reference) the
// whole way, as a phone wallet does: the offer, the metadata, the token,
// a c_nonce, a proof, the credential, which it keeps as wl.Credential and
// returns.
func (wl *Wallet) Receive(ctx context.Context, link string) (string, error) {
	o, err := wl.FetchOffer(ctx, link)
	if err != nil {
		return "", err
	}
	m, err := wl.Metadata(ctx, o.CredentialIssuer)
	if err != nil {
		return "", err
	}
	conf, ok := m.Configurations[o.ConfigurationIDs[0]]
	if !ok || conf.Format != sdjwt.TypeCredential {
		return "", fmt.Errorf("the issuer's metadata has no %s configuration %q", sdjwt.TypeCredential, o.ConfigurationIDs[0])
	}
	token, err := wl.Token(ctx, m.TokenEndpoint, CodeForm(o.Code()))
	if err != nil {
		return "", err
	}
	nonce, err := wl.Nonce(ctx, m.NonceEndpoint)
	if err != nil {
		return "", err
	}
	proof, err := wl.Proof(ProofClaims{Audience: o.CredentialIssuer, Nonce: nonce, IssuedAt: wl.now()}, nil)
	if err != nil {
		return "", err
	}
	c, err := wl.RequestCredential(ctx, m.CredentialEndpoint, token, o.ConfigurationIDs[0], proof)
	if err != nil {
		return "", err
	}
	wl.Credential = c
	return c, nil
}

func (wl *Wallet) now() time.Time {
	if wl.Now != nil {
		return wl.Now()
	}
	return time.Now()
}

// CheckIssued checks a credential as any verifier would, knowing only the
// issuer's identifier: the issuer's keys from its /.well-known/jwt-vc-issuer,
// the signature, every disclosure, the binding to this wallet's key (a
// presentation of every claim, signed by the holder), the validity period,
// and its entry in the issuer's status list, fetched afresh. A revoked
// credential is a *sdjwt.Refusal with code revoked.
func (wl *Wallet) CheckIssued(ctx context.Context, issuer string) (*sdjwt.Credential, error) {
	uri, err := wellKnown(issuer, "jwt-vc-issuer")
	if err != nil {
		return nil, err
	}
	var meta struct {
		Issuer string             `json:"issuer"`
		JWKS   jose.JSONWebKeySet `json:"jwks"`
	}
	if err := wl.get(ctx, uri, &meta); err != nil {
		return nil, fmt.Errorf("jwt-vc-issuer metadata: %w", err)
	}
	if meta.Issuer != issuer {
		return nil, fmt.Errorf("the jwt-vc-issuer metadata names %q, not %q", meta.Issuer, issuer)
	}
	trust := &sdjwt.Trust{}
	if err := trust.Add(&sdjwt.Issuer{ID: issuer, Keys: meta.JWKS}); err != nil {
		return nil, err
	}
	lists := sdjwt.NewStatusLists(5*time.Second, wl.now)
	lists.AllowHTTP, lists.Client = true, wl.client()
	v := &sdjwt.Verifier{Trust: trust, Status: lists, Now: wl.now}
	nonce := rand.Text()
	p, err := sdjwt.Present(wl.Credential, disclosedNames(wl.Credential), sdjwt.KeyBinding{Signer: wl.Holder, Nonce: nonce, Audience: "testwallet", IssuedAt: wl.now()})
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, p, sdjwt.Expect{Nonce: nonce, Audience: "testwallet"})
}

// disclosedNames lists the claim names of every disclosure of a credential.
func disclosedNames(credential string) []string {
	var names []string
	parts := strings.Split(strings.TrimSuffix(credential, "~"), "~")
	for _, d := range parts[1:] {
		raw, err := base64.RawURLEncoding.DecodeString(d)
		if err != nil {
			continue
		}
		var arr []any
		if json.Unmarshal(raw, &arr) == nil && len(arr) == 3 {
			if name, ok := arr[1].(string); ok {
				names = append(names, name)
			}
		}
	}
	return names
}

// IssuerOf reads the iss of a credential's issuer JWT, unverified: which
// issuer to ask for the keys that verify it (CheckIssued).
func IssuerOf(credential string) (string, error) {
	jwt, _, _ := strings.Cut(credential, "~")
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "", errors.New("the credential's issuer JWT is not a compact JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("the credential's payload: %w", err)
	}
	var p struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(raw, &p, json.RejectUnknownMembers(false)); err != nil || p.Issuer == "" {
		return "", fmt.Errorf("the credential names no issuer: %v", err)
	}
	return p.Issuer, nil
}
