package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx" driver
)

// Node is `attest serve` running as a child process: one node of an attest
// whose nodes share a PostgreSQL database.
type Node struct {
	Name string // A, B, … in reports
	Base string // http://127.0.0.1:port
	PID  int

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // how the process ended, once exited is closed

	mu       sync.Mutex
	errors   int    // lines the node logged at ERROR
	warnings int    // lines the node logged at WARN
	first    string // the first of them
}

// NodeOptions start a node.
type NodeOptions struct {
	// Binary is the attest executable (see BuildAttest).
	Binary string
	// DatabaseURL is the PostgreSQL database every node shares.
	DatabaseURL string
	// MasterKeyFile holds the master key every node and the seeding share.
	MasterKeyFile string
	// Log receives the node's warnings and errors, each line prefixed with
	// its name; nil discards them (they are still counted).
	Log io.Writer
}

// StartNode runs `attest serve` with the shipped defaults except its
// addresses: HTTP and TURN on free loopback ports, the database and the
// master key given. ATTEST_* variables are not passed on, so that nothing
// in this process's environment changes a default. It returns once the
// node says it is serving. The node is killed if this process dies.
func StartNode(ctx context.Context, name string, opts NodeOptions) (*Node, error) {
	cmd := exec.Command(opts.Binary, "serve", "--addr", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0",
		"--db", opts.DatabaseURL, "--master-key-file", opts.MasterKeyFile)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ATTEST_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node %s (%s serve): %w", name, opts.Binary, err)
	}
	n := &Node{Name: name, PID: cmd.Process.Pid, cmd: cmd, exited: make(chan struct{})}
	serving := make(chan string, 1)
	go n.readLog(stderr, opts.Log, serving)
	go func() {
		n.err = cmd.Wait()
		close(n.exited)
	}()
	select {
	case n.Base = <-serving:
		return n, nil
	case <-n.exited:
		return nil, fmt.Errorf("node %s exited before serving: %v (first logged problem: %s)", name, n.err, n.firstProblem())
	case <-time.After(2 * time.Minute):
		n.Stop()
		return nil, fmt.Errorf("node %s did not say it was serving within 2 minutes", name)
	case <-ctx.Done():
		n.Stop()
		return nil, ctx.Err()
	}
}

// logLine is the part of attest's JSON log lines a node's reader looks at.
type logLine struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	BaseURL string `json:"base_url"`
	Err     string `json:"err"`
}

// readLog counts the node's warnings and errors and passes them on, and
// announces the base URL from the line that says the node is serving.
func (n *Node) readLog(r io.Reader, out io.Writer, serving chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			l = logLine{Level: "ERROR", Msg: sc.Text()} // a panic or a crash, not a log line
		}
		if l.Msg == "attest is serving" && l.BaseURL != "" {
			serving <- l.BaseURL
			continue
		}
		if l.Level != "WARN" && l.Level != "ERROR" {
			continue
		}
		n.mu.Lock()
		if l.Level == "ERROR" {
			n.errors++
		} else {
			n.warnings++
		}
		if n.first == "" {
			n.first = l.Msg
			if l.Err != "" {
				n.first += ": " + l.Err
			}
			if len(n.first) > 160 {
				n.first = n.first[:160] + "…"
			}
		}
		n.mu.Unlock()
		if out != nil {
			fmt.Fprintf(out, "node %s: %s\n", n.Name, sc.Text())
		}
	}
	io.Copy(io.Discard, r)
}

// Problems is how many lines the node logged at ERROR and at WARN, and the first of them.
func (n *Node) Problems() (errors, warnings int, first string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.errors, n.warnings, n.first
}

func (n *Node) firstProblem() string {
	_, _, first := n.Problems()
	if first == "" {
		return "none"
	}
	return first
}

// Stop asks the node to shut down (SIGTERM, as a supervisor would) and
// kills it if it has not within 20 seconds.
func (n *Node) Stop() error {
	select {
	case <-n.exited:
		return nil // already gone; how it ended was reported, if it mattered
	default:
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop node %s: %w", n.Name, err)
	}
	select {
	case <-n.exited:
		return nil
	case <-time.After(20 * time.Second):
		n.cmd.Process.Kill()
		<-n.exited
		return fmt.Errorf("node %s did not stop within 20s of SIGTERM; killed", n.Name)
	}
}

// BuildAttest builds the attest command from this module's source into dir
// with `go build`, and returns the executable's path. It needs the go tool
// and a working directory inside the module, as `go run ./cmd/attest-load` has.
func BuildAttest(ctx context.Context, dir string) (string, error) {
	exe := filepath.Join(dir, "attest")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", exe, "github.com/attest-dev/attest/cmd/attest").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build attest (go build ./cmd/attest; or give --attest): %w\n%s", err, out)
	}
	return exe, nil
}

// ThrowawayDatabase creates an empty database named attest_load_<random> on
// the PostgreSQL server adminURL connects to (its role must be allowed to
// create databases), and returns its URL and a function that drops it,
// ending any session still connected to it.
func ThrowawayDatabase(ctx context.Context, adminURL string) (dbURL string, drop func(context.Context) error, err error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("loadtest: %q is not a postgres:// URL", redacted(adminURL))
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "attest_load_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s on %s: %w", name, redacted(adminURL), err)
	}
	u.Path = "/" + name
	drop = func(ctx context.Context) error {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// DatabaseName is the database a PostgreSQL URL names, with its schema
// (search_path) when it sets one.
func DatabaseName(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "?"
	}
	name := strings.TrimPrefix(u.Path, "/")
	if schema := u.Query().Get("search_path"); schema != "" {
		name += " (schema " + schema + ")"
	}
	return name
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the database URL"
	}
	return u.Redacted()
}

// Alive returns an error if the node's process has ended.
func (n *Node) Alive() error {
	select {
	case <-n.exited:
		return fmt.Errorf("node %s exited: %v", n.Name, n.err)
	default:
		return nil
	}
}

// AcrossNodes puts the two sides of every call on different nodes: pair
// i's freelancer dials bases[i mod n] and its agent the node after it. With
// two nodes, half the freelancers are on A with their agents on B, and half
// the other way round.
func AcrossNodes(pairs []Pair, bases []string) {
	for i := range pairs {
		pairs[i].FreelancerBase = bases[i%len(bases)]
		pairs[i].AgentBase = bases[(i+1)%len(bases)]
	}
}

// SpreadAgents and SpreadWaiting deal agents and waiting freelancers' pages
// over the nodes in turn.
func SpreadAgents(agents []Agent, bases []string) {
	for i := range agents {
		agents[i].Base = bases[i%len(bases)]
	}
}

// SpreadWaiting: see SpreadAgents.
func SpreadWaiting(waiting []Waiter, bases []string) {
	for i := range waiting {
		waiting[i].Base = bases[i%len(bases)]
	}
}

// WaitListening waits until n nodes listen for signaling on db's schema,
// so that nothing published before a node listens is missed by it.
func WaitListening(ctx context.Context, db *sql.DB, n int) error {
	const query = `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND query = 'LISTEN "' || left('attest_signal_' || current_schema(), 63) || '"'`
	deadline := time.Now().Add(time.Minute)
	for {
		var listening int
		if err := db.QueryRowContext(ctx, query).Scan(&listening); err != nil {
			return fmt.Errorf("count the nodes listening: %w", err)
		}
		if listening >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d nodes listen for signaling after a minute", listening, n)
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
