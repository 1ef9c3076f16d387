package call_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/loadtest"
)

// BenchmarkSignalingRelay is a small cmd/attest-load: 200 agent/freelancer
// pairs in calls on a real attest (embedded SQLite, loopback WebSockets,
// load client in the same process), then b.N chat messages from agents to
// freelancers at 2,000 messages/s in total. ns/op is therefore the pacing
// interval; the figures that matter are the relay latencies (from just
// before the agent's write to the freelancer's read) and lost messages.
//
//	go test -run '^$' -bench SignalingRelay ./internal/call
func BenchmarkSignalingRelay(b *testing.B) {
	const pairs = 200
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	local, err := loadtest.StartLocal(ctx, loadtest.LocalOptions{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer local.Close()
	seeded, err := local.Seed(ctx, pairs)
	if err != nil {
		b.Fatal(err)
	}
	fleet, err := loadtest.Connect(ctx, local.Base, seeded, loadtest.ConnectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer fleet.Close()
	if fleet.DialFailures > 0 || fleet.NotReady > 0 {
		b.Fatalf("%d dials failed (%v), %d pairs not seated", fleet.DialFailures, fleet.FirstDialError, fleet.NotReady)
	}

	b.ResetTimer()
	lat, err := fleet.Relay(ctx, loadtest.RelayOptions{Messages: b.N, Rate: 2000})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if lat.Lost > 0 || lat.SendErrors > 0 || fleet.Dropped() > 0 {
		b.Fatalf("lost %d of %d, send errors %d, sockets dropped %d", lat.Lost, lat.Sent, lat.SendErrors, fleet.Dropped())
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(lat.P50), "p50-µs")
	b.ReportMetric(us(lat.P99), "p99-µs")
	b.ReportMetric(us(lat.Max), "max-µs")
	b.ReportMetric(float64(fleet.Sockets()), "sockets")
}
