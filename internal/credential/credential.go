// Package credential is attest's verifier of digital credentials: it asks a
// freelancer's wallet, over OpenID for Verifiable Presentations 1.0, for an
// SD-JWT VC bearing only what the case's claims need (a DCQL query), signs
// the request, and checks the answer (internal/sdjwt) against the request's
// nonce and audience and the profile's values.
//
// Two ways reach a wallet: on the same device, the browser's Digital
// Credentials API (response mode dc_api, the request passed to
// navigator.credentials.get); on another device, a QR code of an
// openid4vp:// link whose request_uri returns the signed request, answered
// by direct_post to attest's response URI. docs/CREDENTIALS.md describes
// both and what is kept.
package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/verification"
)

// Transports of a request.
const (
	// SameDevice: the browser's Digital Credentials API, response mode dc_api.
	SameDevice = "dc_api"
	// CrossDevice: a QR code, request by reference, response by direct_post.
	CrossDevice = "cross_device"
)

// Protocol is the Digital Credentials API protocol of attest's requests:
// OpenID4VP 1.0, signed, JWS compact serialization.
const Protocol = "openid4vp-v1-signed"

// DefaultLifetime is how long a request may be answered.
const DefaultLifetime = 10 * time.Minute

// Service asks for and checks credentials for one attest.
type Service struct {
	// BaseURL is how people and wallets reach attest: its host is the
	// client identifier, its origin what the browser tells wallets.
	BaseURL string
	// Signer signs request objects; its chain's leaf names BaseURL's host.
	Signer sdjwt.Signer
	// Verifier checks presentations against the trusted issuers.
	Verifier *sdjwt.Verifier
	// Types are the credential types (vct) asked for, e.g. the EU PID's
	// "urn:eudi:pid:1".
	Types []string
	// Paths says which credential claims confirm a claim of each kind;
	// IdentityPaths when nil.
	Paths map[verification.ClaimKind][][]string
	Now   func() time.Time
	// Lifetime is how long a request may be answered (DefaultLifetime).
	Lifetime time.Duration
}

// IdentityPaths: a legal name is the given names and the family names,
// as the EU PID and most national identity credentials state them.
var IdentityPaths = map[verification.ClaimKind][][]string{
	verification.KindIdentity: {{"given_name"}, {"family_name"}},
}

// DefaultTypes are the credential types asked for when none are configured:
// the EU Person Identification Data, and the mobile-ID type of the SD-JWT
// VC examples.
var DefaultTypes = []string{"urn:eudi:pid:1", "https://credentials.example.com/identity_credential"}

func (s *Service) host() string {
	u, err := url.Parse(s.BaseURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// ClientID is attest's client identifier: x509_san_dns and its host, the
// prefix that has wallets check the request's certificate names the host.
func (s *Service) ClientID() string { return "x509_san_dns:" + s.host() }

// Origin is the web origin of attest's pages, as a browser states it.
func (s *Service) Origin() string {
	u, err := url.Parse(s.BaseURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Audience is what a presentation's key binding must name: the client
// identifier, except over the Digital Credentials API, where it is the
// origin prefixed "origin:" (OpenID4VP 1.0 appendix A.4).
func (s *Service) Audience(transport string) string {
	if transport == SameDevice {
		return "origin:" + s.Origin()
	}
	return s.ClientID()
}

// ResponseURI is where wallets on another device post their answers.
func (s *Service) ResponseURI() string { return s.BaseURL + "/credential/response" }

// RequestURI is where a wallet fetches the signed request of an attempt.
func (s *Service) RequestURI(attemptID string) string {
	return s.BaseURL + "/credential/request/" + attemptID
}

func (s *Service) paths() map[verification.ClaimKind][][]string {
	if s.Paths != nil {
		return s.Paths
	}
	return IdentityPaths
}

// Confirmable lists the claims of a case a credential can confirm: those
// of a kind the operator mapped to credential claims.
func (s *Service) Confirmable(f *verification.Freelancer, v *verification.Verification) []verification.Claim {
	var list []verification.Claim
	for _, key := range v.Claims {
		if c, ok := f.Claim(key); ok && c.Value != "" && len(s.paths()[c.Kind]) > 0 {
			list = append(list, c)
		}
	}
	return list
}

// RequestSigner returns a signer for request objects: key, and a
// certificate for it naming host, signed by itself. A wallet that trusts
// only certificates from its trust framework needs one from there instead
// (docs/CREDENTIALS.md); a self-signed one serves the test wallet, the
// demo and wallets in development mode.
func RequestSigner(key *ecdsa.PrivateKey, host string, now time.Time) (sdjwt.Signer, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return sdjwt.Signer{}, errors.New("credential requests are signed with a P-256 key")
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.Unix()), Subject: pkix.Name{CommonName: host}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip} // a development address: wallets check it as they would a name
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return sdjwt.Signer{}, fmt.Errorf("certificate for credential requests: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return sdjwt.Signer{}, err
	}
	return sdjwt.Signer{Key: key, Alg: jose.ES256, Chain: []*x509.Certificate{cert}}, nil
}

// KeyFromSeed makes the P-256 key of credential requests from 32 secret
// bytes (derived from the master key, so every node signs with the same).
func KeyFromSeed(seed []byte) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
	if err != nil {
		// Only for a seed at or above the group order: about 2^-32 of seeds.
		return nil, fmt.Errorf("credential request key: %w", err)
	}
	return k, nil
}
