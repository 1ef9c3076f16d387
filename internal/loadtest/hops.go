package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

// Hops listens for the nodes' signaling as one more node would, on the
// same PostgreSQL channel, and notes when each chat message of the relay
// reached a listener: the path splits there into the sending node and
// PostgreSQL (agent socket → node → NOTIFY → a listener) and the receiving
// node (listener → node → freelancer socket), both on the fleet's clock.
// Only one more listening connection is added to the run.
type Hops struct {
	epoch time.Time
	mu    sync.Mutex
	// heard is when a chat message was heard, by its send time (the text's
	// nanoseconds since the epoch; two messages sent in the same nanosecond
	// keep the first).
	heard map[int64]time.Duration
	// batches counts the notifications that carried chat messages, and
	// inBatches those messages: how well a node's outbox batches.
	batches, inBatches int
}

// ListenHops starts listening on the nodes' database (the URL they were
// given) until ctx ends or the fleet closes.
func (f *Fleet) ListenHops(ctx context.Context, dbURL string) (*Hops, error) {
	st, err := store.Open(ctx, store.Config{DatabaseURL: dbURL})
	if err != nil {
		return nil, err
	}
	l, err := st.ListenSignals(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	h := &Hops{epoch: f.epoch, heard: map[int64]time.Duration{}}
	f.hops = h
	go func() {
		defer st.Close()
		defer l.Close(context.WithoutCancel(ctx))
		for {
			payload, err := l.Next(f.ctx)
			if errors.Is(err, store.ErrSignalMissed) {
				continue
			}
			if err != nil {
				return
			}
			h.note(payload, time.Since(h.epoch))
		}
	}()
	return h, nil
}

// note records the chat messages in one notification's events.
func (h *Hops) note(payload string, at time.Duration) {
	chats := 0
	defer func() {
		if chats > 0 {
			h.mu.Lock()
			h.batches++
			h.inBatches += chats
			h.mu.Unlock()
		}
	}()
	for line := range bytes.SplitSeq([]byte(payload), []byte{'\n'}) {
		var e struct {
			Kind    string `json:"kind"`
			Message struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"message"`
		}
		if json.Unmarshal(line, &e) != nil || e.Kind != "relay" || e.Message.Type != "chat" {
			continue
		}
		_, sentText, _ := strings.Cut(e.Message.Text, " ")
		sent, err := strconv.ParseInt(sentText, 10, 64)
		if err != nil {
			continue
		}
		chats++
		h.mu.Lock()
		if _, ok := h.heard[sent]; !ok {
			h.heard[sent] = at
		}
		h.mu.Unlock()
	}
}

// HopLatency splits the relay's latency where PostgreSQL hands a
// notification to its listeners.
type HopLatency struct {
	// Heard is how many of the messages received were heard by the listener.
	Heard int
	// Notifications is how many notifications carried the chat messages
	// the listener heard (Carried, a second hearing included): the
	// outbox's batches.
	Notifications, Carried int
	// ToListener runs from the agent socket's write to the listener's
	// read; FromListener from there to the freelancer socket's read. The
	// tool's listener is told at the same moment as the receiving node's,
	// but each is a process of its own, scheduled apart: FromListener is
	// an estimate of the receiving node's part, and can fall below zero
	// when that node heard first.
	ToListener, FromListener Spread
}

// Spread is the median, 99th percentile and maximum of some latencies.
type Spread struct{ P50, P99, Max time.Duration }

func spreadOf(values []time.Duration) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	sorted := slices.Sorted(slices.Values(values))
	return Spread{quantile(sorted, 0.50), quantile(sorted, 0.99), sorted[len(sorted)-1]}
}

// hearAll waits, for at most wait, until the listener has heard every
// one of these messages: it can lag behind the nodes, and the relay ends
// when the freelancers have them all.
func (h *Hops) hearAll(sentAt []time.Duration, wait time.Duration) {
	deadline := time.Now().Add(wait)
	for !h.heardAll(sentAt) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *Hops) heardAll(sentAt []time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, sent := range sentAt {
		if _, ok := h.heard[int64(sent)]; !ok {
			return false
		}
	}
	return true
}

// split divides each received message's latency (sent at sentAt[i], taking
// latencies[i]) at the moment the listener heard it; messages it has not
// heard are left out.
func (h *Hops) split(latencies, sentAt []time.Duration) *HopLatency {
	h.mu.Lock()
	defer h.mu.Unlock()
	var to, from []time.Duration
	for i, sent := range sentAt {
		at, ok := h.heard[int64(sent)]
		if !ok {
			continue
		}
		to = append(to, at-sent)
		from = append(from, sent+latencies[i]-at)
	}
	return &HopLatency{Heard: len(to), ToListener: spreadOf(to), FromListener: spreadOf(from),
		Notifications: h.batches, Carried: h.inBatches}
}
