// Package loadtest drives attest's live-call signaling with many WebSocket
// pairs: it puts agents and freelancers in calls straight through the store
// and the workflow, connects one agent and one freelancer socket per call,
// and measures how long small chat messages take to cross. With several
// nodes on PostgreSQL (nodes.go) the two sides of a call sit on different
// nodes, and agents on every node take from a live queue at once through
// the console (dispatch.go). cmd/attest-load and the signaling benchmark in
// internal/call share it.
//
// Everything it dials is on loopback.
package loadtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// SessionCookie is the staff session cookie's name when the base URL is
// http (on https it carries the __Host- prefix).
const SessionCookie = "attest_session"

// Pair is one call: an agent signed in with a session, and a freelancer
// with a portal link, both in the same live call.
type Pair struct {
	VerificationID string
	AgentID        string
	// AgentSession is the value of the agent's session cookie.
	AgentSession string
	// FreelancerPath is the freelancer's portal path, /v/{token}.
	FreelancerPath string
	// AgentBase and FreelancerBase are the nodes the two sides dial
	// (http://127.0.0.1:port); empty means the base given to Connect.
	AgentBase, FreelancerBase string
}

// seedBatch is how many pairs one transaction creates.
const seedBatch = 250

// Seed creates n freelancers with an open case, n agents with a session,
// and puts each pair in a call (the freelancer joins the queue, an agent
// takes the next). It writes through the store in batches of a few hundred
// pairs per transaction, which is far quicker than signing in and joining
// through HTTP. Staff share one precomputed password hash, so that
// thousands of agents do not cost thousands of argon2 hashes.
//
// The queue must be empty: an agent takes whoever is first.
func Seed(ctx context.Context, st *store.Store, wf *workflow.Workflow, n int) ([]Pair, error) {
	if n <= 0 {
		return nil, errors.New("loadtest: seed at least one pair")
	}
	sd, err := newSeeder(ctx, st, wf)
	if err != nil {
		return nil, err
	}
	pairs := make([]Pair, 0, n)
	for start := 0; start < n; start += seedBatch {
		end := min(start+seedBatch, n)
		var batch []Pair
		err := st.InTx(ctx, func(tx *store.Tx) error {
			var err error
			batch, err = sd.pairs(ctx, tx, start, end)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("loadtest: seed pairs %d to %d: %w", start, end-1, err)
		}
		pairs = append(pairs, batch...)
	}
	return pairs, nil
}

// Agent is an agent signed in and online, in no call.
type Agent struct {
	ID string
	// Session is the value of the agent's session cookie.
	Session string
	// Base is the node the agent's console talks to (http://127.0.0.1:port);
	// the caller sets it.
	Base string
}

// Waiter is a freelancer waiting in the live queue.
type Waiter struct {
	FreelancerID, VerificationID string
	// Path is the freelancer's portal path, /v/{token}.
	Path string
	// Base is the node the freelancer's page talks to; the caller sets it.
	Base string
}

// SeedQueue signs in agents agents and sets them online, and puts waiting
// freelancers in the live queue as the product does: each gets a profile
// and an open case, and joins the queue. Nobody is in a call. The queue
// must be empty, so that it holds exactly these freelancers.
func SeedQueue(ctx context.Context, st *store.Store, wf *workflow.Workflow, agents, waiting int) ([]Agent, []Waiter, error) {
	if agents <= 0 || waiting <= 0 {
		return nil, nil, errors.New("loadtest: seed at least one agent and one waiting freelancer")
	}
	sd, err := newSeeder(ctx, st, wf)
	if err != nil {
		return nil, nil, err
	}
	var ws []Waiter
	for start := 0; start < waiting; start += seedBatch {
		end := min(start+seedBatch, waiting)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for i := start; i < end; i++ {
				w, err := sd.freelancerJoins(ctx, tx, i)
				if err != nil {
					return err
				}
				ws = append(ws, w)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("loadtest: seed waiting freelancers %d to %d: %w", start, end-1, err)
		}
	}
	as := make([]Agent, 0, agents)
	err = st.InTx(ctx, func(tx *store.Tx) error {
		for i := range agents {
			a, err := sd.agent(ctx, tx, i)
			if err != nil {
				return err
			}
			as = append(as, a)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: seed agents: %w", err)
	}
	return as, ws, nil
}

// seeder writes the people of one run.
type seeder struct {
	wf *workflow.Workflow
	// run names this run's people, so that runs on one database never meet.
	run string
	// hash is the password hash every seeded agent shares; nobody signs in with it.
	hash string
}

func newSeeder(ctx context.Context, st *store.Store, wf *workflow.Workflow) (*seeder, error) {
	waiting, err := st.Queue(ctx)
	if err != nil {
		return nil, err
	}
	if len(waiting) > 0 {
		return nil, fmt.Errorf("loadtest: %d freelancers are already waiting in the queue; use a fresh database", len(waiting))
	}
	password, err := auth.NewSessionToken(rand.Reader)
	if err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(password, rand.Reader)
	if err != nil {
		return nil, err
	}
	return &seeder{wf: wf, run: strconv.FormatInt(time.Now().UnixNano(), 36), hash: hash}, nil
}

// pairs seeds pairs start to end-1: the freelancers join the queue, then
// each new agent takes the next of them.
func (sd *seeder) pairs(ctx context.Context, tx *store.Tx, start, end int) ([]Pair, error) {
	paths := make(map[string]string, end-start) // freelancer id → portal path
	for i := start; i < end; i++ {
		w, err := sd.freelancerJoins(ctx, tx, i)
		if err != nil {
			return nil, err
		}
		paths[w.FreelancerID] = w.Path
	}
	pairs := make([]Pair, 0, end-start)
	for i := start; i < end; i++ {
		agent, err := sd.agent(ctx, tx, i)
		if err != nil {
			return nil, err
		}
		taken, err := sd.wf.TakeNext(ctx, tx, agent.ID)
		if err != nil {
			return nil, fmt.Errorf("agent %d takes a call: %w", i, err)
		}
		path, ok := paths[taken.Verification.FreelancerID]
		if !ok {
			return nil, fmt.Errorf("agent %d took freelancer %s, who is not part of this run", i, taken.Verification.FreelancerID)
		}
		pairs = append(pairs, Pair{VerificationID: taken.Verification.ID, AgentID: agent.ID, AgentSession: agent.Session, FreelancerPath: path})
	}
	return pairs, nil
}

// freelancerJoins creates freelancer i with an open case and puts them in the queue.
func (sd *seeder) freelancerJoins(ctx context.Context, tx *store.Tx, i int) (Waiter, error) {
	id := fmt.Sprintf("load-%s-%06d", sd.run, i)
	f := &verification.Freelancer{ID: id, DisplayName: "Load Test " + strconv.Itoa(i), Email: id + "@example.com",
		Locale: "en", TimeZone: "UTC", Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Lisbon, Portugal"}}}
	if _, err := sd.wf.PutFreelancer(ctx, tx, "loadtest", f); err != nil {
		return Waiter{}, err
	}
	opened, err := sd.wf.OpenVerification(ctx, tx, "loadtest", verification.Request{FreelancerID: id,
		Reason: verification.Reason{Code: "load_test", Explanation: "A signaling load test."}})
	if err != nil {
		return Waiter{}, err
	}
	at := strings.LastIndex(opened.Link.URL, "/v/")
	if at < 0 {
		return Waiter{}, fmt.Errorf("portal link %q has no /v/ path", opened.Link.URL)
	}
	if _, err := sd.wf.JoinQueue(ctx, tx, id); err != nil {
		return Waiter{}, err
	}
	return Waiter{FreelancerID: id, VerificationID: opened.Verification.ID, Path: opened.Link.URL[at:]}, nil
}

// agent creates agent i with a session and sets them online.
func (sd *seeder) agent(ctx context.Context, tx *store.Tx, i int) (Agent, error) {
	now := sd.wf.Now().UTC()
	agent := &store.Staff{ID: store.NewID("stf", now), Email: fmt.Sprintf("load-%s-%06d@example.com", sd.run, i),
		Name: "Agent" + strconv.Itoa(i) + " Load", Role: store.RoleAgent, PasswordHash: sd.hash, CreatedAt: now}
	if _, err := tx.PutStaff(ctx, agent); err != nil {
		return Agent{}, err
	}
	token, err := auth.NewSessionToken(rand.Reader)
	if err != nil {
		return Agent{}, err
	}
	err = tx.InsertSession(ctx, &store.Session{ID: store.NewID("ses", now), TokenHash: auth.HashSessionToken(token), StaffID: agent.ID, CreatedAt: now,
		ExpiresAt: now.Add(staff.SessionLifetime), LastSeenAt: now, IP: "127.0.0.1", UserAgent: "attest-load"})
	if err != nil {
		return Agent{}, err
	}
	if err := sd.wf.SetPresence(ctx, tx, agent.ID, store.Online); err != nil {
		return Agent{}, err
	}
	return Agent{ID: agent.ID, Session: token}, nil
}

// Local is an attest started in this process: the same handler and call
// service (with its queue and floor ticks) as `attest serve`, on
// 127.0.0.1:0. The job workers are not started, so the invitation emails
// that seeding queues are never sent.
type Local struct {
	Server *server.Server
	Base   string // http://127.0.0.1:port
	http   *http.Server
	stop   context.CancelFunc
	served chan struct{}
}

// LocalOptions shape a Local.
type LocalOptions struct {
	// DataDir holds the SQLite database.
	DataDir string
	// DatabaseURL is a PostgreSQL database to use instead of SQLite; give
	// Keys with it. Several Locals on one database are nodes of one attest.
	DatabaseURL string
	// Log is the server's log; nil discards it.
	Log *slog.Logger
	// Tick is how often the call service pushes queue places and the floor
	// and marks connected agents as seen; zero keeps attest's default.
	Tick time.Duration
	// Keys are the master keys; nil uses LocalKeys(DataDir).
	Keys *keys.Ring
}

// LocalKeys is the master key of a local server's data folder, kept in
// master.key there (made the first time).
func LocalKeys(dataDir string) (*keys.Ring, error) {
	m, err := keys.ReadOrCreateFile(filepath.Join(dataDir, LocalKeyFile))
	if err != nil {
		return nil, err
	}
	return keys.NewRing(m), nil
}

// StartLocal opens attest on the SQLite database in opts.DataDir (or the
// PostgreSQL database opts.DatabaseURL) and serves it on a free loopback port.
func StartLocal(ctx context.Context, opts LocalOptions) (*Local, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	ring := opts.Keys
	if ring == nil && opts.DataDir == "" {
		ln.Close()
		return nil, errors.New("loadtest: a local attest on PostgreSQL needs its master keys")
	}
	if ring == nil {
		if ring, err = LocalKeys(opts.DataDir); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s, err := server.Open(ctx, server.Config{Store: store.Config{DataDir: opts.DataDir, DatabaseURL: opts.DatabaseURL}, BaseURL: base, Now: time.Now,
		Log: opts.Log, Call: server.CallConfig{Tick: opts.Tick}, Keys: ring})
	if err != nil {
		ln.Close()
		return nil, err
	}
	live, stop := context.WithCancel(context.Background())
	go s.Calls.Run(live)
	l := &Local{Server: s, Base: base, stop: stop, served: make(chan struct{}),
		http: &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}}
	go func() {
		defer close(l.served)
		l.http.Serve(ln)
	}()
	return l, nil
}

// Seed puts n pairs in calls on this server.
func (l *Local) Seed(ctx context.Context, n int) ([]Pair, error) {
	return Seed(ctx, l.Server.Store, l.Server.Workflow, n)
}

// Close stops serving and closes the database. Close the fleet first: the
// signaling sockets are hijacked, so the HTTP server does not close them.
func (l *Local) Close() error {
	l.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := l.http.Shutdown(ctx)
	select {
	case <-l.served:
	case <-ctx.Done():
	}
	return errors.Join(err, l.Server.Close())
}

// SeedDatabase opens attest's database (the one a running attest uses) and
// puts n pairs in calls in it; base is the URL that server is reached on,
// and ring holds its master key, which signs the pairs' links.
func SeedDatabase(ctx context.Context, cfg store.Config, ring *keys.Ring, base string, n int) ([]Pair, error) {
	s, err := server.Open(ctx, server.Config{Store: cfg, BaseURL: base, Now: time.Now, Keys: ring})
	if err != nil {
		return nil, err
	}
	pairs, err := Seed(ctx, s.Store, s.Workflow, n)
	return pairs, errors.Join(err, s.Close())
}

// SeedQueueDatabase opens attest's database and seeds agents and a queue in
// it, as SeedQueue does; base and ring are as for SeedDatabase.
func SeedQueueDatabase(ctx context.Context, cfg store.Config, ring *keys.Ring, base string, agents, waiting int) ([]Agent, []Waiter, error) {
	s, err := server.Open(ctx, server.Config{Store: cfg, BaseURL: base, Now: time.Now, Keys: ring})
	if err != nil {
		return nil, nil, err
	}
	as, ws, err := SeedQueue(ctx, s.Store, s.Workflow, agents, waiting)
	return as, ws, errors.Join(err, s.Close())
}

// LocalKeyFile is the name of the master key file LocalKeys keeps in its folder.
const LocalKeyFile = "master.key"
