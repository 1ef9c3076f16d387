package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// /docs is public, HTML, and served under the site's strict policy.
func TestDocsArePublic(t *testing.T) {
	_, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	res, err := http.Get(base + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
		t.Fatalf("GET /docs without the strict policy: %q", csp)
	}
	if !strings.Contains(string(body), `data-operation="GET /v1/freelancers/{id}/standing"`) {
		t.Fatal("the reference does not show the standing endpoint")
	}
}

// The reference renders in a browser with its stylesheet under the
// Content-Security-Policy, its anchors work, and it passes axe-core, wide
// and on a phone without sideways scrolling.
func TestBrowserDocs(t *testing.T) {
	_, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	ctx := browser(t, "integrator")
	do(t, ctx, chromedp.Navigate(base+"/docs"))
	waitFor(t, ctx, "the reference", `document.querySelectorAll('[data-operation]').length >= 13`)
	waitFor(t, ctx, "the stylesheet", `getComputedStyle(document.querySelector('.method-GET')).backgroundColor !== 'rgba(0, 0, 0, 0)'`)
	screenshot(t, ctx, "docs-1-reference")
	audit(t, ctx, "API reference")
	clickCSS(t, ctx, `.toc a[href="#op-createVerification"]`)
	waitFor(t, ctx, "the operation in view", `location.hash === '#op-createVerification' &&
		Math.abs(document.getElementById('op-createVerification').getBoundingClientRect().top) < 5`)
	do(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/docs#schema-Verification"))
	waitFor(t, ctx, "the reference on a phone", `!!document.getElementById('schema-Verification')`)
	screenshot(t, ctx, "docs-2-phone")
	audit(t, ctx, "API reference on a phone")
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); err != nil || wide {
		t.Fatalf("the reference scrolls sideways on a phone (%v)", err)
	}
}
