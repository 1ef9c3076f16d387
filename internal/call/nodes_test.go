package call

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// testClient is a connection whose messages the test reads back.
func testClient(role, who, session string) *client {
	c := &client{role: role, who: who, session: session}
	rec := &recorder{}
	recorders.Store(c, rec)
	c.write = func(data []byte) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.sent = append(rec.sent, data)
		return nil
	}
	return c
}

// recorder keeps what a test client was written.
type recorder struct {
	mu   sync.Mutex
	sent [][]byte
}

var recorders sync.Map // *client → *recorder

// received decodes the types of what a client was sent so far.
func received(c *client) []string {
	var types []string
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		busy := c.writing
		c.mu.Unlock()
		if !busy || time.Since(start) > 5*time.Second {
			break
		}
	}
	v, _ := recorders.Load(c)
	rec := v.(*recorder)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, data := range rec.sent {
		var m ServerMessage
		json.Unmarshal(data, &m)
		types = append(types, m.Type)
	}
	rec.sent = nil
	return types
}

// nodeHub is a hub that records what it would tell other nodes, each
// event as the other nodes would read it (encoded, then decoded).
func nodeHub(node string) (*hub, *[]event) {
	h := newHub(node)
	var told []event
	h.publish = func(e event) error {
		data, err := encodeEvent(e)
		if err != nil {
			return err
		}
		var read event
		if err := jsonv2.Unmarshal(data, &read); err != nil {
			return err
		}
		told = append(told, read)
		return nil
	}
	return h, &told
}

// The agent seated on one node meets the freelancer seated on another, and
// a message for a peer on the other node is published, not dropped.
func TestPeersOnTwoNodes(t *testing.T) {
	a, toldA := nodeHub("a")
	b, toldB := nodeHub("b")
	fl := testClient(RoleFreelancer, "f1", "fl-session")
	a.add(fl)
	if _, present, _ := a.seat("v1", fl); present {
		t.Fatal("a lone freelancer was told of a peer")
	}
	agent := testClient(RoleAgent, "s1", "agent-session")
	b.add(agent)
	b.seat("v1", agent)
	seated := (*toldB)[len(*toldB)-1]
	answers := a.apply(seated)
	if got := received(fl); len(got) != 1 || got[0] != TypePeer {
		t.Fatalf("freelancer on a got %v, want a peer message", got)
	}
	if len(answers) != 1 || answers[0].Kind != eventPresent || answers[0].Conn != fl.id {
		t.Fatalf("a answered %+v, want its freelancer's presence", answers)
	}
	answers[0].Node = "a"
	if again := b.apply(answers[0]); len(again) != 1 {
		t.Fatalf("b answered %+v, want one introduction back", again)
	}
	if got := received(agent); len(got) != 1 || got[0] != TypePeer {
		t.Fatalf("agent on b got %v, want a peer message", got)
	}
	// The second introduction is known already: no loop, no second peer message.
	if again := a.apply(event{Kind: eventPresent, Room: "v1", Role: RoleAgent, Conn: agent.id, Session: agent.session}); len(again) != 0 {
		t.Fatalf("a answered a known presence with %+v", again)
	}
	if !a.relay(fl, msg(TypeChat)) {
		t.Fatal("relay to a peer on another node failed")
	}
	if last := (*toldA)[len(*toldA)-1]; last.Kind != eventRelay || last.Role != RoleAgent || last.Room != "v1" {
		t.Fatalf("a told %+v, want a relay to the agent", last)
	}
}

// A freelancer whose page moved to another node is replaced here, and the
// old connection's leaving, heard after the new seat, does not make the
// agent think the freelancer is gone.
func TestMovedSideAcrossNodes(t *testing.T) {
	a, _ := nodeHub("a")
	b, _ := nodeHub("b")
	old := testClient(RoleFreelancer, "f1", "old")
	agent := testClient(RoleAgent, "s1", "agent")
	a.add(old)
	a.add(agent)
	a.seat("v1", old)
	a.seat("v1", agent)
	received(old)
	received(agent)
	moved := testClient(RoleFreelancer, "f1", "new")
	b.add(moved)
	b.seat("v1", moved)
	a.apply(event{Node: "b", Kind: eventSeated, Room: "v1", Role: RoleFreelancer, Conn: moved.id, Session: "new"})
	if got := received(old); len(got) != 1 || got[0] != TypeReplaced {
		t.Fatalf("old page got %v, want replaced", got)
	}
	received(agent)
	a.apply(event{Node: "c", Kind: eventLeft, Room: "v1", Role: RoleFreelancer, Conn: "c-1"})
	if got := received(agent); len(got) != 0 {
		t.Fatalf("agent got %v for an older connection's leaving", got)
	}
	a.apply(event{Node: "b", Kind: eventLeft, Room: "v1", Role: RoleFreelancer, Conn: moved.id})
	if got := received(agent); len(got) != 1 || got[0] != TypePeer {
		t.Fatalf("agent got %v when the freelancer left, want peer", got)
	}
	if a.relay(agent, msg(TypeChat)) {
		t.Fatal("relay succeeded with the freelancer gone everywhere")
	}
}

// On one node (SQLite) the hub tells nobody and relays only locally.
func TestSingleNodeTellsNobody(t *testing.T) {
	h := newHub("solo")
	fl := testClient(RoleFreelancer, "f1", "fl")
	h.add(fl)
	h.seat("v1", fl)
	if h.relay(fl, msg(TypeChat)) {
		t.Fatal("relay succeeded without a peer")
	}
	if err := h.tell(event{Kind: eventNudge}); err != nil {
		t.Fatal(err)
	}
}

// A relay's event, its message encoded straight into it, reads exactly as
// encoding/json writes the event with the message encoded apart; other
// events are encoding/json's.
func TestEncodeEvent(t *testing.T) {
	chat := msg(TypeChat)
	chat.From, chat.Text = RoleAgent, "<b>&</b> \"quoted\"\nline two \u2028 é ✓"
	offer := msg(TypeOffer)
	offer.SDP = &SessionDescription{Type: "offer", SDP: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
	for _, c := range []struct {
		name string
		e    event
		m    *ServerMessage
	}{
		{"chat", event{Node: "NODE7QX2", Kind: eventRelay, Room: "v1", Role: RoleFreelancer}, &chat},
		{"offer", event{Node: `a"b`, Kind: eventRelay, Room: "v1", Role: RoleAgent}, &offer},
		{"seated", event{Node: "a", Kind: eventSeated, Room: "v1", Role: RoleAgent, Conn: "a-1", Session: "s"}, nil},
	} {
		want := c.e
		if c.m != nil {
			want.Message = encode(*c.m)
		}
		wantData, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		e := c.e
		e.relayed = c.m
		got, err := encodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(wantData) {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, wantData)
		}
	}
}
