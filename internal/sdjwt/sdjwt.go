// Package sdjwt reads, checks and writes SD-JWT VCs (RFC 9901, Selective
// Disclosure for JWTs, and the SD-JWT VC profile): the credentials a digital
// identity wallet presents and the ones attest issues.
//
// A presentation is the issuer-signed JWT, the disclosures the holder chose
// to reveal, and a key-binding JWT signed by the holder's key over the
// verifier's nonce, audience and a hash of the rest:
//
//	<issuer JWT>~<disclosure>~<disclosure>~<KB-JWT>
//
// Verify checks every part and refuses with a *Refusal whose Code says
// which check failed, so that the freelancer and staff can be told why in
// plain words. Nothing here reaches the network except a Token Status List
// (statuslist.go), fetched when a credential names one.
package sdjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Media types (the JOSE typ header) of the three JWTs involved.
const (
	TypeCredential = "dc+sd-jwt"
	// TypeCredentialLegacy is the SD-JWT VC type before draft 06 renamed
	// it; issuers in the field still sign with it.
	TypeCredentialLegacy = "vc+sd-jwt"
	TypeKeyBinding       = "kb+jwt"
	TypeStatusList       = "statuslist+jwt"
)

// HashAlg is the only digest algorithm accepted for disclosures: sha-256,
// the default of RFC 9901 and the one every wallet supports.
const HashAlg = "sha-256"

// Algorithms are the signature algorithms accepted from issuers and
// holders: asymmetric only, never "none" nor an HMAC.
var Algorithms = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.PS256, jose.RS256}

// Code names why a credential was refused. The values are stored with the
// presentation attempt and name the words shown to the freelancer.
type Code string

// The reasons a presentation is refused, one per check.
const (
	Malformed            Code = "malformed"
	UnsupportedAlgorithm Code = "unsupported_algorithm"
	WrongType            Code = "wrong_type"
	UnknownIssuer        Code = "unknown_issuer"
	BadSignature         Code = "bad_signature"
	UntrustedCertificate Code = "untrusted_certificate"
	BadDisclosure        Code = "bad_disclosure"
	UnusedDisclosure     Code = "unused_disclosure"
	RepeatedDisclosure   Code = "repeated_disclosure"
	UnsupportedHash      Code = "unsupported_hash"
	KeyBindingMissing    Code = "key_binding_missing"
	KeyBindingInvalid    Code = "key_binding_invalid"
	WrongNonce           Code = "wrong_nonce"
	WrongAudience        Code = "wrong_audience"
	HashMismatch         Code = "sd_hash_mismatch"
	StaleKeyBinding      Code = "stale_key_binding"
	Expired              Code = "expired"
	NotYetValid          Code = "not_yet_valid"
	Revoked              Code = "revoked"
	Suspended            Code = "suspended"
	// StatusUnavailable: the status list could not be fetched; the
	// freelancer may try again later. It is never an acceptance.
	StatusUnavailable Code = "status_unavailable"
	// StatusListInvalid: the status list was fetched but is not one the
	// issuer signed, or cannot be read.
	StatusListInvalid Code = "status_list_invalid"
)

// Codes lists every code Verify refuses with, for those who word them.
var Codes = []Code{Malformed, UnsupportedAlgorithm, WrongType, UnknownIssuer, BadSignature, UntrustedCertificate,
	BadDisclosure, UnusedDisclosure, RepeatedDisclosure, UnsupportedHash, KeyBindingMissing, KeyBindingInvalid,
	WrongNonce, WrongAudience, HashMismatch, StaleKeyBinding, Expired, NotYetValid, Revoked, Suspended,
	StatusUnavailable, StatusListInvalid}

// Refusal says which check a presentation failed, and where: Field names
// the part ("issuer_jwt", "disclosures[2]", "kb_jwt.nonce", "status").
type Refusal struct {
	Code    Code
	Field   string
	Message string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("%s (%s): %s", r.Code, r.Field, r.Message)
}

// TryAgainLater reports whether the refusal may pass later unchanged: only
// a status list that could not be fetched.
func (r *Refusal) TryAgainLater() bool { return r.Code == StatusUnavailable }

func refuse(code Code, field, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of a refusal anywhere in err's chain, or "" for
// any other error.
func CodeOf(err error) Code {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

// b64 is the encoding of every part: base64url without padding.
var b64 = base64.RawURLEncoding

// Digest is the base64url SHA-256 of a disclosure as it travels (its
// base64url form, not the decoded JSON): what the issuer puts in _sd.
func Digest(disclosure string) string {
	sum := sha256.Sum256([]byte(disclosure))
	return b64.EncodeToString(sum[:])
}

// parts splits an SD-JWT (with or without a key-binding JWT) into the
// issuer JWT, the disclosures and the key-binding JWT ("" when absent),
// and returns the part the key-binding JWT's sd_hash covers.
func parts(s string) (issuerJWT string, disclosures []string, kbJWT, hashed string, err error) {
	last := strings.LastIndexByte(s, '~')
	if last < 0 {
		return "", nil, "", "", refuse(Malformed, "presentation", "an SD-JWT has at least one '~' after the issuer's JWT")
	}
	hashed, kbJWT = s[:last+1], s[last+1:]
	fields := strings.Split(s[:last], "~")
	issuerJWT, disclosures = fields[0], fields[1:]
	if issuerJWT == "" {
		return "", nil, "", "", refuse(Malformed, "issuer_jwt", "the issuer's JWT is empty")
	}
	for i, d := range disclosures {
		if d == "" {
			return "", nil, "", "", refuse(Malformed, fmt.Sprintf("disclosures[%d]", i), "a disclosure is empty (two '~' in a row)")
		}
	}
	return issuerJWT, disclosures, kbJWT, hashed, nil
}

// SDHash is the sd_hash of a presentation: the base64url SHA-256 of
// everything before the key-binding JWT, the last '~' included.
func SDHash(withoutKB string) string {
	sum := sha256.Sum256([]byte(withoutKB))
	return b64.EncodeToString(sum[:])
}
