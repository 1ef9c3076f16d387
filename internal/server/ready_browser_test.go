package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// The freelancer's camera and microphone are made ready on the queue page
// once they are next (the browser holds the permission from the device
// check), so that the call starts with them at once: the page shows their
// preview and says they are on, stay on this device, and why. The button
// turns them off by keyboard; leaving the queue stops them; and a call
// taken after they were turned off starts with devices opened afresh.
func TestBrowserDevicesReadyInTheQueue(t *testing.T) {
	runDevicesReady(t, browser(t, "freelancer"))
}

// The same with the freelancer's page in Firefox.
func TestFirefoxDevicesReadyInTheQueue(t *testing.T) {
	runDevicesReady(t, firefox(t, "freelancer"))
}

// readyTracksJS keeps the tracks the queue page made ready in window.ready
// (the test's, not the page's) and returns their states.
const readyTracksJS = `(() => {
	const stream = document.getElementById('ready-preview').srcObject;
	window.ready = stream ? stream.getTracks() : [];
	return window.ready.map(t => t.kind + ' ' + t.readyState).sort().join(', ');
})()`

func runDevicesReady(t *testing.T, freelancer context.Context) {
	s, base := servedForCalls(t, server.CallConfig{AgentCamera: true})
	opened := seedCase(t, s, "u-85")
	agent := browser(t, "agent")
	agentOnline(t, agent, base)
	navigate(t, freelancer, opened.Link.URL)
	click(t, freelancer, "device-check")
	visible(t, freelancer, "local-video")
	queueAsNext(t, freelancer)
	// Nobody taking calls any more (the one agent stepped away): the
	// devices stop, however long the wait may now be; they are ready
	// again when someone is back.
	readyTracks(t, freelancer, "audio live, video live")
	click(t, agent, "go-away")
	waitFor(t, freelancer, "the devices stopped while nobody takes calls",
		`document.getElementById('ready-box').hidden && window.ready.every(t => t.readyState === 'ended')`)
	click(t, agent, "go-online")
	// Next, someone online: the devices are on, with a preview and a
	// sentence that says so and why; the page is still the queue's, and
	// nothing was sent.
	waitReady(t, freelancer)
	readyTracks(t, freelancer, "audio live, video live")
	readyNote(t, freelancer, "are on, so that the call starts at once")
	readyNote(t, freelancer, "nobody sees or hears you until a verifier takes your call")
	screenshot(t, freelancer, "freelancer-3-queue-devices-ready")
	audit(t, freelancer, "queue page with the devices ready")

	// Off by keyboard: the tracks stop, the sentence says so, and the
	// focus stays on the button, which now turns them on again. (Headless
	// Firefox gets WebDriver's Enter on the button but makes no click of
	// it, its window not having the focus: there the button is clicked.)
	if tabOf(freelancer).browserName() == "firefox" {
		click(t, freelancer, "ready-toggle")
	} else {
		keyboardPress(t, freelancer, "ready-toggle")
	}
	waitFor(t, freelancer, "the tracks stopped", `window.ready.every(t => t.readyState === 'ended')`)
	readyNote(t, freelancer, "are off. They turn on when a verifier takes your call")
	var label string
	evaluate(t, freelancer, `document.activeElement?.dataset.test + ' ' + document.activeElement?.textContent`, &label)
	if label != "ready-toggle Turn on now" {
		t.Fatalf("the focus after turning them off: %q, want the button, saying Turn on now", label)
	}
	var shown bool
	evaluate(t, freelancer, `document.getElementById('ready-preview').checkVisibility()`, &shown)
	if shown {
		t.Error("the preview still shows once the devices are off")
	}
	audit(t, freelancer, "queue page with the devices turned off")

	// On again, then leaving the queue stops them: the page records their
	// states as it goes (a listener the test adds after the page's own).
	click(t, freelancer, "ready-toggle")
	waitFor(t, freelancer, "the devices on again", `!!document.getElementById('ready-preview').srcObject && document.getElementById('ready-preview').checkVisibility()`)
	readyTracks(t, freelancer, "audio live, video live")
	evaluate(t, freelancer, `addEventListener('pagehide', () => sessionStorage.setItem('ready', window.ready.map(t => t.readyState).join(','))), true`, nil)
	click(t, freelancer, "leave-queue")
	waitFor(t, freelancer, "the start page", `!!document.querySelector('[data-test=join-queue]')`)
	var left string
	evaluate(t, freelancer, `sessionStorage.getItem('ready')`, &left)
	if left != "ended,ended" {
		t.Fatalf("the tracks made ready, after leaving the queue: %q, want ended,ended", left)
	}

	// Back in the queue, turned off, then taken: the call opens the devices
	// afresh at the take and media flows both ways.
	queueAsNext(t, freelancer)
	readyTracks(t, freelancer, "audio live, video live")
	click(t, freelancer, "ready-toggle")
	waitFor(t, freelancer, "the tracks stopped", `window.ready.every(t => t.readyState === 'ended')`)
	waitFor(t, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
	click(t, agent, "take-next")
	joinTheCall(t, freelancer)
	waitDecoding(t, agent, freelancer)
	var fresh string
	evaluate(t, freelancer, `(() => {
		const tracks = window.attest.call.local.getTracks();
		return tracks.map(t => t.kind + ' ' + t.readyState + (window.ready.includes(t) ? ' (the stopped one)' : '')).sort().join(', ');
	})()`, &fresh)
	if fresh != "audio live, video live" {
		t.Fatalf("the call's own tracks: %q, want a live camera and microphone opened afresh", fresh)
	}
	tracksKept(t, freelancer, "audio ended, video ended")
}

// The call takes the tracks the queue page made ready: no second
// getUserMedia, and the freelancer's camera is live in the call.
func TestBrowserCallTakesTheReadyDevices(t *testing.T) {
	s, base := servedForCalls(t, server.CallConfig{AgentCamera: true})
	opened := seedCase(t, s, "u-86")
	agent, freelancer := browser(t, "agent"), browser(t, "freelancer")
	agentOnline(t, agent, base)
	navigate(t, freelancer, opened.Link.URL)
	queueAsNext(t, freelancer)
	readyTracks(t, freelancer, "audio live, video live")
	waitFor(t, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
	click(t, agent, "take-next")
	joinTheCall(t, freelancer)
	waitDecoding(t, agent, freelancer)
	var same string
	evaluate(t, freelancer, `(() => {
		const tracks = window.attest.call.local.getTracks();
		return tracks.map(t => t.kind + ' ' + t.readyState + (window.ready.includes(t) ? ' ready' : ' opened again')).sort().join(', ');
	})()`, &same)
	if same != "audio live ready, video live ready" {
		t.Fatalf("the call's tracks: %q, want the live tracks the queue page made ready", same)
	}
}

// In an audio-only call only the microphone is made ready: no preview,
// a sentence that speaks of the microphone alone, and the call takes it.
func TestBrowserMicrophoneReadyInAnAudioOnlyQueue(t *testing.T) {
	s, base := servedForCalls(t, server.CallConfig{})
	opened := seedCase(t, s, "u-87")
	if err := s.Store.InTx(t.Context(), func(tx *store.Tx) error {
		return s.Workflow.Accommodate(t.Context(), tx, "u-87", verification.AudioOnly, "")
	}); err != nil {
		t.Fatal(err)
	}
	agent, freelancer := browser(t, "agent"), browser(t, "freelancer")
	agentOnline(t, agent, base)
	navigate(t, freelancer, opened.Link.URL)
	queueAsNext(t, freelancer)
	readyNote(t, freelancer, "Your microphone is on, so that the call starts at once")
	var preview bool
	evaluate(t, freelancer, `!!document.getElementById('ready-preview')`, &preview)
	if preview {
		t.Error("an audio-only queue page has a camera preview")
	}
	audit(t, freelancer, "audio-only queue page with the microphone ready")
	waitFor(t, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
	click(t, agent, "take-next")
	joinTheCall(t, freelancer)
	waitFor(t, freelancer, "the call's microphone", `(window.attest.call.local.getTracks().map(t => t.kind + ' ' + t.readyState).join(', ')) === 'audio live'`)
	waitFor(t, agent, "the freelancer's audio", `!!window.attest?.call?.firstAudioAt`)
}

// agentOnline signs the agent in and puts them online.
func agentOnline(t testing.TB, agent context.Context, base string) {
	t.Helper()
	navigate(t, agent, base+"/login")
	typeInto(t, agent, "login-email", "maria@example.com")
	typeInto(t, agent, "login-password", "correct horse battery")
	click(t, agent, "login-submit")
	click(t, agent, "go-online")
	visible(t, agent, "go-away")
}

// queueAsNext joins the queue from the portal's start page, alone in it,
// with an agent online, and waits until the page shows the devices made
// ready, painting frames.
func queueAsNext(t testing.TB, freelancer context.Context) {
	t.Helper()
	click(t, freelancer, "join-queue")
	waitFor(t, freelancer, "the queue position", `document.querySelector('[data-test=queue-position]')?.textContent === 'you are next'`)
	waitReady(t, freelancer)
}

// waitReady waits until the queue page shows the devices made ready,
// painting frames.
func waitReady(t testing.TB, freelancer context.Context) {
	t.Helper()
	visible(t, freelancer, "ready-box")
	waitFor(t, freelancer, "the preview to paint camera frames", `(() => {
		const video = document.querySelector('[data-test=ready-preview]');
		if (!video) return true; // an audio-only call: no camera, no preview
		const painted = new Promise(resolve => video.requestVideoFrameCallback(() => resolve(video.videoWidth > 0)));
		return Promise.race([painted, new Promise(resolve => setTimeout(() => resolve(false), 1000))]);
	})()`)
}

// readyTracks keeps the tracks the queue page shows in its preview in
// window.ready (the test's, not the page's), and checks their kinds and
// states.
func readyTracks(t testing.TB, freelancer context.Context, want string) {
	t.Helper()
	var got string
	evaluate(t, freelancer, readyTracksJS, &got)
	if got != want {
		t.Fatalf("the tracks made ready: %q, want %q", got, want)
	}
}

// tracksKept checks the states of the tracks readyTracks kept.
func tracksKept(t testing.TB, freelancer context.Context, want string) {
	t.Helper()
	var got string
	evaluate(t, freelancer, `window.ready.map(t => t.kind + ' ' + t.readyState).sort().join(', ')`, &got)
	if got != want {
		t.Fatalf("the tracks made ready, later: %q, want %q", got, want)
	}
}

// readyNote checks that the sentence beside the preview says want.
func readyNote(t testing.TB, freelancer context.Context, want string) {
	t.Helper()
	var got string
	evaluate(t, freelancer, `document.querySelector('[data-test=ready-note]').textContent`, &got)
	if !strings.Contains(got, want) {
		t.Fatalf("the sentence beside the preview: %q, want it to say %q", got, want)
	}
}

// keyboardPress focuses a button and presses Enter on it.
func keyboardPress(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	visible(t, ctx, name)
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tabOf(step).typeText(step, fmt.Sprintf(`[data-test=%q]`, name), "\n"); err != nil {
		t.Fatalf("press %s by keyboard: %v", name, err)
	}
}
