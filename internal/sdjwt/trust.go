package sdjwt

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Issuer is one issuer the operator trusts: its identifier (the iss of its
// credentials) and how its signatures are checked, by its keys, by X.509
// roots its certificate chains (x5c) must lead to, or both. Nothing is
// fetched: what verifies a signature is configured.
type Issuer struct {
	// ID is the iss claim, e.g. "https://pid.example.gov".
	ID string `json:"iss"`
	// Name is how staff read it in the evidence ("Example Gov PID").
	Name string `json:"name,omitempty"`
	// Keys verify signatures whose kid names one of them (or, with one
	// key, signatures without a kid).
	Keys jose.JSONWebKeySet `json:"jwks"`
	// Roots are PEM certificates a signature's x5c chain must lead to; the
	// leaf must name the issuer (a SAN URI equal to iss, or a SAN DNS
	// name equal to its host).
	Roots []string `json:"x509_roots_pem,omitempty"`

	pool *x509.CertPool
}

// Trust is the issuers the operator trusts.
type Trust struct {
	Issuers []*Issuer
}

// ParseTrust reads trusted issuers from JSON: {"issuers": [...]} (see
// Issuer and docs/CREDENTIALS.md). Keys and roots are given inline; only
// ReadTrust follows "jwks_file" and "x509_roots_file".
func ParseTrust(data []byte) (*Trust, error) { return parseTrust(data, "") }

// ReadTrust reads trusted issuers from a JSON file. Beside "jwks" and
// "x509_roots_pem" an issuer may name files, relative to this one:
// "jwks_file", a JWK set as issuers publish it, and "x509_roots_file",
// PEM certificates from a trust framework.
func ReadTrust(file string) (*Trust, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read trusted issuers: %w", err)
	}
	return parseTrust(b, filepath.Dir(file))
}

// issuerEntry is an issuer as the trusted-issuers file states it.
type issuerEntry struct {
	Issuer
	JWKSFile  string `json:"jwks_file,omitempty"`
	RootsFile string `json:"x509_roots_file,omitempty"`
}

// parseTrust reads trusted issuers; dir is where files named in them are
// found ("" when they may name none).
func parseTrust(data []byte, dir string) (*Trust, error) {
	var doc struct {
		Issuers []*issuerEntry `json:"issuers"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("trusted issuers: %w", err)
	}
	t := &Trust{}
	for i, e := range doc.Issuers {
		if err := e.readFiles(dir); err != nil {
			return nil, fmt.Errorf("trusted issuers: issuers[%d]: %w", i, err)
		}
		if err := t.Add(&e.Issuer); err != nil {
			return nil, fmt.Errorf("trusted issuers: issuers[%d]: %w", i, err)
		}
	}
	return t, nil
}

// readFiles adds the keys and roots of the files an entry names.
func (e *issuerEntry) readFiles(dir string) error {
	if (e.JWKSFile != "" || e.RootsFile != "") && dir == "" {
		return errors.New("jwks_file and x509_roots_file are read only from a trusted-issuers file")
	}
	if e.JWKSFile != "" {
		b, err := os.ReadFile(filepath.Join(dir, e.JWKSFile))
		if err != nil {
			return fmt.Errorf("jwks_file: %w", err)
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) == 0 {
			return fmt.Errorf("jwks_file %s: not a JWK set ({\"keys\": [...]}): %v", e.JWKSFile, err)
		}
		e.Keys.Keys = append(e.Keys.Keys, set.Keys...)
	}
	if e.RootsFile != "" {
		b, err := os.ReadFile(filepath.Join(dir, e.RootsFile))
		if err != nil {
			return fmt.Errorf("x509_roots_file: %w", err)
		}
		if block, _ := pem.Decode(b); block == nil {
			return fmt.Errorf("x509_roots_file %s: no PEM certificate in it", e.RootsFile)
		}
		e.Roots = append(e.Roots, string(b))
	}
	return nil
}

// Add trusts one more issuer, after checking its configuration.
func (t *Trust) Add(is *Issuer) error {
	if u, err := url.Parse(is.ID); is.ID == "" || err != nil || u.Scheme == "" {
		return fmt.Errorf("iss %q: an issuer is named by a URI", is.ID)
	}
	if slices.ContainsFunc(t.Issuers, func(o *Issuer) bool { return o.ID == is.ID }) {
		return fmt.Errorf("iss %q is listed twice", is.ID)
	}
	for _, k := range is.Keys.Keys {
		if !k.Valid() || !k.IsPublic() {
			return fmt.Errorf("iss %q: key %q is not a valid public key", is.ID, k.KeyID)
		}
	}
	if len(is.Roots) > 0 {
		is.pool = x509.NewCertPool()
		for _, p := range is.Roots {
			rest := []byte(p)
			for {
				var block *pem.Block
				if block, rest = pem.Decode(rest); block == nil {
					break
				}
				c, err := x509.ParseCertificate(block.Bytes)
				if err != nil {
					return fmt.Errorf("iss %q: root certificate: %w", is.ID, err)
				}
				is.pool.AddCert(c)
			}
		}
	}
	if len(is.Keys.Keys) == 0 && is.pool == nil {
		return fmt.Errorf("iss %q: give its keys (jwks) or its X.509 roots", is.ID)
	}
	t.Issuers = append(t.Issuers, is)
	return nil
}

// Issuer returns the trusted issuer of an iss, or nil.
func (t *Trust) Issuer(iss string) *Issuer {
	if t == nil {
		return nil
	}
	i := slices.IndexFunc(t.Issuers, func(is *Issuer) bool { return is.ID == iss })
	if i < 0 {
		return nil
	}
	return t.Issuers[i]
}

// verify checks a JWS the issuer signed, by its x5c chain when it carries
// one and the issuer has roots, otherwise by kid among its keys, and
// returns the payload.
func (is *Issuer) verify(jws *jose.JSONWebSignature, field string, now time.Time) ([]byte, error) {
	h := jws.Signatures[0].Header
	if _, err := h.Certificates(x509.VerifyOptions{}); !errors.Is(err, jose.ErrMissingX5cHeader) && is.pool != nil {
		chains, err := h.Certificates(x509.VerifyOptions{Roots: is.pool, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			return nil, refuse(UntrustedCertificate, field, "the certificate chain does not lead to a root trusted for %s: %v", is.ID, err)
		}
		leaf := chains[0][0]
		if !namesIssuer(leaf, is.ID) {
			return nil, refuse(UntrustedCertificate, field, "the certificate does not name %s", is.ID)
		}
		payload, err := jws.Verify(leaf.PublicKey)
		if err != nil {
			return nil, refuse(BadSignature, field, "the signature does not verify with the certificate's key")
		}
		return payload, nil
	}
	keys := is.Keys.Keys
	if h.KeyID != "" {
		keys = is.Keys.Key(h.KeyID)
	} else if len(keys) != 1 {
		keys = nil
	}
	if len(keys) == 0 {
		return nil, refuse(UnknownIssuer, field, "no key of %s has kid %q", is.ID, h.KeyID)
	}
	for _, k := range keys {
		if payload, err := jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	return nil, refuse(BadSignature, field, "the signature does not verify with %s's key %q", is.ID, h.KeyID)
}

// namesIssuer reports whether a certificate names an issuer: by a SAN URI
// equal to it, or a SAN DNS name equal to its host.
func namesIssuer(c *x509.Certificate, iss string) bool {
	if slices.ContainsFunc(c.URIs, func(u *url.URL) bool { return u.String() == iss }) {
		return true
	}
	u, err := url.Parse(iss)
	return err == nil && u.Hostname() != "" && slices.Contains(c.DNSNames, u.Hostname())
}
