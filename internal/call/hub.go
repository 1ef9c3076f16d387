package call

import (
	"encoding/json"
	"sync"
)

// Roles of the two sides of a call.
const (
	RoleAgent      = "agent"
	RoleFreelancer = "freelancer"
)

// client is one browser's signaling connection.
type client struct {
	role string
	// who is the staff id of an agent or the freelancer id of a freelancer.
	who string
	// session identifies one page load, so that a side that reconnects
	// after a blip (same session) keeps its media while a reloaded page (new
	// session) gets a fresh peer connection.
	session string
	// send holds encoded messages: a broadcast is encoded once for everyone,
	// and a slice header is all a queued message costs per connection.
	send   chan []byte
	closed chan struct{}
	once   sync.Once
	room   string // verification id of the call the client is in
}

// deliver queues a message; a client too slow to keep up is dropped rather
// than allowed to hold up the call.
func (c *client) deliver(m ServerMessage) { c.deliverEncoded(encode(m)) }

// encode marshals a server message; every field type marshals.
func encode(m ServerMessage) []byte {
	data, _ := json.Marshal(m)
	return data
}

func (c *client) deliverEncoded(data []byte) {
	select {
	case c.send <- data:
	case <-c.closed:
	default:
		c.close()
	}
}

func (c *client) close() { c.once.Do(func() { close(c.closed) }) }

// room is a call in progress on this node: at most one live connection per side.
type room struct {
	agent, freelancer *client
}

func (r *room) peerOf(c *client) *client {
	if c.role == RoleAgent {
		return r.freelancer
	}
	return r.agent
}

// hub tracks every connection on this node and the rooms they are in.
type hub struct {
	mu          sync.Mutex
	rooms       map[string]*room
	agents      map[string]map[*client]bool
	freelancers map[string]map[*client]bool
}

func newHub() *hub {
	return &hub{rooms: map[string]*room{}, agents: map[string]map[*client]bool{}, freelancers: map[string]map[*client]bool{}}
}

func (h *hub) byRole(role string) map[string]map[*client]bool {
	if role == RoleAgent {
		return h.agents
	}
	return h.freelancers
}

// add registers a connection.
func (h *hub) add(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byRole(c.role)[c.who]
	if set == nil {
		set = map[*client]bool{}
		h.byRole(c.role)[c.who] = set
	}
	set[c] = true
}

// remove forgets a connection and tells the peer, if it was in a room. It
// reports whether the person has no connection left on this node.
func (h *hub) remove(c *client) (last bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byRole(c.role)[c.who]
	delete(set, c)
	if len(set) == 0 {
		delete(h.byRole(c.role), c.who)
		last = true
	}
	if r := h.rooms[c.room]; r != nil {
		if r.agent == c {
			r.agent = nil
		}
		if r.freelancer == c {
			r.freelancer = nil
		}
		if peer := r.peerOf(c); peer != nil {
			present := false
			m := msg(TypePeer)
			m.Present = &present
			peer.deliver(m)
		}
		if r.agent == nil && r.freelancer == nil {
			delete(h.rooms, c.room) // the call lives on in the database
		}
	}
	return last
}

// seat puts a connection in a call's room, replacing an earlier connection
// of the same side (another tab, or the phone the call moved to), and
// returns the peer already there.
func (h *hub) seat(verificationID string, c *client) (peer *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[verificationID]
	if r == nil {
		r = &room{}
		h.rooms[verificationID] = r
	}
	old := r.agent
	if c.role == RoleFreelancer {
		old = r.freelancer
	}
	if old != nil && old != c {
		old.room = ""
		old.deliver(msg(TypeReplaced))
	}
	if c.role == RoleAgent {
		r.agent = c
	} else {
		r.freelancer = c
	}
	c.room = verificationID
	peer = r.peerOf(c)
	if peer != nil {
		present := true
		m := msg(TypePeer)
		m.Present, m.Session = &present, c.session
		peer.deliver(m)
	}
	return peer
}

// relay passes a message to the other side of the sender's call.
func (h *hub) relay(from *client, m ServerMessage) bool {
	h.mu.Lock()
	r := h.rooms[from.room]
	var peer *client
	if r != nil {
		peer = r.peerOf(from)
	}
	h.mu.Unlock()
	if peer == nil {
		return false
	}
	peer.deliver(m)
	return true
}

// end closes a call's room, telling both sides how it ended.
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

// everyone returns the people connected in a role.
func (h *hub) everyone(role string) map[string][]*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]*client{}
	for who, set := range h.byRole(role) {
		for c := range set {
			out[who] = append(out[who], c)
		}
	}
	return out
}

// closeAll drops every connection, so that browsers reconnect (to this node
// after a restart, or to another one).
func (h *hub) closeAll() {
	h.mu.Lock()
	var all []*client
	for _, byRole := range []map[string]map[*client]bool{h.agents, h.freelancers} {
		for _, set := range byRole {
			for c := range set {
				all = append(all, c)
			}
		}
	}
	h.mu.Unlock()
	for _, c := range all {
		c.close()
	}
}

// idleAgents returns the agents' connections not seated in a call: those
// that show the floor.
func (h *hub) idleAgents() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	var list []*client
	for _, set := range h.agents {
		for c := range set {
			if c.room == "" {
				list = append(list, c)
			}
		}
	}
	return list
}
