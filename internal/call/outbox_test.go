package call

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// An event published alone goes out alone, at once, and its sender gets the
// commit's error.
func TestOutboxAlone(t *testing.T) {
	var sent []string
	failing := errors.New("database down")
	o := &outbox{limit: 100, send: func(p []byte) error {
		sent = append(sent, string(p))
		if string(p) == "fail" {
			return failing
		}
		return nil
	}}
	if err := o.publish([]byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := o.publish([]byte("fail")); !errors.Is(err, failing) {
		t.Fatalf("publish got %v, want the commit's error", err)
	}
	if strings.Join(sent, "|") != "one|fail" {
		t.Fatalf("sent %q, want each event alone", sent)
	}
}

// While one commit runs, what queues goes out in the next ones, a line per
// event, never over the limit but for an event too large to share: each
// event exactly once, and each sender's events in the order it published them.
func TestOutboxBatchesInOrder(t *testing.T) {
	const senders, each, limit = 8, 200, 120
	var (
		mu       sync.Mutex
		payloads [][]byte
	)
	o := &outbox{limit: limit, send: func(p []byte) error {
		time.Sleep(200 * time.Microsecond) // a commit's round trip, while others queue
		mu.Lock()
		defer mu.Unlock()
		payloads = append(payloads, bytes.Clone(p))
		return nil
	}}
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				data := fmt.Sprintf(`{"s":%d,"i":%d}`, s, i)
				if s == 0 && i == 50 {
					data = `{"s":0,"i":50,"pad":"` + strings.Repeat("x", limit) + `"}` // too large to share
				}
				if err := o.publish([]byte(data)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	next := make([]int, senders)
	batched := 0
	for _, p := range payloads {
		lines := bytes.Split(p, []byte{'\n'})
		if len(p) > limit && len(lines) > 1 {
			t.Fatalf("a payload of %d bytes (limit %d) holds %d events", len(p), limit, len(lines))
		}
		if len(lines) > 1 {
			batched++
		}
		for _, line := range lines {
			var s, i int
			if _, err := fmt.Sscanf(string(line), `{"s":%d,"i":%d`, &s, &i); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if i != next[s] {
				t.Fatalf("sender %d: event %d went out when %d was due", s, i, next[s])
			}
			next[s]++
		}
	}
	for s, n := range next {
		if n != each {
			t.Fatalf("sender %d: %d of %d events went out", s, n, each)
		}
	}
	if batched == 0 {
		t.Errorf("%d payloads for %d events, none batched", len(payloads), senders*each)
	}
}

// A payload of several events, a line each, is applied event by event.
func TestReceiveBatch(t *testing.T) {
	s := &Service{Node: "a"}
	fl := testClient(RoleFreelancer, "f1", "fl")
	s.h().add(fl)
	s.h().seat("v1", fl)
	received(fl)
	chat := func(text string) string {
		m := msg(TypeChat)
		m.Text = text
		return fmt.Sprintf(`{"node":"b","kind":"relay","room":"v1","role":"freelancer","message":%s}`, encode(m))
	}
	s.receive(t.Context(), chat("one")+"\n"+chat("two"))
	if got := received(fl); len(got) != 2 || got[0] != TypeChat || got[1] != TypeChat {
		t.Fatalf("freelancer got %v, want two chat messages", got)
	}
}

// A node drops its own payloads before decoding them, and applies another
// node's, including one whose name begins with its own.
func TestReceiveSkipsOwn(t *testing.T) {
	var logged bytes.Buffer
	s := &Service{Node: "a", Log: slog.New(slog.NewTextHandler(&logged, nil))}
	fl := testClient(RoleFreelancer, "f1", "fl")
	s.h().add(fl)
	s.h().seat("v1", fl)
	received(fl)
	chat := func(node string) string {
		m := msg(TypeChat)
		m.Text = "from " + node
		e, err := json.Marshal(event{Node: node, Kind: eventRelay, Room: "v1", Role: RoleFreelancer, Message: encode(m)})
		if err != nil {
			t.Fatal(err)
		}
		return string(e)
	}
	for _, c := range []struct {
		name, payload string
		want          int // chat messages delivered
	}{
		{"own batch", chat("a") + "\n" + chat("a"), 0},
		{"own, unreadable past the name", `{"node":"a","kind":` + "\n" + `{"node":"a",`, 0},
		{"another node", chat("b"), 1},
		{"a node named after this one and more", chat("ab"), 1},
	} {
		logged.Reset()
		s.receive(t.Context(), c.payload)
		if got := received(fl); len(got) != c.want {
			t.Errorf("%s: freelancer got %v, want %d chat messages", c.name, got, c.want)
		}
		if logged.Len() > 0 {
			t.Errorf("%s: logged %q, want nothing (an own payload is not decoded)", c.name, logged.String())
		}
	}
}

// Every event a node publishes begins with the prefix by which it knows its
// own, whatever its name holds.
func TestEventPrefix(t *testing.T) {
	chat := msg(TypeChat)
	for _, node := range []string{"a", "NODE7QX2", `quo"te`, "<html>&"} {
		for _, e := range []event{
			{Node: node, Kind: eventSeated, Room: "v1", Role: RoleAgent, Conn: node + "-1"},
			{Node: node, Kind: eventRelay, Room: "v1", Role: RoleAgent, relayed: &chat},
		} {
			data, err := encodeEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			if !newHub(node).ownPayload(string(data)) {
				t.Errorf("node %q: event %s does not begin with %s", node, data, eventPrefix(node))
			}
		}
	}
}

// BenchmarkReceiveRelay is the receiving node's part of a relayed chat
// message: a batch of one event from another node, decoded and handed to
// the seated freelancer's queue (the socket's write discards it).
//
//	go test -run '^$' -bench ReceiveRelay -benchmem ./internal/call
func BenchmarkReceiveRelay(b *testing.B) {
	s := &Service{Node: "a"}
	fl := &client{role: RoleFreelancer, who: "f1", session: "fl", write: func([]byte) error { return nil }}
	s.h().add(fl)
	m := msg(TypeChat)
	m.From, m.Text = RoleAgent, "00012345 1796540246578733551"
	data, err := json.Marshal(event{Node: "b", Kind: eventRelay, Room: "0f8fad5b-d9cb-469f-a165-70867728950e", Role: RoleFreelancer, Message: encode(m)})
	if err != nil {
		b.Fatal(err)
	}
	s.h().seat("0f8fad5b-d9cb-469f-a165-70867728950e", fl)
	payload := string(data)
	b.ReportAllocs()
	for b.Loop() {
		s.receive(b.Context(), payload)
	}
}
