package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/api"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// BenchmarkStandingVsBare measures the marketplace's hot path, the standing
// endpoint (API key check, two indexed reads, JSON), against a bare net/http
// handler that writes a fixed body of the same size, both through real HTTP
// on loopback in the same process. Rounds alternate between the two so that
// noise on a shared machine hits both alike. Run it with:
//
//	go test -run '^$' -bench 'StandingVsBare$' -benchtime 40000x ./internal/api
func BenchmarkStandingVsBare(b *testing.B) {
	benchStandingVsBare(b, store.Config{DataDir: b.TempDir()})
}

// BenchmarkStandingVsBarePostgres is BenchmarkStandingVsBare with attest on
// PostgreSQL (a fresh schema in ATTEST_TEST_POSTGRES), as a node of several
// runs it; the bare handler is the same:
//
//	ATTEST_TEST_POSTGRES=postgres://… go test -run '^$' -bench StandingVsBarePostgres -benchtime 40000x ./internal/api
func BenchmarkStandingVsBarePostgres(b *testing.B) {
	if os.Getenv("ATTEST_TEST_POSTGRES") == "" {
		b.Skip("ATTEST_TEST_POSTGRES is not set: this benchmark needs a PostgreSQL URL (scripts/test finds or starts one)")
	}
	benchStandingVsBare(b, storetest.Postgres(b))
}

func benchStandingVsBare(b *testing.B, cfg store.Config) {
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{Store: cfg, BaseURL: "http://bench", Keys: keystest.Ring(),
		APIRateLimit: api.RateLimit{PerSecond: -1}}) // the path's speed, not the limiter's refusals
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var key string
	err = srv.Store.InTx(ctx, func(tx *store.Tx) error {
		if key, err = srv.Staff.CreateAPIKey(ctx, tx, "bench", "bench"); err != nil {
			return err
		}
		f := &verification.Freelancer{ID: "u-1", DisplayName: "Ana", Email: "ana@example.com", Locale: "pt-BR", TimeZone: "America/Sao_Paulo",
			Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Recife"}}}
		if _, err := srv.Workflow.PutFreelancer(ctx, tx, "bench", f); err != nil {
			return err
		}
		_, err = srv.Workflow.OpenVerification(ctx, tx, "bench", verification.Request{FreelancerID: "u-1",
			Reason: verification.Reason{Code: "bench", Explanation: "benchmark"}})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	full := httptest.NewServer(srv.Handler())
	defer full.Close()
	body := fetchBody(b, full.URL+"/v1/freelancers/u-1/standing", key)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer bare.Close()

	const rounds, workers = 4, 16
	var bareRun, standingRun loadResult
	b.ResetTimer()
	for range rounds {
		bareRun.add(load(bare.URL+"/", "", b.N/rounds, workers))
		standingRun.add(load(full.URL+"/v1/freelancers/u-1/standing", key, b.N/rounds, workers))
	}
	b.StopTimer()
	if bareRun.failed+standingRun.failed > 0 {
		b.Fatalf("%d bare and %d standing requests failed", bareRun.failed, standingRun.failed)
	}
	b.ReportMetric(bareRun.rate(), "bare-req/s")
	b.ReportMetric(standingRun.rate(), "standing-req/s")
	b.ReportMetric(standingRun.rate()/bareRun.rate(), "ratio")
	b.ReportMetric(bareRun.percentile(0.50), "bare-p50-µs")
	b.ReportMetric(bareRun.percentile(0.99), "bare-p99-µs")
	b.ReportMetric(standingRun.percentile(0.50), "standing-p50-µs")
	b.ReportMetric(standingRun.percentile(0.99), "standing-p99-µs")
}

func fetchBody(b *testing.B, url, key string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		b.Fatalf("standing: %d %s", res.StatusCode, body)
	}
	return body
}

type loadResult struct {
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
	failed    int64
}

func (r *loadResult) add(o loadResult) {
	r.requests += o.requests
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
	r.failed += o.failed
}

func (r *loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r *loadResult) percentile(p float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	return float64(r.latencies[int(p*float64(len(r.latencies)-1))].Microseconds())
}

// load sends n GET requests from workers keep-alive connections and times each.
func load(url, key string, n, workers int) loadResult {
	transport := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	var next, failed atomic.Int64
	latencies := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				req, _ := http.NewRequest("GET", url, nil)
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				t := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
				}
				latencies[w] = append(latencies[w], time.Since(t))
			}
		}()
	}
	wg.Wait()
	out := loadResult{requests: n, elapsed: time.Since(start), failed: failed.Load()}
	for _, l := range latencies {
		out.latencies = append(out.latencies, l...)
	}
	return out
}
