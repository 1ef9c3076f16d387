package issuer

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/go-json-experiment/json"
)

// A credential offer is shown two ways (docs/CREDENTIALS.md, "The
// offer"): by value in the same-device link, and by reference in the QR
// code. By value the offer is some 370 characters, a QR code of version
// 15 (77 modules) that a phone camera struggles with on a laptop's
// screen; by reference it is a short (version 9)
// openid-credential-offer://?credential_offer_uri=… that attest answers
// with the same offer (OfferPath).
//
// Both carry one pre-authorized code. The reference is 256 random bits,
// and the code is derived from it (OfferCode), so attest keeps only the
// code's hash, as before, and needs nothing more to answer the
// reference: it derives the code and finds its offer. Whoever holds the
// reference can read the code, as whoever holds the QR code by value
// could; the reference is no weaker and lives exactly as long as the
// offer: once the code is redeemed or expired it answers nothing.

// OfferPath is where an offer by reference is served: OfferPath + reference.
const OfferPath = "/credential-issuer/offer/"

// referenceSize is the length of an offer reference as written: 32 bytes, base64url.
const referenceSize = 43

// Offer is the credential offer of a pre-authorized code (OpenID4VCI 1.0
// section 4.1.1): attest's one configuration, no transaction code.
func (s *Service) Offer(code string) map[string]any {
	return map[string]any{
		"credential_issuer":            s.BaseURL,
		"credential_configuration_ids": []string{ConfigurationID},
		"grants":                       map[string]any{PreAuthorizedGrant: map[string]any{"pre-authorized_code": code}},
	}
}

// OfferLink is the credential offer for a pre-authorized code, by value:
// openid-credential-offer://?credential_offer={…}, the same-device link.
func (s *Service) OfferLink(code string) string {
	b, _ := json.Marshal(s.Offer(code), json.Deterministic(true))
	return OfferScheme + "://?" + url.Values{"credential_offer": {string(b)}}.Encode()
}

// OfferReferenceLink is the credential offer by reference:
// openid-credential-offer://?credential_offer_uri=…, the QR code.
func (s *Service) OfferReferenceLink(reference string) string {
	return OfferScheme + "://?" + url.Values{"credential_offer_uri": {s.BaseURL + OfferPath + reference}}.Encode()
}

// NewOfferReference makes an offer's reference and the pre-authorized
// code it stands for.
func (s *Service) NewOfferReference() (reference, code string, err error) {
	reference, err = s.NewSecret()
	if err != nil {
		return "", "", err
	}
	return reference, OfferCode(reference), nil
}

// OfferCode is the pre-authorized code an offer reference stands for: a
// one-way derivation, so that neither the code's hash kept in the
// database nor the code a wallet redeems gives the reference back.
func OfferCode(reference string) string {
	sum := sha256.Sum256([]byte("attest pre-authorized code\x00" + reference))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Errors of the offer endpoint, which OpenID4VCI leaves to the issuer.
const (
	// InvalidOfferReference: the path holds no reference attest could have made.
	InvalidOfferReference = "invalid_offer_reference"
	// OfferNotFound: no live offer has this reference: unknown, expired,
	// already taken by a wallet, or withdrawn.
	OfferNotFound = "offer_not_found"
)

// ParseOfferReference checks a reference as a wallet sends it in the
// offer's URI (invalid_offer_reference) and returns the code it stands for.
func ParseOfferReference(reference string) (string, error) {
	if len(reference) != referenceSize {
		return "", refuse(http.StatusBadRequest, InvalidOfferReference, "an offer reference is %d characters of base64url", referenceSize)
	}
	if b, err := base64.RawURLEncoding.DecodeString(reference); err != nil || len(b) != 32 {
		return "", refuse(http.StatusBadRequest, InvalidOfferReference, "an offer reference is %d characters of base64url", referenceSize)
	}
	return OfferCode(reference), nil
}
