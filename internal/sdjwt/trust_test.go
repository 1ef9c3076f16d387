package sdjwt

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"
)

// A trusted-issuers file may name a JWK set file and a PEM roots file
// beside it; a file that is missing or holds something else is an error
// naming it, and only ReadTrust follows files.
func TestReadTrustFollowsFiles(t *testing.T) {
	dir := t.TempDir()
	root, _, _ := chain(t, "pid.example.test")
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: newKey(t).Public(), KeyID: "k1", Algorithm: "ES256"}}})
	write("pid.jwks.json", string(set))
	write("roots.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})))
	write("issuers.json", `{"issuers": [{"iss": "https://pid.example.test", "name": "Example PID",
		"jwks_file": "pid.jwks.json", "x509_roots_file": "roots.pem"}]}`)
	trust, err := ReadTrust(filepath.Join(dir, "issuers.json"))
	if err != nil {
		t.Fatal(err)
	}
	is := trust.Issuer("https://pid.example.test")
	if is == nil || len(is.Keys.Key("k1")) != 1 || is.pool == nil {
		t.Fatalf("issuer read: %+v", is)
	}
	if _, err := root.Verify(x509.VerifyOptions{Roots: is.pool}); err != nil {
		t.Errorf("the root from the file is not trusted: %v", err)
	}

	write("not-a-set.json", `{"kty": "EC"}`)
	write("not-pem.pem", "hello")
	for _, tc := range []struct{ entry, want string }{
		{`"jwks_file": "missing.json"`, "missing.json"},
		{`"jwks_file": "not-a-set.json"`, "not-a-set.json"},
		{`"x509_roots_file": "not-pem.pem"`, "not-pem.pem"},
	} {
		write("bad.json", `{"issuers": [{"iss": "https://pid.example.test", `+tc.entry+`}]}`)
		if _, err := ReadTrust(filepath.Join(dir, "bad.json")); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.entry, err, tc.want)
		}
	}
	if _, err := ParseTrust([]byte(`{"issuers": [{"iss": "https://pid.example.test", "jwks_file": "pid.jwks.json"}]}`)); err == nil {
		t.Error("ParseTrust followed a file")
	}
}
