package call

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
)

// Roles of the two sides of a call.
const (
	RoleAgent      = "agent"
	RoleFreelancer = "freelancer"
)

// client is one browser's signaling connection.
//
// An idle connection costs no goroutine and no timer: the node's poller
// starts a reader when bytes arrive (reading.run, poll_linux.go), what is
// sent to it waits in a short queue that a goroutine started for the
// purpose writes out and then ends (flush), and silence is noticed by the
// call service's tick (closeIdle), not by a timer per connection.
type client struct {
	role string
	// who is the staff id of an agent or the freelancer id of a freelancer.
	who string
	// session identifies one page load, so that a side that reconnects
	// after a blip (same session) keeps its media while a reloaded page (new
	// session) gets a fresh peer connection.
	session string
	// write sends one encoded message to the browser; stop ends the
	// connection so that its reader returns. Both are set before the
	// client is added to the hub.
	write func([]byte) error
	stop  func()
	// lastRead is when the browser last said anything, in Unix nanoseconds.
	lastRead atomic.Int64

	mu sync.Mutex
	// queue holds encoded messages not yet written: a broadcast is encoded
	// once for everyone, and a slice header is all a queued message costs
	// per connection. writing is true while a flush goroutine runs.
	queue   [][]byte
	queued  int // bytes in queue
	writing bool
	done    bool

	room string // verification id of the call the client is in
	// id names the connection across nodes, so that a node can tell which
	// of a side's connections an event is about.
	id string
	// presenceOnly marks an agent's socket from a console page other than
	// the live queue and the call: it keeps the agent seen while any of
	// their console tabs is open, and is never seated, sent the floor or
	// offered a booked call.
	presenceOnly bool
}

// A client is dropped, rather than allowed to hold up the call, when more
// than maxQueued messages or maxQueuedBytes bytes wait for it. The bounds
// are generous for a burst: an offer with its candidates and the candidates
// that follow are dozens of small messages at once, which a page reads in
// milliseconds but which can all arrive before its writer runs on a busy
// node (a burst over an earlier bound of 32 dropped the socket and lost the
// offer). A queue costs nothing while it is empty.
const (
	maxQueued      = 1024
	maxQueuedBytes = 1 << 20
)

// deliver queues a message; a client too slow to keep up is dropped rather
// than allowed to hold up the call.
func (c *client) deliver(m ServerMessage) { c.deliverEncoded(encode(m)) }

// encode marshals a server message; every field type marshals.
func encode(m ServerMessage) []byte {
	data, _ := json.Marshal(m)
	return data
}

func (c *client) deliverEncoded(data []byte) {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= maxQueued || c.queued+len(data) > maxQueuedBytes {
		c.mu.Unlock()
		c.close()
		return
	}
	c.queue = append(c.queue, data)
	c.queued += len(data)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		pool.run(c.flush)
	}
}

// flush writes the queue out in order, then ends; one runs at a time.
func (c *client) flush() {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue, c.queued = nil, 0
		if len(batch) == 0 || c.done {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		for _, data := range batch {
			if err := c.write(data); err != nil {
				c.close()
				c.mu.Lock()
				c.writing = false
				c.mu.Unlock()
				return
			}
		}
	}
}

// close ends the connection; later messages are dropped.
func (c *client) close() {
	c.mu.Lock()
	was := c.done
	c.done, c.queue, c.queued = true, nil, 0
	c.mu.Unlock()
	if !was && c.stop != nil {
		c.stop()
	}
}

// isClosed reports whether close was called.
func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// room is a call in progress on this node: at most one live connection per
// side. A side connected to another node is known by its connection id and
// session, learned from that node's events (nodes.go).
type room struct {
	agent, freelancer *client
	elsewhere         map[string]remoteSide // by role
	// sessions is the latest page seated for each role, remembered after
	// its connection closed; superseded are the pages a newer page of the
	// same side replaced. A superseded page that reconnects (its network
	// was down when it was replaced, so it never heard) is told again that
	// it was replaced, instead of taking the call back from the newer page:
	// after a hand-off the computer never pulls the call back from the phone.
	sessions   map[string]string
	superseded map[string]bool
}

func newRoom() *room {
	return &room{elsewhere: map[string]remoteSide{}, sessions: map[string]string{}, superseded: map[string]bool{}}
}

// supersede records that session is now the page of role, and the page
// before it, if another, replaced.
func (r *room) supersede(role, session string) {
	if prev := r.sessions[role]; prev != "" && prev != session {
		r.superseded[prev] = true
	}
	r.sessions[role] = session
}

// remoteSide is one side of a call seated on another node.
type remoteSide struct {
	conn, session string
}

func (r *room) peerOf(c *client) *client {
	if c.role == RoleAgent {
		return r.freelancer
	}
	return r.agent
}

func (r *room) local(role string) *client {
	if role == RoleAgent {
		return r.agent
	}
	return r.freelancer
}

func (r *room) setLocal(role string, c *client) {
	if role == RoleAgent {
		r.agent = c
	} else {
		r.freelancer = c
	}
}

func otherRole(role string) string {
	if role == RoleAgent {
		return RoleFreelancer
	}
	return RoleAgent
}

// hub tracks every connection on this node and the rooms they are in.
//
// Every relayed message reads under mu (shared, so that relays on several
// cores do not wait for each other), so nothing holds it for long: the call
// service's tick and sweeps walk conns, one flat set, rather than the
// per-person sets (with thousands of connections, starting an iteration
// over each small map held the lock for milliseconds every tick), and read
// the database before taking it.
type hub struct {
	mu          sync.RWMutex
	rooms       map[string]*room
	agents      map[string]map[*client]bool
	freelancers map[string]map[*client]bool
	// all is every connection of both roles.
	all map[*client]struct{}
	// node names this node in its events; conns numbers its connections.
	node  string
	conns uint64
	// ownPrefix begins every event this node publishes (eventPrefix).
	ownPrefix string
	// publish tells the other nodes of an event; nil on a single node
	// (SQLite), where the hub is all there is. It is called without mu held.
	publish func(event) error
}

func newHub(node string) *hub {
	return &hub{rooms: map[string]*room{}, agents: map[string]map[*client]bool{}, freelancers: map[string]map[*client]bool{},
		all: map[*client]struct{}{}, node: node, ownPrefix: eventPrefix(node)}
}

func (h *hub) byRole(role string) map[string]map[*client]bool {
	if role == RoleAgent {
		return h.agents
	}
	return h.freelancers
}

// add registers a connection and gives it an id unique across nodes.
func (h *hub) add(c *client) { h.addUpTo(c, 0) }

// addUpTo adds c unless its person already has max connections of its kind
// here (0: no cap), and reports whether it did. Presence sockets are counted
// apart, so that console tabs open elsewhere never keep a call from connecting.
func (h *hub) addUpTo(c *client, max int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if max > 0 && h.countLocked(c.role, c.who, c.presenceOnly) >= max {
		return false
	}
	h.conns++
	c.id = fmt.Sprintf("%s-%d", h.node, h.conns)
	set := h.byRole(c.role)[c.who]
	if set == nil {
		set = map[*client]bool{}
		h.byRole(c.role)[c.who] = set
	}
	set[c] = true
	h.all[c] = struct{}{}
	return true
}

// countLocked counts a person's connections of one kind; mu is held.
func (h *hub) countLocked(role, who string, presenceOnly bool) int {
	n := 0
	for c := range h.byRole(role)[who] {
		if c.presenceOnly == presenceOnly {
			n++
		}
	}
	return n
}

// remove forgets a connection and tells the peer, if it was in a room. It
// reports whether the person has no connection left on this node.
func (h *hub) remove(c *client) (last bool) {
	h.mu.Lock()
	set := h.byRole(c.role)[c.who]
	delete(set, c)
	delete(h.all, c)
	if len(set) == 0 {
		delete(h.byRole(c.role), c.who)
		last = true
	}
	r := h.rooms[c.room]
	left := r != nil && r.local(c.role) == c
	if left {
		r.setLocal(c.role, nil)
		if peer := r.peerOf(c); peer != nil {
			peer.deliver(peerMessage(false, ""))
		}
		h.forgetIfEmpty(c.room, r)
	}
	h.mu.Unlock()
	if left {
		h.tell(event{Kind: eventLeft, Room: c.room, Role: c.role, Conn: c.id})
	}
	return last
}

// forgetIfEmpty drops a room no connection of this node sits in: the call
// lives on in the database, and other nodes keep their own rooms.
func (h *hub) forgetIfEmpty(id string, r *room) {
	if r.agent == nil && r.freelancer == nil {
		delete(h.rooms, id)
	}
}

func peerMessage(present bool, session string) ServerMessage {
	m := msg(TypePeer)
	m.Present, m.Session = &present, session
	return m
}

// seat puts a connection in a call's room, replacing an earlier connection
// of the same side (another tab, or the phone the call moved to) on this
// node and, through the event, on the others. It returns the session of the
// peer if it is connected here or elsewhere.
//
// A page that a newer one replaced is not seated again: it is told
// "replaced", and seated is false.
func (h *hub) seat(verificationID string, c *client) (peerSession string, present, seated bool) {
	h.mu.Lock()
	peerSession, present, seated = h.seatLocked(verificationID, c)
	h.mu.Unlock()
	if seated {
		h.tell(seatedEvent(verificationID, c))
	}
	return peerSession, present, seated
}

// seatedEvent tells the other nodes that c is seated in a call.
func seatedEvent(verificationID string, c *client) event {
	return event{Kind: eventSeated, Room: verificationID, Role: c.role, Conn: c.id, Session: c.session}
}

// seatLocked is seat with h.mu held; the caller tells the other nodes.
func (h *hub) seatLocked(verificationID string, c *client) (peerSession string, present, seated bool) {
	r := h.rooms[verificationID]
	if r == nil {
		r = newRoom()
		h.rooms[verificationID] = r
	}
	if r.superseded[c.session] {
		c.deliver(msg(TypeReplaced))
		return "", false, false
	}
	r.supersede(c.role, c.session)
	if old := r.local(c.role); old != nil && old != c {
		old.room = ""
		old.deliver(msg(TypeReplaced))
	}
	r.setLocal(c.role, c)
	delete(r.elsewhere, c.role) // the newest seat wins on every node
	c.room = verificationID
	if peer := r.peerOf(c); peer != nil {
		peer.deliver(peerMessage(true, c.session))
		peerSession, present = peer.session, true
	} else if remote, ok := r.elsewhere[otherRole(c.role)]; ok {
		peerSession, present = remote.session, true
	}
	return peerSession, present, true
}

// callStartedLocked hands a freelancer's open pages on this node the
// message that their call has started (data) and seats the newest of them
// in the call at once, so that the agent's page finds the freelancer there
// and offers without waiting for the page to reconnect. It returns the
// events to tell the other nodes. h.mu must be held.
func (h *hub) callStartedLocked(verificationID, freelancerID string, data []byte) []event {
	var newest *client
	for c := range h.freelancers[freelancerID] {
		c.deliverEncoded(data)
		if newest == nil || c.id > newest.id {
			newest = c
		}
	}
	if newest == nil {
		return nil
	}
	session, present, seated := h.seatLocked(verificationID, newest)
	if !seated {
		return nil
	}
	if present {
		newest.deliver(peerMessage(true, session))
	}
	return []event{seatedEvent(verificationID, newest)}
}

// agentTookLocked seats the agent's live queue page that took a call (its
// socket's session) and hands it the call's message (data): the page moves
// into the call on the socket it holds. The offer the page sent with its
// take, if any, goes to the freelancer's page when it is seated here (after
// the peer message that introduces the agent, before which a freelancer's
// page would start afresh), and the agent's page is told (Offered); else
// the page offers once it hears of the freelancer, as without one. It
// reports false when that socket is not on this node, or is already in a
// call. h.mu must be held.
func (h *hub) agentTookLocked(verificationID, agentID, session string, data []byte, offer *SessionDescription) (event, bool) {
	var page *client
	for c := range h.agents[agentID] {
		if c.session == session && !c.presenceOnly && c.room == "" && (page == nil || c.id > page.id) {
			page = c
		}
	}
	if page == nil || page.isClosed() {
		return event{}, false
	}
	page.deliverEncoded(data)
	peerSession, present, seated := h.seatLocked(verificationID, page)
	if !seated {
		return event{}, false
	}
	if present {
		m := peerMessage(true, peerSession)
		if freelancer := h.rooms[verificationID].local(RoleFreelancer); offer != nil && freelancer != nil {
			o := msg(TypeOffer)
			o.From, o.SDP = RoleAgent, offer
			freelancer.deliver(o)
			m.Offered = true
		}
		page.deliver(m)
	}
	return seatedEvent(verificationID, page), true
}

// relay passes a message to the other side of the sender's call: straight
// to it when it is on this node, else through the database to the node it
// is on.
func (h *hub) relay(from *client, m ServerMessage) bool {
	h.mu.RLock()
	r := h.rooms[from.room]
	var peer *client
	remote := false
	if r != nil {
		peer = r.peerOf(from)
		_, remote = r.elsewhere[otherRole(from.role)]
	}
	room := from.room
	h.mu.RUnlock()
	if peer != nil {
		peer.deliver(m)
		return true
	}
	if !remote {
		return false
	}
	return h.tell(event{Kind: eventRelay, Room: room, Role: otherRole(from.role), relayed: &m}) == nil
}

// sendTo delivers a server message to one side of a call: to its
// connection on this node, else through the database to whichever node
// holds it. It reports whether the side is known to be connected.
func (h *hub) sendTo(verificationID, role string, m ServerMessage) bool {
	h.mu.RLock()
	var c *client
	remote := false
	if r := h.rooms[verificationID]; r != nil {
		c = r.local(role)
		_, remote = r.elsewhere[role]
	}
	h.mu.RUnlock()
	if c != nil {
		c.deliver(m)
		return true
	}
	// This node may not know the room at all (the request came to another
	// node than the call's): every node that seats the side delivers it.
	if h.tell(event{Kind: eventRelay, Room: verificationID, Role: role, relayed: &m}) != nil {
		return false
	}
	return remote
}

// end closes a call's room on this node, telling both sides how it ended.
func (h *hub) end(verificationID, status string) {
	h.mu.Lock()
	r := h.rooms[verificationID]
	delete(h.rooms, verificationID)
	var seated []*client
	if r != nil {
		for _, c := range []*client{r.agent, r.freelancer} {
			if c != nil {
				c.room = ""
				seated = append(seated, c)
			}
		}
	}
	h.mu.Unlock()
	m := msg(TypeEnded)
	m.Status = status
	for _, c := range seated {
		c.deliver(m)
	}
}

// tell publishes an event to the other nodes, if there are any.
func (h *hub) tell(e event) error {
	if h.publish == nil {
		return nil
	}
	e.Node = h.node
	return h.publish(e)
}

// clientsOf returns the live connections of one person.
func (h *hub) clientsOf(role, who string) []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	var list []*client
	for c := range h.byRole(role)[who] {
		list = append(list, c)
	}
	return list
}

// size is how many live connections this node holds.
func (h *hub) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all)
}

// connections returns every live connection on this node.
func (h *hub) connections() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := make([]*client, 0, len(h.all))
	for c := range h.all {
		list = append(list, c)
	}
	return list
}

// people returns the ids of the people connected in a role.
func (h *hub) people(role string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byRole(role)
	ids := make([]string, 0, len(set))
	for who := range set {
		ids = append(ids, who)
	}
	return ids
}

// clientsOfEach returns the live connections of each of these people who
// has any, in one hold of the lock.
func (h *hub) clientsOfEach(role string, ids []string) map[string][]*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]*client{}
	for _, who := range ids {
		for c := range h.byRole(role)[who] {
			out[who] = append(out[who], c)
		}
	}
	return out
}

// closeAll drops every connection, so that browsers reconnect (to this node
// after a restart, or to another one).
func (h *hub) closeAll() {
	for _, c := range h.connections() {
		c.close()
	}
}

// unseatedAgents returns the agents' connections not seated in a call:
// the live queue pages and the presence sockets of other console pages.
func (h *hub) unseatedAgents() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	var list []*client
	for c := range h.all {
		if c.role == RoleAgent && c.room == "" {
			list = append(list, c)
		}
	}
	return list
}

// idleAgents returns the agents' connections not seated in a call and not
// only keeping presence: the live queue pages, which show the floor.
func (h *hub) idleAgents() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	var list []*client
	for c := range h.all {
		if c.role == RoleAgent && c.room == "" && !c.presenceOnly {
			list = append(list, c)
		}
	}
	return list
}

// connectedNone reports whether nobody in a role is connected here.
func (h *hub) connectedNone(role string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byRole(role)) == 0
}
