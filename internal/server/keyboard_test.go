package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// tabTo presses Tab until the element is focused, proving that the keyboard
// reaches it, and fails if it never does.
func tabTo(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	isFocused := fmt.Sprintf(`document.activeElement?.getAttribute('data-test') === %q`, name)
	for range 80 {
		focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](isFocused))
		if err == nil && focused {
			return
		}
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached %s", name)
}

// press sends a key to whatever has focus.
func press(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	do(t, ctx, chromedp.KeyEvent(key))
}

// The console works by keyboard alone: sign in, go online, take the call,
// record the outcome, choose the decision and submit it.
func TestBrowserConsoleByKeyboard(t *testing.T) {
	h := httptest.NewUnstartedServer(nil)
	base := "http://" + h.Listener.Addr().String()
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, BaseURL: base,
		Call: server.CallConfig{Tick: 200 * time.Millisecond}})
	defer s.Close()
	h.Config.Handler = s.Handler()
	h.Start()
	defer h.Close()
	go s.Calls.Run(t.Context())
	opened := seedCase(t, s, "u-50")
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")

	agent := browser(t, "agent")
	do(t, agent, chromedp.Navigate(base+"/login"))
	tabTo(t, agent, "login-email")
	press(t, agent, "maria@example.com")
	tabTo(t, agent, "login-password")
	press(t, agent, "correct horse battery"+kb.Enter)
	waitFor(t, agent, "the console", `!!document.querySelector('[data-test=go-online]')`)
	tabTo(t, agent, "go-online")
	press(t, agent, kb.Enter)
	waitFor(t, agent, "being online", `!!document.querySelector('[data-test=go-away]')`)

	freelancer := browser(t, "freelancer")
	do(t, freelancer, chromedp.Navigate(opened.Link.URL))
	click(t, freelancer, "join-queue")
	waitFor(t, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
	tabTo(t, agent, "take-next")
	press(t, agent, kb.Enter)
	waitFor(t, agent, "the call view", `!!document.querySelector('#console[data-state=call]')`)
	joinTheCall(t, freelancer)
	// The agent's camera is off by default: only the agent decodes video.
	waitFor(t, agent, "the agent decoding video", `Promise.resolve(`+framesJS+`).then(n => n > 0)`)

	for _, step := range passingSteps(t, agent) {
		tabTo(t, agent, step)
		press(t, agent, " ")
		waitFor(t, agent, "the recorded "+step, fmt.Sprintf(`document.querySelector('[data-test=%q]').getAttribute('aria-pressed') === 'true'`, step))
	}
	tabTo(t, agent, "claim-location-confirmed")
	press(t, agent, " ")
	waitFor(t, agent, "the recorded outcome", `document.querySelector('[data-test=claim-location-confirmed]').getAttribute('aria-pressed') === 'true'`)
	tabTo(t, agent, "decision-verified")
	press(t, agent, " ")
	waitFor(t, agent, "the chosen decision", `document.querySelector('[data-test=decision-verified]').checked`)
	tabTo(t, agent, "decision-submit")
	press(t, agent, kb.Enter)
	waitFor(t, agent, "the floor again", `!!document.querySelector('#console[data-state=idle]')`)
	assertVerified(t, s, "u-50")
}
