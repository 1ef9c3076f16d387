package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// servedForCalls is a server for browser calls on a fresh database, its
// call service running, with the agent maria@example.com.
func servedForCalls(t *testing.T, cfg server.CallConfig) (*server.Server, string) {
	t.Helper()
	h := httptest.NewUnstartedServer(nil)
	base := "http://" + h.Listener.Addr().String()
	cfg.Tick = 200 * time.Millisecond
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, BaseURL: base, Call: cfg})
	t.Cleanup(func() { s.Close() })
	h.Config.Handler = s.Handler()
	h.Start()
	t.Cleanup(h.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go s.Calls.Run(ctx)
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
	return s, base
}

// runJS runs a script for its effect on the page.
func runJS(t testing.TB, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
		t.Fatal(err)
	}
}

// recordSocket makes the page keep every message its signaling socket
// receives from now on, in window.socketFrames: the socket the call runs
// on (the queue's, when the page moved into the call from the queue) and
// any it opens later (on "Join the call").
func recordSocket(t testing.TB, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.socketFrames = [];
		window.attest?.signal?.ws?.addEventListener('message', (e) => window.socketFrames.push(String(e.data)));
		const Original = window.WebSocket;
		window.WebSocket = class extends Original {
			constructor(...args) { super(...args); this.addEventListener('message', (e) => window.socketFrames.push(String(e.data))); }
		};
		return true; })()`))
	if err != nil {
		t.Fatal(err)
	}
}

// pageHolds reports whether the page's HTML or what its socket received
// holds text.
func pageHolds(t testing.TB, ctx context.Context, text string) (html, socket bool) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](fmt.Sprintf(`[document.documentElement.outerHTML.includes(%[1]q),
		(window.socketFrames || []).some((f) => f.includes(%[1]q))]`, text)))
	if err != nil {
		t.Fatal(err)
	}
	return got[0], got[1]
}

// The live check reaches the freelancer one challenge at a time, when the
// agent presses "Show to the freelancer": before that, neither the page
// (as the server sends it, or as the browser holds it) nor anything that
// came over the call's socket contains a challenge's words. Once shown,
// the page shows it large in a live region, and a reloaded page shows it
// again; a challenge not shown stays off the page.
func TestBrowserChallengeShownWhenTheAgentAsks(t *testing.T) {
	s, base := servedForCalls(t, server.CallConfig{AgentCamera: true})
	s.Workflow.Random = rand.NewChaCha8(seedFor(t)) // a gesture and the phrase
	opened := seedCase(t, s, "u-60")
	agent, freelancer := browser(t, "agent"), browser(t, "freelancer")
	bringToCall(t, base, opened.Link.URL, agent, freelancer)
	recordSocket(t, freelancer)
	joinTheCall(t, freelancer)
	waitDecoding(t, agent, freelancer)

	live, err := s.Store.LiveCall(t.Context(), opened.Verification.ID)
	if err != nil || len(live.Challenges) != 2 {
		t.Fatalf("the call's challenges: %+v, %v; want a gesture and the phrase", live, err)
	}
	// What the freelancer's page shows for each: the whole request, and the
	// phrase or the gesture's words on their own.
	words := map[string][]string{}
	var gesture, phrase verification.Challenge
	for _, c := range live.Challenges {
		shown := workflow.WordChallenge("en-IN", c)
		words[c.Key] = []string{shown.Text}
		if c.Key == "read_phrase" {
			phrase = c
			words[c.Key] = append(words[c.Key], shown.Phrase)
		} else {
			gesture = c
		}
	}
	_, served := fetch(t, opened.Link.URL)
	for key, list := range words {
		for _, w := range list {
			if strings.Contains(served, w) {
				t.Errorf("the call page as served holds %s's %q before the agent showed it", key, w)
			}
			if html, socket := pageHolds(t, freelancer, w); html || socket {
				t.Errorf("before the agent showed %s, %q is on the page (%v) or came over the socket (%v)", key, w, html, socket)
			}
		}
	}

	showTo := func(c verification.Challenge) {
		t.Helper()
		click(t, agent, "challenge-"+c.Key+"-show")
		waitFor(t, agent, "the agent's button to say shown", fmt.Sprintf(
			`document.querySelector('[data-test="challenge-%s-show"]').getAttribute('aria-pressed') === 'true'`, c.Key))
		waitFor(t, freelancer, "the challenge on the freelancer's page", fmt.Sprintf(
			`(() => { const box = document.querySelector('[data-test=challenge]'); const el = box.querySelector('[data-test="challenge-%s"]');
				return box.getAttribute('aria-live') === 'assertive' && !!el && el.offsetParent !== null && el.textContent === %q; })()`,
			c.Key, workflow.WordChallenge("en-IN", c).Text))
	}
	showTo(gesture)
	screenshot(t, freelancer, "freelancer-challenge-gesture")
	if _, socket := pageHolds(t, freelancer, words[gesture.Key][0]); !socket {
		t.Error("the gesture reached the page other than over the call's socket")
	}
	for _, w := range words["read_phrase"] {
		if html, socket := pageHolds(t, freelancer, w); html || socket {
			t.Errorf("showing the gesture brought the phrase's %q along (page %v, socket %v)", w, html, socket)
		}
	}
	showTo(phrase)
	waitFor(t, freelancer, "the phrase set apart", fmt.Sprintf(`document.querySelector('[data-test=challenge] .phrase').textContent === %q`,
		words["read_phrase"][1]))
	screenshot(t, freelancer, "freelancer-challenge-phrase")
	audit(t, freelancer, "portal call page with a challenge")

	// A reloaded page gets what was shown, the latest on top.
	do(t, freelancer, chromedp.Reload())
	joinTheCall(t, freelancer)
	waitFor(t, freelancer, "the phrase again after a reload", fmt.Sprintf(
		`document.querySelector('[data-test=challenge]')?.textContent.includes(%q)`, words["read_phrase"][1]))
	entries, err := s.Store.AuditEntries(t.Context(), 50)
	if err != nil {
		t.Fatal(err)
	}
	showings := 0
	for _, e := range entries {
		if e.Action == "challenge.show" && e.Target == opened.Verification.ID {
			showings++
		}
	}
	if showings != 2 {
		t.Errorf("%d showings audited, want 2", showings)
	}
}

// On a phone, with the agent's camera off (the default): taken from the
// queue, the page moves into the call by itself, and the sound plays (the
// press on "Join the queue" allows it); they see who they hear, not a dark
// video; the controls (mute, chat, leave) are on screen without scrolling.
// Leaving stops their media, and pressing "Join the call" brings it back.
func TestBrowserCallOnAPhone(t *testing.T) {
	s, base := servedForCalls(t, server.CallConfig{})
	opened := seedCase(t, s, "u-61")
	agent, freelancer := browser(t, "agent"), browser(t, "freelancer")
	do(t, freelancer, chromedp.EmulateViewport(390, 844))
	bringToCall(t, base, opened.Link.URL, agent, freelancer)
	if got, err := chromedp.Run(freelancer, chromedp.Evaluate[bool](`!!window.attest && !document.getElementById('call-area').hidden &&
		document.getElementById('join-box').hidden`)); err != nil || !got {
		t.Fatalf("taken from the queue, the page did not move into the call by itself (%v)", err)
	}
	screenshot(t, freelancer, "phone-call-1-moved")
	joinTheCall(t, freelancer)
	// The agent's camera is off: only the agent decodes video.
	waitFor(t, agent, "the agent decoding video", `Promise.resolve(`+framesJS+`).then(n => n > 0)`)
	waitFor(t, freelancer, "who they hear", fmt.Sprintf(`(() => {
		const card = document.querySelector('[data-test=agent-card]'), name = document.getElementById('agent-name');
		return !!card && card.offsetParent !== null && !name.hidden && name.textContent === 'maria' && card.textContent.includes(%q); })()`,
		i18n.English.Text("portal.call.camera_off")))
	if h, err := chromedp.Run(freelancer, chromedp.Evaluate[float64](`document.getElementById('remote-video').getBoundingClientRect().height`)); err != nil || h > 1 {
		t.Errorf("the agent's video takes %vpx (%v); with their camera off it should take none", h, err)
	}
	// A hidden element stays hidden where a class sets how it shows (a button).
	if hidden, err := chromedp.Run(freelancer, chromedp.Evaluate[bool](`document.getElementById('play-audio').offsetParent === null &&
		document.getElementById('sound-help').offsetParent === null`)); err != nil || !hidden {
		t.Errorf("a button to turn on sound shows although the press on Join the queue let the sound play (%v)", err)
	}
	screenshot(t, freelancer, "phone-call-2-joined")
	for _, control := range []string{"mute", "to-chat", "leave-call"} {
		in, err := chromedp.Run(freelancer, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { window.scrollTo(0, 0);
			const r = document.querySelector('[data-test=%q]').getBoundingClientRect();
			return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth; })()`, control)))
		if err != nil || !in {
			t.Errorf("on a 390x844 phone, %s is off the screen before any scrolling (%v)", control, err)
		}
	}

	// Leaving stops the freelancer's media; the agent sees them gone.
	click(t, freelancer, "leave-call")
	waitFor(t, freelancer, "the page after leaving", fmt.Sprintf(`document.getElementById('call-area').hidden &&
		!document.getElementById('join-box').hidden && document.getElementById('call-status').textContent === %q &&
		document.getElementById('local-video').srcObject.getTracks().every(t => t.readyState === 'ended')`, i18n.English.Text("js.call.left")))
	waitFor(t, agent, "the agent told the freelancer left", `document.getElementById('call-status').textContent.includes('not connected')`)
	runJS(t, agent, `(window.oldPeer = window.attest.call.pc, true)`)
	click(t, freelancer, "join-call")
	waitFor(t, agent, "a fresh connection with video after joining again", `(() => { const c = window.attest.call;
		return c.pc !== window.oldPeer && c.pc.connectionState === 'connected'; })() && Promise.resolve(`+framesJS+`).then(n => n > 0)`)
}

// An audio-only call's device check asks for the microphone alone and says
// so: no camera is opened, and nothing speaks of seeing yourself.
func TestBrowserAudioOnlyDeviceCheck(t *testing.T) {
	s, _ := servedForCalls(t, server.CallConfig{})
	opened := seedCase(t, s, "u-62")
	err := s.Store.InTx(t.Context(), func(tx *store.Tx) error {
		return s.Workflow.Accommodate(t.Context(), tx, "u-62", verification.AudioOnly, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	freelancer := browser(t, "freelancer")
	do(t, freelancer, chromedp.Navigate(opened.Link.URL))
	waitFor(t, freelancer, "the device check", fmt.Sprintf(`document.getElementById('check-title').textContent === %q &&
		document.querySelector('[data-test=device-check]').textContent === %q && !document.getElementById('preview')`,
		i18n.English.Text("portal.check.title_audio"), i18n.English.Text("portal.check.button_audio")))
	runJS(t, freelancer, `(() => { window.asked = [];
		const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
		navigator.mediaDevices.getUserMedia = (c) => { window.asked.push(c); return original(c); };
		return true; })()`)
	click(t, freelancer, "device-check")
	waitFor(t, freelancer, "the microphone checked", fmt.Sprintf(`document.getElementById('check-status').textContent === %q`,
		i18n.English.Text("js.check.microphone_only")))
	asked, err := chromedp.Run(freelancer, chromedp.Evaluate[string](`JSON.stringify(window.asked)`))
	if err != nil || asked != `[{"audio":true}]` {
		t.Errorf("the check asked the browser for %s (%v), want the microphone alone", asked, err)
	}
	audit(t, freelancer, "audio-only device check")
}
