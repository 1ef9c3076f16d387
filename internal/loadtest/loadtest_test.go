package loadtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/loadtest"
)

// Twenty pairs in calls on a real attest: every socket opens, every pair is
// seated, and every chat message crosses exactly once.
func TestRelayLosesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	local, err := loadtest.StartLocal(ctx, loadtest.LocalOptions{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	pairs, err := local.Seed(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := loadtest.Connect(ctx, local.Base, pairs, loadtest.ConnectOptions{Concurrency: 8, ReadyTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	if fleet.DialFailures > 0 || fleet.NotReady > 0 || fleet.Sockets() != 40 {
		t.Fatalf("sockets %d, failed dials %d (%v), pairs not seated %d", fleet.Sockets(), fleet.DialFailures, fleet.FirstDialError, fleet.NotReady)
	}
	lat, err := fleet.Relay(ctx, loadtest.RelayOptions{Messages: 20 * 20, Rate: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if lat.Sent != 400 || lat.Received != 400 || lat.Lost != 0 || lat.SendErrors != 0 {
		t.Fatalf("relay %+v", lat)
	}
	if n, code := fleet.ErrorMessages(); n > 0 || fleet.Dropped() > 0 || fleet.Unexpected() > 0 {
		t.Fatalf("error messages %d (first %q), dropped %d, unexpected %d", n, code, fleet.Dropped(), fleet.Unexpected())
	}
	if lat.P50 <= 0 || lat.P50 > lat.P99 || lat.P99 > lat.Max {
		t.Fatalf("latencies out of order: %+v", lat)
	}
}

// The process helpers read this very process.
func TestProcReadings(t *testing.T) {
	soft, hard, err := loadtest.RaiseFileLimit()
	if err != nil || soft == 0 || soft != hard { // the soft limit is raised to the hard one
		t.Fatalf("file limit %d/%d: %v", soft, hard, err)
	}
	if lim, err := loadtest.FileLimit(os.Getpid()); err != nil || (lim >= 0 && uint64(lim) != soft) {
		t.Fatalf("file limit from /proc: %d, %v; want %d", lim, err, soft)
	}
	if rss, err := loadtest.RSS(os.Getpid()); err != nil || rss < 1<<20 {
		t.Fatalf("rss %d: %v", rss, err)
	}
	if _, err := loadtest.CPUTime(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	m := loadtest.ReadGoMemory()
	back, err := loadtest.ParseGoMemory(m.String())
	if err != nil || back != m {
		t.Fatalf("round trip %+v → %q → %+v, %v", m, m.String(), back, err)
	}
}
