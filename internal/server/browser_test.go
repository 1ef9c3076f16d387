package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// chromium finds the browser, or skips the test (fails under CI=true).
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("ATTEST_TEST_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found; under CI=true browser tests must run (scripts/test installs it)")
	}
	t.Skip("no Chromium found; run scripts/test to install it")
	return ""
}

// browser starts a fresh headless Chromium with a fake camera and
// microphone, as a separate person would have.
func browser(t testing.TB, name string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// An exception nobody caught is a bug in the page: it fails the test.
	var mu sync.Mutex
	var uncaught []string
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			mu.Lock()
			uncaught = append(uncaught, e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
			mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				}
				t.Logf("%s console %s: %s", name, e.Type, strings.Join(parts, " "))
			}
		}
	}))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range uncaught {
			t.Errorf("%s page threw: %s", name, u)
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s browser: %v", name, err)
	}
	return ctx
}

func do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step, steps...); err != nil {
		t.Fatal(err)
	}
}

// waitFor evaluates js (which may return a promise) until it is true.
func waitFor(t testing.TB, ctx context.Context, what, js string) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last error
	for step.Err() == nil {
		var ok bool
		err := tabOf(step).evaluate(step, js, &ok)
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	var page string
	show, cancelShow := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShow()
	tabOf(show).evaluate(show, `location.href + "\n" + document.body.innerText.slice(0, 400)`, &page)
	t.Fatalf("waited 30s in %s for %s (%s); last error %v; the page:\n%s", tabOf(ctx).browserName(), what, js, last, page)
}

// screenshot saves what a person sees, when ATTEST_SCREENSHOTS names a
// directory, so that pages can be looked at after a run.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ATTEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	time.Sleep(300 * time.Millisecond) // let video paint
	png, err := tabOf(ctx).screenshot(ctx, true)
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, screenshotFile(ctx, name)), png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// axeViolation is one finding of axe-core.
type axeViolation struct {
	ID, Impact, Help string
	Targets          []string
}

// audit runs axe-core on the page and fails on any violation, of
// whatever impact.
func audit(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	for _, v := range violations(t, ctx, page) {
		t.Errorf("%s: %s violation %s (%s) at %v", page, v.Impact, v.ID, v.Help, v.Targets)
	}
}

// violations injects axe-core through DevTools, which the page's
// Content-Security-Policy does not govern, and returns what it finds, of
// every impact.
func violations(t testing.TB, ctx context.Context, page string) []axeViolation {
	t.Helper()
	path := os.Getenv("ATTEST_TEST_AXE")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ATTEST_TEST_AXE is not set; under CI=true the accessibility checks must run (scripts/test installs axe-core)")
		}
		t.Logf("axe-core not available; %s not audited (run scripts/test)", page)
		return nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	if err := tabOf(ctx).evaluate(ctx, `if (!window.axe) { `+string(src)+` }; true`, nil); err != nil {
		t.Fatalf("inject axe-core into %s: %v", page, err)
	}
	var found []axeViolation
	err = tabOf(ctx).evaluate(ctx, `axe.run(document, {resultTypes: ['violations']}).then(r =>
		r.violations.map(v => ({
			id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))`, &found)
	if err != nil {
		t.Fatalf("axe-core on %s: %v", page, err)
	}
	return found
}

// The audit is not a test that cannot fail: on a page with known critical
// problems it finds them.
func TestAuditFindsViolations(t *testing.T) {
	if os.Getenv("ATTEST_TEST_AXE") == "" && os.Getenv("CI") != "true" {
		t.Skip("axe-core not available (run scripts/test)")
	}
	ctx := browser(t, "audit")
	do(t, ctx, chromedp.Navigate(`data:text/html,<!doctype html><html lang="en"><title>bad</title><main><img src="x.png"><button></button></main></html>`))
	found := violations(t, ctx, "a broken page")
	ids := map[string]bool{}
	for _, v := range found {
		ids[v.ID] = true
	}
	if !ids["image-alt"] || !ids["button-name"] {
		t.Fatalf("axe-core missed known violations; found %+v", found)
	}
}

// screenshotAt scrolls the element matching selector into view and saves
// the viewport, for a long page whose lower part matters.
func screenshotAt(t testing.TB, ctx context.Context, name, selector string) {
	t.Helper()
	dir := os.Getenv("ATTEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	tabOf(ctx).evaluate(ctx, fmt.Sprintf(`document.querySelector(%q).scrollIntoView(); true`, selector), nil)
	png, err := tabOf(ctx).screenshot(ctx, false)
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, screenshotFile(ctx, name)), png, 0o644)
}

// choose clicks the label of a radio button or checkbox until its input is
// checked: a click aimed while the page still moves can land beside it.
func choose(t testing.TB, ctx context.Context, label string) {
	t.Helper()
	checked := fmt.Sprintf(`document.querySelector(%q).checked`, label+" input")
	for range 3 {
		clickCSS(t, ctx, label)
		var ok bool
		if tabOf(ctx).evaluate(ctx, checked, &ok) == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("clicking %s does not check its input", label)
}

func byTest(name string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[data-test=%q]`, name)) }

// click waits for an enabled, visible element and clicks it with real mouse
// events. A click that lands while the page navigates finds its node gone;
// it is tried again on the new page.
func click(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	clickCSS(t, ctx, fmt.Sprintf(`[data-test=%q]`, name))
}

// clickCSS is click for any CSS selector. It waits for the page to finish
// loading because the browser scrolls to a URL's fragment only then, which
// would move the element away from where the click is aimed.
func clickCSS(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	waitFor(t, ctx, selector+" to be clickable", fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); return document.readyState === 'complete' && !!el && !el.disabled && el.offsetParent !== null; })()`, selector))
	var err error
	for range 3 {
		step, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = tabOf(step).click(step, selector)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("click %s: %v", selector, err)
}

// typeInto types text into a field with real key events.
func typeInto(t testing.TB, ctx context.Context, name, text string) {
	t.Helper()
	waitFor(t, ctx, name+" to be ready", fmt.Sprintf(`!!document.querySelector('[data-test=%q]')`, name))
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tabOf(step).typeText(step, fmt.Sprintf(`[data-test=%q]`, name), text); err != nil {
		t.Fatalf("type into %s: %v", name, err)
	}
}

// visible waits until an element is shown.
func visible(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	waitFor(t, ctx, name+" to show", fmt.Sprintf(
		`(() => { const el = document.querySelector('[data-test=%q]'); return !!el && el.offsetParent !== null; })()`, name))
}

// The whole call in two real browsers: the agent signs in and goes online,
// the freelancer joins from the portal link, the agent takes the call, both
// sides decode video, a chat message crosses, the agent records the outcome
// and verifies, and the marketplace's standing says verified.
func TestBrowserCall(t *testing.T) {
	for _, tt := range []struct {
		name      string
		relayOnly bool
	}{{"direct", false}, {"through TURN relay", true}} {
		t.Run(tt.name, func(t *testing.T) {
			runBrowserCall(t, tt.relayOnly, browser(t, "freelancer"))
		})
	}
}

// runBrowserCall is the call with the freelancer's page in the browser the
// caller started; the agent's is a Chromium.
func runBrowserCall(t testing.TB, relayOnly bool, freelancer context.Context) {
	h := httptest.NewUnstartedServer(nil)
	base := "http://" + h.Listener.Addr().String()
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, BaseURL: base,
		Call: server.CallConfig{Tick: 200 * time.Millisecond, AgentCamera: true, RelayOnly: relayOnly}})
	defer s.Close()
	h.Config.Handler = s.Handler()
	h.Start()
	defer h.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go s.Calls.Run(ctx)
	opened := seedCase(t, s, "u-30")
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")

	agent, freelancer := establishCallWith(t, base, opened.Link.URL, browser(t, "agent"), freelancer)
	if relayOnly {
		for name, ctx := range map[string]context.Context{"agent": agent, "freelancer": freelancer} {
			waitFor(t, ctx, name+" on a relayed path", `window.attest.call.pathType().then(p => p === 'relay')`)
		}
	}
	typeInto(t, freelancer, "chat-input", "Hello, my audio is choppy")
	click(t, freelancer, "chat-send")
	waitFor(t, agent, "the chat message", `document.querySelector('[data-test=chat-log]').textContent.includes('Hello, my audio is choppy')`)
	typeInto(t, agent, "chat-input", "Thanks, I hear you fine")
	click(t, agent, "chat-send")
	waitFor(t, freelancer, "the agent's chat message", `document.querySelector('[data-test=chat-log]').textContent.includes('Thanks, I hear you fine')`)
	// The browser's own (fake) camera is a listed device with an id: the
	// camera hint stays hidden, neither virtual nor injected.
	var hinted bool
	evaluate(t, agent, `!document.querySelector('[data-test=camera-hint]').hidden`, &hinted)
	if hinted {
		t.Error("the agent's view shows a camera hint for the browser's own camera")
	}
	screenshot(t, freelancer, "freelancer-4-call")
	screenshot(t, agent, "agent-2-call")
	verifyInCall(t, agent, freelancer)
	assertVerified(t, s, "u-30")
}

// establishCall signs the agent in and online, brings the freelancer from
// the portal link through the device check into the queue, has the agent
// take the call, and waits until both sides decode video.
func establishCall(t testing.TB, base, portalURL string) (agent, freelancer context.Context) {
	t.Helper()
	return establishCallWith(t, base, portalURL, browser(t, "agent"), browser(t, "freelancer"))
}

// establishCallWith is establishCall with browsers the caller started.
func establishCallWith(t testing.TB, base, portalURL string, agent, freelancer context.Context) (context.Context, context.Context) {
	t.Helper()
	bringToCall(t, base, portalURL, agent, freelancer)
	joinTheCall(t, freelancer)
	waitDecoding(t, agent, freelancer)
	audit(t, freelancer, "portal call page")
	audit(t, agent, "console call view")
	return agent, freelancer
}

// bringToCall is establishCallWith up to the freelancer's call page, before
// they press "Join the call".
func bringToCall(t testing.TB, base, portalURL string, agent, freelancer context.Context) {
	t.Helper()
	do(t, agent, chromedp.Navigate(base+"/login"))
	audit(t, agent, "sign-in page")
	typeInto(t, agent, "login-email", "maria@example.com")
	typeInto(t, agent, "login-password", "correct horse battery")
	click(t, agent, "login-submit")
	click(t, agent, "go-online")
	visible(t, agent, "go-away")
	navigate(t, freelancer, portalURL)
	screenshot(t, freelancer, "freelancer-1-start")
	click(t, freelancer, "device-check")
	visible(t, freelancer, "local-video")
	screenshot(t, freelancer, "freelancer-2-device-check")
	audit(t, freelancer, "portal after the device check")
	click(t, freelancer, "join-queue")
	visible(t, freelancer, "queue-position")
	waitFor(t, freelancer, "the queue position", `document.querySelector('[data-test=queue-position]').textContent === 'you are next'`)
	waitFor(t, freelancer, "the wait estimate", `document.querySelector('[data-test=queue-eta]').textContent === 'less than a minute'`) // an agent is free
	waitFor(t, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
	screenshot(t, freelancer, "freelancer-3-queue")
	screenshot(t, agent, "agent-1-floor")
	audit(t, freelancer, "queue page")
	audit(t, agent, "console floor")
	click(t, agent, "take-next")
	visible(t, agent, "remote-video")
	waitFor(t, freelancer, "the call page", `!!document.querySelector('#portal[data-state=call]')`)
	audit(t, freelancer, "portal call page before joining")
}

// joinTheCall waits for the freelancer's call page and, unless the page
// moved into the call from the queue (which needs no press: the press on
// "Join the queue" lets the browser play the call's sound), presses "Join
// the call": a call page loaded anew starts nothing by itself.
func joinTheCall(t testing.TB, freelancer context.Context) {
	t.Helper()
	waitFor(t, freelancer, "the call page", `!!document.querySelector('#portal[data-state=call]')`)
	var joined bool
	evaluate(t, freelancer, `!document.getElementById('call-area').hidden`, &joined)
	if !joined {
		click(t, freelancer, "join-call")
	}
	waitFor(t, freelancer, "the call joined", `!document.getElementById('call-area').hidden`)
}

// framesJS is the number of video frames a side has decoded so far.
const framesJS = `window.attest?.call ? window.attest.call.framesDecoded() : 0`

// waitDecoding waits until both sides decode video frames: media flows.
func waitDecoding(t testing.TB, agent, freelancer context.Context) {
	t.Helper()
	for name, ctx := range map[string]context.Context{"agent": agent, "freelancer": freelancer} {
		waitFor(t, ctx, name+" decoding video", `Promise.resolve(`+framesJS+`).then(n => n > 0)`)
	}
}

// verifyInCall has the agent confirm the claim and decide verified, and
// waits for the freelancer's result.
func verifyInCall(t testing.TB, agent, freelancer context.Context) {
	t.Helper()
	for _, step := range passingSteps(t, agent) {
		click(t, agent, step)
		waitFor(t, agent, "the recorded "+step, fmt.Sprintf(`document.querySelector('[data-test=%q]').getAttribute('aria-pressed') === 'true'`, step))
	}
	click(t, agent, "claim-location-confirmed")
	waitFor(t, agent, "the recorded outcome", `document.querySelector('[data-test=claim-location-confirmed]').getAttribute('aria-pressed') === 'true'`)
	click(t, agent, "decision-verified")
	click(t, agent, "decision-submit")
	waitFor(t, freelancer, "the result", `(document.querySelector('[data-test=result]')?.textContent ?? '').includes('Nothing else is needed')`)
	waitFor(t, agent, "the console back at the floor", `!!document.querySelector('#console[data-state=idle]')`)
	screenshot(t, freelancer, "freelancer-5-result")
	audit(t, freelancer, "portal result")
}

// passingSteps names the console's buttons that record each required step
// of the call as passed, in the order an agent presses them: consent, the
// ID, and for each of this call's challenges "Show to the freelancer" and
// then "Done".
func passingSteps(t testing.TB, agent context.Context) []string {
	t.Helper()
	waitFor(t, agent, "the script", `!!document.querySelector('[data-test=step-consent-given]')`)
	names, err := chromedp.Run(agent, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-test^="step-"]')]
		.map(el => el.getAttribute('data-test'))
		.filter(n => n === 'step-consent-given' || n === 'step-identity-matched' || n === 'step-identity-document-matched' || (n.startsWith('step-challenge-') && n.endsWith('-done')))
		.flatMap(n => n.startsWith('step-challenge-') ? [n.replace(/^step-(challenge-.*)-done$/, '$1-show'), n] : [n])`))
	if err != nil || len(names) < 3 {
		t.Fatalf("the script offers steps %v (%v), want consent, identity and a challenge at least", names, err)
	}
	return names
}

func assertVerified(t testing.TB, s *server.Server, freelancerID string) {
	t.Helper()
	cases, err := s.Store.StandingCases(t.Context(), freelancerID)
	if err != nil || cases.LatestDecided == nil || cases.LatestDecided.Status != "verified" {
		t.Fatalf("standing after the call: %+v %v", cases, err)
	}
}

// frames reads how many frames a side has decoded.
func frames(t testing.TB, ctx context.Context) int {
	t.Helper()
	var n int
	evaluate(t, ctx, framesJS, &n)
	return n
}

// A reloaded freelancer page rejoins the same call, and a restart of the
// attest server does not end a call whose media is flowing: frames keep
// arriving while no server runs, and both pages reconnect to the new one.
func TestBrowserCallSurvivesReloadAndRestart(t *testing.T) {
	data := storetest.SQLite(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	base := "http://" + addr
	cfg := server.Config{Store: data, Now: time.Now, BaseURL: base, Call: server.CallConfig{Tick: 200 * time.Millisecond, AgentCamera: true}}
	first := open(t, cfg)
	opened := seedCase(t, first, "u-31")
	addStaff(t, first, "maria@example.com", store.RoleAgent, "correct horse battery")
	stop := serve(t, first, ln)

	agent, freelancer := establishCall(t, base, opened.Link.URL)

	// The freelancer reloads: a fresh page, a fresh peer connection, the same call.
	do(t, freelancer, chromedp.Reload())
	joinTheCall(t, freelancer)
	waitDecoding(t, agent, freelancer)

	// The server goes away; peer-to-peer media does not.
	stop()
	first.Close()
	before := frames(t, freelancer)
	time.Sleep(1500 * time.Millisecond)
	if during := frames(t, freelancer); during <= before {
		t.Fatalf("media stopped while the server was down: %d frames, then %d", before, during)
	}
	second := open(t, cfg)
	defer second.Close()
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer serve(t, second, ln2)()

	// Both pages reconnect and are seated in the same call again.
	typeInto(t, agent, "chat-input", "Can you still hear me?")
	waitFor(t, agent, "signaling back", `window.attest.signal.send('ping')`)
	click(t, agent, "chat-send")
	waitFor(t, freelancer, "the chat after the restart", `document.querySelector('[data-test=chat-log]').textContent.includes('Can you still hear me?')`)
	verifyInCall(t, agent, freelancer)
	assertVerified(t, second, "u-31")
}

// serve runs a server on ln until the returned stop is called.
func serve(t testing.TB, s *server.Server, ln net.Listener) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}
