package main

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

// The newcomer's digital ID, as the README tells it: the demo trusts its
// own issuer, and `attest wallet present` answers for Ana, from her portal
// link or from the link under the portal's QR code. A name that differs is
// left to a person; the demo's issuer key survives a restart.
func TestWalletAgainstTheDemo(t *testing.T) {
	data := t.TempDir()
	stdout, _ := start(t, demoCmd, []string{"--addr", "127.0.0.1:0", "--data", data},
		func(stdout, _ string) bool { return strings.Contains(stdout, "Press Ctrl+C") })
	var portal string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "Freelancer" {
			portal = f[1]
		}
	}
	if portal == "" || !strings.Contains(stdout.String(), "wallet present --data "+data) {
		t.Fatalf("the demo does not say how to try a digital ID:\n%s", stdout)
	}

	out, err := attest(t, "", "wallet", "present", "--data", data, "--portal-url", portal, "--given-name", "Ana", "--family-name", "Sousa")
	if err != nil || !strings.Contains(out, "result: mismatch; the case is awaiting_freelancer") || !strings.Contains(out, "Uma pessoa vai analisar") {
		t.Fatalf("a differing name: %v\n%s", err, out)
	}

	// As a person does: "Use a wallet on another device" on the page, then
	// the link under the QR code.
	res, err := http.PostForm(portal+"/credential", url.Values{"transport": {"cross_device"}})
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		Attempt    string `json:"attempt"`
		WalletLink string `json:"wallet_link"`
	}
	if err := json.UnmarshalRead(res.Body, &started, json.RejectUnknownMembers(false)); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("start a request: %s %v", res.Status, err)
	}
	res.Body.Close()
	out, err = attest(t, "", "wallet", "present", "--data", data, "--link", started.WalletLink)
	if err != nil || !strings.Contains(out, "attest took the answer") {
		t.Fatalf("answering the QR link: %v\n%s", err, out)
	}
	res, err = http.Get(portal + "/credential/" + started.Attempt)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Result string `json:"result"`
	}
	json.UnmarshalRead(res.Body, &o, json.RejectUnknownMembers(false))
	res.Body.Close()
	if o.Result != "verified" {
		t.Fatalf("Ana's own credential: %q, want verified", o.Result)
	}
	page, err := http.Get(portal)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := page.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	page.Body.Close()
	if !strings.Contains(b.String(), "seu nome civil confere") {
		t.Errorf("Ana's portal does not say her digital ID matched")
	}

	// The trust file printed for serve names the same key the demo keeps.
	trust, err := attest(t, "", "wallet", "issuer", "--data", data)
	if err != nil || !strings.Contains(trust, DemoIssuerID) {
		t.Fatalf("wallet issuer: %v %s", err, trust)
	}
	again, _ := attest(t, "", "wallet", "issuer", "--data", data)
	if again != trust {
		t.Errorf("the demo issuer's key changed between two reads")
	}
}

// The newcomer's issuing, as the demo tells it: Lena is verified, her
// page offers "Add to your wallet", and `attest wallet receive` takes the
// offer, by value (the same-device link) or by reference (the QR code),
// and prints the credential it checked: the claims Lena's case verified,
// who verified them, its expiry and its status. An offer taken once is
// refused the second time.
func TestWalletReceiveAgainstTheDemo(t *testing.T) {
	data := t.TempDir()
	stdout, _ := start(t, demoCmd, []string{"--addr", "127.0.0.1:0", "--data", data},
		func(stdout, _ string) bool { return strings.Contains(stdout, "Press Ctrl+C") })
	var lena string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "Verified" {
			lena = f[1]
		}
	}
	if lena == "" || !strings.Contains(stdout.String(), "wallet receive --offer") {
		t.Fatalf("the demo does not say how to try issuing:\n%s", stdout)
	}
	offers := func() (byValue, byReference string) {
		t.Helper()
		res, err := http.PostForm(lena+"/wallet", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		link := regexp.MustCompile(`href="(openid-credential-offer://[^"]+)" data-test="wallet-link"`).FindSubmatch(b)
		qr := regexp.MustCompile(`data-offer="(openid-credential-offer://[^"]+)"`).FindSubmatch(b)
		if res.StatusCode != http.StatusOK || link == nil || qr == nil {
			t.Fatalf("Lena's offer page: %s\n%.500s", res.Status, b)
		}
		return html.UnescapeString(string(link[1])), html.UnescapeString(string(qr[1]))
	}
	for _, byRef := range []bool{false, true} {
		name, link := "by value", ""
		if byValue, byReference := offers(); byRef {
			name, link = "by reference", byReference
		} else {
			link = byValue
		}
		out, err := attest(t, "", "wallet", "receive", "--offer", link)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		for _, want := range []string{"the wallet holds a credential from http://127.0.0.1:", "verified by: 127.0.0.1:",
			"skill.translation: Technical translation = German ↔ English (skill)", "identity: Legal name = Lena Fischer (identity)",
			"status:      valid, entry ", "expires:     "} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the output lacks %q:\n%s", name, want, out)
			}
		}
		if byRef {
			// The same offer again: taken once, it answers nothing more.
			out, err := attest(t, "", "wallet", "receive", "--offer", link)
			if err == nil || !strings.Contains(err.Error(), "offer_not_found") {
				t.Errorf("an offer taken twice: %v\n%s", err, out)
			}
		}
	}
	if _, err := attest(t, "", "wallet", "receive"); err == nil {
		t.Error("wallet receive without --offer succeeded")
	}
}

// --credential-issuers reads the trusted issuers, a bad file stops the
// start with an error naming it, and --digital-id=false turns the offer off.
func TestCredentialFlags(t *testing.T) {
	dir := t.TempDir()
	trust, err := attest(t, "", "wallet", "issuer", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	good, bad := filepath.Join(dir, "issuers.json"), filepath.Join(dir, "broken.json")
	os.WriteFile(good, []byte(trust), 0o600)
	os.WriteFile(bad, []byte(`{"issuers": [{"iss": "https://x.example"}]}`), 0o600)
	read := func(args ...string) (bool, error) {
		f := newFlags("serve", os.Stderr)
		creds := credentialFlags(f)
		if err := f.parse(args); err != nil {
			t.Fatal(err)
		}
		cfg, err := creds(nil)
		return cfg.Trust != nil, err
	}
	if on, err := read(); on || err != nil {
		t.Errorf("no flag: on %v, %v; want off", on, err)
	}
	if on, err := read("--credential-issuers", good); !on || err != nil {
		t.Errorf("a good file: on %v, %v; want on", on, err)
	}
	if on, err := read("--credential-issuers", good, "--digital-id=false"); on || err != nil {
		t.Errorf("--digital-id=false: on %v, %v; want off", on, err)
	}
	for _, file := range []string{bad, filepath.Join(dir, "missing.json")} {
		if _, err := read("--credential-issuers", file); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("--credential-issuers %s: %v, want an error naming the file", file, err)
		}
	}
	// serve stops at once, before listening, on a bad file.
	out, err := attest(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--credential-issuers", bad)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("serve with a bad trusted-issuers file: %v %s", err, out)
	}
}
