package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// twoNodes opens two attest nodes on one PostgreSQL schema, runs their live
// work and waits until both listen for each other's signaling. cut ends the
// listeners' database sessions and waits until both have listened again.
func twoNodes(t *testing.T) (a, b *server.Server, baseA, baseB string, cut func()) {
	t.Helper()
	cfg := storetest.Postgres(t)
	nodeCfg := server.Config{Store: cfg, Now: time.Now, Call: server.CallConfig{Tick: 100 * time.Millisecond}}
	a, baseA = openServed(t, nodeCfg)
	b, baseB = openServed(t, nodeCfg)
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go a.Calls.Run(ctx)
	go b.Calls.Run(ctx)
	listeners, listen, db := signalListeners(t, cfg)
	waitUntil(t, "both nodes to listen", func() bool { return len(listeners()) == 2 })
	cut = func() {
		t.Helper()
		old := listeners()
		if _, err := db.ExecContext(t.Context(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", listen); err != nil {
			t.Fatalf("cut the listeners: %v", err)
		}
		waitUntil(t, "both nodes to listen again", func() bool {
			now := listeners()
			return len(now) == 2 && !slices.Contains(old, now[0]) && !slices.Contains(old, now[1])
		})
	}
	return a, b, baseA, baseB, cut
}

// signalListeners returns what lists the database sessions listening for
// the nodes' signaling on cfg's schema, the LISTEN statement they run, and
// a connection to the database.
func signalListeners(t *testing.T, cfg store.Config) (listeners func() []int, listen string, db *sql.DB) {
	t.Helper()
	u, _ := url.Parse(cfg.DatabaseURL)
	channel := "attest_signal_" + u.Query().Get("search_path")
	db = storetest.RawDB(t, cfg)
	listen = `LISTEN "` + channel + `"`
	listeners = func() []int {
		var pids []int
		rows, err := db.QueryContext(t.Context(), "SELECT pid FROM pg_stat_activity WHERE query = $1 ORDER BY pid", listen)
		if err != nil {
			t.Fatalf("find the listeners: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			var pid int
			rows.Scan(&pid)
			pids = append(pids, pid)
		}
		return pids
	}
	return listeners, listen, db
}

// With the freelancer on one node and the agent on another, the call's
// signaling crosses through PostgreSQL: the call notice, presence, chat, a
// screen share's start, the camera's signs, an SDP too large for a NOTIFY,
// a WebRTC data channel, a move of the
// freelancer's page between nodes, and the end of the call.
func TestSignalingCrossesNodes(t *testing.T) {
	a, _, baseA, baseB, cut := twoNodes(t)
	opened := seedCase(t, a, "u-90")
	token := strings.TrimPrefix(opened.Link.URL, baseA)
	addStaff(t, a, "maria@example.com", store.RoleAgent, "correct horse battery")
	jar := signIn(t, baseB, "maria@example.com", "correct horse battery")
	agentHTTP := &http.Client{Jar: jar}
	postForm(t, agentHTTP, baseB+"/agent/presence", url.Values{"status": {"online"}}, "")
	postForm(t, http.DefaultClient, baseA+token+"/queue", url.Values{}, "")
	waiting := dial(t, baseA, token+"/ws", nil, "freelancer-1")
	waiting.expect(call.TypeQueue)

	// The agent takes the call on node B; the freelancer's page on node A hears of it.
	postForm(t, agentHTTP, baseB+"/agent/take", url.Values{}, "")
	if m := waiting.expect(call.TypeCall); m.Call.VerificationID != opened.Verification.ID {
		t.Fatalf("call notice %+v", m.Call)
	}
	agent := dial(t, baseB, "/agent/ws", jar, "agent-call-1")
	welcome := agent.expect(call.TypeWelcome)
	// The waiting page on A was seated in the call by A when it heard of it:
	// the agent on B finds it there, and the call goes on over that socket.
	fl := waiting
	if p := agent.expect(call.TypePeer); !*p.Present || p.Session != "freelancer-1" {
		t.Fatalf("agent on B: peer %+v", p)
	}
	if p := fl.expect(call.TypePeer); !*p.Present || p.Session != "agent-call-1" {
		t.Fatalf("freelancer on A: peer %+v", p)
	}

	fl.send(map[string]any{"v": 1, "type": "chat", "text": "Hello from node A"})
	if m := agent.expect(call.TypeChat); m.From != "freelancer" || m.Text != "Hello from node A" {
		t.Fatalf("agent got %+v", m)
	}
	agent.send(map[string]any{"v": 1, "type": "chat", "text": "Hello from node B"})
	if m := fl.expect(call.TypeChat); m.From != "agent" || m.Text != "Hello from node B" {
		t.Fatalf("freelancer got %+v", m)
	}
	// A screen share's start and the camera's injected-track signs cross too.
	fl.send(map[string]any{"v": 1, "type": "screen", "sharing": true})
	if m := agent.expect(call.TypeScreen); m.Sharing == nil || !*m.Sharing {
		t.Fatalf("agent got %+v, want sharing true", m)
	}
	fl.send(map[string]any{"v": 1, "type": "camera", "injected": []string{"canvas"}})
	if m := agent.expect(call.TypeCamera); strings.Join(m.Injected, ",") != "canvas" {
		t.Fatalf("agent got %+v, want the canvas sign", m)
	}

	// A listener whose connection drops listens again, and the call goes on.
	cut()
	fl.send(map[string]any{"v": 1, "type": "chat", "text": "Still there?"})
	agent.expectWhere(call.TypeChat, func(m call.ServerMessage) bool { return m.Text == "Still there?" })

	// An SDP beyond NOTIFY's 8000 bytes goes through the signals table.
	large := "v=0\r\n" + strings.Repeat("a=x-padding:0123456789abcdef0123456789abcdef\r\n", 300)
	agent.send(map[string]any{"v": 1, "type": "offer", "sdp": map[string]string{"type": "offer", "sdp": large}})
	if m := fl.expect(call.TypeOffer); m.SDP == nil || m.SDP.SDP != large {
		t.Fatalf("the large offer did not cross intact (%d bytes sent)", len(large))
	}
	var stored int
	if err := a.Store.DB().QueryRowContext(t.Context(), "SELECT count(*) FROM signals").Scan(&stored); err != nil || stored == 0 {
		t.Fatalf("%d large signals stored (%v), want the offer", stored, err)
	}

	// The freelancer's page moves to node B: the page on A is replaced.
	moved := dial(t, baseB, token+"/ws", nil, "freelancer-3")
	fl.expect(call.TypeReplaced)
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present && m.Session == "freelancer-3" })
	moved.conn.Close(websocket.StatusNormalClosure, "closing the tab")
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return !*m.Present })

	// Back on node A, and away again: the agent on B hears both.
	back := dial(t, baseA, token+"/ws", nil, "freelancer-4")
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present && m.Session == "freelancer-4" })
	back.expect(call.TypePeer)
	back.conn.Close(websocket.StatusNormalClosure, "closing the tab")
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return !*m.Present })

	// Once more on node A: WebRTC between the two nodes' sides.
	last := dial(t, baseA, token+"/ws", nil, "freelancer-5")
	last.expect(call.TypePeer)
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present && m.Session == "freelancer-5" })
	connectPeers(t, agent, last, iceServers(welcome))

	// The decision on node B ends the call on node A too.
	callBase := baseB + "/agent/calls/" + opened.Verification.ID
	if code, body := postJSON(t, agentHTTP, callBase+"/outcome", map[string]any{"claim": "location", "outcome": "confirmed"}); code != 200 {
		t.Fatalf("outcome: %d %v", code, body)
	}
	recordCallSteps(t, agentHTTP, callBase)
	if code, body := postJSON(t, agentHTTP, callBase+"/decision", map[string]any{"decision": "verified"}); code != 200 {
		t.Fatalf("decision: %d %v", code, body)
	}
	if m := last.expect(call.TypeEnded); m.Status != "verified" {
		t.Fatalf("freelancer on A: ended %+v", m)
	}
}

// connectPeers opens a WebRTC data channel between the agent's and the
// freelancer's pion peers, signaled through attest.
func connectPeers(t *testing.T, agent, fl *wsPeer, ice []webrtc.ICEServer) {
	t.Helper()
	agentPC := pionPeer(t, agent, ice)
	flPC := pionPeer(t, fl, ice)
	got := make(chan string, 1)
	flPC.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- string(m.Data) })
	})
	dc, _ := agentPC.CreateDataChannel("check", nil)
	dc.OnOpen(func() { dc.SendText("hello across nodes") })
	offer, _ := agentPC.CreateOffer(nil)
	agentPC.SetLocalDescription(offer)
	agent.send(map[string]any{"v": 1, "type": "offer", "sdp": map[string]string{"type": "offer", "sdp": offer.SDP}})
	done := make(chan struct{})
	defer close(done) // later messages are left for the test to expect
	go relayUntil(done, fl, flPC, true)
	go relayUntil(done, agent, agentPC, false)
	select {
	case m := <-got:
		if m != "hello across nodes" {
			t.Fatalf("data channel carried %q", m)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no data channel message across nodes within 15s")
	}
}

// relayUntil is relayPeer that stops at done.
func relayUntil(done <-chan struct{}, sig *wsPeer, pc *webrtc.PeerConnection, answerer bool) {
	for {
		select {
		case <-done:
			return
		case m, open := <-sig.msgs:
			if !open {
				return
			}
			applySignal(sig, pc, answerer, m)
		}
	}
}
