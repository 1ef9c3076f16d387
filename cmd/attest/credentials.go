package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/server"
)

// credentialFlags are how serve (and demo) verify digital credentials:
// the trusted issuers, and the switch that turns "Use a digital ID" off.
func credentialFlags(f flags) func(extra *sdjwt.Trust) (server.CredentialConfig, error) {
	file := f.str("credential-issuers", "", `trusted issuers of digital credentials, a JSON file (docs/CREDENTIALS.md): each issuer's "iss" and its keys ("jwks", "jwks_file") or X.509 roots ("x509_roots_pem", "x509_roots_file"); without it "Use a digital ID" is not offered`)
	on := f.boolean("digital-id", true, `offer freelancers "Use a digital ID" when trusted issuers are given; --digital-id=false turns it off`)
	return func(extra *sdjwt.Trust) (server.CredentialConfig, error) {
		if !*on {
			return server.CredentialConfig{}, nil
		}
		trust := extra
		if *file != "" {
			read, err := sdjwt.ReadTrust(*file)
			if err != nil {
				return server.CredentialConfig{}, fmt.Errorf("--credential-issuers %s: %w", *file, err)
			}
			if trust == nil {
				trust = read
			} else {
				for _, is := range read.Issuers {
					if err := trust.Add(is); err != nil {
						return server.CredentialConfig{}, fmt.Errorf("--credential-issuers %s: %w", *file, err)
					}
				}
			}
		}
		return server.CredentialConfig{Trust: trust}, nil
	}
}

// DemoIssuerID names the demo's issuer of identity credentials: a stand-in
// for a government's, which attest trusts only in the demo (or where an
// operator passes `attest wallet issuer`'s file to --credential-issuers).
const DemoIssuerID = "https://demo-issuer.attest.invalid"

// demoIssuerFile is where the demo issuer's key is kept, in a data directory.
const demoIssuerFile = "demo-issuer.jwk"

// demoIssuer is the demo's issuer, its key read from the data directory,
// or made there the first time.
func demoIssuer(dir string) (*testwallet.Issuer, error) {
	path := filepath.Join(dir, demoIssuerFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newDemoIssuer(path)
	}
	if err != nil {
		return nil, fmt.Errorf("demo issuer key: %w", err)
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(b, &jwk); err != nil {
		return nil, fmt.Errorf("demo issuer key %s: %w", path, err)
	}
	key, ok := jwk.Key.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("demo issuer key %s: not a P-256 private key", path)
	}
	return testwallet.IssuerWithKey(DemoIssuerID, key), nil
}

func newDemoIssuer(path string) (*testwallet.Issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: "test-issuer-1", Algorithm: string(jose.ES256), Use: "sig"})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("demo issuer key: %w", err)
	}
	return testwallet.IssuerWithKey(DemoIssuerID, key), nil
}
