package loadtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// DispatchOptions shape a dispatch run.
type DispatchOptions struct {
	// DB is the database the nodes share: each take is checked there.
	DB *sql.DB
	// Concurrency is how many of the waiting pages' sockets are dialed at
	// once (default 200).
	Concurrency int
	// DialTimeout bounds one dial (default 30s).
	DialTimeout time.Duration
	// NoticeTimeout bounds the wait, after the last take, for every
	// waiting page to hear that its call started (default 10s).
	NoticeTimeout time.Duration
}

// Dispatch is what a dispatch run measured and found.
type Dispatch struct {
	Agents, Waiting int
	// Pages is how many waiting freelancers' pages were open and welcomed
	// when the agents started; DialFailures did not open.
	Pages          int
	DialFailures   int
	FirstDialError error
	// Takes is how many takes gave the agent a call; Across is how many of
	// them joined an agent on one node to a freelancer's page on another.
	Takes, Across int
	// Elapsed runs from the moment every agent pressed take to the answer
	// of the last take that gave a call.
	Elapsed time.Duration
	// P50, P99 and Max are the latency of POST /agent/take, every press
	// counted (the last ones, answered "nobody is waiting", too).
	P50, P99, Max time.Duration
	// Notices is how many pages heard that their call started; Missing
	// did not within NoticeTimeout.
	Notices, Missing int
	// Failures are requests that failed; Violations are broken rules (a
	// freelancer taken twice, an agent in two calls, a freelancer never
	// taken). First holds the first few of either, in words.
	Failures, Violations int
	First                []string
}

// Rate is the takes per second.
func (d *Dispatch) Rate() float64 {
	if d.Elapsed <= 0 {
		return 0
	}
	return float64(d.Takes) / d.Elapsed.Seconds()
}

// OK reports whether every freelancer was taken exactly once, no agent held
// two calls, every page heard of its call and nothing failed.
func (d *Dispatch) OK() bool {
	return d.DialFailures == 0 && d.Pages == d.Waiting && d.Takes == d.Waiting && d.Missing == 0 &&
		d.Failures == 0 && d.Violations == 0
}

// waitingPage is a waiting freelancer's open portal page: one socket.
type waitingPage struct {
	w        Waiter
	conn     *websocket.Conn
	welcomed chan struct{}
	once     sync.Once
	notices  atomic.Int32 // "call" messages for this freelancer's case
}

// RunDispatch opens every waiting freelancer's page (a socket on the
// waiter's node), then has every agent press "take" at once, through the
// console's own endpoint on the agent's node, again and again until the
// queue is empty. An agent ends each call (not verified: the freelancer
// left before finishing) before taking the next, as the console requires.
// After each take the database must show the agent holding exactly one live
// call, of a case nobody took before; at the end every case must have had
// exactly one call, no agent's calls may overlap, and every page must have
// heard that its call started.
func RunDispatch(ctx context.Context, agents []Agent, waiting []Waiter, opts DispatchOptions) (*Dispatch, error) {
	if len(agents) == 0 || len(waiting) == 0 || opts.DB == nil {
		return nil, errors.New("loadtest: dispatch needs agents, waiting freelancers and the database")
	}
	for _, a := range agents {
		if err := checkLoopback(a.Base); err != nil {
			return nil, err
		}
	}
	for _, w := range waiting {
		if err := checkLoopback(w.Base); err != nil {
			return nil, err
		}
	}
	opts.Concurrency = cmpOr(opts.Concurrency, 200)
	opts.DialTimeout = cmpOr(opts.DialTimeout, 30*time.Second)
	opts.NoticeTimeout = cmpOr(opts.NoticeTimeout, 10*time.Second)
	d := &Dispatch{Agents: len(agents), Waiting: len(waiting)}
	pages, closePages, err := openPages(ctx, waiting, opts, d)
	if err != nil {
		return nil, err
	}
	defer closePages()

	r := &dispatchRun{db: opts.DB, d: d, takenBy: map[string]string{}, client: agentClient(len(agents))}
	defer r.client.CloseIdleConnections()
	r.press(ctx, agents)
	r.waitForNotices(ctx, pages, opts.NoticeTimeout)
	if err := r.checkDatabase(ctx, agents, waiting); err != nil {
		return nil, err
	}
	baseOf := map[string]string{}
	for _, w := range waiting {
		baseOf[w.VerificationID] = w.Base
	}
	agentBase := map[string]string{}
	for _, a := range agents {
		agentBase[a.ID] = a.Base
	}
	for vid, agent := range r.takenBy {
		if baseOf[vid] != agentBase[agent] {
			d.Across++
		}
	}
	slices.Sort(r.latencies)
	if n := len(r.latencies); n > 0 {
		d.P50, d.P99, d.Max = quantile(r.latencies, 0.50), quantile(r.latencies, 0.99), r.latencies[n-1]
	}
	return d, ctx.Err()
}

// openPages dials every waiting freelancer's page and waits until each is welcomed.
func openPages(ctx context.Context, waiting []Waiter, opts DispatchOptions, d *Dispatch) ([]*waitingPage, func(), error) {
	clients := newSourceClients(opts.DialTimeout)
	readCtx, stopReading := context.WithCancel(context.Background())
	pages := make([]*waitingPage, len(waiting))
	var (
		mu      sync.Mutex
		dials   sync.WaitGroup
		readers sync.WaitGroup
		sem     = make(chan struct{}, opts.Concurrency)
	)
	closeAll := func() {
		stopReading()
		for _, p := range pages {
			if p != nil && p.conn != nil {
				p.conn.CloseNow()
			}
		}
		readers.Wait()
	}
	for i, w := range waiting {
		p := &waitingPage{w: w, welcomed: make(chan struct{})}
		pages[i] = p
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			dials.Wait()
			closeAll()
			return nil, nil, ctx.Err()
		}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-sem }()
			conn, err := dialSocket(ctx, clients.forPair(i), w.Base, w.Path+"/ws", fmt.Sprintf("load-w-%06d", i), nil, opts.DialTimeout)
			if err != nil {
				mu.Lock()
				d.DialFailures++
				if d.FirstDialError == nil {
					d.FirstDialError = err
				}
				mu.Unlock()
				return
			}
			p.conn = conn
			readers.Add(1)
			go func() {
				defer readers.Done()
				p.read(readCtx)
			}()
		}()
	}
	dials.Wait()
	deadline := time.After(60 * time.Second)
	for _, p := range pages {
		if p.conn == nil {
			continue
		}
		select {
		case <-p.welcomed:
			d.Pages++
		case <-deadline:
		case <-ctx.Done():
			closeAll()
			return nil, nil, ctx.Err()
		}
	}
	return pages, closeAll, nil
}

// read takes a waiting page's messages until its socket closes, counting
// the notices of its call.
func (p *waitingPage) read(ctx context.Context) {
	for {
		_, data, err := p.conn.Read(ctx)
		if err != nil {
			return
		}
		var m inbound
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch {
		case m.Type == "welcome":
			p.once.Do(func() { close(p.welcomed) })
		case m.Type == "call" && m.Call != nil && m.Call.VerificationID == p.w.VerificationID:
			p.notices.Add(1)
		}
	}
}

// dispatchRun is the state the agents share while they take.
type dispatchRun struct {
	db     *sql.DB
	d      *Dispatch
	client *http.Client

	mu        sync.Mutex
	takenBy   map[string]string // verification id → the agent who took it
	latencies []time.Duration
	lastTake  time.Time
}

// agentClient is the agents' browser: it does not follow the console's
// redirects (the answer's Location says what happened) and keeps one
// connection per agent alive.
func agentClient(agents int) *http.Client {
	return &http.Client{
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: agents, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// press has every agent take, all at once, until the queue is empty.
func (r *dispatchRun) press(ctx context.Context, agents []Agent) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r.work(ctx, a)
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	if !r.lastTake.IsZero() {
		r.d.Elapsed = r.lastTake.Sub(began)
	}
}

// work is one agent taking calls and ending them until the queue is empty
// or something goes wrong.
func (r *dispatchRun) work(ctx context.Context, a Agent) {
	for ctx.Err() == nil {
		began := time.Now()
		where, err := r.post(ctx, a, "/agent/take", "application/x-www-form-urlencoded", nil, http.StatusSeeOther)
		answered := time.Now()
		took := answered.Sub(began)
		if err != nil {
			r.fail("agent %s: take: %v", a.ID, err)
			return
		}
		r.mu.Lock()
		r.latencies = append(r.latencies, took)
		r.mu.Unlock()
		switch where {
		case "/agent?notice=empty":
			return
		case "/agent":
		default:
			r.fail("agent %s: take sent the console to %q", a.ID, where)
			return
		}
		vid, ok := r.checkTake(ctx, a, answered)
		if !ok {
			return
		}
		body := []byte(`{"decision":"not_verified","reason_code":"left_before_finishing"}`)
		if _, err := r.post(ctx, a, "/agent/calls/"+vid+"/decision", "application/json", body, http.StatusOK); err != nil {
			r.fail("agent %s: end the call on %s: %v", a.ID, vid, err)
			return
		}
	}
}

// checkTake reads the agent's live calls right after a take: exactly one,
// of a case nobody took before.
func (r *dispatchRun) checkTake(ctx context.Context, a Agent, answered time.Time) (verificationID string, ok bool) {
	rows, err := r.db.QueryContext(ctx, "SELECT verification_id FROM calls WHERE agent_id = $1 AND ended_at IS NULL", a.ID)
	if err != nil {
		r.fail("agent %s: read live calls: %v", a.ID, err)
		return "", false
	}
	var live []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			r.fail("agent %s: read live calls: %v", a.ID, err)
			return "", false
		}
		live = append(live, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		r.fail("agent %s: read live calls: %v", a.ID, err)
		return "", false
	}
	if len(live) != 1 {
		r.violate("agent %s holds %d live calls right after a take (%v), want 1", a.ID, len(live), live)
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.d.Takes++
	if answered.After(r.lastTake) {
		r.lastTake = answered
	}
	if before, taken := r.takenBy[live[0]]; taken {
		r.violateLocked("case %s taken twice: by %s, then by %s", live[0], before, a.ID)
		return "", false
	}
	r.takenBy[live[0]] = a.ID
	return live[0], true
}

// post sends one of the console's same-origin requests as the agent's
// browser does, and returns the answer's Location.
func (r *dispatchRun) post(ctx context.Context, a Agent, path, contentType string, body []byte, want int) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.Base+path, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Cookie", SessionCookie+"="+a.Session)
	req.Header.Set("Content-Type", contentType)
	// What a browser sends on a same-origin POST: http.CrossOriginProtection lets it through.
	req.Header.Set("Origin", a.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := r.client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode != want {
		return "", fmt.Errorf("HTTP %d, want %d: %.200s", res.StatusCode, want, answer)
	}
	return res.Header.Get("Location"), nil
}

// waitForNotices waits until every page has heard of its call, or timeout.
func (r *dispatchRun) waitForNotices(ctx context.Context, pages []*waitingPage, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		heard, twice := 0, 0
		for _, p := range pages {
			switch n := p.notices.Load(); {
			case n == 1:
				heard++
			case n > 1:
				heard++
				twice++
			}
		}
		if heard == len(pages) || time.Now().After(deadline) || ctx.Err() != nil {
			r.d.Notices, r.d.Missing = heard, len(pages)-heard
			if twice > 0 {
				r.violate("%d pages were told twice that their call started", twice)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkDatabase checks, after the run, that every waiting freelancer's
// case had exactly one call, that the queue is empty of them, and that no
// agent's calls overlap.
func (r *dispatchRun) checkDatabase(ctx context.Context, agents []Agent, waiting []Waiter) error {
	vids := make([]string, len(waiting))
	for i, w := range waiting {
		vids[i] = w.VerificationID
	}
	calls := map[string]int{}
	rows, err := r.db.QueryContext(ctx, "SELECT verification_id, count(*) FROM calls WHERE verification_id = ANY($1) GROUP BY verification_id", vids)
	if err != nil {
		return fmt.Errorf("count calls per case: %w", err)
	}
	for rows.Next() {
		var vid string
		var n int
		if err := rows.Scan(&vid, &n); err != nil {
			rows.Close()
			return fmt.Errorf("count calls per case: %w", err)
		}
		calls[vid] = n
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("count calls per case: %w", err)
	}
	never := 0
	for _, vid := range vids {
		switch n := calls[vid]; {
		case n == 0:
			never++
		case n > 1:
			r.violate("case %s has %d calls, want 1", vid, n)
		}
	}
	if never > 0 {
		r.violate("%d of %d waiting freelancers were never taken", never, len(vids))
	}
	var queued int
	if err := r.db.QueryRowContext(ctx, "SELECT count(*) FROM queue_entries WHERE verification_id = ANY($1)", vids).Scan(&queued); err != nil {
		return fmt.Errorf("count the queue: %w", err)
	}
	if queued > 0 {
		r.violate("%d freelancers are still in the queue after every agent was told it was empty", queued)
	}
	return r.checkOverlaps(ctx, agents)
}

// checkOverlaps finds an agent whose call started before their previous one ended.
func (r *dispatchRun) checkOverlaps(ctx context.Context, agents []Agent) error {
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	rows, err := r.db.QueryContext(ctx, "SELECT agent_id, verification_id, started_at, ended_at FROM calls WHERE agent_id = ANY($1) ORDER BY agent_id, started_at, id", ids)
	if err != nil {
		return fmt.Errorf("read the agents' calls: %w", err)
	}
	defer rows.Close()
	var prevAgent, prevCase string
	var prevEnd sql.NullTime
	for rows.Next() {
		var agent, vid string
		var started time.Time
		var ended sql.NullTime
		if err := rows.Scan(&agent, &vid, &started, &ended); err != nil {
			return fmt.Errorf("read the agents' calls: %w", err)
		}
		if agent == prevAgent && (!prevEnd.Valid || prevEnd.Time.After(started)) {
			r.violate("agent %s started the call on %s before ending the one on %s", agent, vid, prevCase)
		}
		prevAgent, prevCase, prevEnd = agent, vid, ended
	}
	return rows.Err()
}

func (r *dispatchRun) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.d.Failures++
	r.note(format, args...)
}

func (r *dispatchRun) violate(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violateLocked(format, args...)
}

func (r *dispatchRun) violateLocked(format string, args ...any) {
	r.d.Violations++
	r.note(format, args...)
}

// note keeps the first few problems in words; mu is held.
func (r *dispatchRun) note(format string, args ...any) {
	if len(r.d.First) < 10 {
		r.d.First = append(r.d.First, fmt.Sprintf(format, args...))
	}
}
