package server_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// screenShareFlags let a headless Chromium share a screen with nobody to
// pick one: the fake media device gives a screen, and the picker chooses
// the whole screen by itself.
var screenShareFlags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("auto-select-desktop-capture-source", "Entire screen"),
	chromedp.Flag("enable-usermedia-screen-capturing", true),
}

// The freelancer shares their screen in the call: the agent's page decodes
// the shared screen's frames beside the camera's, on the same connection
// with no new offer; "Stop sharing" is one click, and the browser's own
// end of the share (the track's "ended") stops it too. Each time the
// agent's view says so.
func TestBrowserScreenShare(t *testing.T) {
	_, base, portalURL := startCallServer(t)
	agent, freelancer := establishCallWith(t, base, portalURL, browser(t, "agent"), browser(t, "freelancer", screenShareFlags...))

	var hidden bool
	evaluate(t, agent, `document.querySelector('[data-test=screen-box]').hidden`, &hidden)
	if !hidden {
		t.Fatal("the agent's view shows a shared screen before anything is shared")
	}
	var offers int
	evaluate(t, agent, `performance.getEntriesByName('attest:offer-sent').length + window.attest.call.iceRestarts`, &offers)

	click(t, freelancer, "share-screen")
	waitFor(t, freelancer, "the button to stop sharing", `document.querySelector('[data-test=share-screen]').textContent === 'Stop sharing'`)
	waitFor(t, agent, "the shared screen shown", `(() => {
		const box = document.querySelector('[data-test=screen-box]');
		return !box.hidden && document.querySelector('[data-test=screen-status]').textContent.includes('is sharing their screen');
	})()`)
	waitFor(t, agent, "frames of the shared screen decoded", `window.attest.call.screenFramesDecoded().then(n => n > 5)`)
	waitFor(t, agent, "the shared screen playing", `(() => {
		const v = document.querySelector('[data-test=screen-video]');
		return v.videoWidth > 0 && v.srcObject && v.srcObject.getVideoTracks()[0] === window.attest.call.screenTrack();
	})()`)
	// The camera goes on beside it, in its own element.
	camera := frames(t, agent)
	waitFor(t, agent, "the camera still decoding", `window.attest.call.framesDecoded().then(n => n > `+strconv.Itoa(camera)+`)`)
	var again int
	evaluate(t, agent, `performance.getEntriesByName('attest:offer-sent').length + window.attest.call.iceRestarts`, &again)
	if again != offers {
		t.Fatalf("sharing the screen took a new offer (%d offers and restarts, then %d)", offers, again)
	}
	// Chromium's fake camera is a device it lists: no injected-track hint.
	evaluate(t, agent, `document.querySelector('[data-test=camera-hint]').hidden`, &hidden)
	if !hidden {
		t.Fatal("the agent's view shows a camera hint for Chromium's fake camera")
	}
	screenshot(t, agent, "agent-screen-share")
	audit(t, agent, "console call view with a shared screen")
	audit(t, freelancer, "portal call page while sharing")

	click(t, freelancer, "share-screen")
	waitFor(t, agent, "the share stopped", `(() => {
		const box = document.querySelector('[data-test=screen-box]');
		return box.hidden && document.querySelector('[data-test=screen-status]').textContent === 'The freelancer stopped sharing their screen.';
	})()`)
	waitFor(t, freelancer, "the page saying so", `document.querySelector('[data-test=share-status]').textContent === 'You stopped sharing your screen.'
		&& document.querySelector('[data-test=share-screen]').textContent === 'Share your screen'`)

	// The browser's own "Stop sharing" ends the track: the page stops as the button does.
	click(t, freelancer, "share-screen")
	waitFor(t, agent, "the second share shown", `!document.querySelector('[data-test=screen-box]').hidden`)
	evaluate(t, freelancer, `window.attest.call.screen.dispatchEvent(new Event('ended'))`, nil)
	waitFor(t, agent, "the share ended by the browser", `document.querySelector('[data-test=screen-box]').hidden`)
	waitFor(t, freelancer, "the button back", `document.querySelector('[data-test=share-screen]').textContent === 'Share your screen' && window.attest.call.screen === null`)
}

// A camera track that looks injected (here a picture drawn on a canvas, in
// place of what getUserMedia opened) is pointed out to the agent calmly;
// the freelancer's page says nothing of it. Chromium gives a canvas track a
// deviceId of its own, which no listed camera has: so its device sign is
// "unlisted_device", where another browser may say "no_device".
func TestBrowserInjectedCameraHint(t *testing.T) {
	_, base, portalURL := startCallServer(t)
	freelancer := browser(t, "freelancer")
	beforeEveryPage(t, freelancer, `{
		const open = MediaDevices.prototype.getUserMedia;
		MediaDevices.prototype.getUserMedia = async function (constraints) {
			const real = await open.call(this, constraints);
			if (!constraints || !constraints.video) return real;
			const canvas = document.createElement('canvas');
			canvas.width = 640; canvas.height = 480;
			const g = canvas.getContext('2d');
			let n = 0;
			setInterval(() => { g.fillStyle = 'hsl(' + (n++ % 360) + ', 60%, 50%)'; g.fillRect(0, 0, 640, 480); }, 40);
			real.getVideoTracks().forEach((t) => t.stop());
			return new MediaStream([...real.getAudioTracks(), ...canvas.captureStream(25).getVideoTracks()]);
		};
	}`)
	agent, freelancer := establishCallWith(t, base, portalURL, browser(t, "agent"), freelancer)
	waitFor(t, agent, "the injected-track hint", `(() => {
		const hint = document.querySelector('[data-test=camera-hint]');
		return !hint.hidden && /it names no camera device|its device is not among the cameras their browser lists/.test(hint.textContent)
			&& hint.textContent.includes('drawn by a script')
			&& hint.textContent.includes('the live check still applies');
	})()`)
	audit(t, agent, "console call view with the injected-track hint")
	var told bool
	evaluate(t, freelancer, `/inject|drawn by a script|camera device/i.test(document.body.innerText)`, &told)
	if told {
		t.Fatal("the freelancer's page mentions the hint; only the agent may see it")
	}
}
