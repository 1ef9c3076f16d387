package loadtest_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/loadtest"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// twoNodes starts two attest nodes in this process on one fresh PostgreSQL
// schema and waits until both listen for each other's signaling. url is
// the schema's connection string.
func twoNodes(t *testing.T, ctx context.Context) (a, b *loadtest.Local, db *sql.DB, url string) {
	t.Helper()
	cfg := storetest.Postgres(t)
	for _, node := range []**loadtest.Local{&a, &b} {
		l, err := loadtest.StartLocal(ctx, loadtest.LocalOptions{DatabaseURL: cfg.DatabaseURL, Keys: keystest.Ring()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		*node = l
	}
	db = storetest.RawDB(t, cfg)
	if err := loadtest.WaitListening(ctx, db, 2); err != nil {
		t.Fatal(err)
	}
	return a, b, db, cfg.DatabaseURL
}

// Twenty pairs, each with its freelancer on one node and its agent on the
// other: every socket opens, every pair is seated across the nodes, and
// every chat message crosses through PostgreSQL exactly once.
func TestRelayAcrossNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	a, b, _, url := twoNodes(t, ctx)
	pairs, err := a.Seed(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	loadtest.AcrossNodes(pairs, []string{a.Base, b.Base})
	for i, p := range pairs {
		if p.AgentBase == p.FreelancerBase || (i%2 == 0) != (p.FreelancerBase == a.Base) {
			t.Fatalf("pair %d: agent on %s, freelancer on %s", i, p.AgentBase, p.FreelancerBase)
		}
	}
	fleet, err := loadtest.Connect(ctx, "", pairs, loadtest.ConnectOptions{Concurrency: 8, ReadyTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	if fleet.DialFailures > 0 || fleet.NotReady > 0 || fleet.Sockets() != 40 {
		t.Fatalf("sockets %d, failed dials %d (%v), pairs not seated %d", fleet.Sockets(), fleet.DialFailures, fleet.FirstDialError, fleet.NotReady)
	}
	if _, err := fleet.ListenHops(ctx, url); err != nil {
		t.Fatal(err)
	}
	lat, err := fleet.Relay(ctx, loadtest.RelayOptions{Messages: 20 * 20, Rate: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if lat.Sent != 400 || lat.Received != 400 || lat.Lost != 0 || lat.SendErrors != 0 {
		t.Fatalf("relay %+v, want 400 sent and received", lat)
	}
	// Every message crossed PostgreSQL, so the tool's own listener heard
	// each, after it was sent. (Not necessarily before the freelancer's
	// node did: the two listeners are told at once.)
	if h := lat.Hops; h == nil || h.Heard != 400 || h.ToListener.P50 <= 0 {
		t.Fatalf("hops %+v, want all 400 heard after they were sent", h)
	}
	if n, code := fleet.ErrorMessages(); n > 0 || fleet.Dropped() > 0 || fleet.Unexpected() > 0 {
		t.Fatalf("error messages %d (first %q), dropped %d, unexpected %d", n, code, fleet.Dropped(), fleet.Unexpected())
	}
}

// Ten agents, five on each node, take fifty waiting freelancers, whose
// pages are spread over both nodes, through the console's take endpoint:
// each freelancer is taken once, no agent holds two calls, and every page
// hears that its call started, from whichever node.
func TestDispatchAcrossNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	a, b, db, _ := twoNodes(t, ctx)
	agents, waiting, err := loadtest.SeedQueue(ctx, a.Server.Store, a.Server.Workflow, 10, 50)
	if err != nil {
		t.Fatal(err)
	}
	bases := []string{a.Base, b.Base}
	loadtest.SpreadAgents(agents, bases)
	loadtest.SpreadWaiting(waiting, bases)
	d, err := loadtest.RunDispatch(ctx, agents, waiting, loadtest.DispatchOptions{DB: db, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !d.OK() || d.Takes != 50 || d.Notices != 50 || d.Pages != 50 {
		t.Fatalf("dispatch %+v\nfirst problems:\n%s", d, strings.Join(d.First, "\n"))
	}
	if d.Across == 0 || d.Across == 50 {
		t.Errorf("%d of 50 takes crossed nodes; with agents and pages spread over both, want some and not all", d.Across)
	}
}

// A throwaway database is created empty and dropped, connections and all.
func TestThrowawayDatabase(t *testing.T) {
	admin := os.Getenv("ATTEST_TEST_POSTGRES")
	if admin == "" {
		storetest.Postgres(t) // skips, or fails under CI=true
		return
	}
	ctx := t.Context()
	dbURL, drop, err := loadtest.ThrowawayDatabase(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	name := loadtest.DatabaseName(dbURL)
	if !strings.HasPrefix(name, "attest_load_") {
		drop(ctx)
		t.Fatalf("database %q, want attest_load_…", name)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		drop(ctx)
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil || tables != 0 {
		drop(ctx)
		t.Fatalf("%d tables in the new database (%v), want none", tables, err)
	}
	if err := drop(ctx); err != nil { // db still holds a connection
		t.Fatal(err)
	}
	var exists bool
	check, _ := sql.Open("pgx", admin)
	defer check.Close()
	if err := check.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil || exists {
		t.Fatalf("database %s still exists after drop (%v)", name, err)
	}
}
