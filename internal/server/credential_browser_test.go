package server_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// fakeDigitalCredentials stands in for the browser's Digital Credentials
// API, which needs a wallet a test machine does not have: the page finds
// the API, and each call of navigator.credentials.get is kept in
// window.dcCalls with its argument and the means to settle its promise.
const fakeDigitalCredentials = `
if (!('DigitalCredential' in window)) window.DigitalCredential = class DigitalCredential {};
window.dcCalls = [];
navigator.credentials.get = (options) => new Promise((resolve, reject) => {
	window.dcCalls.push({options: JSON.parse(JSON.stringify(options)), resolve, reject});
});`

// dcRequest is what the page passed to navigator.credentials.get.
type dcRequest struct {
	Mediation string `json:"mediation"`
	Digital   struct {
		Requests []struct {
			Protocol string `json:"protocol"`
			Data     struct {
				Request string `json:"request"`
			} `json:"data"`
		} `json:"requests"`
	} `json:"digital"`
}

// requestObject checks a signed request as attest's must be (typ
// oauth-authz-req+jwt, signed by attest's request key) and returns its claims.
func requestObject(t *testing.T, s *server.Server, jwt string) map[string]any {
	t.Helper()
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("data.request is not a compact JWS: %v", err)
	}
	if typ := jws.Signatures[0].Header.ExtraHeaders["typ"]; typ != "oauth-authz-req+jwt" {
		t.Errorf("the request's typ is %v, want oauth-authz-req+jwt", typ)
	}
	key := s.Workflow.Credentials.Signer.Key.Public().(*ecdsa.PublicKey)
	payload, err := jws.Verify(key)
	if err != nil {
		t.Fatalf("the request is not signed by attest's request key: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// captured waits for the n-th call of navigator.credentials.get and returns its argument.
func captured(t *testing.T, ctx context.Context, n int) dcRequest {
	t.Helper()
	waitFor(t, ctx, fmt.Sprintf("call %d of navigator.credentials.get", n), fmt.Sprintf(`window.dcCalls.length >= %d`, n))
	var req dcRequest
	evaluate(t, ctx, fmt.Sprintf(`window.dcCalls[%d].options`, n-1), &req)
	return req
}

// askedPaths are the claim paths a request's DCQL query names.
func askedPaths(claims map[string]any) []string {
	var paths []string
	q, _ := claims["dcql_query"].(map[string]any)
	creds, _ := q["credentials"].([]any)
	for _, c := range creds {
		cq, _ := c.(map[string]any)
		list, _ := cq["claims"].([]any)
		for _, cl := range list {
			p, _ := cl.(map[string]any)["path"].([]any)
			var parts []string
			for _, s := range p {
				parts = append(parts, fmt.Sprint(s))
			}
			paths = append(paths, strings.Join(parts, "."))
		}
	}
	return paths
}

// credentialResult waits for the digital ID's result on the page.
func credentialResult(t *testing.T, ctx context.Context, result string) string {
	t.Helper()
	waitFor(t, ctx, "the digital ID's result "+result, fmt.Sprintf(`document.querySelector('[data-test=credential-result]').dataset.result === %q`, result))
	var text string
	evaluate(t, ctx, `document.querySelector('[data-test=credential-result]').textContent`, &text)
	return text
}

// The same device: "Use a digital ID" calls the Digital Credentials API on
// the press with attest's signed request, asking only for the legal name,
// bound to the page's origin, with a fresh nonce each time; a wallet that
// declines is a calm refusal with a way on; the test wallet's answer, fed
// back through the API's promise, is accepted and settles the case.
func TestBrowserDigitalIDSameDevice(t *testing.T) {
	iss, trust := issuers(t, 1)
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
	opened := identityCase(t, s, "fl_dc_same", "José da Silva")
	wl, err := testwallet.NewWallet()
	if err != nil {
		t.Fatal(err)
	}
	issued, err := iss[0].Issue(testwallet.Identity{GivenName: "JOSÉ", FamilyName: "DA SILVA", BirthDate: "1990-01-01"}, wl.HolderKey())
	if err != nil {
		t.Fatal(err)
	}
	wl.Credential = issued.Credential

	ctx := browser(t, "freelancer")
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fakeDigitalCredentials}); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, opened.Link.URL)
	visible(t, ctx, "digital-id")
	audit(t, ctx, "portal offering a digital ID")
	var origin string
	evaluate(t, ctx, `location.origin`, &origin)
	if origin != base {
		t.Fatalf("the page's origin is %s, the server's %s", origin, base)
	}

	click(t, ctx, "credential-same-device")
	first := captured(t, ctx, 1)
	if first.Mediation != "required" || len(first.Digital.Requests) != 1 || first.Digital.Requests[0].Protocol != "openid4vp-v1-signed" {
		t.Fatalf("navigator.credentials.get(%+v), want mediation required and one openid4vp-v1-signed request", first)
	}
	claims := requestObject(t, s, first.Digital.Requests[0].Data.Request)
	origins, _ := claims["expected_origins"].([]any)
	if claims["response_mode"] != "dc_api" || !slices.Contains(origins, any(origin)) || claims["nonce"] == "" || claims["response_uri"] != nil {
		t.Errorf("request claims %v: want response_mode dc_api, expected_origins naming %s, a nonce, no response_uri", claims, origin)
	}
	if got := askedPaths(claims); !slices.Equal(got, []string{"given_name", "family_name"}) {
		t.Errorf("the DCQL query asks for %v, want only given_name and family_name (never a portrait or a birth date)", got)
	}

	// The freelancer closes the wallet's sheet: a refusal, in Portuguese,
	// with what to do next.
	evaluate(t, ctx, `window.dcCalls[0].reject(new DOMException('closed', 'NotAllowedError')); true`, nil)
	if text := credentialResult(t, ctx, "refused"); !strings.Contains(text, "videochamada") {
		t.Errorf("the wallet declined: the page says %q, want the Portuguese words with the video call as a way on", text)
	}
	visible(t, ctx, "credential-again")
	visible(t, ctx, "credential-use-call")
	audit(t, ctx, "portal after a digital ID was refused")

	// By keyboard: try again, and ask the wallet again.
	tabTo(t, ctx, "credential-again")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the result cleared", `document.querySelector('[data-test=credential-result]').textContent === ''`)
	tabTo(t, ctx, "credential-same-device")
	press(t, ctx, kb.Enter)
	second := captured(t, ctx, 2)
	again := requestObject(t, s, second.Digital.Requests[0].Data.Request)
	if again["nonce"] == claims["nonce"] {
		t.Errorf("two attempts share the nonce %v", again["nonce"])
	}

	data, err := wl.AnswerDCAPI(second.Digital.Requests[0].Data.Request, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := json.Marshal(map[string]any{"protocol": "openid4vp-v1-signed", "data": data})
	evaluate(t, ctx, fmt.Sprintf(`window.dcCalls[1].resolve(%s); true`, answer), nil)
	if text := credentialResult(t, ctx, "verified"); !strings.Contains(text, "verificado") {
		t.Errorf("accepted: the page says %q, want that the profile is verified, in Portuguese", text)
	}
	visible(t, ctx, "credential-see-result")
	audit(t, ctx, "portal after a digital ID was accepted")
	v, err := s.Store.Verification(context.Background(), opened.Verification.ID)
	if err != nil || v.Status != verification.Verified {
		t.Fatalf("the case after the digital ID: %v %v, want verified", v.Status, err)
	}
	click(t, ctx, "credential-see-result")
	waitFor(t, ctx, "the verified page", `!!document.querySelector('[data-test=result]')`)
}

// Another device: "Use a wallet on another device" shows the QR code and
// the openid4vp:// link; the page learns of the wallet's answer by itself,
// a differing name as a calm "a person will look", then after trying again
// the matching one.
func TestBrowserDigitalIDOtherDevice(t *testing.T) {
	iss, trust := issuers(t, 1)
	s, _ := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
	opened := identityCase(t, s, "fl_dc_other", "José da Silva")
	wallet := func(given string) *testwallet.Wallet {
		wl, err := testwallet.NewWallet()
		if err != nil {
			t.Fatal(err)
		}
		issued, err := iss[0].Issue(testwallet.Identity{GivenName: given, FamilyName: "da Silva"}, wl.HolderKey())
		if err != nil {
			t.Fatal(err)
		}
		wl.Credential = issued.Credential
		return wl
	}
	ctx := browser(t, "freelancer")
	do(t, ctx, chromedp.EmulateViewport(390, 844))
	navigate(t, ctx, opened.Link.URL)
	scan := func() string {
		t.Helper()
		click(t, ctx, "credential-other-device")
		waitFor(t, ctx, "the QR code and the link", `document.querySelector('[data-test=credential-qr]').src.startsWith('data:image/svg+xml;base64,') &&
			document.querySelector('[data-test=credential-link]').href.startsWith('openid4vp://') && document.querySelector('[data-test=credential-qr]').offsetParent !== null`)
		var link string
		evaluate(t, ctx, `document.querySelector('[data-test=credential-link]').href`, &link)
		return link
	}
	link := scan()
	audit(t, ctx, "portal showing a wallet QR code")
	screenshotAt(t, ctx, "freelancer-digital-id-qr", "#digital-id")
	if code, body, err := wallet("Josefa").AnswerLink(context.Background(), link, nil); err != nil || code != http.StatusOK {
		t.Fatalf("direct_post: %d %s %v", code, body, err)
	}
	if text := credentialResult(t, ctx, "mismatch"); !strings.Contains(text, "pessoa") {
		t.Errorf("a differing name: the page says %q, want that a person will look", text)
	}
	audit(t, ctx, "portal after a differing name")

	click(t, ctx, "credential-again")
	second := scan()
	if second == link {
		t.Errorf("trying again showed the same link %s", link)
	}
	if code, body, err := wallet("José").AnswerLink(context.Background(), second, nil); err != nil || code != http.StatusOK {
		t.Fatalf("direct_post: %d %s %v", code, body, err)
	}
	credentialResult(t, ctx, "verified")
	v, err := s.Store.Verification(context.Background(), opened.Verification.ID)
	if err != nil || v.Status != verification.Verified {
		t.Fatalf("the case after the matching digital ID: %v %v, want verified", v.Status, err)
	}
}
