package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys/keystest"
)

// BenchmarkServeStartToReady measures how long `attest serve`, with its
// shipped defaults, takes from the process starting to answering /readyz
// with 200: on a fresh data directory (the first start, which creates the
// database and runs every migration) and on one that already holds a
// database. The binary is built once, before the clock starts; each round
// starts a new process. Reported: the median of each, in milliseconds.
//
//	go test -run '^$' -bench ServeStartToReady -benchtime 10x ./cmd/attest
func BenchmarkServeStartToReady(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "attest")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("build attest: %v", err)
	}
	existing := b.TempDir()
	startToReady(b, bin, existing) // the database the "existing" rounds start on
	var fresh, again []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fresh = append(fresh, startToReady(b, bin, b.TempDir()))
		again = append(again, startToReady(b, bin, existing))
	}
	b.StopTimer()
	b.ReportMetric(median(fresh), "fresh-ms")
	b.ReportMetric(median(again), "existing-ms")
	b.ReportMetric(0, "ns/op")
}

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// startToReady starts serve on data and returns the time until /readyz
// answers 200; it stops the process before returning.
func startToReady(b *testing.B, bin, data string) time.Duration {
	b.Helper()
	addr := freeAddr(b)
	turn := freeAddr(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--data", data, "--addr", addr, "--turn-listen", turn)
	cmd.Env = append(os.Environ(), "ATTEST_MASTER_KEY="+keystest.Hex)
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	url := fmt.Sprintf("http://%s/readyz", addr)
	for ctx.Err() == nil {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("serve on %s was not ready within 30s", data)
	return 0
}

// freeAddr is a loopback address nothing listens on right now.
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
