package call

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/attest-dev/attest/internal/clientip"
	"github.com/attest-dev/attest/internal/relay"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// Service connects browsers to calls and keeps them informed.
type Service struct {
	Store    *store.Store
	Workflow *workflow.Workflow
	ICE      relay.Provider
	Now      func() time.Time
	Log      *slog.Logger
	// Hold is how long a queued freelancer who closed the page keeps their place.
	Hold time.Duration
	// Tick is how often queue positions, waits and the floor are sent.
	Tick time.Duration
	// AgentCamera lets agents send video; by default the freelancer hears
	// the agent and sees their first name.
	AgentCamera bool
	// RelayOnly sends all media through TURN, so that neither side learns
	// the other's IP address.
	RelayOnly bool
	// Node names this process in the signaling events nodes exchange on
	// PostgreSQL (nodes.go); a random name when empty.
	Node string
	// MaxPerPerson and MaxPerAddress cap live signaling sockets per person
	// (a portal link's freelancer, an agent) and per client address;
	// IdleTimeout closes a socket silent that long. Zero means the
	// Default* values.
	MaxPerPerson  int
	MaxPerAddress int
	IdleTimeout   time.Duration
	// TrustProxy lists the proxies whose X-Forwarded-For is believed.
	TrustProxy clientip.Proxies
	// OnRefused, when set, counts a socket refused by a limit
	// ("per_person", "per_address") or closed idle ("idle").
	OnRefused func(limit string)

	once      sync.Once
	hub       *hub
	outbox    *outbox // what this node tells the others, on PostgreSQL (nodes.go)
	nudgeOnce sync.Once
	nudge     chan struct{}
	nudged    chan struct{} // by another node
	lastBeat  atomic.Int64  // the unix minute of the last uptime record
	addrMu    sync.Mutex
	byAddr    map[string]int // live sockets by client address
	sweeping  bool           // a watchIdle goroutine runs
	pollMu    sync.Mutex
	poller    *poller
}

// poll is the node's poller of idle sockets, made on first use; nil while
// it cannot be made (out of file descriptors), and readers then wait in
// their reads.
func (s *Service) poll() *poller {
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	if s.poller == nil {
		p, err := newPoller()
		if err != nil {
			s.Log.Error("signaling: idle sockets keep a goroutine each", slog.Any("err", err))
			return nil
		}
		s.poller = p
	}
	return s.poller
}

func (s *Service) h() *hub {
	s.once.Do(func() {
		if s.Node == "" {
			s.Node = rand.Text()[:10]
		}
		s.hub = newHub(s.Node)
		if s.Store != nil && s.Store.Postgres() { // SQLite is one node: nobody to tell
			s.outbox = &outbox{send: s.sendSignals, limit: store.MaxInlineSignal}
			s.hub.publish = s.publish
		}
	})
	return s.hub
}

var sessionPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// ServeFreelancer runs the signaling connection of a freelancer whose portal
// link has been checked.
func (s *Service) ServeFreelancer(w http.ResponseWriter, r *http.Request, f *verification.Freelancer) {
	s.serve(w, r, &client{role: RoleFreelancer, who: f.ID}, "")
}

// ServeAgent runs the signaling connection of a signed-in agent. With
// presence=1 it is the socket of a console page other than the live queue
// and the call (presence.js): it only keeps the agent present.
func (s *Service) ServeAgent(w http.ResponseWriter, r *http.Request, agent *store.Staff) {
	c := &client{role: RoleAgent, who: agent.ID}
	switch r.URL.Query().Get("presence") {
	case "":
	case "1":
		c.presenceOnly = true
	default:
		http.Error(w, "presence must be 1 or absent", http.StatusBadRequest)
		return
	}
	s.serve(w, r, c, firstName(agent.Name))
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, c *client, name string) {
	session := r.URL.Query().Get("session")
	if !sessionPattern.MatchString(session) {
		http.Error(w, "session must be 8 to 64 letters, digits, _ or -", http.StatusBadRequest)
		return
	}
	c.session = session
	c.writing = true // hold what is sent until the socket is open (c.open)
	release, ok := s.admit(w, r, c)
	if !ok {
		return
	}
	sw := &smallBuffers{ResponseWriter: w}
	conn, err := websocket.Accept(sw, r, nil) // refuses other origins
	if err != nil {
		s.h().remove(c)
		release()
		return
	}
	conn.SetReadLimit(2 * MaxMessageBytes) // larger ones close; up to this, an error message
	c.lastRead.Store(time.Now().UnixNano())
	s.watchIdle()
	p := s.poll()
	// The handler returns and its request is forgotten: the connection
	// lives on in its reader. Only the socket and its reader go on: holding
	// the wrapper would hold net/http's response, request and 8 KiB of
	// buffers.
	rd := &reading{s: s, conn: conn, raw: sw.conn, buf: sw.reader, early: sw.early, c: c, name: name, release: release, poller: p}
	if p != nil {
		rd.token = p.token()
	}
	raw := sw.conn
	c.open(func(data []byte) error {
		// A write waits at most writeTimeout for a slow browser, by the
		// socket's own deadline: a context with a timeout would cost a
		// timer and its callbacks for every message.
		// Cleared after: the WebSocket's own writes (a pong, a close) have
		// no deadline, as before.
		if err := raw.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
			return err
		}
		err := conn.Write(context.Background(), websocket.MessageText, data)
		if err == nil {
			err = raw.SetWriteDeadline(time.Time{})
		}
		return err
	}, func() {
		if p != nil {
			p.cancel(rd.token) // an idle reader must see the socket close
		}
		conn.CloseNow()
	})
	if err := s.welcome(r.Context(), c); err != nil {
		s.Log.ErrorContext(r.Context(), "signaling welcome", slog.String("role", c.role), slog.Any("err", err))
	}
	pool.run(rd.run)
}

// smallBuffers hands the WebSocket a connection with 512-byte read and
// write buffers instead of net/http's 4 KiB each: a signaling message is a
// few hundred bytes, larger ones (an SDP) pass through the buffer, and an
// idle socket holds its buffers for as long as it lives.
// It keeps the connection and its reader, so that the reader can tell an
// idle socket (nothing buffered, nothing to read) and hand it to the
// poller without entering the WebSocket.
type smallBuffers struct {
	http.ResponseWriter
	conn   net.Conn
	reader *bufio.Reader
	// early is whether the browser sent bytes before the handshake's
	// answer: they wait where neither the reader's buffer nor the socket
	// shows them (see Hijack), so the first read must not wait for the socket.
	early bool
}

// socketBuffer is the size of each of a socket's two buffers.
const socketBuffer = 512

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes sent before the handshake's answer are in net/http's buffer.
	// The WebSocket takes over what this reader holds buffered and reads
	// the rest from the connection itself (it resets the reader), so they
	// must be in this reader's buffer, not in a reader under it: a buffer
	// large enough for all of them, filled with them.
	early, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.conn = conn
	w.reader = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(socketBuffer, len(early)))
	if len(early) > 0 {
		if _, err := w.reader.Peek(len(early)); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("hijack: keep %d early bytes: %w", len(early), err)
		}
		w.early = true
	}
	return conn, bufio.NewReadWriter(w.reader, bufio.NewWriterSize(conn, socketBuffer)), nil
}

// open starts writing to a connection whose socket is now open: what was
// queued meanwhile goes first.
func (c *client) open(write func([]byte) error, stop func()) {
	c.mu.Lock()
	c.write, c.stop = write, stop
	pending := len(c.queue) > 0 && !c.done
	c.writing = pending
	done := c.done
	c.mu.Unlock()
	switch {
	case done:
		stop() // closed before it opened (dropped, or its call ended)
	case pending:
		pool.run(c.flush)
	}
}

// reading is the read side of one signaling connection. While messages
// come, a goroutine reads them; when the socket falls silent the goroutine
// ends and the node's poller (poll_linux.go) starts another when bytes
// arrive: an idle socket holds no goroutine. It sets no deadline:
// closeIdle ends a connection silent for too long.
type reading struct {
	s       *Service
	conn    *websocket.Conn
	raw     net.Conn      // the socket under the WebSocket
	buf     *bufio.Reader // the WebSocket's reader of raw
	early   bool          // bytes came before the handshake's answer: read them first (smallBuffers)
	c       *client
	name    string
	release func() // gives back the socket's place under the limits
	poller  *poller
	token   uint64 // names its waits in the poller
}

// run reads what has come, then hands the socket to the poller, or ends
// the connection when it has closed.
func (rd *reading) run() {
	p := rd.poller
	for rd.early || rd.buf.Buffered() > 0 || p == nil || readable(rd.raw) {
		rd.early = false
		if !rd.readOne() {
			rd.end()
			return
		}
	}
	if err := p.wait(rd.raw, rd.token, rd.run); err != nil {
		rd.end()
		return
	}
	// Closed meanwhile: close cancels the wait, but may have come before it.
	if rd.c.isClosed() {
		p.cancel(rd.token)
	}
}

// writeTimeout is how long one message may take to leave for a browser
// before its connection is dropped.
const writeTimeout = 10 * time.Second

// readBuffers hold a message while it is decoded, for the next message
// after it: Decode copies what it keeps, so nothing refers to the buffer
// once the message is handled. One read into a fresh buffer per message
// was the relay's largest allocation (and garbage collections are its
// tail).
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readOne reads and handles one message; false when the connection has ended.
func (rd *reading) readOne() bool {
	typ, r, err := rd.conn.Reader(context.Background())
	if err != nil {
		return false
	}
	buf := readBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 4*MaxMessageBytes { // an unusually large one is not kept
			buf.Reset()
			readBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return false
	}
	data := buf.Bytes()
	c := rd.c
	c.lastRead.Store(time.Now().UnixNano())
	if c.isClosed() {
		return false
	}
	if typ != websocket.MessageText {
		c.deliver(errorMessage(protoErr("malformed", "", "messages are JSON text")))
		return true
	}
	m, err := Decode(data)
	if err != nil {
		var pe *ProtocolError
		errors.As(err, &pe)
		c.deliver(errorMessage(pe))
		return true
	}
	rd.s.handle(c, m)
	return true
}

// end closes the connection and forgets it.
func (rd *reading) end() {
	defer rd.release()
	c := rd.c
	c.close()
	if last := rd.s.h().remove(c); last && c.role == RoleFreelancer {
		rd.s.markAway(context.Background(), c.who, true)
	}
}

// closeIdle closes every connection that has said nothing, not even a
// ping, for longer than the idle timeout.
func (s *Service) closeIdle(now time.Time) {
	limit := now.Add(-orDefault(s.IdleTimeout, DefaultIdleTimeout)).UnixNano()
	for _, c := range s.h().connections() {
		if c.lastRead.Load() < limit && !c.isClosed() {
			if s.OnRefused != nil {
				s.OnRefused("idle")
			}
			c.close()
		}
	}
}

// watchIdle makes sure one goroutine runs closeIdle while this node has
// connections; it ends when the last one has gone.
func (s *Service) watchIdle() {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	if s.sweeping {
		return
	}
	s.sweeping = true
	go func() {
		t := time.NewTicker(s.idleSweep())
		defer t.Stop()
		for now := range t.C {
			s.closeIdle(now)
			s.addrMu.Lock()
			if s.h().size() == 0 {
				s.sweeping = false
				s.addrMu.Unlock()
				return
			}
			s.addrMu.Unlock()
		}
	}()
}

// idleSweep is how often closeIdle runs: a quarter of the idle timeout,
// within a quarter second and fifteen seconds.
func (s *Service) idleSweep() time.Duration {
	return min(max(orDefault(s.IdleTimeout, DefaultIdleTimeout)/4, 250*time.Millisecond), 15*time.Second)
}

func errorMessage(pe *ProtocolError) ServerMessage {
	m := msg(TypeError)
	m.Error = pe
	return m
}

// handle acts on one valid message: signaling and chat go to the peer.
// Chat is relayed, never stored: there is no recording of any kind.
func (s *Service) handle(c *client, m ClientMessage) {
	if m.Type == TypePing {
		c.deliver(msg(TypePong))
		return
	}
	if m.Type == TypeCamera {
		s.relayCamera(c, m.Label, m.Injected)
		return
	}
	if m.Type == TypeScreen {
		s.relayScreen(c, *m.Sharing)
		return
	}
	out := msg(m.Type)
	out.From, out.SDP, out.Candidate, out.Text, out.Level = c.role, m.SDP, m.Candidate, m.Text, m.Level
	if m.Type == TypeChat {
		now := s.Now().UTC()
		out.At = &now
	}
	if !s.h().relay(c, out) {
		c.deliver(errorMessage(protoErr("peer_absent", "", "the other side is not connected right now")))
	}
}

// relayCamera tells the agent whether the freelancer's camera names a
// virtual camera, and which signs that its track looks injected the page
// saw (already checked by Decode). The label itself goes no further than
// this: the agent learns only the matched name, or an empty hint that
// clears an earlier one (another camera after a reload). Nothing is stored.
func (s *Service) relayCamera(c *client, label string, injected []string) {
	if c.role != RoleFreelancer {
		c.deliver(errorMessage(protoErr("not_allowed", "type", "only the freelancer's page reports its camera")))
		return
	}
	out := msg(TypeCamera)
	out.From, out.Virtual, out.Injected = c.role, VirtualCamera(label), injected
	if !s.h().relay(c, out) {
		c.deliver(errorMessage(protoErr("peer_absent", "", "the other side is not connected right now")))
	}
}

// relayScreen tells the agent's page that the freelancer started or
// stopped sharing their screen. Only the freelancer shares: the agent has
// nothing of theirs to show. Nothing is stored, and the picture never
// passes through here.
func (s *Service) relayScreen(c *client, sharing bool) {
	if c.role != RoleFreelancer {
		c.deliver(errorMessage(protoErr("not_allowed", "type", "only the freelancer's page shares a screen")))
		return
	}
	out := msg(TypeScreen)
	out.From, out.Sharing = c.role, &sharing
	if !s.h().relay(c, out) {
		c.deliver(errorMessage(protoErr("peer_absent", "", "the other side is not connected right now")))
	}
}

// welcome greets a new connection with its ICE servers and, when its person
// is in a call, seats it in the call's room.
func (s *Service) welcome(ctx context.Context, c *client) error {
	m := msg(TypeWelcome)
	m.Role = c.role
	if c.presenceOnly {
		c.deliver(m) // no call, no floor: the page only keeps its agent present
		return nil
	}
	m.ICEServers = s.ICE.ICEServers(c.role+":"+c.who, s.Now())
	m.RelayOnly = s.RelayOnly
	call, v, err := s.liveCall(ctx, c)
	if err != nil {
		return err
	}
	if call != nil {
		info, err := s.callInfo(ctx, call)
		if err != nil {
			return err
		}
		m.Call = info
	}
	c.deliver(m)
	if call != nil {
		session, present, seated := s.h().seat(call.VerificationID, c)
		if present {
			c.deliver(peerMessage(true, session))
		}
		if seated && c.role == RoleFreelancer {
			// Read after seating: one shown from now on comes by ShowChallenge.
			s.sendShown(ctx, c, call.VerificationID)
		}
		// The call may have been decided between reading it and seating
		// this side: check again, so that nobody sits in an ended call.
		if _, err := s.Store.LiveCall(ctx, call.VerificationID); errors.Is(err, store.ErrNotFound) {
			s.h().end(call.VerificationID, "ended")
		}
	}
	if c.role == RoleFreelancer && v != nil && v.Status == verification.InQueue {
		s.markAway(ctx, c.who, false)
		s.sendQueue(ctx, map[string][]*client{c.who: {c}})
	}
	if c.role == RoleFreelancer && v != nil && v.Status == verification.Scheduled {
		s.startIfDue(ctx, v)
	}
	if c.role == RoleAgent {
		s.sendFloor(ctx, []*client{c})
	}
	return nil
}

// liveCall finds the call a connection's person is in, if any.
func (s *Service) liveCall(ctx context.Context, c *client) (*store.Call, *verification.Verification, error) {
	if c.role == RoleAgent {
		call, err := s.Store.AgentLiveCall(ctx, c.who)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil
		}
		return call, nil, err
	}
	v, err := s.Store.OpenVerification(ctx, c.who)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil || v.Status != verification.InCall {
		return nil, v, err
	}
	call, err := s.Store.LiveCall(ctx, v.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, v, nil
	}
	return call, v, err
}

func (s *Service) callInfo(ctx context.Context, call *store.Call) (*CallInfo, error) {
	agent, err := s.Store.StaffByID(ctx, call.AgentID)
	if err != nil {
		return nil, err
	}
	return &CallInfo{VerificationID: call.VerificationID, StartedAt: call.StartedAt,
		AgentName: firstName(agent.Name), AgentCamera: s.AgentCamera}, nil
}

// CallStarted tells the freelancer's open pages that their call has begun
// and seats the newest. When agentSession names the agent's live queue
// page that took the call, and its socket is on this node, that socket is
// seated too and told "call", so that the page moves into the call without
// reconnecting: CallStarted reports whether it was. An offer that page
// made ahead and sent with its take (nil for none; checked by TakeOffer)
// goes to the freelancer's page with the call when both pages are on this
// node, and the agent's page is told so (Offered): the offer does not wait
// for the agent's page to hear of the call and send it.
func (s *Service) CallStarted(ctx context.Context, taken *workflow.Taken, agentSession string, offer *SessionDescription) (agentSeated bool) {
	info, err := s.callInfo(ctx, taken.Call)
	if err != nil {
		s.Log.ErrorContext(ctx, "call started", slog.Any("err", err))
		return false
	}
	m := msg(TypeCall)
	m.Call = info
	who := taken.Verification.FreelancerID
	// What a page needs to start the call without reconnecting: fresh
	// TURN credentials (a wait in the queue may outlast the welcome's).
	m.ICEServers = s.ICE.ICEServers(RoleFreelancer+":"+who, s.Now())
	m.RelayOnly = s.RelayOnly
	data := encode(m)
	room := taken.Call.VerificationID
	var agentData []byte
	if agentSession != "" {
		m.ICEServers = s.ICE.ICEServers(RoleAgent+":"+taken.Call.AgentID, s.Now())
		agentData = encode(m)
	}
	h := s.h()
	h.mu.Lock()
	told := h.callStartedLocked(room, who, data)
	if agentData != nil {
		if e, ok := h.agentTookLocked(room, taken.Call.AgentID, agentSession, agentData, offer); ok {
			told, agentSeated = append(told, e), true
		}
	}
	h.mu.Unlock()
	for _, e := range told {
		h.tell(e)
	}
	h.tell(event{Kind: eventCall, Room: room, Who: who, Message: data}) // their pages may be on other nodes
	return agentSeated
}

// ShowChallenge sends one live-check challenge, which the agent has just
// shown (workflow.ShowChallenge), to the freelancer's page in the call. It
// reports whether their page is known to be connected; one that is not
// gets it when it connects.
func (s *Service) ShowChallenge(verificationID string, shown *workflow.ShownChallenge) bool {
	return s.h().sendTo(verificationID, RoleFreelancer, challengeMessage(shown))
}

func challengeMessage(shown *workflow.ShownChallenge) ServerMessage {
	m := msg(TypeChallenge)
	info := challengeInfo(*shown)
	m.Challenge = &info
	return m
}

// sendShown sends a freelancer's page that connects the challenges shown
// so far in its call: a reloaded page shows them again. A challenge not
// yet shown never leaves the server.
func (s *Service) sendShown(ctx context.Context, c *client, verificationID string) {
	shown, err := s.Workflow.ShownChallenges(ctx, verificationID)
	if err != nil {
		s.Log.ErrorContext(ctx, "read the challenges shown", slog.String("verification", verificationID), slog.Any("err", err))
		return
	}
	for i := range shown {
		c.deliver(challengeMessage(&shown[i]))
	}
}

// Shutdown closes every signaling connection. Calls are in the database and
// their media flows peer to peer, so browsers simply reconnect to the next
// server that answers and are seated again.
func (s *Service) Shutdown() { s.h().closeAll() }

// CallEnded tells both sides how the call ended and closes its room.
func (s *Service) CallEnded(verificationID string, status verification.Status) {
	s.h().end(verificationID, string(status))
	s.h().tell(event{Kind: eventEnded, Room: verificationID, Status: string(status)})
}

// markAway holds or releases a queued freelancer's place as their pages close and open.
func (s *Service) markAway(ctx context.Context, freelancerID string, away bool) {
	v, err := s.Store.OpenVerification(ctx, freelancerID)
	if err != nil || v.Status != verification.InQueue {
		return
	}
	var at *time.Time
	if away {
		now := s.Now()
		at = &now
	}
	if err := s.Store.SetAway(ctx, v.ID, at); err != nil {
		s.Log.ErrorContext(ctx, "hold queue place", slog.Any("err", err))
	}
}

func firstName(name string) string {
	for i, r := range name {
		if r == ' ' {
			return name[:i]
		}
	}
	return name
}
