package sdjwt

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"
)

// Signer signs as an issuer (or a holder): a private key, its algorithm,
// and how verifiers find the public key: a kid, an X.509 chain (x5c, leaf
// first), or both.
type Signer struct {
	Key   crypto.Signer
	Alg   jose.SignatureAlgorithm
	KeyID string
	Chain []*x509.Certificate
}

// sign signs claims as a compact JWS of the given typ.
func (s Signer) sign(typ string, claims any) (string, error) {
	payload, err := json.Marshal(claims, json.Deterministic(true))
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", typ, err)
	}
	return s.signBytes(typ, payload)
}

func (s Signer) signBytes(typ string, payload []byte) (string, error) {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if s.KeyID != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), s.KeyID)
	}
	if len(s.Chain) > 0 {
		x5c := make([]string, len(s.Chain))
		for i, c := range s.Chain {
			x5c[i] = base64.StdEncoding.EncodeToString(c.Raw)
		}
		opts = opts.WithHeader(jose.HeaderKey("x5c"), x5c)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: s.Alg, Key: s.Key}, opts)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", typ, err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", typ, err)
	}
	return jws.CompactSerialize()
}

// SignJWT signs claims as a compact JWS with the given typ header: for
// request objects, proofs and other JWTs around credentials.
func (s Signer) SignJWT(typ string, claims any) (string, error) { return s.sign(typ, claims) }

// Issuance is what a credential states.
type Issuance struct {
	Issuer string
	Type   string // vct
	// IssuedAt is always stated; NotBefore and Expires when not zero.
	IssuedAt, NotBefore, Expires time.Time
	// Holder is the public key the credential is bound to (cnf.jwk).
	Holder *jose.JSONWebKey
	Status *StatusRef
	// Plain claims are always visible; Disclosable ones travel as
	// disclosures the holder may reveal one by one.
	Plain       map[string]any
	Disclosable map[string]any
	// Within are plain objects whose members travel as disclosures, one
	// each: {"verified_claims": {"legal_name": …}} puts an object
	// verified_claims in plain sight holding only digests, so that member
	// names cannot collide with the registered claims (iss, vct, cnf…).
	Within map[string]map[string]any
	// Decoys is how many decoy digests hide how many claims there are.
	Decoys int
}

// Issue signs a credential and returns it as an SD-JWT with every
// disclosure, ending in '~' (no key binding: the holder adds it when
// presenting). random gives the salts and decoys.
func Issue(s Signer, in Issuance, random io.Reader) (string, error) {
	claims := map[string]any{}
	for k, v := range in.Plain {
		claims[k] = v
	}
	claims["iss"], claims["vct"], claims["iat"] = in.Issuer, in.Type, in.IssuedAt.Unix()
	if !in.NotBefore.IsZero() {
		claims["nbf"] = in.NotBefore.Unix()
	}
	if !in.Expires.IsZero() {
		claims["exp"] = in.Expires.Unix()
	}
	if in.Holder != nil {
		claims["cnf"] = map[string]any{"jwk": in.Holder}
	}
	if in.Status != nil {
		claims["status"] = map[string]any{"status_list": in.Status}
	}
	disclosures, digests, err := discloseAll(random, in.Disclosable, in.Decoys)
	if err != nil {
		return "", err
	}
	if len(digests) > 0 {
		claims["_sd"] = digests
	}
	for _, name := range slices.Sorted(maps.Keys(in.Within)) {
		ds, dgs, err := discloseAll(random, in.Within[name], in.Decoys)
		if err != nil {
			return "", err
		}
		disclosures = append(disclosures, ds...)
		claims[name] = map[string]any{"_sd": dgs}
		digests = append(digests, dgs...)
	}
	if len(digests) > 0 {
		claims["_sd_alg"] = HashAlg
	}
	jwt, err := s.sign(TypeCredential, claims)
	if err != nil {
		return "", err
	}
	out := jwt + "~"
	for _, d := range disclosures {
		out += d + "~"
	}
	return out, nil
}

// discloseAll makes a disclosure of each member, in the order of their
// names, and returns them with their digests and decoys sorted: the order
// of digests must not tell which claim is which.
func discloseAll(random io.Reader, members map[string]any, decoys int) (disclosures, digests []string, err error) {
	for _, name := range slices.Sorted(maps.Keys(members)) {
		d, err := NewDisclosure(random, name, members[name])
		if err != nil {
			return nil, nil, err
		}
		disclosures = append(disclosures, d)
		digests = append(digests, Digest(d))
	}
	for range decoys {
		salt, err := newSalt(random)
		if err != nil {
			return nil, nil, err
		}
		digests = append(digests, Digest(salt))
	}
	slices.Sort(digests)
	return disclosures, digests, nil
}

// NewDisclosure encodes the disclosure of one claim, [salt, name, value],
// with a fresh 128-bit salt.
func NewDisclosure(random io.Reader, name string, value any) (string, error) {
	salt, err := newSalt(random)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal([]any{salt, name, value})
	if err != nil {
		return "", fmt.Errorf("disclosure of %s: %w", name, err)
	}
	return b64.EncodeToString(raw), nil
}

func newSalt(random io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	return b64.EncodeToString(b[:]), nil
}
