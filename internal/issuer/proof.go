package issuer

import (
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"
)

// ProofType is the typ of a key proof JWT (OpenID4VCI 1.0 appendix F.1).
const ProofType = "openid4vci-proof+jwt"

// ProofAlgorithms are the algorithms a key proof may be signed with:
// asymmetric only.
var ProofAlgorithms = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.PS256, jose.RS256}

// maxProof bounds a key proof as read: a JWT with one public key.
const maxProof = 16 << 10

// CheckProof reads a key proof JWT and returns the public key the
// credential is to be bound to: its header's jwk, which must have signed
// it, over this issuer as audience, a c_nonce of this issuer, and an iat
// of just now. Every failure is an *Error: invalid_proof, or invalid_nonce
// for a c_nonce that is not this issuer's or is stale.
func (s *Service) CheckProof(proof string) (*jose.JSONWebKey, error) {
	bad := func(format string, args ...any) error {
		return refuse(http.StatusBadRequest, InvalidProof, format, args...)
	}
	if len(proof) > maxProof {
		return nil, bad("the proof is longer than %d bytes", maxProof)
	}
	jws, err := jose.ParseSignedCompact(proof, ProofAlgorithms)
	var alg *jose.ErrUnexpectedSignatureAlgorithm
	switch {
	case errors.As(err, &alg):
		return nil, bad("the proof is signed with %s, not one of proof_signing_alg_values_supported", alg.Got)
	case err != nil:
		return nil, bad("the proof is not a compact JWS")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders["typ"].(string); typ != ProofType {
		return nil, bad("the proof's typ is %q, not %s", typ, ProofType)
	}
	if h.JSONWebKey == nil {
		return nil, bad("the proof names its key by a jwk header (this issuer binds to jwk only)")
	}
	if h.KeyID != "" || hasX5C(proof) {
		return nil, bad("the proof's jwk header must stand alone: no kid or x5c beside it")
	}
	key := h.JSONWebKey
	if !key.Valid() || !key.IsPublic() {
		return nil, bad("the proof's jwk is not a public key")
	}
	body, err := jws.Verify(key.Key)
	if err != nil {
		return nil, bad("the proof is not signed by the key in its jwk header")
	}
	var claims struct {
		Aud   any      `json:"aud"`
		Iat   *float64 `json:"iat"`
		Nonce *string  `json:"nonce"`
	}
	if err := json.Unmarshal(body, &claims, json.RejectUnknownMembers(false)); err != nil {
		return nil, bad("the proof's claims are not a JSON object of aud, iat and nonce")
	}
	if !audienceIs(claims.Aud, s.BaseURL) {
		return nil, bad("the proof's aud is not this credential issuer, %s", s.BaseURL)
	}
	if claims.Iat == nil || math.IsNaN(*claims.Iat) || math.IsInf(*claims.Iat, 0) {
		return nil, bad("the proof has no iat")
	}
	iat, now := time.Unix(int64(*claims.Iat), 0), s.Now()
	if iat.Before(now.Add(-ProofAge)) || iat.After(now.Add(Leeway)) {
		return nil, bad("the proof was signed at %s, not within %s of now", iat.UTC().Format(time.RFC3339), ProofAge)
	}
	if claims.Nonce == nil {
		return nil, bad("the proof carries no nonce: fetch a c_nonce from the nonce endpoint")
	}
	if err := s.CheckNonce(*claims.Nonce); err != nil {
		return nil, err
	}
	return key, nil
}

// audienceIs reports whether aud is want, alone or as an array of one.
func audienceIs(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return len(a) == 1 && a[0] == want
	}
	return false
}

// hasX5C reports whether a JWS's protected header carries x5c (go-jose
// reads it into the header without saying so).
func hasX5C(jws string) bool {
	head, _, _ := strings.Cut(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return false
	}
	var h map[string]any
	return json.Unmarshal(raw, &h, json.RejectUnknownMembers(false)) == nil && h["x5c"] != nil
}
