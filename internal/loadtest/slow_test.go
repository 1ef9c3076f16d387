package loadtest

import (
	"slices"
	"testing"
	"time"
)

// The slowest hundredth of the messages is counted by the window it was
// sent in, from the relay's first send, busiest window first.
func TestSlowWindows(t *testing.T) {
	ms := time.Millisecond
	var latencies, sentAt []time.Duration
	// 300 fast messages, one every 10 ms from 1 s (the first send).
	for i := range 300 {
		latencies = append(latencies, ms/2)
		sentAt = append(sentAt, time.Second+time.Duration(i)*10*ms)
	}
	// Two slow ones sent 1.25 s in, one 0.35 s in: more than the 99th percentile.
	latencies = append(latencies, 40*ms, 30*ms, 20*ms)
	sentAt = append(sentAt, 2250*ms, 2260*ms, 1350*ms)
	cases := []struct {
		name string
		top  int
		want []SlowWindow
	}{
		{"all", 8, []SlowWindow{{Start: 1200 * ms, Count: 2, Worst: 40 * ms}, {Start: 300 * ms, Count: 1, Worst: 20 * ms}}},
		{"the busiest", 1, []SlowWindow{{Start: 1200 * ms, Count: 2, Worst: 40 * ms}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := slowWindows(latencies, sentAt, time.Second, c.top)
			if !slices.Equal(got, c.want) {
				t.Fatalf("slowWindows = %+v, want %+v", got, c.want)
			}
		})
	}
}

// A notification's chat events are noted by send time; other events, other
// messages and a second hearing of the same message are not. Notifications
// that carry chat are counted, with the chat they carry.
func TestHopsSplit(t *testing.T) {
	h := &Hops{heard: map[int64]time.Duration{}}
	h.note(`{"node":"a","kind":"relay","message":{"type":"chat","text":"00000000 1000"}}`+"\n"+
		`{"node":"a","kind":"seated","room":"r"}`+"\n"+
		`{"node":"a","kind":"relay","message":{"type":"offer","sdp":"x"}}`, 1600)
	h.note(`{"node":"a","kind":"relay","message":{"type":"chat","text":"00000001 2000"}}`, 2200)
	h.note(`{"node":"a","kind":"relay","message":{"type":"chat","text":"00000000 1000"}}`, 9000)
	h.note(`{"node":"b","kind":"relay","message":{"type":"chat","text":"00000005 5000"}}`+"\n"+
		`{"node":"b","kind":"relay","message":{"type":"chat","text":"00000006 6000"}}`, 9100)
	h.note(`{"node":"b","kind":"nudge"}`, 9200)
	// Sent at 1000, 2000 and 3000, received 900, 500 and 700 later; the last never heard.
	got := h.split([]time.Duration{900, 500, 700}, []time.Duration{1000, 2000, 3000})
	// Five chat messages in four notifications (one heard twice); the nudge carried none.
	want := HopLatency{Heard: 2, ToListener: Spread{P50: 200, P99: 600, Max: 600}, FromListener: Spread{P50: 300, P99: 300, Max: 300},
		Notifications: 4, Carried: 5}
	if *got != want {
		t.Fatalf("split = %+v, want %+v", *got, want)
	}
}
