package credential

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/verification"
)

// QueryID is the id of the one credential query of attest's requests: the
// key of the presentation in the wallet's vp_token.
const QueryID = "attest_claims"

// Format is the credential format asked for: SD-JWT VC.
const Format = "dc+sd-jwt"

// Query is a DCQL query (OpenID4VP 1.0 section 6).
type Query struct {
	Credentials []CredentialQuery `json:"credentials"`
}

// CredentialQuery asks for one credential: its format, its types, and
// the claims it must disclose, each by its path.
type CredentialQuery struct {
	ID     string       `json:"id"`
	Format string       `json:"format"`
	Meta   QueryMeta    `json:"meta"`
	Claims []ClaimQuery `json:"claims"`
}

// QueryMeta narrows a credential query to credential types.
type QueryMeta struct {
	VCTValues []string `json:"vct_values"`
}

// ClaimQuery names one claim by its path in the credential.
type ClaimQuery struct {
	Path []string `json:"path"`
}

// Query asks for exactly the credential claims that confirm claims: the
// paths mapped to their kinds, each once. A portrait or a birth date is
// never asked unless the operator mapped a kind to it.
func (s *Service) Query(claims []verification.Claim) Query {
	q := CredentialQuery{ID: QueryID, Format: Format, Meta: QueryMeta{VCTValues: s.types()}, Claims: []ClaimQuery{}}
	for _, c := range claims {
		for _, p := range s.paths()[c.Kind] {
			if !slices.ContainsFunc(q.Claims, func(cq ClaimQuery) bool { return slices.Equal(cq.Path, p) }) {
				q.Claims = append(q.Claims, ClaimQuery{Path: p})
			}
		}
	}
	return Query{Credentials: []CredentialQuery{q}}
}

func (s *Service) types() []string {
	if len(s.Types) > 0 {
		return s.Types
	}
	return DefaultTypes
}

// Attempt is one request as the verifier keeps it.
type Attempt struct {
	ID        string
	Transport string
	Nonce     string
	State     string
	Query     Query
	ExpiresAt time.Time
}

// NewAttempt makes an attempt's nonce and state: 128 random bits each, in
// the URL-safe characters OpenID4VP allows.
func (s *Service) NewAttempt(id, transport string, claims []verification.Claim, random io.Reader) (*Attempt, error) {
	if transport != SameDevice && transport != CrossDevice {
		return nil, fmt.Errorf("transport %q is neither %s nor %s", transport, SameDevice, CrossDevice)
	}
	if random == nil {
		random = rand.Reader
	}
	var b [32]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	lifetime := s.Lifetime
	if lifetime <= 0 {
		lifetime = DefaultLifetime
	}
	return &Attempt{ID: id, Transport: transport, Nonce: base64.RawURLEncoding.EncodeToString(b[:16]),
		State: base64.RawURLEncoding.EncodeToString(b[16:]), Query: s.Query(claims), ExpiresAt: s.Now().Add(lifetime)}, nil
}

// RequestObject is an attempt's signed request (typ oauth-authz-req+jwt):
// for the Digital Credentials API it names attest's origin as the only
// expected one and asks for response mode dc_api; across devices it names
// the response URI and asks for direct_post.
func (s *Service) RequestObject(a *Attempt) (string, error) {
	now := s.Now()
	claims := map[string]any{
		"client_id":     s.ClientID(),
		"response_type": "vp_token",
		"nonce":         a.Nonce,
		"dcql_query":    a.Query,
		"client_metadata": map[string]any{"vp_formats_supported": map[string]any{
			Format: map[string]any{"sd-jwt_alg_values": algNames(), "kb-jwt_alg_values": algNames()},
		}},
		"aud": "https://self-issued.me/v2",
		"iat": now.Unix(),
		"exp": a.ExpiresAt.Unix(),
	}
	if a.Transport == SameDevice {
		claims["response_mode"] = "dc_api"
		claims["expected_origins"] = []string{s.Origin()}
	} else {
		claims["response_mode"] = "direct_post"
		claims["response_uri"] = s.ResponseURI()
		claims["state"] = a.State
	}
	return s.Signer.SignJWT("oauth-authz-req+jwt", claims)
}

func algNames() []string {
	return []string{"ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256"}
}

// WalletLink is the openid4vp:// link a QR code carries for an attempt:
// the client identifier and the request by reference.
func (s *Service) WalletLink(attemptID string) string {
	return "openid4vp://?client_id=" + url.QueryEscape(s.ClientID()) + "&request_uri=" + url.QueryEscape(s.RequestURI(attemptID)) +
		"&request_uri_method=get"
}

// EncodeQuery and DecodeQuery keep a query with its attempt.
func EncodeQuery(q Query) string {
	b, _ := json.Marshal(q)
	return string(b)
}

// DecodeQuery reads a query kept by EncodeQuery.
func DecodeQuery(s string) (Query, error) {
	var q Query
	err := json.Unmarshal([]byte(s), &q)
	return q, err
}
