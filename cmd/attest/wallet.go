package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/sdjwt"
)

// walletCommand runs the test wallet, for development: `attest wallet
// present` answers a portal's request for a digital ID with a credential
// from the demo's issuer, `attest wallet receive` takes attest's "Add to
// your wallet" offer and shows the credential it gets, and `attest wallet
// issuer` prints the trusted-issuers file that makes a server trust the
// demo's issuer.
func walletCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"wallet: give present, receive or issuer"}
	}
	switch args[0] {
	case "present":
		return walletPresent(ctx, args[1:], stdout, stderr)
	case "receive":
		return walletReceive(ctx, args[1:], stdout, stderr)
	case "issuer":
		return walletIssuer(args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("wallet: unknown command %q (present, receive or issuer)", args[0])}
}

// walletReceive takes a credential offer as a phone wallet does, with a
// fresh wallet key: the offer by value or by reference, the issuer's
// metadata, a token, a c_nonce, a key proof, the credential. It then
// checks the credential as any verifier would (the issuer's published
// keys, its status list) and prints it decoded.
func walletReceive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("wallet receive", stderr)
	offer := f.str("offer", "", "the openid-credential-offer:// link of \"Add to your wallet\" (by value or by reference)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *offer == "" {
		return usageError{"wallet receive: give --offer 'openid-credential-offer://…'"}
	}
	wl, err := testwallet.NewWallet()
	if err != nil {
		return err
	}
	wl.Client = &http.Client{Timeout: 30 * time.Second}
	if _, err := wl.Receive(ctx, *offer); err != nil {
		return fmt.Errorf("wallet receive: %w", err)
	}
	iss, err := testwallet.IssuerOf(wl.Credential)
	if err != nil {
		return fmt.Errorf("wallet receive: %w", err)
	}
	c, err := wl.CheckIssued(ctx, iss)
	if sdjwt.CodeOf(err) == sdjwt.Revoked {
		return fmt.Errorf("wallet receive: the credential from %s is revoked already", iss)
	}
	if err != nil {
		return fmt.Errorf("wallet receive: the credential does not check: %w", err)
	}
	printCredential(stdout, c)
	return nil
}

// printCredential prints a received credential for a person to read.
func printCredential(w io.Writer, c *sdjwt.Credential) {
	fmt.Fprintf(w, "the wallet holds a credential from %s\n", c.Issuer)
	fmt.Fprintf(w, "  type:        %s\n", c.Type)
	if m, ok := c.Claims["marketplace"].(string); ok {
		fmt.Fprintf(w, "  verified by: %s\n", m)
	}
	if at, ok := c.Claims["verified_at"].(float64); ok {
		fmt.Fprintf(w, "  verified at: %s\n", time.Unix(int64(at), 0).UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "  issued:      %s\n  expires:     %s\n", c.IssuedAt.UTC().Format(time.RFC3339), c.ExpiresAt.UTC().Format(time.RFC3339))
	if c.Status != nil {
		fmt.Fprintf(w, "  status:      valid, entry %d of %s\n", c.Status.Index, c.Status.URI)
	}
	claims, _ := c.Claims[issuer.ClaimsMember].(map[string]any)
	fmt.Fprintf(w, "  claims, each a disclosure the wallet may show or keep back (%d):\n", len(claims))
	for _, key := range slices.Sorted(maps.Keys(claims)) {
		v, _ := claims[key].(map[string]any)
		fmt.Fprintf(w, "    %s: %v = %v", key, v["label"], v["value"])
		if kind, ok := v["kind"]; ok {
			fmt.Fprintf(w, " (%v)", kind)
		}
		fmt.Fprintln(w)
	}
}

// walletIssuer prints the demo issuer's trusted-issuers file.
func walletIssuer(args []string, stdout, stderr io.Writer) error {
	f := newFlags("wallet issuer", stderr)
	data := f.str("data", "", "the demo's data directory, which holds the demo issuer's key (made there if missing)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *data == "" {
		return usageError{"wallet issuer: give --data DIR"}
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("wallet issuer: %w", err)
	}
	is, err := demoIssuer(*data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", is.TrustJSON())
	return nil
}

// walletPresent issues a credential from the demo issuer to a fresh wallet
// key and presents it, as a phone wallet answers a QR code: to the
// openid4vp:// link a portal shows (--link), or to a request it starts
// itself from a portal link (--portal-url), whose outcome it then reads.
func walletPresent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("wallet present", stderr)
	data := f.str("data", "", "the demo's data directory, which holds the demo issuer's key")
	link := f.str("link", "", "the openid4vp:// link under the portal's QR code")
	portalURL := f.str("portal-url", "", "a freelancer's portal link (http://…/v/TOKEN): start a request there and answer it")
	given := f.str("given-name", "Ana Paula", "the given names the credential states")
	family := f.str("family-name", "Souza", "the family names the credential states")
	if err := f.parse(args); err != nil {
		return err
	}
	if *data == "" || (*link == "") == (*portalURL == "") {
		return usageError{"wallet present: give --data DIR and one of --link URL or --portal-url URL"}
	}
	is, err := demoIssuer(*data)
	if err != nil {
		return err
	}
	wl, err := testwallet.NewWallet()
	if err != nil {
		return err
	}
	wl.Client = &http.Client{Timeout: 30 * time.Second}
	issued, err := is.Issue(testwallet.Identity{GivenName: *given, FamilyName: *family, NoStatus: true}, wl.HolderKey())
	if err != nil {
		return err
	}
	wl.Credential = issued.Credential
	fmt.Fprintf(stdout, "the wallet holds an identity credential from %s for %s %s\n", DemoIssuerID, *given, *family)
	portal := strings.TrimRight(*portalURL, "/")
	attempt := ""
	if portal != "" {
		if *link, attempt, err = startCrossDevice(ctx, wl.Client, portal); err != nil {
			return err
		}
	}
	code, body, err := wl.AnswerLink(ctx, *link, nil)
	if err != nil {
		return fmt.Errorf("wallet present: %w", err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("wallet present: attest refused the answer: %d %s", code, strings.TrimSpace(body))
	}
	if attempt == "" {
		fmt.Fprintln(stdout, "attest took the answer; the portal page shows the result")
		return nil
	}
	return printOutcome(ctx, wl.Client, portal, attempt, stdout)
}

// startCrossDevice starts a request for a wallet on another device from a
// portal link, as "Use a wallet on another device" does, and returns its
// openid4vp:// link and attempt.
func startCrossDevice(ctx context.Context, client *http.Client, portal string) (link, attempt string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, portal+"/credential",
		strings.NewReader(url.Values{"transport": {"cross_device"}}.Encode()))
	if err != nil {
		return "", "", fmt.Errorf("wallet present: --portal-url: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var started struct {
		Attempt    string `json:"attempt"`
		WalletLink string `json:"wallet_link"`
		Error      struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	status, err := doJSON(client, req, &started)
	if err != nil {
		return "", "", fmt.Errorf("wallet present: start a request at %s: %w", portal, err)
	}
	if status != http.StatusCreated {
		return "", "", fmt.Errorf("wallet present: the portal refused to start a request (%d): %s", status, started.Error.Message)
	}
	return started.WalletLink, started.Attempt, nil
}

// printOutcome reads how attest took the answer, in the freelancer's words.
func printOutcome(ctx context.Context, client *http.Client, portal, attempt string, stdout io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, portal+"/credential/"+attempt, nil)
	if err != nil {
		return err
	}
	var o struct {
		Result  string `json:"result"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
		Status  string `json:"status"`
	}
	if _, err := doJSON(client, req, &o); err != nil {
		return fmt.Errorf("wallet present: read the outcome: %w", err)
	}
	fmt.Fprintf(stdout, "result: %s; the case is %s\n%s\n", o.Result, o.Status, o.Message)
	if o.Result == "refused" {
		return errors.New("wallet present: refused: " + o.Reason)
	}
	return nil
}

// doJSON sends req and reads its JSON answer into out.
func doJSON(client *http.Client, req *http.Request, out any) (int, error) {
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if err := json.UnmarshalRead(io.LimitReader(res.Body, 1<<20), out, json.RejectUnknownMembers(false)); err != nil {
		return res.StatusCode, fmt.Errorf("%s: %w", res.Status, err)
	}
	return res.StatusCode, nil
}
