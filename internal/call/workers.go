package call

import "sync/atomic"

// workers runs the short tasks of the signaling sockets (reading what came,
// writing out a queue) and of the outbox to other nodes (outbox.go) on
// goroutines that outlive them. A goroutine made
// for each task starts with a small stack and grows it, copying, on the way
// into the WebSocket and JSON code: at thousands of messages a second that
// was a tenth of the node's CPU (runtime.newstack in a profile of the relay).
// A worker keeps its grown stack for the next task. Idle workers are few
// (maxIdleWorkers): an idle node holds no more goroutines than that.
type workers struct {
	tasks chan func()
	idle  atomic.Int32
}

// maxIdleWorkers bounds the workers waiting for a task; beyond it a worker
// that finishes ends. A few hundred kilobytes of stacks at most.
const maxIdleWorkers = 32

// pool runs the tasks of every signaling socket of the process.
var pool = &workers{tasks: make(chan func())}

// run starts fn on an idle worker, or on a new one when none is waiting,
// so that a task never waits for another (a write can block for seconds on
// a slow browser).
func (w *workers) run(fn func()) {
	select {
	case w.tasks <- fn:
	default:
		go w.work(fn)
	}
}

// work runs fn, then waits for more while fewer than maxIdleWorkers wait.
func (w *workers) work(fn func()) {
	for {
		fn()
		if w.idle.Add(1) > maxIdleWorkers {
			w.idle.Add(-1)
			return
		}
		fn = <-w.tasks
		w.idle.Add(-1)
	}
}
