package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/bidi"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The freelancer's side runs in Firefox ESR as well as in Chromium: the
// same scenarios, with the freelancer's tab in Firefox (driven over
// WebDriver BiDi) and the agent's console in Chromium.

// The device check in Firefox: the fake camera's picture plays in the
// preview, the microphone's level moves, and no help for a problem shows.
func TestFirefoxDeviceCheck(t *testing.T) {
	s, _ := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	opened := seedCase(t, s, "u-40")
	freelancer := firefox(t, "freelancer")
	navigate(t, freelancer, opened.Link.URL)
	click(t, freelancer, "device-check")
	visible(t, freelancer, "local-video")
	waitFor(t, freelancer, "the preview to paint camera frames", `(() => {
		const video = document.querySelector('[data-test=local-video]');
		const painted = new Promise(resolve => video.requestVideoFrameCallback(() => resolve(video.videoWidth > 0)));
		return Promise.race([painted, new Promise(resolve => setTimeout(() => resolve(false), 1000))]);
	})()`)
	waitFor(t, freelancer, "the microphone level to move", `document.getElementById('mic-level').value > 0`)
	waitFor(t, freelancer, "the check's status without help", `document.getElementById('check-status').textContent !== '' && document.getElementById('check-help').hidden`)
	screenshot(t, freelancer, "freelancer-2-device-check")
	audit(t, freelancer, "portal after the device check")
}

// The whole call with the freelancer in Firefox: device check, queue, both
// sides decoding the other's video, chat both ways, the verified result;
// and the same through the TURN relay.
func TestFirefoxCall(t *testing.T) {
	for _, tt := range []struct {
		name      string
		relayOnly bool
	}{{"direct", false}, {"through TURN relay", true}} {
		t.Run(tt.name, func(t *testing.T) {
			runBrowserCall(t, tt.relayOnly, firefox(t, "freelancer"))
		})
	}
}

// Booking a time with the mouse in Firefox at phone size.
func TestFirefoxBooking(t *testing.T) {
	runBrowserBooking(t, firefox(t, "freelancer"))
}

// firefoxPath finds Firefox (ESR, as Debian ships it), or skips the test
// (fails under CI=true).
func firefoxPath(t testing.TB) string {
	t.Helper()
	path, err := bidi.FindFirefox(os.Getenv("ATTEST_TEST_FIREFOX"), "firefox-esr", "firefox")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; under CI=true browser tests must run (scripts/test installs firefox-esr)", err)
		}
		t.Skipf("%v; run scripts/test to install it", err)
	}
	return path
}

// firefoxPrefs give Firefox what the flags in browser give Chromium: a
// fake camera and microphone without asking, the site allowed to use them
// (navigator.permissions says "granted", as Chromium's fake prompt makes
// it say, so the queue page makes them ready when the freelancer is next),
// peer connections over the loopback interface with plain (not mDNS) host
// addresses, and a stand-in for the sound card a test machine lacks: without one an AudioContext
// never leaves "suspended", and the device check's microphone meter stays
// at zero. Unlike Chromium's, media autoplay keeps its default policy.
var firefoxPrefs = map[string]any{
	"media.navigator.streams.fake":                      true,
	"media.navigator.permission.disabled":               true,
	"permissions.default.camera":                        1,
	"permissions.default.microphone":                    1,
	"media.peerconnection.ice.loopback":                 true,
	"media.peerconnection.ice.obfuscate_host_addresses": false,
	"media.cubeb.force_mock_context":                    true,
}

// firefox starts a fresh headless Firefox, as a separate person would have,
// and returns its tab for the page helpers (see tabOf). Like browser, it
// fails the test on an exception the page does not catch and logs the
// page's console errors and warnings.
func firefox(t testing.TB, name string) context.Context {
	t.Helper()
	path := firefoxPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ff, err := bidi.StartFirefox(ctx, path, firefoxPrefs)
	if err != nil {
		t.Fatalf("start %s Firefox: %v", name, err)
	}
	t.Cleanup(func() { ff.Close() })
	c, err := bidi.Dial(ctx, ff.URL)
	if err != nil {
		t.Fatalf("connect to %s Firefox: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	session, err := c.NewSession(ctx)
	if err != nil {
		t.Fatalf("%s Firefox: %v", name, err)
	}
	t.Logf("%s: %s %s (%s)", name, session.BrowserName, session.BrowserVersion, path)
	watchFirefoxLog(t, c, name)
	if err := c.Subscribe(ctx, "log.entryAdded"); err != nil {
		t.Fatalf("%s Firefox: %v", name, err)
	}
	tab, err := c.Tab(ctx)
	if err != nil {
		t.Fatalf("%s Firefox: %v", name, err)
	}
	return context.WithValue(context.Background(), tabKey{}, firefoxTab{tab})
}

// watchFirefoxLog logs the page's console errors and warnings and fails
// the test, when it ends, on each exception the page did not catch.
func watchFirefoxLog(t testing.TB, c *bidi.Client, name string) {
	var mu sync.Mutex
	var uncaught []string
	c.On("log.entryAdded", func(params json.RawMessage) {
		var e struct{ Type, Level, Text string }
		if json.Unmarshal(params, &e) != nil {
			return
		}
		switch {
		case e.Type == "javascript":
			mu.Lock()
			uncaught = append(uncaught, e.Text)
			mu.Unlock()
		case e.Level == "error" || e.Level == "warn":
			t.Logf("%s console %s: %s", name, e.Level, e.Text)
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range uncaught {
			t.Errorf("%s page threw: %s", name, u)
		}
	})
}

// firefoxTab drives a Firefox tab over WebDriver BiDi.
type firefoxTab struct{ tab *bidi.Tab }

// firefoxStep gives a step whose context has no deadline one, so that no
// step waits forever.
func firefoxStep(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, 30*time.Second)
}

func (p firefoxTab) navigate(ctx context.Context, url string) error {
	ctx, cancel := firefoxStep(ctx)
	defer cancel()
	return p.tab.Navigate(ctx, url)
}

// click scrolls the element to the middle of the viewport, as chromedp
// does, and clicks its middle.
func (p firefoxTab) click(ctx context.Context, selector string) error {
	ctx, cancel := firefoxStep(ctx)
	defer cancel()
	var at *struct{ X, Y float64 }
	err := p.tab.CallFunction(ctx, `(selector) => {
		const el = document.querySelector(selector);
		if (!el) return null;
		el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
		const r = el.getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2};
	}`, &at, selector)
	if err != nil {
		return fmt.Errorf("find %s: %w", selector, err)
	}
	if at == nil {
		return fmt.Errorf("no element matches %s", selector)
	}
	return p.tab.Click(ctx, at.X, at.Y)
}

func (p firefoxTab) typeText(ctx context.Context, selector, text string) error {
	ctx, cancel := firefoxStep(ctx)
	defer cancel()
	var found bool
	err := p.tab.CallFunction(ctx, `(selector) => {
		const el = document.querySelector(selector);
		el?.focus();
		return !!el && document.activeElement === el;
	}`, &found, selector)
	if err != nil {
		return fmt.Errorf("focus %s: %w", selector, err)
	}
	if !found {
		return fmt.Errorf("%s is missing or cannot take the focus", selector)
	}
	return p.tab.Type(ctx, text)
}

func (p firefoxTab) evaluate(ctx context.Context, js string, out any) error {
	ctx, cancel := firefoxStep(ctx)
	defer cancel()
	return p.tab.Evaluate(ctx, js, out)
}

func (p firefoxTab) screenshot(ctx context.Context, full bool) ([]byte, error) {
	ctx, cancel := firefoxStep(ctx)
	defer cancel()
	return p.tab.Screenshot(ctx, full)
}

func (p firefoxTab) setViewport(ctx context.Context, width, height int) error {
	ctx, cancel := firefoxStep(ctx)
	defer cancel()
	return p.tab.SetViewport(ctx, width, height)
}

func (firefoxTab) browserName() string { return "firefox" }
