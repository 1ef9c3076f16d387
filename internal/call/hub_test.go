package call

import (
	"sync"
	"testing"
	"time"
)

// A console page other than the live queue keeps its agent present without
// taking a place the call needs: its socket is capped apart, gets no floor
// and is never offered a booked call.
func TestPresenceSocketsStandApart(t *testing.T) {
	h := newHub("n1")
	const max = 2
	for i, session := range []string{"hours-page", "documents-page"} {
		c := testClient(RoleAgent, "ana", session)
		c.presenceOnly = true
		if !h.addUpTo(c, max) {
			t.Fatalf("presence socket %d refused under a cap of %d", i+1, max)
		}
	}
	extra := testClient(RoleAgent, "ana", "third-page")
	extra.presenceOnly = true
	if h.addUpTo(extra, max) {
		t.Errorf("a presence socket beyond the cap of %d was admitted", max)
	}
	queuePage := testClient(RoleAgent, "ana", "queue-page")
	if !h.addUpTo(queuePage, max) {
		t.Fatal("the live queue page was refused because other console tabs are open")
	}
	if got := h.idleAgents(); len(got) != 1 || got[0] != queuePage {
		t.Errorf("idle agents: %d connections, want only the live queue page", len(got))
	}
	if got := h.people(RoleAgent); len(got) != 1 || got[0] != "ana" {
		t.Errorf("agents marked seen each tick: %v, want [ana]", got)
	}
	if got := len(h.clientsOfEach(RoleAgent, []string{"ana", "bob"})["ana"]); got != 3 {
		t.Errorf("ana has %d connections, want 3", got)
	}
	if got := h.size(); got != 3 || len(h.connections()) != 3 {
		t.Errorf("the hub counts %d connections and lists %d, want 3", got, len(h.connections()))
	}
	h.remove(queuePage)
	if got := h.idleAgents(); len(got) != 0 {
		t.Errorf("idle agents after the live queue page closed: %d, want none", len(got))
	}
	if got := h.size(); got != 2 {
		t.Errorf("the hub counts %d connections after one closed, want 2", got)
	}
}

// After a hand-off the computer never takes the call back from the phone:
// a page that a newer one replaced while its network was down (so it never
// heard) is told, when it reconnects, that it was replaced, and the phone
// stays seated. A reload (a new session) still takes the call.
func TestReplacedPageStaysReplaced(t *testing.T) {
	h := newHub("solo")
	agent := testClient(RoleAgent, "s1", "agent")
	computer := testClient(RoleFreelancer, "f1", "computer")
	for _, c := range []*client{agent, computer} {
		h.add(c)
		h.seat("v1", c)
	}
	h.remove(computer) // the computer's network drops
	phone := testClient(RoleFreelancer, "f1", "phone")
	h.add(phone)
	h.seat("v1", phone)
	received(agent)
	received(phone)

	back := testClient(RoleFreelancer, "f1", "computer") // the same page, reconnecting
	h.add(back)
	if _, _, seated := h.seat("v1", back); seated {
		t.Fatal("the computer's old page took the call back from the phone")
	}
	if got := received(back); len(got) != 1 || got[0] != TypeReplaced {
		t.Errorf("the computer's old page got %v, want replaced", got)
	}
	if got := received(phone); len(got) != 0 {
		t.Errorf("the phone got %v, want nothing: it keeps the call", got)
	}
	if !h.sendTo("v1", RoleFreelancer, msg(TypeChallenge)) {
		t.Fatal("a message for the freelancer found nobody")
	}
	if got := received(phone); len(got) != 1 || got[0] != TypeChallenge {
		t.Errorf("the phone got %v, want the challenge", got)
	}
	if got := received(back); len(got) != 0 {
		t.Errorf("the replaced page got %v after being replaced", got)
	}

	reloaded := testClient(RoleFreelancer, "f1", "computer-reloaded")
	h.add(reloaded)
	if _, _, seated := h.seat("v1", reloaded); !seated {
		t.Fatal("a reloaded page on the computer could not take the call")
	}
	if got := received(phone); len(got) != 1 || got[0] != TypeReplaced {
		t.Errorf("the phone got %v when the computer's new page joined, want replaced", got)
	}
}

// A message for one side goes to its connection here, through the
// database when the side is seated on another node, and reports nobody
// when the side is nowhere.
func TestSendToOneSide(t *testing.T) {
	a, toldA := nodeHub("a")
	agent := testClient(RoleAgent, "s1", "agent")
	a.add(agent)
	a.seat("v1", agent)
	if a.sendTo("v1", RoleFreelancer, msg(TypeChallenge)) {
		t.Error("sent to a freelancer connected nowhere")
	}
	last := (*toldA)[len(*toldA)-1]
	if last.Kind != eventRelay || last.Role != RoleFreelancer || last.Room != "v1" {
		t.Fatalf("a told %+v, want a relay to the freelancer for whichever node holds them", last)
	}
	a.apply(event{Node: "b", Kind: eventSeated, Room: "v1", Role: RoleFreelancer, Conn: "b-1", Session: "fl"})
	if !a.sendTo("v1", RoleFreelancer, msg(TypeChallenge)) {
		t.Error("a freelancer seated on another node counts as not connected")
	}
	b, _ := nodeHub("b")
	fl := testClient(RoleFreelancer, "f1", "fl")
	b.add(fl)
	b.seat("v1", fl)
	received(fl)
	b.apply((*toldA)[len(*toldA)-1])
	if got := received(fl); len(got) != 1 || got[0] != TypeChallenge {
		t.Errorf("the freelancer on b got %v, want the challenge", got)
	}
}

// A burst of messages, such as an offer's candidates arriving before the
// page's writer runs, is kept and written in order; a client that falls a
// megabyte behind is dropped.
func TestABurstIsKeptASlowClientDropped(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var wrote [][]byte
	c := &client{role: RoleFreelancer, write: func(b []byte) error {
		<-release
		mu.Lock()
		wrote = append(wrote, b)
		mu.Unlock()
		return nil
	}, stop: func() {}}
	candidate := make([]byte, 300)
	for i := range 200 {
		c.deliverEncoded(append([]byte{byte(i)}, candidate...))
	}
	if c.isClosed() {
		t.Fatal("a burst of 200 candidates dropped the client")
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(wrote)
		mu.Unlock()
		if n == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(wrote) != 200 {
		t.Fatalf("wrote %d of 200", len(wrote))
	}
	for i, b := range wrote {
		if b[0] != byte(i) {
			t.Fatalf("message %d written as %d: out of order", i, b[0])
		}
	}

	unblock := make(chan struct{})
	defer close(unblock)
	stuck := &client{role: RoleAgent, write: func([]byte) error { <-unblock; return nil }, stop: func() {}}
	for range maxQueuedBytes/len(candidate) + 2 {
		stuck.deliverEncoded(candidate)
	}
	if !stuck.isClosed() {
		t.Error("a client a megabyte behind is kept")
	}
}
