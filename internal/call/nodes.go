package call

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/store"
)

// Several nodes on one PostgreSQL database each hold the rooms of their own
// connections; the two sides of a call may be on different nodes. A node
// tells the others, through the database (store.PublishSignal), what they
// need to know of a room, and applies what it hears from them to its own
// rooms. A node never hears itself: its own connections are served by the
// hub directly, so a call on one node costs no database round trip per
// message.

// Kinds of event between nodes.
const (
	// eventSeated: a side connected (Role, Conn, Session). The node holding
	// the same side replaces its connection, as one node does for a second
	// tab; the node holding the other side tells it the peer is present and
	// introduces its own connection back.
	eventSeated = "seated"
	// eventPresent: a side is connected here (Role, Conn, Session), in answer
	// to a seat or after a listener reconnected and may have missed events.
	eventPresent = "present"
	// eventLeft: a side's connection (Role, Conn) closed.
	eventLeft = "left"
	// eventRelay: a message for the side Role of the call Room.
	eventRelay = "relay"
	// eventEnded: the call Room was decided (Status).
	eventEnded = "ended"
	// eventCall: a freelancer's (Who) call has started: Message for their pages.
	eventCall = "call"
	// eventNudge: the queue moved: send places and the floor now.
	eventNudge = "nudge"
)

// event is what one node tells the others.
type event struct {
	Node    string          `json:"node"`
	Kind    string          `json:"kind"`
	Room    string          `json:"room,omitempty"`
	Role    string          `json:"role,omitempty"`
	Conn    string          `json:"conn,omitempty"`
	Session string          `json:"session,omitempty"`
	Who     string          `json:"who,omitempty"`
	Status  string          `json:"status,omitempty"`
	Message json.RawMessage `json:"message,omitempty"` // an encoded ServerMessage
	// relayed is a relay's message, not encoded yet: publish encodes it
	// as Message, straight into the event's line (encodeEvent).
	relayed *ServerMessage
}

// apply acts on another node's event and returns the events to answer with.
func (h *hub) apply(e event) []event {
	if e.Kind == eventRelay {
		h.relayed(e)
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e.Kind {
	case eventSeated, eventPresent:
		return h.applyPresent(e)
	case eventLeft:
		h.applyLeft(e)
	case eventCall:
		return h.callStartedLocked(e.Room, e.Who, e.Message)
	}
	return nil
}

// relayed hands a message relayed from another node to its side of the
// call, if seated here. Like a relay between two sockets of this node it
// only reads the rooms: the hub's lock is shared, so that the stream of
// relayed messages never holds up this node's own relays (every one of
// them took the lock exclusively before).
func (h *hub) relayed(e event) {
	h.mu.RLock()
	var c *client
	if r := h.rooms[e.Room]; r != nil {
		c = r.local(e.Role)
	}
	h.mu.RUnlock()
	if c != nil {
		c.deliverEncoded(e.Message)
	}
}

// applyPresent learns that a side of a call is connected on another node.
// Only rooms this node holds care; a room seated here later learns of the
// peer from the answer to its own seat.
func (h *hub) applyPresent(e event) []event {
	r := h.rooms[e.Room]
	if r == nil {
		return nil
	}
	if e.Kind == eventSeated {
		r.supersede(e.Role, e.Session)
	}
	if old := r.local(e.Role); old != nil && e.Kind == eventSeated {
		old.room = ""
		old.deliver(msg(TypeReplaced))
		r.setLocal(e.Role, nil)
	}
	known := r.elsewhere[e.Role].conn == e.Conn
	r.elsewhere[e.Role] = remoteSide{conn: e.Conn, session: e.Session}
	peer := r.local(otherRole(e.Role))
	if peer == nil {
		h.forgetIfEmpty(e.Room, r)
		return nil
	}
	if known {
		return nil // heard already: no second peer message, no endless introductions
	}
	peer.deliver(peerMessage(true, e.Session))
	return []event{{Kind: eventPresent, Room: e.Room, Role: peer.role, Conn: peer.id, Session: peer.session}}
}

// applyLeft forgets a side that went away from another node, unless a newer
// connection of that side has been seated since (events from different
// nodes may cross).
func (h *hub) applyLeft(e event) {
	r := h.rooms[e.Room]
	if r == nil || r.elsewhere[e.Role].conn != e.Conn {
		return
	}
	delete(r.elsewhere, e.Role)
	if peer := r.local(otherRole(e.Role)); peer != nil {
		peer.deliver(peerMessage(false, ""))
	}
}

// present lists this node's seated connections, to announce after a
// listener reconnects.
func (h *hub) present() []event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var list []event
	for id, r := range h.rooms {
		for _, c := range []*client{r.agent, r.freelancer} {
			if c != nil {
				list = append(list, event{Kind: eventPresent, Room: id, Role: c.role, Conn: c.id, Session: c.session})
			}
		}
	}
	return list
}

// ownPayload reports whether this node published payload: its first event
// begins with this node's name. encoding/json writes a struct's fields in
// order, and Node is event's first; a payload holds one node's events
// only (outbox.go).
func (h *hub) ownPayload(payload string) bool {
	return strings.HasPrefix(payload, h.ownPrefix)
}

// eventPrefix is how every event a node publishes begins.
func eventPrefix(node string) string {
	name, _ := json.Marshal(node)
	return `{"node":` + string(name) + ","
}

// publish sends an event to the other nodes through the database, and
// returns once it is committed: with the events queued beside it, under
// load (outbox.go).
func (s *Service) publish(e event) error {
	data, err := encodeEvent(e)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", e.Kind, err)
	}
	return s.outbox.publish(data)
}

// eventEncoders are buffers, each with a JSON encoder writing into it.
var eventEncoders = sync.Pool{New: func() any {
	b := new(bytes.Buffer)
	return &eventEncoder{buf: b, enc: json.NewEncoder(b)}
}}

type eventEncoder struct {
	buf *bytes.Buffer
	enc *json.Encoder
}

// encodeEvent is json.Marshal(e), with a relay's message (e.relayed)
// encoded as its Message. A relay is most of what crosses nodes, and
// encoding its message apart first, then the event with it (which copies
// and checks it again), made three copies of every message where this
// makes one.
func encodeEvent(e event) ([]byte, error) {
	if e.relayed == nil {
		return json.Marshal(e)
	}
	m := e.relayed
	e.relayed, e.Message = nil, nil
	w := eventEncoders.Get().(*eventEncoder)
	defer func() {
		if w.buf.Cap() <= 64<<10 { // not the buffer of a rare large offer
			eventEncoders.Put(w)
		}
	}()
	w.buf.Reset()
	if err := w.enc.Encode(e); err != nil { // {"node":…,"role":"…"}\n
		return nil, err
	}
	w.buf.Truncate(w.buf.Len() - 2)
	w.buf.WriteString(`,"message":`)
	if err := w.enc.Encode(m); err != nil {
		return nil, err
	}
	w.buf.Truncate(w.buf.Len() - 1) // Encode's newline
	w.buf.WriteByte('}')
	return bytes.Clone(w.buf.Bytes()), nil
}

// sendSignals commits one payload of the outbox: one event, or several, a
// line each. The store bounds how long it takes (store.SignalTimeout).
func (s *Service) sendSignals(payload []byte) error {
	if err := s.Store.PublishSignal(context.Background(), payload, s.Now()); err != nil {
		s.Log.Error("signal another node", slog.Int("events", bytes.Count(payload, []byte{'\n'})+1), slog.Any("err", err))
		return err
	}
	return nil
}

// Listener back-off: a lost database connection is retried quickly at
// first, then every half minute at most.
const (
	listenRetryMin = 500 * time.Millisecond
	listenRetryMax = 30 * time.Second
)

// listen applies other nodes' events until ctx ends, listening again with
// back-off when the connection fails.
func (s *Service) listen(ctx context.Context) {
	wait := listenRetryMin
	for ctx.Err() == nil {
		heard, err := s.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		s.Log.ErrorContext(ctx, "listen for other nodes' signaling", slog.Any("err", err))
		if heard {
			wait = listenRetryMin
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// listenOnce listens on one connection until it fails, and reports whether
// it heard anything (then the next failure starts the back-off afresh).
func (s *Service) listenOnce(ctx context.Context) (heard bool, err error) {
	l, err := s.Store.ListenSignals(ctx)
	if err != nil {
		return false, err
	}
	defer l.Close(context.WithoutCancel(ctx))
	// Events published while no listener ran are lost: say again who is
	// seated here, so that the other nodes' rooms catch up.
	for _, e := range s.h().present() {
		s.h().tell(e)
	}
	for {
		data, err := l.Next(ctx)
		if errors.Is(err, store.ErrSignalMissed) {
			s.Log.WarnContext(ctx, "signal from another node lost", slog.Any("err", err))
			continue
		}
		if err != nil {
			return heard, err
		}
		heard = true
		s.receive(ctx, data)
	}
}

// receive applies what another node published: one event a line. Every
// node hears its own notifications too (they share the channel); those it
// drops before decoding: a payload is one node's batch, and each of its
// events starts with that node's name (ownPayload).
func (s *Service) receive(ctx context.Context, payload string) {
	if s.h().ownPayload(payload) {
		return
	}
	for line := range strings.SplitSeq(payload, "\n") {
		s.receiveEvent(ctx, line)
	}
}

// receiveEvent applies one event from another node. It is decoded with
// JSON v2 (as Decode does the browsers' messages), which reads it in one
// pass, through its pooled buffer rather than a copy of the line, and
// allocates a fraction of what encoding/json did (BenchmarkReceiveRelay);
// the events are encoding/json's own output, so v2's stricter rules (names
// matched exactly, none twice, valid UTF-8) hold for them.
func (s *Service) receiveEvent(ctx context.Context, line string) {
	var e event
	if err := jsonv2.UnmarshalRead(strings.NewReader(line), &e); err != nil {
		s.Log.WarnContext(ctx, "unreadable signal from another node", slog.Any("err", err))
		return
	}
	if e.Node == s.h().node {
		return
	}
	switch e.Kind {
	case eventEnded:
		s.h().end(e.Room, e.Status)
	case eventNudge:
		s.remoteNudge()
	default:
		for _, answer := range s.h().apply(e) {
			s.h().tell(answer)
		}
	}
}
