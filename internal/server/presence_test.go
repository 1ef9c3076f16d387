package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// wantOnline fails unless every surface (the capacity API, the metrics, the
// floor, the console and the portal) counts n agents online.
func (w *presenceWorld) wantOnline(when string, n int) {
	w.t.Helper()
	online, _ := w.answers()
	for surface, got := range online {
		if got != n {
			w.t.Errorf("%s: %s counts %d agents online, want %d (all: %v)", when, surface, got, n, online)
		}
	}
}

// tick runs the call service's tick at the test's clock, as Run would.
func (w *presenceWorld) tick() { w.s.Calls.Refresh(w.t.Context()) }

// Presence is the agent's, not the tab's: an agent online stays online
// while any console tab is open, whatever page it shows, drops out once
// every tab has been closed for longer than workflow.AgentFreshness, and
// is gone at once on "Go away".
func TestPresenceFollowsTheAgentAcrossConsolePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := openPresenceWorld(t, cfg)
		ana := w.agent("ana")
		w.presence("ana", store.Online)
		tab := dial(t, w.base, "/agent/ws", ana.Jar, "live-queue-page")
		tab.expect(call.TypeWelcome)
		tab.expect(call.TypeFloor)
		w.wantOnline("on the live queue page", 1)

		// She moves to Working hours, then Documents: each page's socket
		// replaces the last page's, and each page stays open for longer
		// than the freshness window.
		for _, path := range []string{"/agent/hours", "/agent/document-reviews"} {
			if body := page(t, ana, w.base+path, http.StatusOK); !strings.Contains(body, `src="/static/js/presence.js"`) {
				t.Fatalf("%s does not load presence.js, so it keeps no socket", path)
			}
			tab.conn.Close(websocket.StatusGoingAway, "navigated")
			tab = dial(t, w.base, "/agent/ws?presence=1", ana.Jar, "page"+strings.ReplaceAll(path, "/", "-"))
			if welcome := tab.expect(call.TypeWelcome); welcome.Call != nil || len(welcome.ICEServers) != 0 {
				t.Errorf("%s: a presence socket was welcomed into a call: %+v", path, welcome)
			}
			for range 3 {
				w.advance(workflow.AgentFreshness / 2)
				w.tick()
			}
			w.wantOnline("on "+path+" for 45 s", 1)
		}

		// Every tab closed: still online within the grace, then not.
		tab.conn.Close(websocket.StatusGoingAway, "closed")
		w.advance(workflow.AgentFreshness)
		w.wantOnline("every tab closed, at the end of the grace", 1)
		waitUntil(t, "the closed tab to stop counting", func() bool {
			w.advance(workflow.AgentFreshness + time.Second)
			w.tick()
			agents, err := w.s.Workflow.Agents(t.Context())
			return err == nil && agents.Online == 0
		})
		w.wantOnline("every tab closed past the grace", 0)

		// Back on a page other than the live queue, online, then away:
		// the open tab does not keep her online.
		dial(t, w.base, "/agent/ws?presence=1", ana.Jar, "security-page").expect(call.TypeWelcome)
		w.presence("ana", store.Online)
		w.tick()
		w.wantOnline("online again with a tab open", 1)
		w.presence("ana", store.Away)
		w.tick()
		w.wantOnline("away with a tab open", 0)
	})
}

// A presence socket takes none of the places a call needs, and a bad
// presence value is refused before any socket opens.
func TestPresenceSocketRefusals(t *testing.T) {
	w := openPresenceWorld(t, storetest.SQLite(t))
	ana := w.agent("ana")
	for i := range call.DefaultMaxPerPerson {
		dial(t, w.base, "/agent/ws?presence=1", ana.Jar, "tab-"+strings.Repeat("x", 8)+string(rune('a'+i))).expect(call.TypeWelcome)
	}
	dial(t, w.base, "/agent/ws", ana.Jar, "live-queue-page").expect(call.TypeWelcome)

	u := "ws" + strings.TrimPrefix(w.base, "http") + "/agent/ws?presence=yes&session=abcdefgh"
	header := http.Header{}
	parsed, _ := url.Parse(w.base)
	for _, c := range ana.Jar.Cookies(parsed) {
		header.Add("Cookie", c.Name+"="+c.Value)
	}
	_, res, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{HTTPHeader: header})
	if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("presence=yes: %v %v, want 400", res, err)
	}
}

// An agent online who comes back to the console after every tab had been
// closed past the grace is counted from the moment the console says "You
// are online", not from the call service's next tick: the console's own
// count, the floor and the portal agree with it at once.
func TestReturningAgentIsCountedAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := openPresenceWorld(t, cfg)
		ana := w.agent("ana")
		w.presence("ana", store.Online)
		w.wantOnline("just online, no tab open yet", 1)
		w.advance(workflow.AgentFreshness + time.Second)
		w.wantOnline("no console tab past the grace", 0)

		body := page(t, ana, w.base+"/agent", http.StatusOK)
		if !strings.Contains(body, `data-agent-status="online"`) {
			t.Fatalf("back on the console, ana is not shown online:\n%.1500s", body)
		}
		if m := consoleCount.FindStringSubmatch(body); m == nil || m[1] != "1" {
			t.Errorf("ana's console says she is online beside %v agents online, want 1", m)
		}
		w.wantOnline("back on the console, before any tick", 1)
	})
}
