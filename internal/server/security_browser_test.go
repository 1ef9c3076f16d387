package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// Two-step sign-in in a real browser, each page audited by axe-core: a
// supervisor whose role requires it is sent to set it up, scans (reads)
// the secret, confirms, keeps the recovery codes, signs out, and signs in
// again with password and code.
func TestBrowserTOTPSignIn(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, RequireTOTP: []store.Role{store.RoleSupervisor}})
	addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")

	ctx := browser(t, "totp")
	signInInBrowser(t, ctx, base, "sam@example.com")
	waitFor(t, ctx, "the required-enrolment notice", `location.pathname === '/account/security' && document.body.innerText.includes('must use two-step sign-in')`)
	audit(t, ctx, "security page, two-step sign-in required")

	click(t, ctx, "totp-start")
	visible(t, ctx, "totp-secret")
	screenshot(t, ctx, "staff-totp-setup")
	audit(t, ctx, "two-step sign-in setup")
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-test="totp-secret"]').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := auth.TOTPSecretEncoding.DecodeString(strings.ReplaceAll(shown, " ", ""))
	if err != nil {
		t.Fatalf("secret %q: %v", shown, err)
	}
	typeInto(t, ctx, "totp-code", codeAt(secret, time.Now()))
	click(t, ctx, "totp-confirm")
	visible(t, ctx, "recovery-codes")
	audit(t, ctx, "recovery codes")

	clickCSS(t, ctx, `nav form button[type=submit]`) // sign out
	waitFor(t, ctx, "the sign-in page", `location.pathname === '/login' && document.readyState === 'complete'`)
	signInInBrowser(t, ctx, base, "sam@example.com")
	visible(t, ctx, "login-code")
	typeInto(t, ctx, "login-code", "000000")
	click(t, ctx, "login-code-submit")
	waitFor(t, ctx, "the code error", `!!document.getElementById('code-error')`)
	audit(t, ctx, "sign-in code, wrong")
	// The code that confirmed enrolment is spent; the next step's is accepted.
	do(t, ctx, chromedp.SetValue(byTest("login-code"), codeAt(secret, time.Now().Add(auth.TOTPStep))))
	click(t, ctx, "login-code-submit")
	waitFor(t, ctx, "the console", `location.pathname === '/agent'`)
	do(t, ctx, chromedp.Navigate(base+"/account/security"))
	waitFor(t, ctx, "the sessions list", `!!document.querySelector('[data-test="session"]')`)
	audit(t, ctx, "security page with sessions")
}

// signInInBrowser signs in with the password every test staff member has.
func signInInBrowser(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(base+"/login"))
	typeInto(t, ctx, "login-email", email)
	typeInto(t, ctx, "login-password", "correct horse battery")
	click(t, ctx, "login-submit")
}
