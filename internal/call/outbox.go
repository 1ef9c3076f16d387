package call

import (
	"bytes"
	"sync"
)

// outbox gathers the events a node publishes so that, under load, one
// NOTIFY carries many. A single sender goroutine at a time commits
// everything queued while the previous commit ran, one line per event, in
// the order they were queued; a caller waits until its event is committed
// and gets the commit's error. Alone, an event goes out by itself at once;
// at thousands a second the node makes a few hundred commits instead of
// thousands, on one connection (store's notifier) instead of as many as
// there are busy sockets, and the listeners wake once per batch.
type outbox struct {
	// send commits one payload: events joined by newlines (JSON as
	// encoding/json writes it has none inside).
	send func(payload []byte) error
	// limit is the payload size one notification carries; a single event
	// larger than that goes alone (the store keeps it in a table).
	limit int

	mu      sync.Mutex
	queue   []outgoing
	sending bool
}

// outgoing is one queued event and where its commit's error goes.
type outgoing struct {
	data []byte
	done chan error
}

// doneChans are the channels a publisher waits on, reused: each gets
// exactly one error per publish, which its publisher takes.
var doneChans = sync.Pool{New: func() any { return make(chan error, 1) }}

// publish queues data and waits until it is committed.
func (o *outbox) publish(data []byte) error {
	done := doneChans.Get().(chan error)
	o.mu.Lock()
	o.queue = append(o.queue, outgoing{data: data, done: done})
	start := !o.sending
	o.sending = true
	o.mu.Unlock()
	if start {
		pool.run(o.drain)
	}
	err := <-done
	doneChans.Put(done)
	return err
}

// drain sends what is queued, batch after batch, then ends. It runs on the
// sockets' workers (workers.go): under load the outbox empties and starts
// again hundreds of times a second, and a goroutine made each time grew
// its stack, copying, on the way into pgx (runtime.newstack was 5 to 10 %
// of a node's CPU in a profile of the cross-node relay, all of it here).
// A commit can take seconds when the database is slow; a task on the
// workers may, none waits for another.
func (o *outbox) drain() {
	for {
		o.mu.Lock()
		batch := o.queue
		o.queue = nil
		if len(batch) == 0 {
			o.sending = false
			o.mu.Unlock()
			return
		}
		o.mu.Unlock()
		for len(batch) > 0 {
			n, payload := pack(batch, o.limit)
			err := o.send(payload)
			for _, e := range batch[:n] {
				e.done <- err
			}
			batch = batch[n:]
		}
	}
}

// pack joins the first events of batch, at least one, into a payload of at
// most limit bytes, and says how many it took.
func pack(batch []outgoing, limit int) (int, []byte) {
	if len(batch) == 1 || len(batch[0].data)+1+len(batch[1].data) > limit {
		return 1, batch[0].data
	}
	var buf bytes.Buffer
	n := 0
	for _, e := range batch {
		grown := buf.Len() + len(e.data)
		if n > 0 {
			grown++ // the newline before it
		}
		if grown > limit {
			break
		}
		if n > 0 {
			buf.WriteByte('\n')
		}
		buf.Write(e.data)
		n++
	}
	return n, buf.Bytes()
}
