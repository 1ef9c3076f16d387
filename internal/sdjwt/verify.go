package sdjwt

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"
)

// Defaults of a Verifier.
const (
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = time.Minute
	// DefaultKeyBindingAge is how old a key-binding JWT may be: the
	// holder signs it when the freelancer agrees to share, moments before
	// it arrives.
	DefaultKeyBindingAge = 5 * time.Minute
)

// Expect is what the verifier asked of this presentation: the key-binding
// JWT must carry the request's nonce and name the verifier as audience.
type Expect struct {
	Nonce    string
	Audience string
}

// Verifier checks presentations of SD-JWT VCs.
type Verifier struct {
	Trust *Trust
	// Status reads the Token Status Lists credentials name; without it a
	// credential that names one is refused with StatusUnavailable.
	Status *StatusLists
	Now    func() time.Time
	// Leeway and KeyBindingAge: DefaultLeeway and DefaultKeyBindingAge when zero.
	Leeway        time.Duration
	KeyBindingAge time.Duration
}

// Credential is a presentation that passed every check.
type Credential struct {
	Issuer string
	// Type is the vct: what kind of credential it is.
	Type      string
	IssuedAt  time.Time // zero when the credential has no iat
	ExpiresAt time.Time // zero when it has no exp
	// Claims are the credential's claims as the holder revealed them: the
	// plain ones and the disclosed ones, with the digests removed.
	Claims map[string]any
	// Holder is the key the credential is bound to (cnf.jwk).
	Holder jose.JSONWebKey
	// Status is the status list entry the credential names, if any.
	Status *StatusRef
}

// Verify checks a presentation: the issuer's signature against the trusted
// issuers, every disclosure, the key binding against want, the validity
// period, and the credential's status when it names a status list. It
// returns the credential or a *Refusal.
func (v *Verifier) Verify(ctx context.Context, presentation string, want Expect) (*Credential, error) {
	now := v.Now()
	issuerJWT, disclosures, kbJWT, hashed, err := parts(presentation)
	if err != nil {
		return nil, err
	}
	payload, is, err := v.issuerPayload(issuerJWT, now)
	if err != nil {
		return nil, err
	}
	c, cnf, err := readCredential(payload)
	if err != nil {
		return nil, err
	}
	if c.Claims, err = disclose(payload, disclosures); err != nil {
		return nil, err
	}
	if err := v.checkKeyBinding(kbJWT, hashed, cnf, want, now); err != nil {
		return nil, err
	}
	c.Holder = *cnf
	if err := v.checkPeriod(payload, now); err != nil {
		return nil, err
	}
	if c.Status != nil {
		if err := v.checkStatus(ctx, *c.Status, is); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (v *Verifier) leeway() time.Duration {
	if v.Leeway > 0 {
		return v.Leeway
	}
	return DefaultLeeway
}

// parseJWS parses a compact JWS with an accepted algorithm and the given typ.
func parseJWS(s, typ, field string) (*jose.JSONWebSignature, error) {
	jws, err := jose.ParseSignedCompact(s, Algorithms)
	var alg *jose.ErrUnexpectedSignatureAlgorithm
	switch {
	case errors.As(err, &alg):
		return nil, refuse(UnsupportedAlgorithm, field+".alg", "%s is not an accepted signature algorithm", alg.Got)
	case err != nil:
		return nil, refuse(Malformed, field, "not a compact JWS: %v", err)
	}
	got, _ := jws.Signatures[0].Header.ExtraHeaders["typ"].(string)
	if got != typ && (typ != TypeCredential || got != TypeCredentialLegacy) {
		return nil, refuse(WrongType, field+".typ", "typ is %q, not %q", got, typ)
	}
	return jws, nil
}

// issuerPayload checks the issuer's JWT and returns its claims and issuer.
func (v *Verifier) issuerPayload(s string, now time.Time) (map[string]any, *Issuer, error) {
	jws, err := parseJWS(s, TypeCredential, "issuer_jwt")
	if err != nil {
		return nil, nil, err
	}
	var unverified struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil {
		return nil, nil, refuse(Malformed, "issuer_jwt.payload", "not a JSON object: %v", err)
	}
	is := v.Trust.Issuer(unverified.Iss)
	if is == nil {
		return nil, nil, refuse(UnknownIssuer, "issuer_jwt.iss", "%q is not a trusted issuer", unverified.Iss)
	}
	body, err := is.verify(jws, "issuer_jwt", now)
	if err != nil {
		return nil, nil, err
	}
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil {
		return nil, nil, refuse(Malformed, "issuer_jwt.payload", "not a JSON object: %v", err)
	}
	return payload, is, nil
}

// readCredential reads what an SD-JWT VC must state in plain sight: iss,
// vct, the holder's key, and its status list entry if any.
func readCredential(p map[string]any) (*Credential, *jose.JSONWebKey, error) {
	c := &Credential{}
	c.Issuer, _ = p["iss"].(string)
	c.Type, _ = p["vct"].(string)
	if c.Type == "" {
		return nil, nil, refuse(Malformed, "issuer_jwt.vct", "an SD-JWT VC states its type (vct) in plain sight")
	}
	if alg, ok := p["_sd_alg"]; ok && alg != HashAlg {
		return nil, nil, refuse(UnsupportedHash, "issuer_jwt._sd_alg", "_sd_alg is %v; only %s is accepted", alg, HashAlg)
	}
	var err error
	if c.IssuedAt, err = numericTime(p, "iat"); err != nil {
		return nil, nil, err
	}
	if c.ExpiresAt, err = numericTime(p, "exp"); err != nil {
		return nil, nil, err
	}
	var cnf *jose.JSONWebKey
	if m, ok := p["cnf"].(map[string]any); ok && m["jwk"] != nil {
		raw, _ := json.Marshal(m["jwk"])
		cnf = new(jose.JSONWebKey)
		if err := cnf.UnmarshalJSON(raw); err != nil || !cnf.Valid() || !cnf.IsPublic() {
			return nil, nil, refuse(Malformed, "issuer_jwt.cnf.jwk", "the holder's key is not a public JWK")
		}
	}
	if c.Status, err = readStatusRef(p); err != nil {
		return nil, nil, err
	}
	return c, cnf, nil
}

// numericTime reads a NumericDate claim; zero when absent.
func numericTime(p map[string]any, name string) (time.Time, error) {
	raw, ok := p[name]
	if !ok {
		return time.Time{}, nil
	}
	f, ok := raw.(float64)
	if !ok || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, refuse(Malformed, "issuer_jwt."+name, "%s is not a NumericDate", name)
	}
	return time.Unix(int64(f), 0).UTC(), nil
}

// checkPeriod refuses a credential outside its validity, with leeway.
func (v *Verifier) checkPeriod(p map[string]any, now time.Time) error {
	exp, err := numericTime(p, "exp")
	if err != nil {
		return err
	}
	nbf, err := numericTime(p, "nbf")
	if err != nil {
		return err
	}
	if !exp.IsZero() && now.After(exp.Add(v.leeway())) {
		return refuse(Expired, "issuer_jwt.exp", "the credential expired at %s", exp.Format(time.RFC3339))
	}
	if !nbf.IsZero() && now.Add(v.leeway()).Before(nbf) {
		return refuse(NotYetValid, "issuer_jwt.nbf", "the credential is not valid before %s", nbf.Format(time.RFC3339))
	}
	return nil
}

// checkKeyBinding checks the holder's key-binding JWT: present, signed by
// the key the credential is bound to, over this request's nonce and
// audience and this very presentation, and signed just now.
func (v *Verifier) checkKeyBinding(kbJWT, hashed string, cnf *jose.JSONWebKey, want Expect, now time.Time) error {
	if kbJWT == "" {
		return refuse(KeyBindingMissing, "kb_jwt", "the presentation carries no key-binding JWT")
	}
	if cnf == nil {
		return refuse(KeyBindingMissing, "issuer_jwt.cnf", "the credential is bound to no holder key (cnf.jwk)")
	}
	jws, err := parseJWS(kbJWT, TypeKeyBinding, "kb_jwt")
	if err != nil {
		return err
	}
	body, err := jws.Verify(cnf.Key)
	if err != nil {
		return refuse(KeyBindingInvalid, "kb_jwt", "not signed by the key the credential is bound to")
	}
	var kb struct {
		Nonce  string   `json:"nonce"`
		Aud    string   `json:"aud"`
		IAT    *float64 `json:"iat"`
		SDHash string   `json:"sd_hash"`
	}
	if err := json.Unmarshal(body, &kb); err != nil {
		return refuse(KeyBindingInvalid, "kb_jwt.payload", "not the payload of a key-binding JWT: %v", err)
	}
	switch {
	case kb.Nonce != want.Nonce:
		return refuse(WrongNonce, "kb_jwt.nonce", "the nonce is not this request's")
	case kb.Aud != want.Audience:
		return refuse(WrongAudience, "kb_jwt.aud", "the audience is %q, not %q", kb.Aud, want.Audience)
	case kb.SDHash != SDHash(hashed):
		return refuse(HashMismatch, "kb_jwt.sd_hash", "sd_hash does not match the credential and disclosures presented")
	case kb.IAT == nil:
		return refuse(KeyBindingInvalid, "kb_jwt.iat", "the key-binding JWT has no iat")
	}
	iat := time.Unix(int64(*kb.IAT), 0)
	age := v.KeyBindingAge
	if age <= 0 {
		age = DefaultKeyBindingAge
	}
	if iat.Before(now.Add(-age)) || iat.After(now.Add(v.leeway())) {
		return refuse(StaleKeyBinding, "kb_jwt.iat", "signed at %s, not within %s of now", iat.UTC().Format(time.RFC3339), age)
	}
	return nil
}

// checkStatus refuses a credential its issuer revoked or suspended.
func (v *Verifier) checkStatus(ctx context.Context, ref StatusRef, is *Issuer) error {
	if v.Status == nil {
		return refuse(StatusUnavailable, "status", "status lists are not read by this service")
	}
	st, err := v.Status.Status(ctx, ref, is)
	if err != nil {
		return err
	}
	switch st {
	case StatusValid:
		return nil
	case StatusSuspended:
		return refuse(Suspended, "status", "the issuer has suspended this credential")
	}
	return refuse(Revoked, "status", "the issuer's status list gives %#x (not valid) for this credential", st)
}
