package credential

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/verification"
)

// Codes of refusals about the response rather than the credential; the
// credential's own are sdjwt's.
const (
	// UnknownRequest: no attempt has this state or id.
	UnknownRequest sdjwt.Code = "unknown_request"
	// RequestExpired: the attempt's time to answer is up.
	RequestExpired sdjwt.Code = "request_expired"
	// Replayed: the attempt was answered already, or this presentation
	// was accepted before.
	Replayed sdjwt.Code = "replayed"
	// WalletError: the wallet answered with an error (the freelancer
	// declined, or had no matching credential).
	WalletError sdjwt.Code = "wallet_error"
	// WrongCredentialType: the credential is not of a type asked for.
	WrongCredentialType sdjwt.Code = "wrong_credential_type"
	// ClaimsMissing: the wallet did not disclose a claim asked for.
	ClaimsMissing sdjwt.Code = "claims_missing"
)

// Codes lists every code an answer may be refused with: the
// credential's own (sdjwt.Codes) and those about the response.
var Codes = append([]sdjwt.Code{UnknownRequest, RequestExpired, Replayed, WalletError, WrongCredentialType, ClaimsMissing},
	sdjwt.Codes...)

func refuse(code sdjwt.Code, field, format string, args ...any) *sdjwt.Refusal {
	return &sdjwt.Refusal{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// maxVPToken caps a vp_token: an SD-JWT VC with its disclosures is a few
// kilobytes; a photo disclosed by mistake would be larger, and is not read.
const maxVPToken = 256 << 10

// ParseVPToken reads a vp_token (OpenID4VP 1.0 section 8.1): a JSON
// object whose key is the credential query's id and whose value is an
// array of one presentation, here an SD-JWT string.
func ParseVPToken(raw []byte) (string, error) {
	if len(raw) > maxVPToken {
		return "", refuse(sdjwt.Malformed, "vp_token", "larger than %d bytes", maxVPToken)
	}
	var token map[string]jsontext.Value
	if err := json.Unmarshal(raw, &token); err != nil || token == nil {
		return "", refuse(sdjwt.Malformed, "vp_token", "not a JSON object keyed by credential query id")
	}
	v, ok := token[QueryID]
	if !ok {
		return "", refuse(sdjwt.Malformed, "vp_token", "no presentation for the credential query %q", QueryID)
	}
	var presentations []string
	if err := json.Unmarshal(v, &presentations); err != nil || len(presentations) != 1 {
		return "", refuse(sdjwt.Malformed, "vp_token."+QueryID, "an array of exactly one SD-JWT presentation is expected")
	}
	return presentations[0], nil
}

// Result is what a verified presentation says of a case's claims.
type Result struct {
	Issuer   string
	Type     string
	Findings []verification.CredentialFinding
	// Hash identifies the presentation, so that it is accepted once.
	Hash string
}

// Check verifies a presentation given for an attempt and compares what it
// discloses with the claims the attempt asked about.
func (s *Service) Check(ctx context.Context, a *Attempt, presentation string, claims []verification.Claim) (*Result, error) {
	now := s.Now()
	if !now.Before(a.ExpiresAt) {
		return nil, refuse(RequestExpired, "state", "the request expired at %s", a.ExpiresAt.UTC().Format("15:04:05 MST"))
	}
	c, err := s.Verifier.Verify(ctx, presentation, sdjwt.Expect{Nonce: a.Nonce, Audience: s.Audience(a.Transport)})
	if err != nil {
		return nil, err
	}
	asked := a.Query.Credentials[0].Meta.VCTValues
	if !slices.Contains(asked, c.Type) {
		return nil, refuse(WrongCredentialType, "vct", "a credential of type %q was presented; asked for %s", c.Type, strings.Join(asked, ", "))
	}
	sum := sha256.Sum256([]byte(presentation))
	r := &Result{Issuer: c.Issuer, Type: c.Type, Hash: hex.EncodeToString(sum[:])}
	for _, claim := range claims {
		disclosed, err := s.disclosed(c.Claims, claim.Kind)
		if err != nil {
			return nil, err
		}
		r.Findings = append(r.Findings, verification.CredentialFinding{Claim: claim.Key, Matched: SameName(claim.Value, disclosed),
			Issuer: c.Issuer, Type: c.Type, At: now})
	}
	return r, nil
}

// disclosed is the value a credential gives for a kind of claim: the
// values at the kind's paths, joined by spaces.
func (s *Service) disclosed(claims map[string]any, kind verification.ClaimKind) (string, error) {
	var words []string
	for _, p := range s.paths()[kind] {
		v, ok := at(claims, p)
		if !ok {
			return "", refuse(ClaimsMissing, strings.Join(p, "."), "the wallet did not disclose %s", strings.Join(p, "."))
		}
		words = append(words, v)
	}
	return strings.Join(words, " "), nil
}

// at reads a string at a claims path pointer of object keys.
func at(claims map[string]any, path []string) (string, bool) {
	var node any = claims
	for _, k := range path {
		m, ok := node.(map[string]any)
		if !ok {
			return "", false
		}
		node = m[k]
	}
	s, ok := node.(string)
	return s, ok && s != ""
}
