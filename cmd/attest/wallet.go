package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential/testwallet"
)

// walletCommand runs the test wallet, for development: `attest wallet
// present` answers a portal's request for a digital ID with a credential
// from the demo's issuer, and `attest wallet issuer` prints the
// trusted-issuers file that makes a server trust that issuer.
func walletCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"wallet: give present or issuer"}
	}
	switch args[0] {
	case "present":
		return walletPresent(ctx, args[1:], stdout, stderr)
	case "issuer":
		return walletIssuer(args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("wallet: unknown command %q (present or issuer)", args[0])}
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
