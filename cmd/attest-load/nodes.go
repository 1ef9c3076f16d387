package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/loadtest"
	"github.com/attest-dev/attest/internal/store"
)

// checkNodes refuses flags that make no sense with --nodes 2: the nodes
// are started here, with attest's defaults.
func (o options) checkNodes(fs *flag.FlagSet) error {
	if o.nodes != 2 {
		return fmt.Errorf("--nodes %d: want 1 or 2", o.nodes)
	}
	if (o.pgAdmin == "") == (o.db == "") {
		return errors.New("--nodes 2: give --pg-admin URL (a throwaway database is made there) or --db URL (an empty database)")
	}
	if o.pairs <= 0 || o.messages <= 0 || o.rate <= 0 || o.dials <= 0 || o.dispatchAgents < 0 || o.dispatchQ <= 0 {
		return errors.New("--pairs, --messages, --rate, --dials and --dispatch-queue must be positive, --dispatch-agents at least 0")
	}
	var wrong []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr", "data", "master-key-file", "pid", "server", "tick", "heapprofile", "profile":
			wrong = append(wrong, "--"+f.Name)
		}
	})
	if len(wrong) > 0 {
		return fmt.Errorf("--nodes 2 starts its own nodes with attest's defaults: %s do not apply", strings.Join(wrong, ", "))
	}
	return nil
}

// nodesReport is what a two-node run measured.
type nodesReport struct {
	opts                  options
	database, binary      string
	thrownAway            bool
	nodes                 []*loadtest.Node
	rss                   []int64
	idleCPU               []float64 // per node; nil when not sampled
	relayCPU              relayCPU
	relayMemory           []goMemory // per node, during the relay
	load                  [2]string  // load average before and after
	seedTime, connectTime time.Duration
	fleet                 *loadtest.Fleet
	latency               *loadtest.Latency
	dispatch              *loadtest.Dispatch
	dispatchSeed          time.Duration
	// seed is where the people of the run are written: the nodes'
	// database, with the master key that signs the portal links.
	seed store.Config
	ring *keys.Ring
}

// measureNodes runs two attest nodes on one PostgreSQL database and
// measures chat relayed across them, then dispatch from the live queue.
func measureNodes(ctx context.Context, o options, soft uint64, stdout, stderr io.Writer) (err error) {
	sockets := 2 * o.pairs
	if uint64(sockets+fileMargin) > soft {
		return fmt.Errorf("%d sockets need about %d open files in the load client; the limit is %d", sockets, sockets+fileMargin, soft)
	}
	r := &nodesReport{opts: o}
	r.load[0], _ = loadtest.LoadAverage()
	dbURL := o.db
	if o.pgAdmin != "" {
		var drop func(context.Context) error
		if dbURL, drop, err = loadtest.ThrowawayDatabase(ctx, o.pgAdmin); err != nil {
			return err
		}
		r.thrownAway = true
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err = errors.Join(err, drop(ctx))
		}()
	}
	r.database = loadtest.DatabaseName(dbURL)
	r.seed = store.Config{DatabaseURL: dbURL}
	dir, err := os.MkdirTemp("", "attest-load-nodes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stop, err := r.startNodes(ctx, dir, stderr)
	defer func() { err = errors.Join(err, stop()) }()
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := r.measure(ctx, db, stderr); err != nil {
		return err
	}
	r.load[1], _ = loadtest.LoadAverage()
	r.print(stdout)
	if !r.ok() {
		return errors.New("failures above")
	}
	return nil
}

// startNodes starts the nodes, one after the other (the first migrates the
// database), on a master key made in dir, which the seeding shares. stop
// stops the ones that started.
func (r *nodesReport) startNodes(ctx context.Context, dir string, stderr io.Writer) (stop func() error, err error) {
	stop = func() error {
		var errs []error
		for _, n := range slices.Backward(r.nodes) {
			errs = append(errs, n.Stop())
		}
		return errors.Join(errs...)
	}
	if r.ring, err = loadtest.LocalKeys(dir); err != nil {
		return stop, err
	}
	if r.binary = r.opts.attest; r.binary == "" {
		r.progress(stderr, "building attest (go build ./cmd/attest)")
		if r.binary, err = loadtest.BuildAttest(ctx, dir); err != nil {
			return stop, err
		}
	}
	for _, name := range []string{"A", "B"} {
		n, err := loadtest.StartNode(ctx, name, loadtest.NodeOptions{Binary: r.binary, DatabaseURL: r.seed.DatabaseURL,
			MasterKeyFile: filepath.Join(dir, loadtest.LocalKeyFile), Log: stderr})
		if err != nil {
			return stop, err
		}
		r.nodes = append(r.nodes, n)
		r.progress(stderr, "node %s: attest serve (pid %d) on %s", name, n.PID, n.Base)
	}
	return stop, nil
}

// measure relays across the nodes, then dispatches, once both listen.
func (r *nodesReport) measure(ctx context.Context, db *sql.DB, stderr io.Writer) error {
	if err := loadtest.WaitListening(ctx, db, len(r.nodes)); err != nil {
		return err
	}
	if err := r.relay(ctx, db, stderr); err != nil {
		return err
	}
	if r.opts.dispatchAgents > 0 {
		if err := r.dispatchFromQueue(ctx, db, stderr); err != nil {
			return err
		}
	}
	for _, n := range r.nodes {
		if err := n.Alive(); err != nil {
			return err
		}
	}
	return nil
}

func (r *nodesReport) progress(stderr io.Writer, format string, args ...any) {
	fmt.Fprintf(stderr, "attest-load: "+format+"\n", args...)
}

func (r *nodesReport) bases() []string {
	var list []string
	for _, n := range r.nodes {
		list = append(list, n.Base)
	}
	return list
}

// relay seeds the calls, connects every pair across the two nodes, samples
// the nodes idle, and relays chat from every agent to its freelancer.
func (r *nodesReport) relay(ctx context.Context, db *sql.DB, stderr io.Writer) error {
	o := r.opts
	progress := func(format string, args ...any) { r.progress(stderr, format, args...) }
	progress("seeding %d calls", o.pairs)
	began := time.Now()
	pairs, err := loadtest.SeedDatabase(ctx, r.seed, r.ring, r.nodes[0].Base, o.pairs)
	if err != nil {
		return err
	}
	r.seedTime = time.Since(began)
	loadtest.AcrossNodes(pairs, r.bases())

	progress("connecting %d sockets across the nodes, %d at a time", 2*len(pairs), o.dials)
	began = time.Now()
	r.fleet, err = loadtest.Connect(ctx, "", pairs, loadtest.ConnectOptions{Concurrency: o.dials})
	if err != nil {
		return err
	}
	defer r.fleet.Close()
	r.connectTime = time.Since(began)
	// One more listener on the nodes' channel splits the latency at PostgreSQL.
	if _, err := r.fleet.ListenHops(ctx, r.seed.DatabaseURL); err != nil {
		return err
	}
	if f := r.fleet; f.DialFailures > 0 || f.NotReady > 0 {
		progress("%d dials failed (first: %v); %d pairs not seated", f.DialFailures, f.FirstDialError, f.NotReady)
	}
	if err := sleep(ctx, 2*time.Second); err != nil {
		return err
	}
	if o.idle > 0 {
		progress("sampling the nodes' idle CPU for %s", o.idle)
		if r.idleCPU, err = r.sampleCPU(ctx, o.idle); err != nil {
			return err
		}
	}
	for _, n := range r.nodes {
		rss, err := loadtest.RSS(n.PID)
		if err != nil {
			return err
		}
		r.rss = append(r.rss, rss)
	}
	total := len(pairs) * o.messages
	progress("relaying %d messages at %d/s, every one from one node to the other", total, o.rate)
	cpu, err := r.startCPU(ctx, db)
	if err != nil {
		return err
	}
	memory, err := r.startMemory(ctx)
	if err != nil {
		return err
	}
	r.latency, err = r.fleet.Relay(ctx, loadtest.RelayOptions{Messages: total, Rate: o.rate})
	if err != nil {
		return err
	}
	if r.relayCPU, err = cpu(); err != nil {
		return err
	}
	r.relayMemory, err = memory()
	return err
}

// goMemory is what a node's Go runtime reports on /metrics (open with the
// shipped defaults): bytes allocated and garbage collections, so far.
type goMemory struct {
	allocated   float64 // go_memstats_alloc_bytes_total
	collections float64 // go_gc_duration_seconds_count
}

// startMemory reads each node's /metrics now; the function it returns
// says what each allocated and how often it collected since.
func (r *nodesReport) startMemory(ctx context.Context) (func() ([]goMemory, error), error) {
	read := func() ([]goMemory, error) {
		var list []goMemory
		for _, n := range r.nodes {
			m, err := loadtest.ReadAllocations(ctx, n.Base)
			if err != nil {
				return nil, fmt.Errorf("node %s: %w", n.Name, err)
			}
			list = append(list, goMemory{m.Allocated, m.Collections})
		}
		return list, nil
	}
	before, err := read()
	if err != nil {
		return nil, err
	}
	return func() ([]goMemory, error) {
		after, err := read()
		if err != nil {
			return nil, err
		}
		for i := range after {
			after[i].allocated -= before[i].allocated
			after[i].collections -= before[i].collections
		}
		return after, nil
	}, nil
}

// relayCPU is the processor time the relay took: each node's, and that of
// the PostgreSQL backends connected to the nodes' database when it began
// (the nodes' pools, notifiers and listeners, and the tool's own listener).
type relayCPU struct {
	nodes    []time.Duration
	postgres time.Duration
	backends int
}

// startCPU notes the processor time of the nodes and of the database's
// backends now; the function it returns measures what they used since.
func (r *nodesReport) startCPU(ctx context.Context, db *sql.DB) (func() (relayCPU, error), error) {
	var backends []int
	rows, err := db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return nil, fmt.Errorf("list the database's backends: %w", err)
	}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			rows.Close()
			return nil, err
		}
		backends = append(backends, pid)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list the database's backends: %w", err)
	}
	var pids []int
	for _, n := range r.nodes {
		pids = append(pids, n.PID)
	}
	pids = append(pids, backends...)
	// A backend that ends meanwhile counts for nothing.
	times := func() []time.Duration {
		list := make([]time.Duration, len(pids))
		for i, pid := range pids {
			list[i], _ = loadtest.CPUTime(pid)
		}
		return list
	}
	before := times()
	return func() (relayCPU, error) {
		after := times()
		used := relayCPU{backends: len(backends)}
		for i := range pids {
			d := max(after[i]-before[i], 0)
			if i < len(r.nodes) {
				used.nodes = append(used.nodes, d)
			} else {
				used.postgres += d
			}
		}
		return used, nil
	}, nil
}

// sampleCPU is the share of one core each node used over d.
func (r *nodesReport) sampleCPU(ctx context.Context, d time.Duration) ([]float64, error) {
	before := make([]time.Duration, len(r.nodes))
	for i, n := range r.nodes {
		t, err := loadtest.CPUTime(n.PID)
		if err != nil {
			return nil, err
		}
		before[i] = t
	}
	if err := sleep(ctx, d); err != nil {
		return nil, err
	}
	shares := make([]float64, len(r.nodes))
	for i, n := range r.nodes {
		t, err := loadtest.CPUTime(n.PID)
		if err != nil {
			return nil, err
		}
		shares[i] = float64(t-before[i]) / float64(d)
	}
	return shares, nil
}

// dispatchFromQueue seeds agents and a queue, spreads both over the nodes,
// and has every agent take until the queue is empty.
func (r *nodesReport) dispatchFromQueue(ctx context.Context, db *sql.DB, stderr io.Writer) error {
	o := r.opts
	progress := func(format string, args ...any) { r.progress(stderr, format, args...) }
	progress("seeding %d agents and %d freelancers waiting in the queue", o.dispatchAgents, o.dispatchQ)
	began := time.Now()
	agents, waiting, err := loadtest.SeedQueueDatabase(ctx, r.seed, r.ring, r.nodes[0].Base, o.dispatchAgents, o.dispatchQ)
	if err != nil {
		return err
	}
	r.dispatchSeed = time.Since(began)
	loadtest.SpreadAgents(agents, r.bases())
	loadtest.SpreadWaiting(waiting, r.bases())
	progress("opening %d waiting pages; then %d agents take at once until the queue is empty", len(waiting), len(agents))
	r.dispatch, err = loadtest.RunDispatch(ctx, agents, waiting, loadtest.DispatchOptions{DB: db, Concurrency: o.dials})
	return err
}

func (r *nodesReport) ok() bool {
	f, l := r.fleet, r.latency
	errs, _ := f.ErrorMessages()
	relayOK := f.DialFailures == 0 && f.NotReady == 0 && f.Dropped() == 0 && errs == 0 && f.Unexpected() == 0 &&
		l.Lost == 0 && l.SendErrors == 0
	return relayOK && (r.dispatch == nil || r.dispatch.OK())
}

func (r *nodesReport) print(w io.Writer) {
	o, f, l := r.opts, r.fleet, r.latency
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-13s "+format+"\n", append([]any{label}, args...)...)
	}
	fmt.Fprintln(w, "attest-load", time.Now().UTC().Format(time.RFC3339))
	db := "database " + r.database
	if r.thrownAway {
		db += ", made for this run and dropped after"
	}
	p("nodes", "%d × attest serve (%s), shipped defaults but for addresses, on PostgreSQL %s", len(r.nodes), r.binary, db)
	for i, n := range r.nodes {
		idle := ""
		if r.idleCPU != nil {
			idle = fmt.Sprintf(", idle CPU %.1f %% of one core over %s", 100*r.idleCPU[i], o.idle)
		}
		errs, warns, first := n.Problems()
		logged := fmt.Sprintf("logged %d errors, %d warnings", errs, warns)
		if first != "" {
			logged += " (first: " + first + ")"
		}
		p("node "+n.Name, "pid %d on %s: RSS %s with every socket open%s; %s", n.PID, n.Base, mib(r.rss[i]), idle, logged)
	}
	p("load average", "%s at the start, %s at the end (1, 5, 15 min; the machine's other work included)", r.load[0], r.load[1])
	p("sockets", "%d open of %d (%d pairs, each freelancer on one node and its agent on the other: half on A/B, half on B/A); %d dials failed, %d pairs not seated",
		f.Sockets(), 2*f.Pairs(), f.Pairs(), f.DialFailures, f.NotReady)
	if f.FirstDialError != nil {
		p("first failure", "%v", f.FirstDialError)
	}
	p("setup", "%d calls seeded in %.1fs; sockets open and seated in %.1fs", f.Pairs(), r.seedTime.Seconds(), r.connectTime.Seconds())
	p("relay", "%d messages (%d per pair) at %d/s in %.1fs, every one across nodes through PostgreSQL", l.Sent, o.messages, o.rate, l.Elapsed.Seconds())
	p("latency", "p50 %s, p99 %s, max %s", ms(l.P50), ms(l.P99), ms(l.Max))
	if c := r.relayCPU; len(c.nodes) > 0 && l.Sent > 0 {
		var parts []string
		total := c.postgres
		for i, d := range c.nodes {
			parts = append(parts, fmt.Sprintf("node %s %.2f s", r.nodes[i].Name, d.Seconds()))
			total += d
		}
		p("relay CPU", "%s, PostgreSQL %.2f s (the %d backends connected to the database as it began, on --db others sharing it too); %.0f µs a message in all",
			strings.Join(parts, ", "), c.postgres.Seconds(), c.backends, float64(total.Microseconds())/float64(l.Sent))
	}
	if len(r.relayMemory) > 0 && l.Sent > 0 {
		var parts []string
		for i, m := range r.relayMemory {
			parts = append(parts, fmt.Sprintf("node %s %.1f MB (%.0f bytes a message), %.0f collections",
				r.nodes[i].Name, m.allocated/1e6, m.allocated/float64(l.Sent), m.collections))
		}
		p("relay memory", "allocated %s", strings.Join(parts, "; "))
	}
	if len(l.Slow) > 0 {
		p("slowest 1 %", "%s", slowWindows(l.Slow))
	}
	if h := l.Hops; h != nil {
		p("hops", "agent → node → PostgreSQL's listeners p50 %s, p99 %s, max %s; listener → node → freelancer p50 %s, p99 %s, max %s (%d of %d messages heard by the tool's own listener)",
			ms(h.ToListener.P50), ms(h.ToListener.P99), ms(h.ToListener.Max), ms(h.FromListener.P50), ms(h.FromListener.P99), ms(h.FromListener.Max), h.Heard, l.Received)
		if h.Notifications > 0 {
			p("batches", "%d chat messages in %d notifications, %.2f a notification", h.Carried, h.Notifications, float64(h.Carried)/float64(h.Notifications))
		}
	}
	errs, first := f.ErrorMessages()
	if first != "" {
		first = " (first: " + first + ")"
	}
	p("lost", "%d (send errors %d, server error messages %d%s, sockets dropped %d, unexpected messages %d)",
		l.Lost, l.SendErrors, errs, first, f.Dropped(), f.Unexpected())
	if d := r.dispatch; d != nil {
		p("dispatch", "%d agents and %d waiting pages, dealt over the nodes in turn; seeded in %.1fs; %d pages open (%d dials failed)",
			d.Agents, d.Waiting, r.dispatchSeed.Seconds(), d.Pages, d.DialFailures)
		if d.FirstDialError != nil {
			p("first failure", "%v", d.FirstDialError)
		}
		p("takes", "%d in %.2fs: %.0f takes/s; %d joined an agent on one node to a page on the other", d.Takes, d.Elapsed.Seconds(), d.Rate(), d.Across)
		p("take latency", "POST /agent/take p50 %s, p99 %s, max %s", ms(d.P50), ms(d.P99), ms(d.Max))
		p("call notices", "%d of %d pages told their call started (%d missing)", d.Notices, d.Waiting, d.Missing)
		p("checks", "%d rules broken (a freelancer taken twice or never, an agent in two calls), %d requests failed", d.Violations, d.Failures)
		for _, s := range d.First {
			p("", "%s", s)
		}
	}
	if r.ok() {
		p("result", "OK")
	} else {
		p("result", "FAILED")
	}
}
