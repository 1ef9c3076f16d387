package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
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
	"github.com/attest-dev/attest/internal/verification"
)

// wsPeer is a test's signaling connection, standing in for a browser.
type wsPeer struct {
	t    testing.TB
	conn *websocket.Conn
	msgs chan call.ServerMessage
}

func dial(t testing.TB, base, path string, jar http.CookieJar, session string) *wsPeer {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	u := "ws" + strings.TrimPrefix(base, "http") + path + sep + "session=" + session
	header := http.Header{}
	if jar != nil {
		parsed, _ := url.Parse(base)
		for _, c := range jar.Cookies(parsed) {
			header.Add("Cookie", c.Name+"="+c.Value)
		}
	}
	conn, _, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	p := &wsPeer{t: t, conn: conn, msgs: make(chan call.ServerMessage, 100)}
	go func() {
		defer close(p.msgs)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			var m call.ServerMessage
			if json.Unmarshal(data, &m) == nil {
				p.msgs <- m
			}
		}
	}()
	t.Cleanup(func() { conn.CloseNow() })
	return p
}

func (p *wsPeer) send(v any) {
	p.t.Helper()
	data, _ := json.Marshal(v)
	if err := p.conn.Write(p.t.Context(), websocket.MessageText, data); err != nil {
		p.t.Fatal(err)
	}
}

// expect waits for a message of the given type, skipping others.
func (p *wsPeer) expect(typ string) call.ServerMessage {
	p.t.Helper()
	return p.expectWhere(typ, func(call.ServerMessage) bool { return true })
}

// expectWhere waits for a message of the given type that satisfies ok.
func (p *wsPeer) expectWhere(typ string, ok func(call.ServerMessage) bool) call.ServerMessage {
	p.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, open := <-p.msgs:
			if !open {
				p.t.Fatalf("connection closed while waiting for %s", typ)
			}
			if m.Type == typ && ok(m) {
				return m
			}
		case <-timeout:
			p.t.Fatalf("no %s message within 10s", typ)
		}
	}
}

// signIn returns a cookie jar holding a staff session.
func signIn(t testing.TB, base, email, password string) *cookiejar.Jar {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res := postForm(t, c, base+"/login", url.Values{"email": {email}, "password": {password}}, "")
	if res.Request.URL.Path != "/agent" {
		t.Fatalf("sign-in ended at %s", res.Request.URL)
	}
	return jar
}

func postJSON(t testing.TB, c *http.Client, target string, body any) (int, map[string]any) {
	t.Helper()
	data, _ := json.Marshal(body)
	res, err := c.Post(target, "application/json", strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// pionPeer is one side's WebRTC peer, signaled through attest.
func pionPeer(t testing.TB, sig *wsPeer, ice []webrtc.ICEServer) *webrtc.PeerConnection {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{ICEServers: ice})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		sig.send(map[string]any{"v": 1, "type": "candidate", "candidate": init})
	})
	return pc
}

func iceServers(m call.ServerMessage) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, s := range m.ICEServers {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

func TestLiveCallEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now, Call: server.CallConfig{Tick: 100 * time.Millisecond}})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go s.Calls.Run(ctx)

		opened := seedCase(t, s, "u-20")
		token := strings.TrimPrefix(opened.Link.URL, base)
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		jar := signIn(t, base, "maria@example.com", "correct horse battery")
		agentHTTP := &http.Client{Jar: jar}

		// The agent goes online; the freelancer joins the queue and learns their place.
		postForm(t, agentHTTP, base+"/agent/presence", url.Values{"status": {"online"}}, "")
		agentIdle := dial(t, base, "/agent/ws", jar, "agent-idle-1")
		agentIdle.expect(call.TypeWelcome)
		if res := postForm(t, http.DefaultClient, base+token+"/queue", url.Values{}, ""); res.Request.URL.Path != token {
			t.Fatalf("join queue ended at %s", res.Request.URL)
		}
		fl := dial(t, base, token+"/ws", nil, "freelancer-1")
		fl.expect(call.TypeWelcome)
		q := fl.expect(call.TypeQueue)
		if q.Queue.Position != 1 || q.Queue.EtaSeconds == nil || q.Queue.AgentsOnline != 1 {
			t.Fatalf("queue message %+v", q.Queue)
		}
		agentIdle.expectWhere(call.TypeFloor, func(m call.ServerMessage) bool { return m.Floor.Waiting == 1 })

		// The agent takes the call; the freelancer's page hears of it.
		postForm(t, agentHTTP, base+"/agent/take", url.Values{}, "")
		// It carries what the page needs to start the call on the socket it
		// holds, which the server has seated in the call.
		if m := fl.expect(call.TypeCall); m.Call.VerificationID != opened.Verification.ID ||
			m.Call.AgentName != "maria@example.com" && m.Call.AgentName != "maria" || len(m.ICEServers) == 0 {
			t.Fatalf("call message %+v, ICE servers %v", m.Call, m.ICEServers)
		}
		agent := dial(t, base, "/agent/ws", jar, "agent-call-1")
		welcome := agent.expect(call.TypeWelcome)
		if welcome.Call == nil || len(welcome.ICEServers) == 0 {
			t.Fatalf("agent welcome %+v", welcome)
		}
		// The agent finds the freelancer's queue page already in the call.
		if p := agent.expect(call.TypePeer); !*p.Present || p.Session != "freelancer-1" {
			t.Fatalf("agent peer message %+v", p)
		}
		fl2 := fl

		// WebRTC through attest's signaling: the agent offers, a data channel opens.
		agentPC := pionPeer(t, agent, iceServers(welcome))
		flPC := pionPeer(t, fl2, iceServers(welcome))
		opened2 := make(chan string, 1)
		flPC.OnDataChannel(func(dc *webrtc.DataChannel) {
			dc.OnMessage(func(m webrtc.DataChannelMessage) { opened2 <- string(m.Data) })
		})
		dc, _ := agentPC.CreateDataChannel("check", nil)
		dc.OnOpen(func() { dc.SendText("hello through attest") })
		offer, _ := agentPC.CreateOffer(nil)
		agentPC.SetLocalDescription(offer)
		agent.send(map[string]any{"v": 1, "type": "offer", "sdp": map[string]string{"type": "offer", "sdp": offer.SDP}})
		go relayPeer(t, fl2, flPC, true)
		go relayPeer(t, agent, agentPC, false)
		select {
		case got := <-opened2:
			if got != "hello through attest" {
				t.Fatalf("data channel carried %q", got)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("no data channel message within 15s")
		}

		// Decide: outcomes first, then verified; both sides hear the end.
		callBase := base + "/agent/calls/" + opened.Verification.ID
		if code, body := postJSON(t, agentHTTP, callBase+"/decision", map[string]any{"decision": "verified"}); code != 422 {
			t.Fatalf("decision before outcomes: %d %v", code, body)
		}
		// A note about the person, not the evidence, is refused and not saved.
		code, body := postJSON(t, agentHTTP, callBase+"/outcome", map[string]any{"claim": "location", "outcome": "confirmed",
			"note": "She looked too young to have lived there ten years"})
		if errBody, _ := body["error"].(map[string]any); code != 422 || errBody["code"] != "protected_characteristic" {
			t.Fatalf("a note about appearance: %d %v", code, body)
		}
		if outcomes, _ := s.Store.ClaimOutcomes(t.Context(), opened.Verification.ID); len(outcomes) != 0 {
			t.Fatalf("the refused outcome was stored: %+v", outcomes)
		}
		if code, body := postJSON(t, agentHTTP, callBase+"/outcome", map[string]any{"claim": "location", "outcome": "confirmed"}); code != 200 {
			t.Fatalf("outcome: %d %v", code, body)
		}
		// A claim confirmed with nothing else checked is not verified.
		code, body = postJSON(t, agentHTTP, callBase+"/decision", map[string]any{"decision": "verified"})
		if errBody, _ := body["error"].(map[string]any); code != 422 || errBody["code"] != "steps_missing" {
			t.Fatalf("verified with only a claim confirmed: %d %v", code, body)
		}
		if code, body := postJSON(t, agentHTTP, callBase+"/step", map[string]any{"step": "consent", "result": "perhaps"}); code != 400 {
			t.Fatalf("a step with a made-up result: %d %v", code, body)
		}
		recordCallSteps(t, agentHTTP, callBase)
		if code, body := postJSON(t, agentHTTP, callBase+"/decision", map[string]any{"decision": "verified"}); code != 200 || body["status"] != "verified" {
			t.Fatalf("decision: %d %v", code, body)
		}
		cases, err := s.Store.StandingCases(t.Context(), "u-20")
		if err != nil || cases.LatestDecided == nil || cases.LatestDecided.Status != "verified" || cases.Open != nil {
			t.Fatalf("standing after the call: %+v %v", cases, err)
		}
	})
}

// relayPeer applies what the other side sends through attest to a pion peer.
func relayPeer(t testing.TB, sig *wsPeer, pc *webrtc.PeerConnection, answerer bool) {
	for m := range sig.msgs {
		applySignal(sig, pc, answerer, m)
	}
}

// applySignal applies one message from the other side to a pion peer.
func applySignal(sig *wsPeer, pc *webrtc.PeerConnection, answerer bool, m call.ServerMessage) {
	switch m.Type {
	case call.TypeOffer:
		if !answerer {
			return
		}
		pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP.SDP})
		answer, _ := pc.CreateAnswer(nil)
		pc.SetLocalDescription(answer)
		sig.send(map[string]any{"v": 1, "type": "answer", "sdp": map[string]string{"type": "answer", "sdp": answer.SDP}})
	case call.TypeAnswer:
		pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP.SDP})
	case call.TypeCandidate:
		pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: m.Candidate.Candidate, SDPMid: m.Candidate.SDPMid,
			SDPMLineIndex: m.Candidate.SDPMLineIndex, UsernameFragment: m.Candidate.UsernameFragment})
	}
}

// Chat crosses between the two sides; a bad message gets an error and the
// connection stays open.
func TestChatAndBadMessages(t *testing.T) {
	agent, fl, portal := socketsInCall(t, "u-21")

	fl.send(map[string]any{"v": 1, "type": "chat", "text": "Can you hear me? My audio is broken."})
	if m := agent.expect(call.TypeChat); m.From != "freelancer" || m.Text != "Can you hear me? My audio is broken." || m.At == nil {
		t.Fatalf("agent got %+v", m)
	}
	for _, bad := range []string{`{"v":1,"type":"record"}`, `not json`, `{"v":9,"type":"ping"}`, `{"v":1,"type":"chat","text":"hi","video":1}`} {
		if err := fl.conn.Write(t.Context(), websocket.MessageText, []byte(bad)); err != nil {
			t.Fatal(err)
		}
		if m := fl.expect(call.TypeError); m.Error == nil || m.Error.Code == "" {
			t.Fatalf("bad message %s: %+v", bad, m)
		}
	}
	fl.send(map[string]any{"v": 1, "type": "ping"})
	fl.expect(call.TypePong)
	agent.send(map[string]any{"v": 1, "type": "chat", "text": "Yes, I can read you."})
	if m := fl.expect(call.TypeChat); m.From != "agent" {
		t.Fatalf("freelancer got %+v", m)
	}
	// A signaling connection without a session, or from another site, is refused.
	if _, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(portal, "http")+"/ws", nil); err == nil {
		t.Fatal("connection without a session accepted")
	}
	_, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(portal, "http")+"/ws?session=abcdefgh1",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil {
		t.Fatal("cross-origin signaling accepted")
	}
}

// A freelancer who closes the queue page keeps their place, is emailed once
// when their turn is near, and loses the place only after the hold.
func TestHeldPlaceAndTurnNearEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Now()
		clock := func() time.Time { return now }
		s, base := openServed(t, server.Config{Store: cfg, Now: clock, Call: server.CallConfig{Hold: 15 * time.Minute}})
		opened := seedCase(t, s, "u-70")
		token := strings.TrimPrefix(opened.Link.URL, base)
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		jar := signIn(t, base, "maria@example.com", "correct horse battery")
		postForm(t, &http.Client{Jar: jar}, base+"/agent/presence", url.Values{"status": {"online"}}, "")
		postForm(t, http.DefaultClient, base+token+"/queue", url.Values{}, "")

		fl := dial(t, base, token+"/ws", nil, "freelancer-1")
		fl.expect(call.TypeQueue)
		fl.conn.Close(websocket.StatusNormalClosure, "closing the tab")
		waitUntil(t, "the place to be held", func() bool {
			q, _ := s.Store.Queue(t.Context())
			return len(q) == 1 && q[0].AwaySince != nil
		})
		turnNear := func() int {
			emails, _ := s.Store.Emails(t.Context(), 50)
			n := 0
			for _, e := range emails {
				if e.Kind == "turn_near" {
					n++
				}
			}
			return n
		}
		s.Calls.Refresh(t.Context())
		s.Calls.Refresh(t.Context())
		if n := turnNear(); n != 1 {
			t.Fatalf("%d turn-near emails after two ticks, want exactly 1", n)
		}
		now = now.Add(16 * time.Minute)
		s.Calls.Refresh(t.Context())
		q, _ := s.Store.Queue(t.Context())
		v, _ := s.Store.Verification(t.Context(), opened.Verification.ID)
		if len(q) != 0 || v.Status != "awaiting_freelancer" {
			t.Fatalf("after the hold: %d in queue, status %s", len(q), v.Status)
		}
	})
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitWithin(t, 10*time.Second, what, ok)
}

// waitWithin polls ok until it holds, failing the test after limit.
func waitWithin(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recordCallSteps records, as the agent's console does, every step a
// verified decision needs: consent, the ID on camera and each live-check
// challenge of the call, shown on the freelancer's page first. Of the three
// challenges the call has one or two: the others are refused as not the
// call's, whether shown or recorded.
func recordCallSteps(t *testing.T, agent *http.Client, callBase string) {
	t.Helper()
	steps := [][2]string{{"consent", "given"}, {"identity", "matched"}}
	for _, st := range steps {
		if code, body := postJSON(t, agent, callBase+"/step", map[string]any{"step": st[0], "result": st[1]}); code != 200 || body["missing"] == nil {
			t.Fatalf("step %s: %d %v", st[0], code, body)
		}
	}
	answered := 0
	for _, key := range verification.ChallengeKeys() {
		step := map[string]any{"step": verification.ChallengeStep(key), "result": "done"}
		code, body := postJSON(t, agent, callBase+"/step", step)
		if code == 200 {
			t.Fatalf("challenge %s recorded before it was shown: %v", key, body)
		}
		if code, _ := postJSON(t, agent, callBase+"/challenges/"+key+"/show", map[string]any{}); code != 200 {
			continue
		}
		if code, body := postJSON(t, agent, callBase+"/step", step); code != 200 || body["missing"] == nil {
			t.Fatalf("challenge %s after showing it: %d %v", key, code, body)
		}
		answered++
	}
	if answered == 0 {
		t.Fatal("the call has no challenge the agent could show")
	}
}

// socketsInCall serves a case for freelancerID, has an agent take it from
// the queue and returns both sides' sockets, welcomed into the call, and
// the freelancer's portal address.
func socketsInCall(t *testing.T, freelancerID string) (agent, fl *wsPeer, portal string) {
	t.Helper()
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	opened := seedCase(t, s, freelancerID)
	token := strings.TrimPrefix(opened.Link.URL, base)
	addStaff(t, s, "sam@example.com", store.RoleAgent, "correct horse battery")
	jar := signIn(t, base, "sam@example.com", "correct horse battery")
	agentHTTP := &http.Client{Jar: jar}
	postForm(t, agentHTTP, base+"/agent/presence", url.Values{"status": {"online"}}, "")
	postForm(t, http.DefaultClient, base+token+"/queue", url.Values{}, "")
	postForm(t, agentHTTP, base+"/agent/take", url.Values{}, "")
	agent = dial(t, base, "/agent/ws", jar, "agent-session")
	agent.expect(call.TypeWelcome)
	fl = dial(t, base, token+"/ws", nil, "freelancer-session")
	fl.expect(call.TypeWelcome)
	return agent, fl, base + token
}

// The freelancer's camera label reaches the agent only as the name of the
// virtual camera it matches (or an empty hint); the agent's page cannot
// report a camera, and the freelancer is told nothing.
func TestCameraHint(t *testing.T) {
	agent, fl, _ := socketsInCall(t, "u-22")

	fl.send(map[string]any{"v": 1, "type": "camera", "label": "OBS Virtual Camera (4e45:2d53)"})
	if m := agent.expect(call.TypeCamera); m.From != "freelancer" || m.Virtual != "OBS Virtual Camera" {
		t.Fatalf("agent got %+v, want the hint for OBS Virtual Camera", m)
	}
	fl.send(map[string]any{"v": 1, "type": "camera", "label": "Integrated Webcam"})
	if m := agent.expect(call.TypeCamera); m.Virtual != "" {
		t.Fatalf("agent got %+v, want an empty hint for a built-in camera", m)
	}
	agent.send(map[string]any{"v": 1, "type": "camera", "label": "ManyCam"})
	if m := agent.expect(call.TypeError); m.Error == nil || m.Error.Code != "not_allowed" {
		t.Fatalf("agent reporting a camera got %+v, want not_allowed", m)
	}
	fl.send(map[string]any{"v": 1, "type": "camera", "label": ""})
	if m := fl.expect(call.TypeError); m.Error == nil || m.Error.Field != "label" {
		t.Fatalf("an empty label got %+v, want an error on label", m)
	}
	// A track that looks injected: its signs reach the agent, checked and
	// in their documented order, with or without a label.
	fl.send(map[string]any{"v": 1, "type": "camera", "injected": []string{"canvas", "no_device"}})
	if m := agent.expect(call.TypeCamera); m.Virtual != "" || strings.Join(m.Injected, ",") != "no_device,canvas" {
		t.Fatalf("agent got %+v, want the signs no_device and canvas", m)
	}
	fl.send(map[string]any{"v": 1, "type": "camera", "label": "Integrated Webcam", "injected": []string{"looks_fake"}})
	if m := fl.expect(call.TypeError); m.Error == nil || m.Error.Code != "invalid" || m.Error.Field != "injected" {
		t.Fatalf("an unknown sign got %+v, want invalid on injected", m)
	}
	fl.send(map[string]any{"v": 1, "type": "camera", "label": "Integrated Webcam"})
	if m := agent.expect(call.TypeCamera); m.Virtual != "" || m.Injected != nil {
		t.Fatalf("agent got %+v, want a hint that clears the signs", m)
	}
}

// The freelancer's page tells the agent's that a screen share started and
// stopped; the agent's page cannot share, and a malformed message is
// refused with its field named. The picture never passes through attest.
func TestScreenShareMessages(t *testing.T) {
	agent, fl, _ := socketsInCall(t, "u-23")

	fl.send(map[string]any{"v": 1, "type": "screen", "sharing": true})
	if m := agent.expect(call.TypeScreen); m.From != "freelancer" || m.Sharing == nil || !*m.Sharing {
		t.Fatalf("agent got %+v, want sharing true from the freelancer", m)
	}
	fl.send(map[string]any{"v": 1, "type": "screen", "sharing": false})
	if m := agent.expect(call.TypeScreen); m.Sharing == nil || *m.Sharing {
		t.Fatalf("agent got %+v, want sharing false", m)
	}
	agent.send(map[string]any{"v": 1, "type": "screen", "sharing": true})
	if m := agent.expect(call.TypeError); m.Error == nil || m.Error.Code != "not_allowed" {
		t.Fatalf("agent sharing got %+v, want not_allowed", m)
	}
	fl.send(map[string]any{"v": 1, "type": "screen"})
	if m := fl.expect(call.TypeError); m.Error == nil || m.Error.Code != "required" || m.Error.Field != "sharing" {
		t.Fatalf("screen without sharing got %+v, want required on sharing", m)
	}
	fl.send(map[string]any{"v": 1, "type": "screen", "sharing": "on"})
	if m := fl.expect(call.TypeError); m.Error == nil || m.Error.Code != "wrong_type" || m.Error.Field != "sharing" {
		t.Fatalf("screen with a string got %+v, want wrong_type on sharing", m)
	}
}

// The live queue page's first offer, made ahead, goes with its take: the
// freelancer's page gets it right after the call and the agent's
// introduction, and the agent's page is told (offered) instead of
// offering. An offer that is not a session description takes nothing;
// with the freelancer's page not connected, the agent's page offers when
// it comes, as without one.
func TestTakeCarriesTheOffer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		jar := signIn(t, base, "maria@example.com", "correct horse battery")
		agentHTTP := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		postForm(t, agentHTTP, base+"/agent/presence", url.Values{"status": {"online"}}, "")
		const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

		opened := seedCase(t, s, "u-30")
		token := strings.TrimPrefix(opened.Link.URL, base)
		postForm(t, http.DefaultClient, base+token+"/queue", url.Values{}, "")
		fl := dial(t, base, token+"/ws", nil, "freelancer-30")
		fl.expect(call.TypeWelcome)
		agent := dial(t, base, "/agent/ws", jar, "agent-live-30")
		agent.expect(call.TypeWelcome)

		// Not a session description: refused, and nobody is taken.
		if res := postForm(t, agentHTTP, base+"/agent/take", url.Values{"session": {"agent-live-30"}, "offer": {"hello"}}, ""); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a take with a bad offer: %d", res.StatusCode)
		}
		if v, err := s.Store.Verification(t.Context(), opened.Verification.ID); err != nil || v.Status != verification.InQueue {
			t.Fatalf("after a refused take: %+v %v", v, err)
		}

		res := postForm(t, agentHTTP, base+"/agent/take", url.Values{"session": {"agent-live-30"}, "offer": {sdp}}, "")
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "seated=agent-live-30") {
			t.Fatalf("take: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// The freelancer's page: the call, the agent, then the offer, in that order.
		var order []string
		for len(order) < 3 {
			var m call.ServerMessage
			select {
			case m = <-fl.msgs:
			case <-time.After(10 * time.Second):
				t.Fatalf("the freelancer's page got only %v", order)
			}
			switch m.Type {
			case call.TypeCall, call.TypePeer:
				order = append(order, m.Type)
			case call.TypeOffer:
				if m.From != call.RoleAgent || m.SDP == nil || m.SDP.SDP != sdp {
					t.Fatalf("offer %+v", m)
				}
				order = append(order, m.Type)
			}
		}
		if want := []string{call.TypeCall, call.TypePeer, call.TypeOffer}; !slices.Equal(order, want) {
			t.Fatalf("the freelancer's page got %v, want %v", order, want)
		}
		agent.expect(call.TypeCall)
		if p := agent.expect(call.TypePeer); !*p.Present || p.Session != "freelancer-30" || !p.Offered {
			t.Fatalf("the agent's peer message %+v", p)
		}

		// The freelancer's page closed: the offer has nowhere to go, and
		// the agent hears of the page when it comes, not offered.
		second := seedCase(t, s, "u-31")
		token = strings.TrimPrefix(second.Link.URL, base)
		postForm(t, http.DefaultClient, base+token+"/queue", url.Values{}, "")
		addStaff(t, s, "joao@example.com", store.RoleAgent, "correct horse battery")
		jar2 := signIn(t, base, "joao@example.com", "correct horse battery")
		agentHTTP2 := &http.Client{Jar: jar2, CheckRedirect: agentHTTP.CheckRedirect}
		postForm(t, agentHTTP2, base+"/agent/presence", url.Values{"status": {"online"}}, "")
		agent2 := dial(t, base, "/agent/ws", jar2, "agent-live-31")
		agent2.expect(call.TypeWelcome)
		if res := postForm(t, agentHTTP2, base+"/agent/take", url.Values{"session": {"agent-live-31"}, "offer": {sdp}}, ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("second take: %d", res.StatusCode)
		}
		agent2.expect(call.TypeCall)
		fl2 := dial(t, base, token+"/ws", nil, "freelancer-31")
		fl2.expect(call.TypeWelcome)
		if p := agent2.expect(call.TypePeer); !*p.Present || p.Session != "freelancer-31" || p.Offered {
			t.Fatalf("the agent's peer message for a page that came later %+v", p)
		}
	})
}
