// Package loadtest drives attest's live-call signaling with many WebSocket
// pairs: it puts agents and freelancers in calls straight through the store
// and the workflow, connects one agent and one freelancer socket per call,
// and measures how long small chat messages take to cross. cmd/attest-load
// and the signaling benchmark in internal/call share it.
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
	hash, err := auth.HashPassword(password, rand.Reader) // nobody signs in with it
	if err != nil {
		return nil, err
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36) // new people on every run
	pairs := make([]Pair, 0, n)
	for start := 0; start < n; start += seedBatch {
		end := min(start+seedBatch, n)
		var batch []Pair
		err := st.InTx(ctx, func(tx *store.Tx) error {
			var err error
			batch, err = seedBatchTx(ctx, tx, wf, run, hash, start, end)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("loadtest: seed pairs %d to %d: %w", start, end-1, err)
		}
		pairs = append(pairs, batch...)
	}
	return pairs, nil
}

func seedBatchTx(ctx context.Context, tx *store.Tx, wf *workflow.Workflow, run, hash string, start, end int) ([]Pair, error) {
	paths := make(map[string]string, end-start) // freelancer id → portal path
	for i := start; i < end; i++ {
		id := fmt.Sprintf("load-%s-%06d", run, i)
		f := &verification.Freelancer{ID: id, DisplayName: "Load Test " + strconv.Itoa(i), Email: id + "@example.com",
			Locale: "en", TimeZone: "UTC", Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Lisbon, Portugal"}}}
		if _, err := wf.PutFreelancer(ctx, tx, "loadtest", f); err != nil {
			return nil, err
		}
		opened, err := wf.OpenVerification(ctx, tx, "loadtest", verification.Request{FreelancerID: id,
			Reason: verification.Reason{Code: "load_test", Explanation: "A signaling load test."}})
		if err != nil {
			return nil, err
		}
		at := strings.LastIndex(opened.Link.URL, "/v/")
		if at < 0 {
			return nil, fmt.Errorf("portal link %q has no /v/ path", opened.Link.URL)
		}
		paths[id] = opened.Link.URL[at:]
		if _, err := wf.JoinQueue(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	now := wf.Now().UTC()
	pairs := make([]Pair, 0, end-start)
	for i := start; i < end; i++ {
		agent := &store.Staff{ID: store.NewID("stf", now), Email: fmt.Sprintf("load-%s-%06d@example.com", run, i),
			Name: "Agent" + strconv.Itoa(i) + " Load", Role: store.RoleAgent, PasswordHash: hash, CreatedAt: now}
		if _, err := tx.PutStaff(ctx, agent); err != nil {
			return nil, err
		}
		token, err := auth.NewSessionToken(rand.Reader)
		if err != nil {
			return nil, err
		}
		err = tx.InsertSession(ctx, &store.Session{ID: store.NewID("ses", now), TokenHash: auth.HashSessionToken(token), StaffID: agent.ID, CreatedAt: now,
			ExpiresAt: now.Add(staff.SessionLifetime), LastSeenAt: now, IP: "127.0.0.1", UserAgent: "attest-load"})
		if err != nil {
			return nil, err
		}
		if err := wf.SetPresence(ctx, tx, agent.ID, store.Online); err != nil {
			return nil, err
		}
		taken, err := wf.TakeNext(ctx, tx, agent.ID)
		if err != nil {
			return nil, fmt.Errorf("agent %d takes a call: %w", i, err)
		}
		path, ok := paths[taken.Verification.FreelancerID]
		if !ok {
			return nil, fmt.Errorf("agent %d took freelancer %s, who is not part of this run", i, taken.Verification.FreelancerID)
		}
		pairs = append(pairs, Pair{VerificationID: taken.Verification.ID, AgentID: agent.ID, AgentSession: token, FreelancerPath: path})
	}
	return pairs, nil
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
	m, err := keys.ReadOrCreateFile(filepath.Join(dataDir, "master.key"))
	if err != nil {
		return nil, err
	}
	return keys.NewRing(m), nil
}

// StartLocal opens attest on the SQLite database in opts.DataDir and serves
// it on a free loopback port.
func StartLocal(ctx context.Context, opts LocalOptions) (*Local, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	ring := opts.Keys
	if ring == nil {
		if ring, err = LocalKeys(opts.DataDir); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s, err := server.Open(ctx, server.Config{Store: store.Config{DataDir: opts.DataDir}, BaseURL: base, Now: time.Now,
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
