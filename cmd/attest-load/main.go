// Command attest-load measures attest's live-call signaling: how many
// WebSocket connections one process holds, how much memory they take, and
// how long small chat messages take to cross from an agent to a freelancer.
//
// It puts N agent/freelancer pairs in calls straight through the database,
// opens 2N signaling sockets on loopback, measures the server's memory with
// every socket open and idle, then relays M chat messages per pair at a
// bounded total rate and reports p50, p99 and max latency and any lost
// message. It exits non-zero if a dial fails or a message is lost.
//
//	go run ./cmd/attest-load --pairs 5000
//
// By default attest runs in this process on 127.0.0.1:0 with a temporary
// SQLite database. Client and server then share one process, one memory
// figure and one open-file limit (each loopback connection is two files), so
// when 4N sockets do not fit under the limit the server is started as a
// child process of this binary instead (--server child forces that). Against
// an attest started separately, give its --addr, its database (--data or
// --db, which the tool writes the pairs into), its --master-key-file (which
// signs the pairs' links) and its --pid for memory.
//
// With --nodes 2 it measures signaling between two nodes instead: two
// `attest serve` processes with the shipped defaults on one PostgreSQL
// database (a throwaway one it creates with --pg-admin and drops after, or
// the empty one --db names), every call with its freelancer on one node and
// its agent on the other, so that every chat message crosses through
// PostgreSQL. Then it seeds a live queue and has agents on both nodes take
// from it at once through the console (nodes.go).
//
//	go run ./cmd/attest-load --nodes 2 --pg-admin 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' --pairs 1000
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"time"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/loadtest"
	"github.com/attest-dev/attest/internal/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// fileMargin is what a process needs besides its sockets: the database,
// the listener, the TURN server, the runtime.
const fileMargin = 256

type options struct {
	pairs, messages, rate, dials    int
	addr, data, db, mode, masterKey string
	pid                             int
	idle, timeout, tick             time.Duration
	heapProfile                     string
	// profile is a directory where the child server writes a CPU profile,
	// block and mutex profiles and an execution trace of the relay.
	profile string
	// Two nodes (nodes.go).
	nodes                     int
	pgAdmin, attest           string
	dispatchAgents, dispatchQ int
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("attest-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.pairs, "pairs", 5000, "agent/freelancer pairs in calls; each pair is two sockets")
	fs.IntVar(&o.messages, "messages", 20, "chat messages per pair, agent to freelancer")
	fs.IntVar(&o.rate, "rate", 2000, "total chat messages per second")
	fs.IntVar(&o.dials, "dials", 200, "sockets dialed at once")
	fs.StringVar(&o.addr, "addr", "", "host:port of a running attest on loopback (default: start one)")
	fs.StringVar(&o.data, "data", "", "with --addr: that attest's SQLite directory, where the pairs are written")
	fs.StringVar(&o.db, "db", "", "with --addr: that attest's PostgreSQL URL, where the pairs are written; with --nodes 2: an empty PostgreSQL database (or schema, by search_path) for the two nodes")
	fs.StringVar(&o.masterKey, "master-key-file", "", "with --addr: that attest's master key file, which signs the pairs' portal links")
	fs.IntVar(&o.pid, "pid", 0, "with --addr: that attest's process id, to read its memory and CPU")
	fs.StringVar(&o.mode, "server", "auto", "without --addr: inproc, child, or auto (inproc when 4×pairs sockets fit under the file limit)")
	fs.DurationVar(&o.idle, "idle", 10*time.Second, "how long to sample the server's CPU with every socket open and idle (0 skips)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.DurationVar(&o.tick, "tick", 0, "own server only: the call service's tick (queue places, floor, agent heartbeats); 0 keeps attest's 5s")
	fs.StringVar(&o.heapProfile, "heapprofile", "", "write the server's heap profile here at the idle measurement (own server only)")
	fs.StringVar(&o.profile, "profile", "", "child server only: write its CPU, block and mutex profiles and an execution trace of the relay phase into this directory")
	fs.IntVar(&o.nodes, "nodes", 1, "1: one attest (above); 2: two `attest serve` nodes on one PostgreSQL database (--pg-admin or --db), calls across them")
	fs.StringVar(&o.pgAdmin, "pg-admin", "", "with --nodes 2: a PostgreSQL URL whose role may create databases; a throwaway database attest_load_<random> is made there and dropped after")
	fs.StringVar(&o.attest, "attest", "", "with --nodes 2: the attest executable the nodes run (default: go build ./cmd/attest)")
	fs.IntVar(&o.dispatchAgents, "dispatch-agents", 100, "with --nodes 2: agents, spread over the nodes, who take from the live queue at once (0 skips the dispatch)")
	fs.IntVar(&o.dispatchQ, "dispatch-queue", 1000, "with --nodes 2: freelancers waiting in the live queue for the dispatch")
	child := fs.String("serve-child", "", "internal: serve attest on this data directory for a parent attest-load")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	soft, _, err := loadtest.RaiseFileLimit()
	if err != nil {
		fmt.Fprintln(stderr, "attest-load: raise the open-file limit:", err)
		return 1
	}
	if *child != "" {
		return serveChild(*child, o, stdout, stderr)
	}
	if o.pairs <= 0 || o.messages <= 0 || o.rate <= 0 || o.dials <= 0 {
		fmt.Fprintln(stderr, "attest-load: --pairs, --messages, --rate and --dials must be positive")
		return 2
	}
	if o.nodes != 1 {
		if err := o.checkNodes(fs); err != nil {
			fmt.Fprintln(stderr, "attest-load:", err)
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
		defer cancel()
		if err := measureNodes(ctx, o, soft, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "attest-load:", err)
			return 1
		}
		return 0
	}
	if o.addr != "" && ((o.data == "") == (o.db == "") || o.masterKey == "") {
		fmt.Fprintln(stderr, "attest-load: with --addr, give that attest's --data DIR or --db URL (the pairs are written there) and its --master-key-file")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := measure(ctx, o, soft, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "attest-load:", err)
		return 1
	}
	return 0
}

// target is the attest under measurement.
type target struct {
	desc   string
	base   string
	pid    int  // 0 when unknown
	shared bool // the server runs in this process
	seed   func(ctx context.Context, n int) ([]loadtest.Pair, error)
	// memory collects garbage in the server and reads its Go memory; nil when out of reach.
	memory func(ctx context.Context) (loadtest.GoMemory, error)
	// profile starts profiling the server and returns the function that
	// stops it; nil when out of reach.
	profile func(ctx context.Context) (stop func() error, err error)
	close   func() error
}

func measure(ctx context.Context, o options, soft uint64, stdout, stderr io.Writer) error {
	sockets := 2 * o.pairs
	if uint64(sockets+fileMargin) > soft {
		return fmt.Errorf("%d sockets need about %d open files in the load client; the limit is %d", sockets, sockets+fileMargin, soft)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var t *target
	var err error
	switch {
	case o.addr != "":
		t, err = external(o)
	case o.mode == "inproc" && uint64(2*sockets+fileMargin) > soft:
		return fmt.Errorf("--server inproc: %d sockets are %d open files in one process with the server; the limit is %d (use --server child)",
			sockets, 2*sockets, soft)
	case o.mode == "inproc" || o.mode == "auto" && uint64(2*sockets+fileMargin) <= soft:
		t, err = inProcess(ctx, o, log)
	case o.mode == "child" || o.mode == "auto":
		t, err = childServer(ctx, o, stderr)
	default:
		return fmt.Errorf("--server %q: want inproc, child or auto", o.mode)
	}
	if err != nil {
		return err
	}
	defer func() {
		if err := t.close(); err != nil {
			fmt.Fprintln(stderr, "attest-load: stop the server:", err)
		}
	}()
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, "attest-load: "+format+"\n", args...) }

	r := report{opts: o, target: t, clientLimit: soft, serverLimit: -1, rss: -1, idleCPU: -1}
	if t.pid != 0 {
		if r.serverLimit, err = loadtest.FileLimit(t.pid); err != nil {
			return err
		}
	}
	progress("%s; seeding %d calls", t.desc, o.pairs)
	began := time.Now()
	pairs, err := t.seed(ctx, o.pairs)
	if err != nil {
		return err
	}
	r.seedTime = time.Since(began)

	progress("connecting %d sockets, %d at a time", 2*len(pairs), o.dials)
	began = time.Now()
	fleet, err := loadtest.Connect(ctx, t.base, pairs, loadtest.ConnectOptions{Concurrency: o.dials})
	if err != nil {
		return err
	}
	defer fleet.Close()
	r.connectTime, r.fleet = time.Since(began), fleet
	if fleet.DialFailures > 0 || fleet.NotReady > 0 {
		progress("%d dials failed (first: %v); %d pairs not seated", fleet.DialFailures, fleet.FirstDialError, fleet.NotReady)
	}

	// Idle: no relay traffic, only the service's own ticks.
	if err := sleep(ctx, 2*time.Second); err != nil {
		return err
	}
	if t.pid != 0 && o.idle > 0 {
		progress("sampling the server's idle CPU for %s", o.idle)
		before, err := loadtest.CPUTime(t.pid)
		if err != nil {
			return err
		}
		if err := sleep(ctx, o.idle); err != nil {
			return err
		}
		after, err := loadtest.CPUTime(t.pid)
		if err != nil {
			return err
		}
		r.idleCPU = float64(after-before) / float64(o.idle)
	}
	if t.memory != nil {
		m, err := t.memory(ctx)
		if err != nil {
			return err
		}
		r.goMem = &m
	}
	if t.pid != 0 {
		if r.rss, err = loadtest.RSS(t.pid); err != nil {
			return err
		}
		if r.rssAnon, r.rssFile, err = loadtest.RSSParts(t.pid); err != nil {
			return err
		}
	}
	if !t.shared {
		r.clientRSS, _ = loadtest.RSS(os.Getpid())
	}

	total := len(pairs) * o.messages
	stopProfile := func() error { return nil }
	if o.profile != "" {
		if t.profile == nil {
			return errors.New("--profile: only a child server (--server child) is profiled")
		}
		if stopProfile, err = t.profile(ctx); err != nil {
			return err
		}
	}
	progress("relaying %d messages at %d/s", total, o.rate)
	r.latency, err = fleet.Relay(ctx, loadtest.RelayOptions{Messages: total, Rate: o.rate})
	if err != nil {
		return err
	}
	if err := stopProfile(); err != nil {
		return err
	}
	r.print(stdout)
	if !r.ok() {
		return errors.New("failures above")
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// inProcess starts attest in this process on a temporary SQLite database.
func inProcess(ctx context.Context, o options, log *slog.Logger) (*target, error) {
	dir, err := os.MkdirTemp("", "attest-load-")
	if err != nil {
		return nil, err
	}
	local, err := loadtest.StartLocal(ctx, loadtest.LocalOptions{DataDir: dir, Log: log, Tick: o.tick})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &target{
		desc: "attest in this process on " + local.Base, base: local.Base, pid: os.Getpid(), shared: true,
		seed: local.Seed,
		memory: func(context.Context) (loadtest.GoMemory, error) {
			m := loadtest.ReadGoMemory()
			return m, writeHeapProfile(o.heapProfile)
		},
		close: func() error { return errors.Join(local.Close(), os.RemoveAll(dir)) },
	}, nil
}

func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

// external is an attest started separately; the pairs go into its database.
func external(o options) (*target, error) {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %w", o.addr, err)
	}
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return nil, fmt.Errorf("--addr %q is not on loopback; this tool only dials loopback", o.addr)
	}
	base := "http://" + o.addr
	cfg := store.Config{DataDir: o.data, DatabaseURL: o.db}
	master, err := keys.ReadFile(o.masterKey)
	if err != nil {
		return nil, err
	}
	desc := "attest at " + base
	if o.pid != 0 {
		desc += fmt.Sprintf(" (pid %d)", o.pid)
	}
	return &target{desc: desc, base: base, pid: o.pid,
		seed: func(ctx context.Context, n int) ([]loadtest.Pair, error) {
			return loadtest.SeedDatabase(ctx, cfg, keys.NewRing(master), base, n)
		},
		close: func() error { return nil },
	}, nil
}

// childServer starts attest in a child process running this binary with
// --serve-child, on a temporary SQLite database that this process seeds.
// The child answers "stats" on its stdin with its Go memory after a GC, and
// stops when its stdin closes.
func childServer(ctx context.Context, o options, stderr io.Writer) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "attest-load-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "--serve-child", dir, "--timeout", (o.timeout + time.Minute).String(),
		"--tick", o.tick.String(), "--heapprofile", o.heapProfile, "--profile", o.profile)
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	lines := make(chan string, 4)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	waited := make(chan error, 1)
	stop := func() error {
		in.Close()
		go func() { waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			return errors.Join(err, os.RemoveAll(dir))
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			return errors.Join(errors.New("the child server did not stop within 20s; killed"), <-waited, os.RemoveAll(dir))
		}
	}
	expect := func(ctx context.Context, prefix string) (string, error) {
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					return "", errors.New("the child server exited")
				}
				if rest, ok := strings.CutPrefix(line, prefix); ok {
					return rest, nil
				}
			case <-timeout:
				return "", fmt.Errorf("no %q from the child server within 2 minutes", strings.TrimSpace(prefix))
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	base, err := expect(ctx, "ready ")
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	return &target{
		desc: fmt.Sprintf("attest in a child process (pid %d) on %s", cmd.Process.Pid, base), base: base, pid: cmd.Process.Pid,
		seed: func(ctx context.Context, n int) ([]loadtest.Pair, error) {
			ring, err := loadtest.LocalKeys(dir) // the child made it
			if err != nil {
				return nil, err
			}
			return loadtest.SeedDatabase(ctx, store.Config{DataDir: dir}, ring, base, n)
		},
		memory: func(ctx context.Context) (loadtest.GoMemory, error) {
			if _, err := io.WriteString(in, "stats\n"); err != nil {
				return loadtest.GoMemory{}, err
			}
			line, err := expect(ctx, "stats ")
			if err != nil {
				return loadtest.GoMemory{}, err
			}
			return loadtest.ParseGoMemory(line)
		},
		profile: func(ctx context.Context) (func() error, error) {
			if _, err := io.WriteString(in, "profile\n"); err != nil {
				return nil, err
			}
			if _, err := expect(ctx, "profiling"); err != nil {
				return nil, err
			}
			return func() error {
				if _, err := io.WriteString(in, "unprofile\n"); err != nil {
					return err
				}
				_, err := expect(ctx, "profiled")
				return err
			}, nil
		},
		close: stop,
	}, nil
}

// serveChild is the child side of childServer.
func serveChild(dir string, o options, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	local, err := loadtest.StartLocal(ctx, loadtest.LocalOptions{DataDir: dir, Log: log, Tick: o.tick})
	if err != nil {
		fmt.Fprintln(stderr, "attest-load child:", err)
		return 1
	}
	defer local.Close()
	fmt.Fprintf(stdout, "ready %s\n", local.Base)
	var stopProfiles func() error
	commands := make(chan string)
	go func() {
		defer close(commands)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			commands <- sc.Text()
		}
	}()
	for {
		select {
		case cmd, ok := <-commands:
			if !ok {
				return 0 // the parent is done
			}
			if cmd == "stats" {
				m := loadtest.ReadGoMemory()
				if err := writeHeapProfile(o.heapProfile); err != nil {
					fmt.Fprintln(stderr, "attest-load child: heap profile:", err)
				}
				fmt.Fprintf(stdout, "stats %s\n", m)
			}
			if cmd == "profile" {
				stop, err := startProfiles(o.profile)
				if err != nil {
					fmt.Fprintln(stderr, "attest-load child: profile:", err)
					return 1
				}
				stopProfiles = stop
				fmt.Fprintln(stdout, "profiling")
			}
			if cmd == "unprofile" && stopProfiles != nil {
				if err := stopProfiles(); err != nil {
					fmt.Fprintln(stderr, "attest-load child: profile:", err)
					return 1
				}
				stopProfiles = nil
				fmt.Fprintln(stdout, "profiled")
			}
		case <-ctx.Done():
			fmt.Fprintln(stderr, "attest-load child: timed out")
			return 1
		}
	}
}

// startProfiles starts a CPU profile, an execution trace and the block and
// mutex profiles of this process, written into dir when stopped.
func startProfiles(dir string) (stop func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "trace.out"))
	if err != nil {
		cpu.Close()
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		out.Close()
		return nil, err
	}
	if err := trace.Start(out); err != nil {
		pprof.StopCPUProfile()
		cpu.Close()
		out.Close()
		return nil, err
	}
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	runtime.SetMutexProfileFraction(10)
	return func() error {
		trace.Stop()
		pprof.StopCPUProfile()
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		errs := []error{cpu.Close(), out.Close()}
		for _, name := range []string{"block", "mutex"} {
			f, err := os.Create(filepath.Join(dir, name+".pprof"))
			if err != nil {
				return errors.Join(append(errs, err)...)
			}
			errs = append(errs, pprof.Lookup(name).WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}

type report struct {
	opts                  options
	target                *target
	clientLimit           uint64
	serverLimit           int64
	seedTime, connectTime time.Duration
	fleet                 *loadtest.Fleet
	rss, clientRSS        int64
	rssAnon, rssFile      int64 // the server's RSS by kind
	goMem                 *loadtest.GoMemory
	idleCPU               float64
	latency               *loadtest.Latency
}

func (r *report) ok() bool {
	f, l := r.fleet, r.latency
	errs, _ := f.ErrorMessages()
	return f.DialFailures == 0 && f.NotReady == 0 && f.Dropped() == 0 && errs == 0 && f.Unexpected() == 0 &&
		l.Lost == 0 && l.SendErrors == 0
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// slowWindows says when the slowest messages were sent, from the relay's start.
func slowWindows(list []loadtest.SlowWindow) string {
	var windows []string
	for _, w := range list {
		windows = append(windows, fmt.Sprintf("%.1fs: %d (worst %s)", w.Start.Seconds(), w.Count, ms(w.Worst)))
	}
	return fmt.Sprintf("sent in the %s windows with most of them: %s", loadtest.SlowWindowLength, strings.Join(windows, ", "))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func (r *report) print(w io.Writer) {
	f, l := r.fleet, r.latency
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-13s "+format+"\n", append([]any{label}, args...)...)
	}
	fmt.Fprintln(w, "attest-load", time.Now().UTC().Format(time.RFC3339))
	tick := "as configured there"
	if r.opts.addr == "" {
		tick = "5s (attest's default)"
		if r.opts.tick > 0 {
			tick = r.opts.tick.String()
		}
	}
	p("server", "%s; call service tick %s", r.target.desc, tick)
	p("sockets", "%d open of %d (%d pairs); %d dials failed, %d pairs not seated", f.Sockets(), 2*f.Pairs(), f.Pairs(), f.DialFailures, f.NotReady)
	if f.FirstDialError != nil {
		p("first failure", "%v", f.FirstDialError)
	}
	limit := "unknown"
	if r.serverLimit >= 0 {
		limit = fmt.Sprint(r.serverLimit)
	}
	p("file limit", "server %s, load client %d", limit, r.clientLimit)
	p("setup", "%d calls seeded in %.1fs; sockets open and seated in %.1fs", f.Pairs(), r.seedTime.Seconds(), r.connectTime.Seconds())
	if r.rss >= 0 {
		note := "after a GC; server alone"
		switch {
		case r.target.shared:
			note = "after a GC; server AND load client: one process, twice the sockets"
		case r.target.memory == nil:
			note = "server alone; no GC forced"
		}
		p("RSS", "%s, idle with every socket open (%s)", mib(r.rss), note)
	} else {
		p("RSS", "unknown (give --pid)")
	}
	if m := r.goMem; m != nil {
		p("Go memory", "heap %s live, stacks %s, %s from the OS, %d goroutines", mib(int64(m.HeapAlloc)), mib(int64(m.StackInuse)), mib(int64(m.Sys)), m.Goroutines)
		sockets := max(f.Sockets(), 1)
		for i, name := range loadtest.MemoryClasses {
			p("", "%-45s %10s  %6.2f KiB per socket", name, mib(int64(m.Classes[i])), float64(m.Classes[i])/1024/float64(sockets))
		}
	}
	if r.rssAnon > 0 || r.rssFile > 0 {
		p("RSS parts", "anonymous %s, file-backed %s", mib(r.rssAnon), mib(r.rssFile))
	}
	if r.clientRSS > 0 {
		p("load client", "RSS %s (not in the server's figure)", mib(r.clientRSS))
	}
	if r.idleCPU >= 0 {
		p("idle CPU", "%.1f %% of one core over %s", 100*r.idleCPU, r.opts.idle)
	}
	p("relay", "%d messages (%d per pair) at %d/s in %.1fs", l.Sent, r.opts.messages, r.opts.rate, l.Elapsed.Seconds())
	p("latency", "p50 %s, p99 %s, max %s", ms(l.P50), ms(l.P99), ms(l.Max))
	if len(l.Slow) > 0 {
		p("slowest 1 %", "%s", slowWindows(l.Slow))
	}
	errs, first := f.ErrorMessages()
	if first != "" {
		first = " (first: " + first + ")"
	}
	p("lost", "%d (send errors %d, server error messages %d%s, sockets dropped %d, unexpected messages %d)",
		l.Lost, l.SendErrors, errs, first, f.Dropped(), f.Unexpected())
	if drop := f.FirstDrop(); drop != "" {
		p("first drop", "%s", drop)
	}
	if r.ok() {
		p("result", "OK")
	} else {
		p("result", "FAILED")
	}
}
