package server_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
)

// beforeEveryPage runs js in the tab before any page's own scripts, on
// every page it loads from now on.
func beforeEveryPage(t testing.TB, ctx context.Context, js string) {
	t.Helper()
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	}))
}

// startCallServer serves a fresh attest with one case, u-40, and one
// agent, and returns its base URL and the case's portal link.
func startCallServer(t *testing.T) (s *server.Server, base, portalURL string) {
	t.Helper()
	s, base = servedForCalls(t, server.CallConfig{AgentCamera: true})
	return s, base, seedCase(t, s, "u-40").Link.URL
}

// A freelancer whose camera calls itself "OBS Virtual Camera": the agent
// sees a calm hint beside the video; the freelancer's page says nothing of it.
func TestBrowserVirtualCameraHint(t *testing.T) {
	_, base, portalURL := startCallServer(t)
	freelancer := browser(t, "freelancer")
	// Chromium's fake camera calls itself "fake_device_0"; this one is OBS's.
	beforeEveryPage(t, freelancer, `{
		const label = Object.getOwnPropertyDescriptor(MediaStreamTrack.prototype, 'label');
		Object.defineProperty(MediaStreamTrack.prototype, 'label', { configurable: true,
			get() { return this.kind === 'video' && !label.get.call(this).startsWith('screen') ? 'OBS Virtual Camera' : label.get.call(this); } });
	}`)
	agent, freelancer := establishCallWith(t, base, portalURL, browser(t, "agent"), freelancer)
	waitFor(t, agent, "the virtual camera hint", `(() => {
		const hint = document.querySelector('[data-test=camera-hint]');
		return !hint.hidden && hint.textContent.includes('a virtual camera (OBS Virtual Camera)') && hint.textContent.includes('the live check still applies');
	})()`)
	audit(t, agent, "console call view with the camera hint")
	var told bool
	evaluate(t, freelancer, `document.body.innerText.toLowerCase().includes('virtual')`, &told)
	if told {
		t.Fatal("the freelancer's page mentions the virtual camera; only the agent may see the hint")
	}
}

// An offer lost with the freelancer's socket is sent again: the page
// drops its socket the moment the agent's first offer reaches it, as a
// flaky network or a server dropping a socket would, and comes back as
// the same page; the call still starts, with frames both ways.
func TestBrowserCallSurvivesALostOffer(t *testing.T) {
	_, base, portalURL := startCallServer(t)
	freelancer := browser(t, "freelancer")
	beforeEveryPage(t, freelancer, `{
		const dispatch = EventTarget.prototype.dispatchEvent;
		EventTarget.prototype.dispatchEvent = function (e) {
			if (!sessionStorage.getItem('lostOffer') && e.type === 'offer' && this.ws) {
				sessionStorage.setItem('lostOffer', 'yes');
				this.ws.close();
				return true;
			}
			return dispatch.call(this, e);
		};
	}`)
	establishCallWith(t, base, portalURL, browser(t, "agent"), freelancer)
	var lost string
	evaluate(t, freelancer, `sessionStorage.getItem('lostOffer') ?? ''`, &lost)
	if lost != "yes" {
		t.Fatal("the call started without losing an offer: the test did not test")
	}
}

// The agent's first offer, made ahead on the live queue page, goes with the
// take: the agent's page sends no offer on its socket, the freelancer's
// page gets exactly one, and frames flow both ways.
func TestBrowserTakeCarriesTheOffer(t *testing.T) {
	_, base, portalURL := startCallServer(t)
	agent, freelancer := browser(t, "agent"), browser(t, "freelancer")
	beforeEveryPage(t, agent, `{
		const send = WebSocket.prototype.send;
		WebSocket.prototype.send = function (data) {
			try { (window.sentTypes ??= []).push(JSON.parse(data).type); } catch {}
			return send.call(this, data);
		};
	}`)
	beforeEveryPage(t, freelancer, `{
		const dispatch = EventTarget.prototype.dispatchEvent;
		EventTarget.prototype.dispatchEvent = function (e) {
			if (e.type === 'offer' && this.ws) window.offers = (window.offers ?? 0) + 1;
			return dispatch.call(this, e);
		};
	}`)
	establishCallWith(t, base, portalURL, agent, freelancer)
	var sent []string
	evaluate(t, agent, `window.sentTypes ?? []`, &sent)
	if slices.Contains(sent, "offer") {
		t.Fatalf("the agent's page sent an offer on its socket (%v): the take did not carry it", sent)
	}
	var offers int
	evaluate(t, freelancer, `window.offers ?? 0`, &offers)
	if offers != 1 {
		t.Fatalf("the freelancer's page got %d offers, want 1", offers)
	}
}
