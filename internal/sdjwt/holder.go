package sdjwt

import (
	"slices"
	"time"
)

// KeyBinding is what a holder signs when presenting: the verifier's nonce
// and audience, with the holder's key (the one in cnf.jwk).
type KeyBinding struct {
	Signer   Signer
	Nonce    string
	Audience string
	IssuedAt time.Time
}

// Present is the holder's side: it keeps the disclosures of the named
// top-level claims (and every array element's), drops the others, and
// signs the key-binding JWT over the result. It is what a wallet does;
// attest uses it in its test wallet.
func Present(credential string, reveal []string, kb KeyBinding) (string, error) {
	issuerJWT, disclosures, _, _, err := parts(credential)
	if err != nil {
		return "", err
	}
	out := issuerJWT + "~"
	for i, s := range disclosures {
		d, err := decodeDisclosure(i, s)
		if err != nil {
			return "", err
		}
		if d.element || slices.Contains(reveal, d.Name) {
			out += s + "~"
		}
	}
	jwt, err := kb.Signer.sign(TypeKeyBinding, map[string]any{
		"iat": kb.IssuedAt.Unix(), "aud": kb.Audience, "nonce": kb.Nonce, "sd_hash": SDHash(out)})
	if err != nil {
		return "", err
	}
	return out + jwt, nil
}
