package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// tabTo presses Tab until the element is focused, proving that the keyboard
// reaches it, and fails if it never does.
func tabTo(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	tabToCSS(t, ctx, fmt.Sprintf(`[data-test=%q]`, name))
}

// tabToCSS is tabTo for any CSS selector.
func tabToCSS(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	isFocused := fmt.Sprintf(`!!document.activeElement?.matches(%q)`, selector)
	for range 80 {
		focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](isFocused))
		if err == nil && focused {
			return
		}
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached %s", selector)
}

// landsIn waits for a page a key press led to and fails unless focus is
// on a control inside the part selector names, not lost on the page.
func landsIn(t testing.TB, ctx context.Context, what, selector string) {
	t.Helper()
	waitFor(t, ctx, "focus on "+what, fmt.Sprintf(`(() => { const el = document.activeElement;
		return !!el && el !== document.body && !!el.closest(%q); })()`, selector))
}

// press sends a key to whatever has focus.
func press(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	do(t, ctx, chromedp.KeyEvent(key))
}

// The console works by keyboard alone: sign in, go online, take the call,
// show the challenges, record the steps and the outcome, choose the
// decision and submit it.
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
		if strings.HasSuffix(step, "-show") {
			continue // shown below, with the freelancer's page checked
		}
		// A challenge is shown to the freelancer, by keyboard too, before it is done.
		if key, ok := strings.CutPrefix(step, "step-challenge-"); ok {
			key = strings.TrimSuffix(key, "-done")
			show := "challenge-" + key + "-show"
			tabTo(t, agent, show)
			press(t, agent, kb.Enter)
			waitFor(t, agent, "the challenge shown", fmt.Sprintf(`document.querySelector('[data-test=%q]').getAttribute('aria-pressed') === 'true'`, show))
			waitFor(t, freelancer, "the challenge on the freelancer's page", fmt.Sprintf(`!!document.querySelector('[data-test=%q]')`, "challenge-"+key))
		}
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

// keysJS reads, for the keyboard walk, what a person sees of focus: which
// element has it, where it is in the document, whether it shows, and how
// the element looked focused, to compare with how it looks once focus
// has left it.
const keysJS = `window.attestKeys ??= (() => {
  const order = el => [...document.querySelectorAll('*')].indexOf(el);
  const name = el => el.getAttribute('data-test') || el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.name ? '[name=' + el.name + ']' : '') + ' "' + (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  // A radio group is one stop: Tab enters it, the arrow keys move within it.
  const stop = el => el.type === 'radio' ? 'radio group ' + el.name + ' of form ' + order(el.form) : name(el) + ' @' + order(el);
  const look = el => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor, s.color, s.left].join(' | '); };
  const shown = el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth; };
  let last = null, lastLook = '';
  return {
    // start forgets the element focused before the walk: a mouse may have
    // focused it, which shows no focus ring, rightly.
    // It moves the keyboard's starting point to the top of the page, as a
    // page newly loaded has it, through a mark focused there for a moment.
    start: () => {
      last = null;
      const mark = document.createElement('span');
      mark.tabIndex = -1;
      document.body.prepend(mark);
      mark.focus();
      mark.blur();
      mark.remove();
      return true;
    },
    // from puts focus on the stop named id (a radio group's checked
    // radio, else its first), as if the keyboard had left it there.
    from: id => {
      const el = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [tabindex], [contenteditable]')]
        .filter(el => stop(el) === id).sort((a, b) => (b.checked ? 1 : 0) - (a.checked ? 1 : 0))[0];
      if (!el) return false;
      el.focus();
      last = el; lastLook = look(el);
      return document.activeElement === el;
    },
    // tabbable is every stop the keyboard should reach.
    tabbable: () => [...new Set([...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [tabindex], [contenteditable]')]
      .filter(el => el.tabIndex >= 0 && !el.disabled && !el.closest('[inert]') && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
      .map(stop))],
    // step is the element focused now; of the one focused before, whether
    // it looked any different while it had focus.
    step: () => {
      const el = document.activeElement, body = !el || el === document.body || el === document.documentElement;
      // Tab moves within some controls (a time's hours, then its minutes).
      if (!body && el === last) return {stop: stop(el), name: name(el), order: order(el), shown: shown(el), within: true, prevMarked: true};
      const out = {stop: body ? '' : stop(el), name: body ? '' : name(el), order: body ? -1 : order(el), shown: !body && shown(el),
        prev: last ? name(last) : '', prevMarked: !last || look(last) !== lastLook};
      last = body ? null : el; lastLook = body ? '' : look(el);
      return out;
    },
  };
})(); true`

// keyStep is where one Tab press left focus.
type keyStep struct {
	Stop, Name string
	Order      int
	Shown      bool
	// Prev is the element focused before this step, and PrevMarked
	// whether it looked different while focused: a visible focus indicator.
	Prev       string
	PrevMarked bool
	// Within is a step inside the control focused before (a time field's
	// minutes after its hours).
	Within bool
}

// keyboardWalk presses Tab through the whole page and fails unless focus
// reaches every control (every tabbable element; a radio group counts
// once), in the document's order, never trapped, each in sight and
// marked while it has focus.
func keyboardWalk(t testing.TB, ctx context.Context) {
	t.Helper()
	evaluate(t, ctx, keysJS, nil)
	evaluate(t, ctx, `attestKeys.start()`, nil)
	seen := map[string]bool{}
	var cycle []keyStep
	var controls int
	evaluate(t, ctx, `attestKeys.tabbable().length`, &controls)
	for range 3*controls + 10 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		var s keyStep
		evaluate(t, ctx, `attestKeys.step()`, &s)
		if s.Prev != "" && !s.PrevMarked {
			t.Errorf("%s shows no sign of having focus (its outline, shadow, border and colours are the same focused and not)", s.Prev)
		}
		if s.Stop == "" || s.Within {
			continue // between the page's last control and its first, focus is on the document
		}
		if seen[s.Stop] {
			break
		}
		seen[s.Stop] = true
		if !s.Shown {
			t.Errorf("%s has focus out of sight", s.Name)
		}
		cycle = append(cycle, s)
	}
	// Read after the walk: a page may enable or disable controls as it
	// settles (the camera button once the devices are open).
	var want []string
	evaluate(t, ctx, `attestKeys.tabbable()`, &want)
	var missed []string
	for _, w := range want {
		if !seen[w] {
			missed = append(missed, w)
		}
	}
	if len(missed) > 0 {
		t.Errorf("Tab never reaches %v; it goes round %d of the page's %d controls", missed, len(cycle), len(want))
	}
	if len(missed) == 0 {
		shiftTabBack(t, ctx, cycle)
	}
	defer evaluate(t, ctx, `document.activeElement?.blur(), true`, nil) // a screenshot after it shows no focus ring
	// From the top of the page, Tab follows the document's order.
	inOrder := true
	for i := 1; i < len(cycle); i++ {
		inOrder = inOrder && cycle[i].Order > cycle[i-1].Order
	}
	if !inOrder {
		var order []string
		for _, s := range cycle {
			order = append(order, s.Name)
		}
		t.Errorf("Tab does not follow the page's order: %v", order)
	}
}

// shiftTabBack presses Shift+Tab from the last stop of cycle and fails
// unless focus goes back the other way through the same stops to the
// first. (It starts there rather than going round from the first stop:
// where Shift+Tab lands after leaving the page at its top is the
// browser's, and a busy headless Chromium sometimes came back in at the
// first stop.)
func shiftTabBack(t testing.TB, ctx context.Context, cycle []keyStep) {
	t.Helper()
	if len(cycle) < 2 {
		return
	}
	var focused bool
	evaluate(t, ctx, fmt.Sprintf(`attestKeys.from(%q)`, cycle[len(cycle)-1].Stop), &focused)
	if !focused {
		t.Errorf("the last stop %s cannot be focused again", cycle[len(cycle)-1].Name)
		return
	}
	cycle = cycle[:len(cycle)-1] // the stops Shift+Tab goes through, in Tab's order
	var back []string
	for range 2*len(cycle) + 10 {
		if len(back) == len(cycle) {
			break
		}
		do(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
		var s keyStep
		evaluate(t, ctx, `attestKeys.step()`, &s)
		if s.Stop != "" && !s.Within {
			back = append(back, s.Stop)
		}
	}
	for i, stop := range back {
		if want := cycle[len(cycle)-1-i].Stop; stop != want {
			// What the page held then, to tell a page that changed under
			// the keys from a wrong order.
			var now []string
			evaluate(t, ctx, `attestKeys.tabbable()`, &now)
			var forward []string
			for _, s := range cycle {
				forward = append(forward, s.Stop)
			}
			from := "the last stop"
			if i > 0 {
				from = back[i-1]
			}
			t.Errorf("Shift+Tab from %s goes to %s, want %s, where Tab came from (Tab went %v; Shift+Tab went %v; the page's stops now %v)",
				from, stop, want, forward, back, now)
			return
		}
	}
}

// A freelancer does everything the portal offers by keyboard alone: the
// skip link, the device check, booking a time and canceling it, joining
// the queue and leaving it, the phone hand-off page and back, joining a
// call and writing in its chat, and appealing a decision.
func TestBrowserPortalByKeyboard(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Call: server.CallConfig{Tick: 200 * time.Millisecond}})
	go s.Calls.Run(t.Context())
	agentWithHours(t, s, "UTC", 0, 24*60, everyDay...)
	agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
	postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
	dial(t, base, "/agent/ws", agent.Jar, "agent-console").expect(call.TypeWelcome)
	opened := seedCase(t, s, "u-80")
	ctx := browser(t, "freelancer")
	navigate(t, ctx, opened.Link.URL)
	status := func() verification.Status {
		v, err := s.Store.Verification(context.Background(), opened.Verification.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v.Status
	}

	// The first Tab shows the skip link; it leads into the page's content.
	press(t, ctx, kb.Tab)
	waitFor(t, ctx, "the skip link, shown", `document.activeElement.matches('[data-test=skip]') && document.activeElement.getBoundingClientRect().left >= 0`)
	press(t, ctx, kb.Enter)
	press(t, ctx, kb.Tab)
	landsIn(t, ctx, "the content after the skip link", "main")

	tabTo(t, ctx, "device-check")
	press(t, ctx, kb.Enter)
	visible(t, ctx, "local-video")

	// A time: the first day's first slot, chosen with Space, booked with Enter.
	tabToCSS(t, ctx, `fieldset.slots input[type=radio]`)
	press(t, ctx, " ")
	waitFor(t, ctx, "the chosen time", `document.activeElement.checked`)
	tabTo(t, ctx, "book-slot")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the booked time", `!!document.getElementById('booked-title')`)
	if got := status(); got != verification.Scheduled {
		t.Fatalf("after booking by keyboard the case is %s", got)
	}
	tabToCSS(t, ctx, `form[action$="/book/cancel"] button`)
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the booking canceled", `!document.getElementById('booked-title')`)
	if got := status(); got != verification.AwaitingFreelancer {
		t.Fatalf("after canceling by keyboard the case is %s", got)
	}

	tabTo(t, ctx, "join-queue")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the queue page", `!!document.querySelector('#portal[data-state=queue]')`)
	tabTo(t, ctx, "leave-queue")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the start page", `!!document.querySelector('#portal[data-state=start]')`)
	if got := status(); got != verification.AwaitingFreelancer {
		t.Fatalf("after leaving the queue by keyboard the case is %s", got)
	}

	tabTo(t, ctx, "phone-handoff")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the hand-off page", `!!document.querySelector('img.qr')`)
	tabToCSS(t, ctx, `main a[href^="/v/"]`)
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the start page again", `!!document.querySelector('#portal[data-state=start]')`)

	// In the queue when the agent takes the call, then the page reloaded:
	// the call is joined with Enter, and focus goes into the call.
	tabTo(t, ctx, "join-queue")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the queue page", `!!document.querySelector('#portal[data-state=queue]')`)
	waitFor(t, ctx, "the queue page's socket", `document.querySelector('[data-test=queue-position]').textContent !== '…'`)
	postForm(t, agent, base+"/agent/take", nil, "")
	waitFor(t, ctx, "the call page", `!!document.querySelector('#portal[data-state=call]')`)
	landsIn(t, ctx, "the call, moved into from the queue", "#call-area")
	do(t, ctx, chromedp.Reload())
	tabTo(t, ctx, "join-call")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the call joined", `!document.getElementById('call-area').hidden`)
	landsIn(t, ctx, "the call joined", "#call-area")
	tabTo(t, ctx, "mute")
	press(t, ctx, " ")
	waitFor(t, ctx, "the microphone muted", `document.querySelector('[data-test=mute]').getAttribute('aria-pressed') === 'true'`)
	tabTo(t, ctx, "to-chat")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the chat's field focused", `document.activeElement.matches('[data-test=chat-input]')`)
	press(t, ctx, "Hello from the keyboard"+kb.Enter)
	waitFor(t, ctx, "the message in the chat", `document.querySelector('[data-test=chat-log]').textContent.includes('Hello from the keyboard')`)

	// A decision confirmed by a second reviewer is appealed from its page.
	addStaff(t, s, "ana@example.com", store.RoleAgent, "correct horse battery")
	ana, _ := s.Store.StaffByEmail(context.Background(), "ana@example.com")
	addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
	sam, _ := s.Store.StaffByEmail(context.Background(), "sam@example.com")
	decided := decidedNegative(t, s, "u-81", ana)
	review(t, s, sam, decided.Verification.ID, workflow.Confirm)
	navigate(t, ctx, decided.Link.URL)
	tabTo(t, ctx, "appeal-statement")
	press(t, ctx, "The address is my studio.")
	tabTo(t, ctx, "appeal")
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the appeal sent", `location.search.includes('notice=appealed')`)
}

// recordedTB is a testing.TB whose errors are recorded, not reported: for
// the tests of the tests.
type recordedTB struct {
	testing.TB
	errors []string
}

func (r *recordedTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// The keyboard walk is not a test that cannot fail: on a page with a
// control that hides its focus, one that Tab reaches out of order, one
// that Tab never reaches and a trap, it finds each.
func TestKeyboardWalkFindsProblems(t *testing.T) {
	ctx := browser(t, "keyboard")
	for _, tt := range []struct {
		name, page, want string
	}{
		{"no focus ring", `<style>button:focus{outline:none}</style><button>one</button><button>two</button>`, "shows no sign of having focus"},
		{"out of order", `<button>one</button><button tabindex="1">two</button><button>three</button>`, "does not follow the page's order"},
		{"out of reach", `<button>one</button><span tabindex="0" id="s">two</span><script>s.addEventListener('focus', () => s.blur())</script><button>three</button>`, "never reaches"},
		{"trap", `<button>one</button><button id="b">two</button><button>three</button><script>b.addEventListener('keydown', e => { if (e.key === 'Tab') e.preventDefault(); })</script>`, "never reaches"},
		{"fine", `<a href="#x">one</a><label>two <input></label><button>three</button>`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(`data:text/html,<!doctype html><html lang="en"><title>walk</title><main>`+url.PathEscape(tt.page)+`</main></html>`))
			rec := &recordedTB{TB: t}
			keyboardWalk(rec, ctx)
			found := strings.Join(rec.errors, "\n")
			if tt.want == "" && found != "" || !strings.Contains(found, tt.want) {
				t.Fatalf("the walk found %q, want %q", found, tt.want)
			}
		})
	}
}

// A second reviewer decides by keyboard alone: from the console's
// navigation to the reviews, to the case, its choice and the submit.
func TestBrowserReviewByKeyboard(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	addStaff(t, s, "ana@example.com", store.RoleAgent, "correct horse battery")
	addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
	ana, _ := s.Store.StaffByEmail(context.Background(), "ana@example.com")
	decided := decidedNegative(t, s, "u-90", ana)

	ctx := browser(t, "supervisor")
	navigate(t, ctx, base+"/login")
	tabTo(t, ctx, "login-email")
	press(t, ctx, "sam@example.com")
	tabTo(t, ctx, "login-password")
	press(t, ctx, "correct horse battery"+kb.Enter)
	waitFor(t, ctx, "the console", `location.pathname === '/agent' && document.readyState === 'complete'`)
	tabToCSS(t, ctx, `nav a[href="/agent/reviews"]`)
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the reviews", `location.pathname === '/agent/reviews' && document.readyState === 'complete'`)
	tabToCSS(t, ctx, `a[href="/agent/reviews/`+decided.Verification.ID+`"]`)
	press(t, ctx, kb.Enter)
	waitFor(t, ctx, "the review", `location.pathname.startsWith('/agent/reviews/') && document.readyState === 'complete'`)
	tabTo(t, ctx, "review-confirm")
	press(t, ctx, " ")
	waitFor(t, ctx, "the chosen decision", `document.querySelector('[data-test=review-confirm]').checked`)
	tabToCSS(t, ctx, `form[action^="/agent/reviews/"] button[type=submit]`)
	press(t, ctx, kb.Enter)
	eventually(t, "the confirmed decision", func() bool { return restricted(t, s, "u-90") })
}
