// Package issuer is attest as a credential issuer: a freelancer whose
// case is verified takes the result with them as an SD-JWT VC, obtained
// by their wallet over OpenID for Verifiable Credential Issuance 1.0 with
// a pre-authorized code. The package holds the protocol: the metadata,
// the credential offer, the parsing and checking of token requests and
// key proofs, the c_nonce, and what a credential states. Storing offers,
// deciding who may have one, and revoking belong to the workflow
// (internal/workflow/issuing.go); the routes are in internal/portal.
//
// The flow, as docs/CREDENTIALS.md ("attest as issuer") tells it:
//
//	portal: offer, by reference in the QR code (openid-credential-offer://?credential_offer_uri=…)
//	        and by value in the same-device link (…?credential_offer=…)
//	wallet: GET  /credential-issuer/offer/{reference}   the offer, when by reference
//	wallet: GET  /.well-known/openid-credential-issuer, /.well-known/oauth-authorization-server
//	wallet: POST /credential-issuer/token       pre-authorized_code → access_token
//	wallet: POST /credential-issuer/nonce       → c_nonce
//	wallet: POST /credential-issuer/credential  proofs.jwt[0] over c_nonce → SD-JWT VC
package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/attest-dev/attest/internal/sdjwt"
)

// Paths of the issuer's endpoints, below the issuer identifier (the base URL).
const (
	MetadataPath    = "/.well-known/openid-credential-issuer"
	ASMetadataPath  = "/.well-known/oauth-authorization-server"
	JWTIssuerPath   = "/.well-known/jwt-vc-issuer"
	TokenPath       = "/credential-issuer/token"
	NoncePath       = "/credential-issuer/nonce"
	CredentialPath  = "/credential-issuer/credential"
	StatusListPath  = "/credential-issuer/status/1"
	TypeMetadataURL = "/credential-issuer/types/verified-claims"
)

// ConfigurationID names the one credential attest issues in its metadata
// and offers.
const ConfigurationID = "attest_verified_claims"

// PreAuthorizedGrant is the OAuth grant type of the pre-authorized code.
const PreAuthorizedGrant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// OfferScheme is the scheme wallets register for credential offers.
const OfferScheme = "openid-credential-offer"

// Defaults of a Service.
const (
	// DefaultLifetime is how long an issued credential is valid: it says
	// what was verified then, and a year on a marketplace may ask again.
	DefaultLifetime = 365 * 24 * time.Hour
	// DefaultOfferLifetime is how long a pre-authorized code may be
	// redeemed: the freelancer scans it at once.
	DefaultOfferLifetime = 10 * time.Minute
	// TokenLifetime is how long an access token buys its credential.
	TokenLifetime = 5 * time.Minute
	// NonceLifetime is how long a c_nonce is accepted in a proof.
	NonceLifetime = 5 * time.Minute
	// ProofAge is how old a proof's iat may be (with Leeway into the future).
	ProofAge = 5 * time.Minute
	Leeway   = time.Minute
	// StatusListTTL is the ttl of the published status list: how long a
	// verifier may keep it before fetching it again.
	StatusListTTL = 5 * time.Minute
)

// Service is the issuer of one attest.
type Service struct {
	// BaseURL is the credential issuer identifier: iss of every
	// credential, aud of every proof.
	BaseURL string
	// Marketplace is the operator's name, stated in each credential as
	// who verified the claims.
	Marketplace string
	// Signer signs credentials and the status list; its KeyID is the
	// key's RFC 7638 thumbprint.
	Signer sdjwt.Signer
	// Published are the public keys the master keys a node holds give:
	// the signing key's first, then the previous master key's while it
	// still verifies. Keys of earlier master keys are published from the
	// database for as long as a credential they signed lives
	// (JWTIssuerMetadata).
	Published []jose.JSONWebKey
	// NonceKey keys the MAC of c_nonce values.
	NonceKey []byte
	Now      func() time.Time
	// Random gives codes, tokens, nonces and salts.
	Random io.Reader
	// Lifetime and OfferLifetime: DefaultLifetime and DefaultOfferLifetime when zero.
	Lifetime      time.Duration
	OfferLifetime time.Duration

	list listCache
}

// NewSigner makes the issuer's signer from its P-256 key, named by its
// thumbprint so that every node, and every verifier, names it alike.
func NewSigner(key *ecdsa.PrivateKey) (sdjwt.Signer, jose.JSONWebKey, error) {
	pub := jose.JSONWebKey{Key: key.Public(), Algorithm: string(jose.ES256), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return sdjwt.Signer{}, pub, fmt.Errorf("issuer key thumbprint: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return sdjwt.Signer{Key: key, Alg: jose.ES256, KeyID: pub.KeyID}, pub, nil
}

func (s *Service) lifetime() time.Duration {
	if s.Lifetime > 0 {
		return s.Lifetime
	}
	return DefaultLifetime
}

// OfferLifetimeOrDefault is how long a new offer's code may be redeemed.
func (s *Service) OfferLifetimeOrDefault() time.Duration {
	if s.OfferLifetime > 0 {
		return s.OfferLifetime
	}
	return DefaultOfferLifetime
}

// Type is the vct of attest's credentials.
func (s *Service) Type() string { return s.BaseURL + TypeMetadataURL }

// StatusListURI is where the status list is published.
func (s *Service) StatusListURI() string { return s.BaseURL + StatusListPath }

// Metadata is the Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2).
func (s *Service) Metadata() map[string]any {
	algs := make([]string, len(ProofAlgorithms))
	for i, a := range ProofAlgorithms {
		algs[i] = string(a)
	}
	display := func(locale, name, description string) map[string]any {
		return map[string]any{"locale": locale, "name": name, "description": description}
	}
	return map[string]any{
		"credential_issuer":   s.BaseURL,
		"credential_endpoint": s.BaseURL + CredentialPath,
		"nonce_endpoint":      s.BaseURL + NoncePath,
		"display":             []any{map[string]any{"name": s.Marketplace}},
		"credential_configurations_supported": map[string]any{
			ConfigurationID: map[string]any{
				"format": sdjwt.TypeCredential,
				"vct":    s.Type(),
				"cryptographic_binding_methods_supported": []string{"jwk"},
				"credential_signing_alg_values_supported": []string{string(s.Signer.Alg)},
				"proof_types_supported":                   map[string]any{"jwt": map[string]any{"proof_signing_alg_values_supported": algs}},
				"credential_metadata": map[string]any{
					"display": []any{
						display("en", "Verified profile", "Claims of your profile "+s.Marketplace+" verified"),
						display("pt-BR", "Perfil verificado", "Informações do seu perfil verificadas por "+s.Marketplace),
					},
				},
			},
		},
	}
}

// ASMetadata is the OAuth 2.0 Authorization Server Metadata (RFC 8414):
// attest is its own authorization server, for the pre-authorized code only.
func (s *Service) ASMetadata() map[string]any {
	return map[string]any{
		"issuer":                   s.BaseURL,
		"token_endpoint":           s.BaseURL + TokenPath,
		"grant_types_supported":    []string{PreAuthorizedGrant},
		"response_types_supported": []string{},
		"pre-authorized_grant_anonymous_access_supported": true,
		"token_endpoint_auth_methods_supported":           []string{"none"},
	}
}

// JWTIssuerMetadata is the SD-JWT VC issuer metadata
// (/.well-known/jwt-vc-issuer): the keys that verify attest's credentials
// and its status list: Published, and earlier, the keys of master keys
// rotated away that signed a credential still valid. A key is listed once.
func (s *Service) JWTIssuerMetadata(earlier []jose.JSONWebKey) map[string]any {
	keys := append([]jose.JSONWebKey(nil), s.Published...)
	for _, k := range earlier {
		if !slices.ContainsFunc(keys, func(p jose.JSONWebKey) bool { return p.KeyID == k.KeyID }) {
			keys = append(keys, k)
		}
	}
	return map[string]any{"issuer": s.BaseURL, "jwks": jose.JSONWebKeySet{Keys: keys}}
}

// SigningKey is the public JWK of the key that signs now, as it is
// published and kept (store.KeepIssuerKey) so that it stays published
// after a rotation for as long as a credential it signed lives.
func (s *Service) SigningKey() (keyID, jwk string, err error) {
	for _, k := range s.Published {
		if k.KeyID == s.Signer.KeyID {
			b, err := k.MarshalJSON()
			return k.KeyID, string(b), err
		}
	}
	return "", "", fmt.Errorf("the issuer's signing key %s is not among its published keys", s.Signer.KeyID)
}

// TypeMetadata is the SD-JWT VC type metadata of attest's credentials,
// served at their vct.
func (s *Service) TypeMetadata() map[string]any {
	return map[string]any{
		"vct":         s.Type(),
		"name":        "Verified profile claims",
		"description": "Which claims of a freelancer's profile a marketplace verified, and when.",
		"display": []any{
			map[string]any{"locale": "en", "name": "Verified profile", "description": "Claims of your profile " + s.Marketplace + " verified"},
			map[string]any{"locale": "pt-BR", "name": "Perfil verificado", "description": "Informações do seu perfil verificadas por " + s.Marketplace},
		},
	}
}

// Hash is how codes and tokens are kept: their base64url SHA-256. Each
// holds 256 random bits, so a hash without a salt reveals nothing.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// NewSecret is 256 random bits, base64url: a pre-authorized code or an access token.
func (s *Service) NewSecret() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(s.Random, b[:]); err != nil {
		return "", fmt.Errorf("issuer secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Error is a refusal on a protocol endpoint, as OAuth words it: an error
// code from RFC 6749, RFC 6750 or OpenID4VCI, a description, the HTTP status.
type Error struct {
	Code        string
	Description string
	Status      int
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Errors of the protocol, by the codes wallets act on.
const (
	InvalidRequest           = "invalid_request"
	InvalidGrant             = "invalid_grant"
	UnsupportedGrantType     = "unsupported_grant_type"
	InvalidToken             = "invalid_token"
	InvalidCredentialRequest = "invalid_credential_request"
	UnknownConfiguration     = "unknown_credential_configuration"
	InvalidProof             = "invalid_proof"
	InvalidNonce             = "invalid_nonce"
	RequestDenied            = "credential_request_denied"
)

func refuse(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
