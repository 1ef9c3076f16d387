package call

import "testing"

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
	if got := len(h.everyone(RoleAgent)["ana"]); got != 3 {
		t.Errorf("ana has %d connections marked seen each tick, want 3", got)
	}
}
