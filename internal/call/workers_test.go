package call

import (
	"sync"
	"testing"
	"time"
)

// A task never waits for another, even one that blocks; after a burst at
// most maxIdleWorkers workers stay, and they take the next tasks.
func TestWorkers(t *testing.T) {
	w := &workers{tasks: make(chan func())}
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	const burst = 3 * maxIdleWorkers
	for range burst {
		started.Add(1)
		finished.Add(1)
		w.run(func() {
			started.Done()
			<-release
			finished.Done()
		})
	}
	started.Wait() // every task runs while the others block: none waits for a worker
	close(release)
	finished.Wait()
	waitFor(t, func() bool { return w.idle.Load() == maxIdleWorkers }, "the idle workers to settle at %d", maxIdleWorkers)

	done := make(chan int, burst)
	for i := range burst {
		w.run(func() { done <- i })
	}
	seen := map[int]bool{}
	for range burst {
		seen[<-done] = true
	}
	if len(seen) != burst {
		t.Fatalf("%d distinct tasks ran, want %d", len(seen), burst)
	}
	waitFor(t, func() bool { return w.idle.Load() == maxIdleWorkers }, "the idle workers to settle at %d again", maxIdleWorkers)
}

// waitFor waits until cond holds; a state to reach, not a time to meet.
func waitFor(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	for range 2000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("waited 10s for "+format, args...)
}
