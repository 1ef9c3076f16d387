package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// navOnOneLine is true when the staff navigation is one line: its items
// share a row (their vertical centres agree: the row centres them), and no
// item's words wrap inside it (each link is one line of text tall), and the
// brand shares the row too (when called with true; Portuguese's longer
// words may put the whole navigation on a row of its own under the brand).
const navOnOneLine = `((withBrand) => {
	const nav = document.querySelector('nav.account');
	const items = [...nav.children].filter((el) => el.offsetParent !== null);
	const centre = (el) => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; };
	const centres = items.map(centre);
	const oneRow = Math.max(...centres) - Math.min(...centres) < 2 && (!withBrand || Math.abs(centre(document.querySelector('.top .brand')) - centres[0]) < 2);
	const oneLine = [...nav.querySelectorAll('a, .who')].every((el) =>
		el.getBoundingClientRect().height < 1.5 * parseFloat(getComputedStyle(el).lineHeight));
	return items.length >= 8 && oneRow && oneLine;
})`

// The staff header keeps to one line on a 1280-pixel screen for the
// longest navigation there is (an admin with the dev mailbox and a long
// name), and on a phone every link stays on the page, wrapped, without
// scrolling sideways.
func TestBrowserConsoleNavigationFits(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, DevMailbox: true})
	err := s.Store.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := s.Staff.Put(t.Context(), tx, "test", "ada@example.com", "Ada Fernanda de Albuquerque", store.RoleAdmin, "correct horse battery")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seedCase(t, s, "u-970")
	ctx := browser(t, "navigation")
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
	signInInBrowser(t, ctx, base, "ada@example.com")
	waitFor(t, ctx, "the console", `location.pathname === '/agent'`)
	// In each staff language: Ada's account follows the browser's.
	for _, lang := range []string{"en", "pt-BR"} {
		speak(t, ctx, lang)
		// Each page marks its section's link: /admin/staff is under /admin.
		current := map[string]string{"/agent": "/agent", "/admin": "/admin", "/agent/fairness": "/agent/fairness", "/admin/staff": "/admin", "/agent/hours": "/agent/hours"}
		for _, path := range []string{"/agent", "/admin", "/agent/fairness", "/admin/staff", "/agent/hours"} {
			do(t, ctx, chromedp.Navigate(base+path))
			waitFor(t, ctx, path+" loaded", `document.readyState === 'complete'`)
			waitFor(t, ctx, path+" marking its section "+current[path], fmt.Sprintf(
				`[...document.querySelectorAll('nav.account a[aria-current=page]')].map((a) => a.getAttribute('href')).join() === %q`, current[path]))
			var got string
			evaluate(t, ctx, `document.documentElement.lang`, &got)
			if got != lang {
				t.Fatalf("%s in %s: the page is in %q", path, lang, got)
			}
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](navOnOneLine+fmt.Sprintf("(%v)", lang == "en"))); err != nil || !ok {
				screenshot(t, ctx, "nav-1280-wrapped-"+lang)
				t.Errorf("%s at 1280 px in %s: the navigation wraps (%v)", path, lang, err)
			}
		}
	}
	speak(t, ctx, "en")
	do(t, ctx, chromedp.Navigate(base+"/admin"))
	waitFor(t, ctx, "the floor", `document.readyState === 'complete'`)
	screenshot(t, ctx, "nav-1280-admin-floor")

	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	do(t, ctx, chromedp.Navigate(base+"/agent"))
	waitFor(t, ctx, "the console on a phone", `document.readyState === 'complete'`)
	usable := `(() => {
		const items = [...document.querySelectorAll('nav.account > *')];
		const inside = items.every((el) => { const r = el.getBoundingClientRect(); return el.offsetParent !== null && r.left >= 0 && r.right <= 391; });
		return inside && document.documentElement.scrollWidth <= 391;
	})()`
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](usable)); err != nil || !ok {
		t.Errorf("on a phone the navigation runs off the screen (%v)", err)
	}
	screenshot(t, ctx, "nav-390-agent")
	audit(t, ctx, "the console on a phone")
}

// A claim's note in the call is never lost: a note the guard refuses is
// explained beside its claim (not in the decision), the outcome waits for
// a corrected note, the explanation goes once it is saved, and a note
// typed after the outcome is saved on its own.
func TestBrowserClaimNotes(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Call: server.CallConfig{Tick: 200 * time.Millisecond}})
	running, stop := context.WithCancel(t.Context())
	defer stop()
	go s.Calls.Run(running)
	opened := seedCase(t, s, "u-380")
	agent := signedInAs(t, s, base, "maria@example.com", store.RoleAgent)
	postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
	if err := s.Store.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := s.Workflow.JoinQueue(t.Context(), tx, "u-380")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	postForm(t, agent, base+"/agent/take", url.Values{}, "")
	note := func() string {
		t.Helper()
		outcomes, err := s.Store.ClaimOutcomes(context.Background(), opened.Verification.ID)
		if err != nil || len(outcomes) != 1 {
			return fmt.Sprintf("(%d outcomes, %v)", len(outcomes), err)
		}
		return string(outcomes[0].Outcome) + ": " + outcomes[0].Note
	}

	ctx := browser(t, "agent")
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
	signInInBrowser(t, ctx, base, "maria@example.com")
	waitFor(t, ctx, "the call view, welcomed into the call", `!!document.querySelector('#console[data-state=call]') && !!window.attest?.call`)
	const (
		errorJS   = `document.querySelector('[data-test="claim-location-error"]').textContent`
		pressedJS = `document.querySelector('[data-test="claim-location-confirmed"]').getAttribute('aria-pressed')`
	)
	setNote := func(text string) {
		t.Helper()
		waitFor(t, ctx, "the note field", `(() => { const el = document.querySelector('[data-test="note-location"]'); if (el) el.value = ''; return !!el; })()`)
		typeInto(t, ctx, "note-location", text)
	}

	// A note about the person, with the outcome: refused beside the claim.
	setNote("Are you married?")
	click(t, ctx, "claim-location-confirmed")
	waitFor(t, ctx, "the refusal beside the claim", errorJS+`.includes('never about the person')`)
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('decision-error').textContent + '|' + `+pressedJS)); got != "|false" {
		t.Errorf("decision error and outcome pressed: %q, want no decision error and the outcome not recorded", got)
	}
	waitFor(t, ctx, "the refusal in view", `(() => { const r = document.querySelector('[data-test="claim-location-error"]').getBoundingClientRect();
		return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; })()`)
	screenshotAt(t, ctx, "call-claim-note-refused", `[data-claim="location"]`)
	if got := note(); got != "(0 outcomes, <nil>)" {
		t.Fatalf("a refused note was stored: %s", got)
	}

	// Corrected: the outcome goes with it, and the explanation goes away.
	setNote("The lease names Pune.")
	click(t, ctx, "claim-location-confirmed")
	waitFor(t, ctx, "the outcome recorded", pressedJS+` === 'true' && `+errorJS+` === ''`)
	if got := note(); got != "confirmed: The lease names Pune." {
		t.Fatalf("stored %q", got)
	}

	// A note typed after the outcome is saved when the agent leaves the field.
	setNote("The lease and a bank letter name Pune.")
	do(t, ctx, chromedp.Blur(byTest("note-location")))
	waitFor(t, ctx, "the later note saved", `document.querySelector('[data-test="note-location-status"]').textContent === 'Note saved.'`)
	if got := note(); got != "confirmed: The lease and a bank letter name Pune." {
		t.Fatalf("a later note: stored %q", got)
	}

	// A later note refused, then corrected: the refusal shows, then goes.
	setNote("Are you married?")
	do(t, ctx, chromedp.Blur(byTest("note-location")))
	waitFor(t, ctx, "the later refusal beside the claim", errorJS+`.includes('never about the person')`)
	if got := note(); got != "confirmed: The lease and a bank letter name Pune." {
		t.Fatalf("a refused later note changed what is stored: %q", got)
	}
	setNote("The bank letter is from May.")
	do(t, ctx, chromedp.Blur(byTest("note-location")))
	waitFor(t, ctx, "the refusal cleared", errorJS+` === ''`)
	if got := note(); got != "confirmed: The bank letter is from May." {
		t.Fatalf("a corrected later note: stored %q", got)
	}

	// A note typed just before the decision goes with it.
	setNote("The bank letter is from May 2025.")
	click(t, ctx, "decision-not-verified")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-test="reason-code"]').value = 'live_check_failed'; true`)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "decision-submit")
	waitFor(t, ctx, "the console back at the floor", `!!document.querySelector('#console[data-state=idle]')`)
	if got := note(); got != "confirmed: The bank letter is from May 2025." {
		t.Fatalf("a note typed before the decision: stored %q", got)
	}
	if v, err := s.Store.Verification(context.Background(), opened.Verification.ID); err != nil || v.Status != "in_review" {
		t.Fatalf("after the decision: %+v %v", v, err)
	}
}

// The live queue page's open verifications follow the cases while it is
// open: a freelancer who joins the queue shows there, with their status,
// without a reload.
func TestBrowserOpenVerificationsStayCurrent(t *testing.T) {
	s, base := servedForCalls(t, server.CallConfig{})
	seedCase(t, s, "u-88")
	agent := browser(t, "agent")
	agentOnline(t, agent, base)
	waitFor(t, agent, "one open verification", `document.querySelectorAll('[data-test=open-verification]').length === 1`)
	runJS(t, agent, `window.samePage = true`)

	second := seedCase(t, s, "u-89")
	postForm(t, http.DefaultClient, second.Link.URL+"/queue", url.Values{}, "")
	waitFor(t, agent, "the new case listed, in the queue", `document.querySelectorAll('[data-test=open-verification]').length === 2 &&
		!!document.querySelector('[data-test=open-verification] [data-status=in_queue]')`)
	var same bool
	evaluate(t, agent, `window.samePage === true`, &same)
	if !same {
		t.Fatal("the page reloaded instead of updating its list")
	}

	// Signed out meanwhile (the cookie gone), the list read again is the
	// sign-in page: the list stays as it was. The test counts the page's
	// reads of the list as they are answered.
	runJS(t, agent, `{ const f = window.fetch; window.listReads = 0;
		window.fetch = (...a) => { const p = f(...a); if (String(a[0]) === '/agent/open') p.finally(() => window.listReads++); return p; }; } true`)
	do(t, agent, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	third := seedCase(t, s, "u-90")
	postForm(t, http.DefaultClient, third.Link.URL+"/queue", url.Values{}, "")
	waitFor(t, agent, "the list read again", `window.listReads > 0`)
	time.Sleep(100 * time.Millisecond) // the page puts it in place, or not, right after
	var rows int
	evaluate(t, agent, `document.querySelector('[data-test=open-list] form') ? -1 : document.querySelectorAll('[data-test=open-verification]').length`, &rows)
	if rows != 2 {
		t.Fatalf("signed out, the open list holds %d rows (-1: a form), want the 2 it had", rows)
	}
}
