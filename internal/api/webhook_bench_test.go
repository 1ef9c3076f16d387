package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/client"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// BenchmarkWebhooksVsBarePosts measures webhook delivery end to end: events
// committed, fanned out from the outbox into deliveries and jobs, signed and
// POSTed by the job workers to a receiver on loopback, each attempt recorded.
// The baseline is the same number of POSTs of the same body from ten
// goroutines (the job queue's ten workers) with a plain http.Client, in the
// same process. It reports events a second for both, their ratio, and the
// latency from commit to arrival. Run it with:
//
//	go test -run '^$' -bench WebhooksVsBarePosts -benchtime 2000x ./internal/api
func BenchmarkWebhooksVsBarePosts(b *testing.B) {
	ctx := context.Background()
	cfg := server.Config{Store: store.Config{DataDir: b.TempDir()}, Webhooks: server.WebhookConfig{AllowPrivate: true,
		Poll: 50 * time.Millisecond}}
	e := newEnvWith(b, cfg)
	stop, err := e.srv.Start(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer stop(ctx)

	var mu sync.Mutex
	arrived := map[string]time.Time{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived[r.Header.Get("webhook-id")] = time.Now()
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	if _, err := e.api.CreateWebhookEndpoint(ctx, client.WebhookEndpointCreate{URL: receiver.URL,
		Events: []client.EventType{"standing.changed"}}); err != nil {
		b.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(arrived) }

	// Webhooks: commit b.N events in batches of 50, as a busy service would.
	committed := map[string]time.Time{}
	start := time.Now()
	for done := 0; done < b.N; {
		batch := min(50, b.N-done)
		err := e.srv.Store.InTx(ctx, func(tx *store.Tx) error {
			for range batch {
				ev, err := tx.AppendEvent(ctx, verification.EventStandingChange, "u-bench", "", map[string]any{"restrictions": []string{}}, time.Now())
				if err != nil {
					return err
				}
				committed[ev.ID] = time.Now()
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += batch
	}
	for count() < b.N {
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("only %d of %d webhooks arrived", count(), b.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	hooks := time.Since(start)
	var latencies []time.Duration
	mu.Lock()
	for id, at := range arrived {
		latencies = append(latencies, at.Sub(committed[id]))
	}
	mu.Unlock()
	slices.Sort(latencies)

	// The baseline: the same POSTs, ten at a time, no queue and no database.
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer bare.Close()
	body := []byte(`{"id":"evt_x","seq":1,"type":"standing.changed","timestamp":"2026-01-01T00:00:00Z","freelancer_id":"u-bench","data":{"restrictions":[]}}`)
	jobs := make(chan struct{}, b.N)
	for range b.N {
		jobs <- struct{}{}
	}
	close(jobs)
	start = time.Now()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range jobs {
				res, err := http.Post(bare.URL, "application/json", bytes.NewReader(body))
				if err == nil {
					res.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	plain := time.Since(start)

	b.ReportMetric(float64(b.N)/hooks.Seconds(), "webhooks/s")
	b.ReportMetric(float64(b.N)/plain.Seconds(), "bare-posts/s")
	b.ReportMetric(plain.Seconds()/hooks.Seconds(), "ratio")
	b.ReportMetric(float64(latencies[len(latencies)/2].Milliseconds()), "commit-to-arrival-p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Milliseconds()), "commit-to-arrival-p99-ms")
}
