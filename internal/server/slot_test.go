package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// slotWorld is a server whose clock the test moves, an agent with working
// hours, and a freelancer with a booked call.
type slotWorld struct {
	t       *testing.T
	s       *server.Server
	base    string
	now     *time.Time
	opened  *workflow.Opened
	token   string
	booking *store.Booking
	agent   *http.Client
	jar     http.CookieJar
}

func newSlotWorld(t *testing.T, cfg store.Config) *slotWorld {
	t.Helper()
	now := time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC)
	w := &slotWorld{t: t, now: &now}
	h := httptest.NewUnstartedServer(nil)
	w.base = "http://" + h.Listener.Addr().String()
	w.s = open(t, server.Config{Store: cfg, BaseURL: w.base, Now: func() time.Time { return *w.now }})
	t.Cleanup(func() { w.s.Close() })
	h.Config.Handler = w.s.Handler()
	h.Start()
	t.Cleanup(h.Close)
	ctx := context.Background()
	agentWithHours(t, w.s, "UTC", 8*60, 20*60, everyDay...)
	w.opened = seedCase(t, w.s, "u-120")
	w.token = strings.TrimPrefix(w.opened.Link.URL, w.base)
	start := now.Add(2 * time.Hour) // 12:00 UTC
	err := w.s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		w.booking, err = w.s.Workflow.Book(ctx, tx, "u-120", start)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	jar := signIn(t, w.base, "maria@example.com", "correct horse battery")
	w.jar, w.agent = jar, &http.Client{Jar: jar}
	return w
}

func (w *slotWorld) agentOnline() *wsPeer {
	w.t.Helper()
	postForm(w.t, w.agent, w.base+"/agent/presence", url.Values{"status": {"online"}}, "")
	p := dial(w.t, w.base, "/agent/ws", w.jar, "agent-console")
	p.expect(call.TypeWelcome)
	return p
}

func (w *slotWorld) job(stage string) {
	w.t.Helper()
	args := workflow.SlotArgs{BookingID: w.booking.ID, Start: w.booking.Start, Stage: stage}
	if err := (&call.SlotWorker{Service: w.s.Calls}).Work(context.Background(), &river.Job[workflow.SlotArgs]{Args: args}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *slotWorld) status() string {
	v, err := w.s.Store.Verification(context.Background(), w.opened.Verification.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(v.Status)
}

func TestBookedCallStartsOnTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newSlotWorld(t, cfg)
		agent := w.agentOnline()
		*w.now = w.booking.Start.Add(-5 * time.Minute)
		fl := dial(t, w.base, w.token+"/ws", nil, "freelancer-page")
		fl.expect(call.TypeWelcome)
		*w.now = w.booking.Start
		w.job("start")
		if m := fl.expect(call.TypeCall); m.Call.VerificationID != w.opened.Verification.ID {
			t.Fatalf("freelancer told %+v", m.Call)
		}
		agent.expect(call.TypeCall)
		if st := w.status(); st != "in_call" {
			t.Fatalf("status %s, want in_call", st)
		}
		w.job("end") // the wait's end finds the booking attended: nothing
		if st := w.status(); st != "in_call" {
			t.Fatalf("after the end job: %s", st)
		}
	})
}

// An agent online but on another console page (Documents, Hours) when
// their booked call is due still takes it: their page is told, and the
// freelancer is not sent away with an apology.
func TestBookedCallReachesAnAgentOnAnotherPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newSlotWorld(t, cfg)
		postForm(t, w.agent, w.base+"/agent/presence", url.Values{"status": {"online"}}, "")
		documents := dial(t, w.base, "/agent/ws?presence=1", w.jar, "documents-page")
		documents.expect(call.TypeWelcome)
		*w.now = w.booking.Start.Add(-time.Minute)
		fl := dial(t, w.base, w.token+"/ws", nil, "freelancer-page")
		fl.expect(call.TypeWelcome)
		*w.now = w.booking.Start
		w.job("start")
		if st := w.status(); st != "in_call" {
			t.Fatalf("status %s, want in_call with the agent on another page", st)
		}
		fl.expect(call.TypeCall)
		if m := documents.expect(call.TypeCall); m.Call.VerificationID != w.opened.Verification.ID {
			t.Fatalf("the agent's page was told %+v", m.Call)
		}
	})
}

func TestBookedCallNobodyFreeMovesTheDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newSlotWorld(t, cfg) // the agent never comes online
		before := w.opened.Verification.Deadline
		*w.now = w.booking.Start
		w.job("start")
		v, _ := w.s.Store.Verification(context.Background(), w.opened.Verification.ID)
		if v.Status != "awaiting_freelancer" || !v.Deadline.After(before) {
			t.Fatalf("after a missed call: %s, deadline %v (was %v)", v.Status, v.Deadline, before)
		}
		// The deadline moves first, so that the case is never overdue for
		// a moment the team lost; then it returns to the freelancer.
		if types := eventTypes(t, w.s); !slices.Equal(types[len(types)-2:], []string{"verification.deadline_moved", "verification.returned"}) {
			t.Fatalf("events %v, want verification.deadline_moved then verification.returned last", types)
		}
		method, _, seq, _ := invitation(t, w.s, "booking_canceled")
		if method != "CANCEL" || seq != "1" {
			t.Fatalf("cancellation %s %s", method, seq)
		}
		emails, _ := w.s.Store.Emails(context.Background(), 20)
		if !strings.Contains(emails[0].Text, "That was our fault, not yours") {
			t.Fatalf("no apology:\n%s", emails[0].Text)
		}
	})
}

func TestBookedCallFreelancerAbsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newSlotWorld(t, cfg)
		w.agentOnline()
		*w.now = w.booking.Start
		w.job("start") // the agent waits
		if st := w.status(); st != "scheduled" {
			t.Fatalf("at the start without the freelancer: %s", st)
		}
		*w.now = w.booking.Start.Add(workflow.NoShowGrace)
		w.job("end")
		v, _ := w.s.Store.Verification(context.Background(), w.opened.Verification.ID)
		if v.Status != "awaiting_freelancer" || !v.Deadline.Equal(w.opened.Verification.Deadline) {
			t.Fatalf("after a no-show: %s, deadline %v", v.Status, v.Deadline)
		}
		if kinds := strings.Join(emailKinds(t, w.s), ","); !strings.Contains(kinds, "call_missed") {
			t.Fatalf("emails %s", kinds)
		}
	})
}

func TestBookedCallFreelancerLate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newSlotWorld(t, cfg)
		agent := w.agentOnline()
		*w.now = w.booking.Start
		w.job("start")
		*w.now = w.booking.Start.Add(3 * time.Minute)
		fl := dial(t, w.base, w.token+"/ws", nil, "late-freelancer")
		fl.expect(call.TypeWelcome)
		agent.expect(call.TypeCall)
		if st := w.status(); st != "in_call" {
			t.Fatalf("a late freelancer within the wait: %s", st)
		}
	})
}

// In the browser: the agent is on the Hours page when their booked call
// starts. The page says so at the top, and its link opens the call.
func TestBrowserBookedCallReachesAnotherPage(t *testing.T) {
	w := newSlotWorld(t, storetest.SQLite(t))
	postForm(t, w.agent, w.base+"/agent/presence", url.Values{"status": {"online"}}, "")
	ctx := browser(t, "agent")
	signInInBrowser(t, ctx, w.base, "maria@example.com")
	waitFor(t, ctx, "the console after signing in", `location.pathname === '/agent' && document.readyState === 'complete'`)
	do(t, ctx, chromedp.Navigate(w.base+"/agent/hours"))
	waitFor(t, ctx, "the hours page's presence socket", `document.documentElement.dataset.presence === 'connected'`)
	*w.now = w.booking.Start.Add(-time.Minute)
	fl := dial(t, w.base, w.token+"/ws", nil, "freelancer-page")
	fl.expect(call.TypeWelcome)
	*w.now = w.booking.Start
	w.job("start")
	waitFor(t, ctx, "the notice of the booked call", `!!document.querySelector('[data-test="open-booked-call"]')`)
	screenshot(t, ctx, "booked-call-on-hours-page")
	audit(t, ctx, "the hours page with a booked call's notice")
	click(t, ctx, "open-booked-call")
	waitFor(t, ctx, "the call view", `!!document.querySelector('#console[data-state=call]')`)
}
