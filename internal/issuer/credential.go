package issuer

import (
	"crypto"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/attest-dev/attest/internal/sdjwt"
)

// Statement is what a credential says: the claims of a verified case and
// when it was verified. Nothing else of the profile goes in: no name
// unless a verified claim is one, no email, no photo, no profile id.
type Statement struct {
	VerifiedAt time.Time
	Claims     []VerifiedClaim
}

// VerifiedClaim is one claim the case confirmed, as the profile states it.
type VerifiedClaim struct {
	Key, Label, Value, Kind string
}

// ClaimsMember is the object of the credential that holds the verified
// claims, one disclosure each, by their keys.
const ClaimsMember = "verified_claims"

// decoys hide how many claims a credential holds.
const decoys = 2

// Issued is a credential as signed, with when it expires.
type Issued struct {
	Credential string
	ExpiresAt  time.Time
}

// Credential signs the SD-JWT VC of a statement, bound to the holder's
// key, with its entry in the status list. In plain sight: iss, vct, iat,
// exp, cnf, status, the marketplace's name and when the case was
// verified; each claim is a disclosure the holder may show or keep
// (verified_claims.<key> = {label, value, kind}).
func (s *Service) Credential(st Statement, holder *jose.JSONWebKey, index int64) (*Issued, error) {
	now := s.Now().UTC().Truncate(time.Second)
	claims := map[string]any{}
	for _, c := range st.Claims {
		v := map[string]any{"label": c.Label, "value": c.Value}
		if c.Kind != "" {
			v["kind"] = c.Kind
		}
		claims[c.Key] = v
	}
	exp := now.Add(s.lifetime())
	pub := *holder
	pub.KeyID, pub.Use, pub.Algorithm = "", "", "" // bind to the key alone, as the proof gave it
	cred, err := sdjwt.Issue(s.Signer, sdjwt.Issuance{Issuer: s.BaseURL, Type: s.Type(), IssuedAt: now, Expires: exp, Holder: &pub,
		Status: &sdjwt.StatusRef{Index: int(index), URI: s.StatusListURI()},
		Plain:  map[string]any{"marketplace": s.Marketplace, "verified_at": st.VerifiedAt.Unix()},
		Within: map[string]map[string]any{ClaimsMember: claims}, Decoys: decoys}, s.Random)
	if err != nil {
		return nil, fmt.Errorf("issue credential %d: %w", index, err)
	}
	return &Issued{Credential: cred, ExpiresAt: exp}, nil
}

// Thumbprint is a key's RFC 7638 thumbprint, base64url: how a holder key
// is recorded.
func Thumbprint(k *jose.JSONWebKey) (string, error) {
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("holder key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// StatusList signs the status list of every index given so far (next),
// the revoked ones invalid, as a statuslist+jwt with StatusListTTL. The
// list is never shorter than minListEntries, and grows by that much, so
// that its length tells little of how many credentials were issued.
func (s *Service) StatusList(next int64, revoked []int64) (string, error) {
	n := max(minListEntries, int((next+minListEntries-1)/minListEntries)*minListEntries)
	l := sdjwt.NewStatusList(1, n)
	for _, i := range revoked {
		if i >= 0 && int(i) < n {
			l.Set(int(i), sdjwt.StatusInvalid)
		}
	}
	now := s.Now().UTC().Truncate(time.Second)
	return sdjwt.StatusListToken(s.Signer, s.BaseURL, s.StatusListURI(), l, now, now.Add(StatusListExpiry), StatusListTTL)
}

// minListEntries is the least size of the status list: 2 KiB of bits.
const minListEntries = 16384

// StatusListExpiry is how long a signed status list is valid; it is signed
// again before then (or at once when it changes).
const StatusListExpiry = 24 * time.Hour
