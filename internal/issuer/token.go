package issuer

import (
	"net/http"
	"net/url"

	"github.com/go-json-experiment/json"
)

// TokenRequest is a token request of the pre-authorized code grant.
type TokenRequest struct {
	Code string
}

// ParseTokenRequest reads a token request's form (RFC 6749 section 4.1.3
// with OpenID4VCI's parameters). Only the pre-authorized code grant is
// served; attest's offers ask for no transaction code, so one sent is
// refused, as the specification says (invalid_request). Unknown
// parameters are ignored; a parameter given twice is refused.
func ParseTokenRequest(form url.Values) (*TokenRequest, error) {
	for _, name := range []string{"grant_type", "pre-authorized_code", "tx_code"} {
		if len(form[name]) > 1 {
			return nil, refuse(http.StatusBadRequest, InvalidRequest, "%s is given more than once", name)
		}
	}
	switch grant := form.Get("grant_type"); grant {
	case PreAuthorizedGrant:
	case "":
		return nil, refuse(http.StatusBadRequest, InvalidRequest, "grant_type is missing")
	default:
		return nil, refuse(http.StatusBadRequest, UnsupportedGrantType, "only the pre-authorized code grant is served")
	}
	if _, ok := form["tx_code"]; ok {
		return nil, refuse(http.StatusBadRequest, InvalidRequest, "this offer asks for no tx_code")
	}
	code := form.Get("pre-authorized_code")
	if code == "" {
		return nil, refuse(http.StatusBadRequest, InvalidRequest, "pre-authorized_code is missing")
	}
	if len(code) > 128 {
		return nil, refuse(http.StatusBadRequest, InvalidGrant, "the pre-authorized code is not one of this issuer's")
	}
	return &TokenRequest{Code: code}, nil
}

// CredentialRequest is what a wallet asks the credential endpoint for.
type CredentialRequest struct {
	// Proof is the one key proof JWT.
	Proof string
}

// maxCredentialRequest bounds a credential request's body.
const maxCredentialRequest = 64 << 10

// ParseCredentialRequest reads a credential request's JSON body: the
// configuration attest offers and exactly one jwt proof (attest does not
// issue in batches). Unknown members are ignored, as the specification
// asks; a member given twice is refused.
func ParseCredentialRequest(body []byte) (*CredentialRequest, error) {
	bad := func(format string, args ...any) error {
		return refuse(http.StatusBadRequest, InvalidCredentialRequest, format, args...)
	}
	if len(body) > maxCredentialRequest {
		return nil, bad("the request is longer than %d bytes", maxCredentialRequest)
	}
	var req struct {
		ConfigurationID *string        `json:"credential_configuration_id"`
		Identifier      *string        `json:"credential_identifier"`
		Proofs          map[string]any `json:"proofs"`
		Proof           any            `json:"proof"`
		Encryption      any            `json:"credential_response_encryption"`
	}
	if err := unmarshalStrict(body, &req); err != nil {
		return nil, bad("the request is not a JSON object: %v", err)
	}
	switch {
	case req.Identifier != nil:
		return nil, bad("credential_identifier is not used: this issuer returns no authorization_details; send credential_configuration_id")
	case req.ConfigurationID == nil:
		return nil, bad("credential_configuration_id is missing")
	case *req.ConfigurationID != ConfigurationID:
		return nil, refuse(http.StatusBadRequest, UnknownConfiguration, "this issuer offers %s only", ConfigurationID)
	case req.Encryption != nil:
		return nil, refuse(http.StatusBadRequest, "invalid_encryption_parameters", "this issuer does not encrypt credential responses")
	case req.Proof != nil:
		return nil, refuse(http.StatusBadRequest, InvalidProof, "send the key proof in proofs.jwt (OpenID4VCI 1.0), not proof")
	case req.Proofs == nil:
		return nil, refuse(http.StatusBadRequest, InvalidProof, "proofs is missing: the credential is bound to a key the wallet proves it holds")
	}
	if len(req.Proofs) != 1 {
		return nil, refuse(http.StatusBadRequest, InvalidProof, "proofs holds exactly one proof type, jwt")
	}
	list, ok := req.Proofs["jwt"].([]any)
	if !ok {
		return nil, refuse(http.StatusBadRequest, InvalidProof, "proofs.jwt is the only proof type served, an array of JWTs")
	}
	if len(list) != 1 {
		return nil, refuse(http.StatusBadRequest, InvalidProof, "proofs.jwt holds exactly one proof: this issuer does not issue in batches")
	}
	proof, ok := list[0].(string)
	if !ok || proof == "" {
		return nil, refuse(http.StatusBadRequest, InvalidProof, "proofs.jwt[0] is not a JWT")
	}
	return &CredentialRequest{Proof: proof}, nil
}

// unmarshalStrict reads JSON as the protocol wants it read: names matched
// exactly, a name given twice or invalid UTF-8 refused, unknown names ignored.
func unmarshalStrict(body []byte, v any) error {
	return json.Unmarshal(body, v, json.RejectUnknownMembers(false))
}
