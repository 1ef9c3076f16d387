package plan

import (
	"container/heap"
	"time"

	"github.com/attest-dev/attest/internal/queue"
)

// epoch is the virtual clock's zero, a Monday. Simulations never read the
// real clock; entries need a time.Time only because queue.Entry has one.
var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// engine is a team of agents working one queue on a virtual clock: the
// discrete-event core shared by Simulate and Rollout. Times are offsets from
// the start of the run.
//
// When an agent is free it takes the first entry in the queue's order at
// once. Nothing here depends on which entry that is, so two engines given
// the same joins and the same handle times start calls at the same moments
// whatever their order: comparisons between orders see the order alone.
type engine struct {
	// agents holds when each agent is next free.
	agents timeHeap
	// waiting is the queue, kept in order.
	waiting []queue.Entry
	// order sorts the queue: queue.Sort for attest.
	order func([]queue.Entry)
	// open is the first working instant at or after t.
	open func(t time.Duration) time.Duration
	// handle draws the length of the next call to start.
	handle func() time.Duration
	// started is told about each call as it starts.
	started func(id string, start, handle time.Duration)
	// clock is when the latest entry joined: the queue has not been empty
	// since, so an agent who is free earlier cannot start before it.
	clock time.Duration
}

// newEngine is a team of agents, all free from the start.
func newEngine(agents int, order func([]queue.Entry), open func(time.Duration) time.Duration,
	handle func() time.Duration, started func(id string, start, handle time.Duration)) *engine {
	e := &engine{agents: make(timeHeap, agents), order: order, open: open, handle: handle, started: started}
	heap.Init(&e.agents)
	return e
}

// join puts entry in the queue at its JoinedAt, after every call that starts
// by then, and returns its place in the queue's order (1 is next). The
// caller dispatches afterwards, so it can look at the queue the freelancer
// found first.
func (e *engine) join(entry queue.Entry) (position int) {
	at := entry.JoinedAt.Sub(epoch)
	e.dispatch(at)
	e.clock = at
	e.waiting = append(e.waiting, entry)
	// Sorting on every join keeps the queue in order at all times; the
	// order only changes when someone joins, so taking needs no sort.
	e.order(e.waiting)
	return queue.Position(e.waiting, entry.VerificationID)
}

// dispatch starts every call that can start by until: free agents take the
// first waiting entry.
func (e *engine) dispatch(until time.Duration) {
	for len(e.waiting) > 0 {
		start := e.open(max(e.agents[0].at, e.clock))
		if start > until {
			return
		}
		next := e.waiting[0]
		e.waiting = e.waiting[1:]
		h := e.handle()
		e.agents[0].at = start + h
		heap.Fix(&e.agents, 0)
		e.started(next.VerificationID, start, h)
	}
}

// drain serves everyone still waiting.
func (e *engine) drain() { e.dispatch(forever) }

// idle counts the agents free at t, up to limit, for a team that is always
// working. It visits only free agents and stops at limit: in a heap nobody
// below a busy agent is free earlier, so a large idle team costs no more
// than the count asked for.
func (e *engine) idle(t time.Duration, limit int) int {
	n := 0
	var visit func(i int)
	visit = func(i int) {
		if i >= len(e.agents) || n >= limit || e.agents[i].at > t {
			return
		}
		n++
		visit(2*i + 1)
		visit(2*i + 2)
	}
	visit(0)
	return n
}

// timed is something that happens at a moment on the virtual clock: an
// agent becoming free, or a call ending (with its length).
type timed struct {
	at, handle time.Duration
}

// timeHeap is a min-heap of timed by at, for container/heap.
type timeHeap []timed

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h timeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)        { *h = append(*h, x.(timed)) }
func (h *timeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
