package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// One node of two dies in the middle of a call: the freelancer's page,
// which signaled through it, reconnects to the other node with the same
// session, is seated in the same call beside the agent, and the media
// (here a WebRTC data channel between two pion peers) never stopped.
func TestCallSurvivesANodeDying(t *testing.T) {
	cfg := storetest.Postgres(t)
	nodeCfg := server.Config{Store: cfg, Now: time.Now, Call: server.CallConfig{Tick: 100 * time.Millisecond}}
	// Node A is served by hand so that the test can kill it.
	hA := httptest.NewUnstartedServer(nil)
	cfgA := nodeCfg
	cfgA.BaseURL = "http://" + hA.Listener.Addr().String()
	a := open(t, cfgA)
	hA.Config.Handler = a.Handler()
	hA.Start()
	baseA := cfgA.BaseURL
	b, baseB := openServed(t, nodeCfg)
	ctxA, stopA := context.WithCancel(t.Context())
	ctxB, stopB := context.WithCancel(t.Context())
	t.Cleanup(stopB)
	go a.Calls.Run(ctxA)
	go b.Calls.Run(ctxB)
	listeners, _, _ := signalListeners(t, cfg)
	waitUntil(t, "both nodes to listen", func() bool { return len(listeners()) == 2 })
	kill := func() {
		stopA()
		a.Calls.Shutdown() // the hijacked signaling sockets drop
		hA.CloseClientConnections()
		hA.Close()
	}
	defer func() { kill(); a.Close() }()

	opened := seedCase(t, a, "u-95")
	token := strings.TrimPrefix(opened.Link.URL, baseA)
	addStaff(t, a, "maria@example.com", store.RoleAgent, "correct horse battery")
	jar := signIn(t, baseB, "maria@example.com", "correct horse battery")
	agentHTTP := &http.Client{Jar: jar}
	postForm(t, agentHTTP, baseB+"/agent/presence", url.Values{"status": {"online"}}, "")
	postForm(t, http.DefaultClient, baseA+token+"/queue", url.Values{}, "")
	waiting := dial(t, baseA, token+"/ws", nil, "freelancer-1")
	waiting.expect(call.TypeQueue)
	took := postForm(t, agentHTTP, baseB+"/agent/take", url.Values{}, "")
	t.Logf("the take led to %s", took.Request.URL) // /agent?notice=empty if the queue looked empty
	waiting.expect(call.TypeCall)
	agent := dial(t, baseB, "/agent/ws", jar, "agent-session")
	welcome := agent.expect(call.TypeWelcome)
	fl := dial(t, baseA, token+"/ws", nil, "freelancer-page")
	fl.expect(call.TypeWelcome)
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present && m.Session == "freelancer-page" })
	fl.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present })

	// Media between the two sides, signaled across the nodes.
	ice := iceServers(welcome)
	agentPC, flPC := pionPeer(t, agent, ice), pionPeer(t, fl, ice)
	got := make(chan string, 4)
	flPC.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- string(m.Data) })
	})
	dc, _ := agentPC.CreateDataChannel("media", nil)
	opened2 := make(chan struct{})
	dc.OnOpen(func() { close(opened2) })
	offer, _ := agentPC.CreateOffer(nil)
	agentPC.SetLocalDescription(offer)
	agent.send(map[string]any{"v": 1, "type": "offer", "sdp": map[string]string{"type": "offer", "sdp": offer.SDP}})
	done := make(chan struct{})
	go relayUntil(done, fl, flPC, true)
	go relayUntil(done, agent, agentPC, false)
	select {
	case <-opened2:
	case <-time.After(15 * time.Second):
		t.Fatal("no media channel across the nodes within 15 s")
	}
	close(done)

	// Node A dies. The freelancer's page reconnects, with the same
	// session, to node B: the same call, the same agent.
	kill()
	again := dial(t, baseB, token+"/ws", nil, "freelancer-page")
	w := again.expect(call.TypeWelcome)
	if w.Call == nil || w.Call.VerificationID != opened.Verification.ID {
		t.Fatalf("after node A died the freelancer is welcomed without the call: %+v", w.Call)
	}
	again.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present && m.Session == "agent-session" })
	agent.expectWhere(call.TypePeer, func(m call.ServerMessage) bool { return *m.Present && m.Session == "freelancer-page" })
	again.send(map[string]any{"v": 1, "type": "chat", "text": "still here"})
	agent.expectWhere(call.TypeChat, func(m call.ServerMessage) bool { return m.Text == "still here" })

	// And the media never stopped.
	if err := dc.SendText("after the node died"); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "after the node died" {
			t.Fatalf("the media channel carried %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the media stopped when a node died")
	}
}
