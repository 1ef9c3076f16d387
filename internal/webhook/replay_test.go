package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// openQueued opens a migrated store with an insert-only queue: jobs are
// queued and never worked but by the test.
func openQueued(t *testing.T, cfg store.Config) (*store.Store, *jobs.Queue) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, cfg)
	if err := jobs.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(st, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return st, q
}

// replayRig is one delivery to a receiver the test holds, with its jobs
// worked by hand in the order a case says.
type replayRig struct {
	t      *testing.T
	st     *store.Store
	eps    *Endpoints
	worker *Worker
	id     string // the delivery

	mu       sync.Mutex
	received int
	answers  []int  // the receiver's answers in turn, then 200
	during   func() // run while the receiver holds the first request
	now      time.Time
}

// replay replays the delivery by hand, in its own transaction.
func (r *replayRig) replay() {
	ctx := context.Background()
	if err := r.st.InTx(ctx, func(tx *store.Tx) error { return r.eps.Replay(ctx, tx, "staff:stf_1", r.id) }); err != nil {
		r.t.Errorf("replay: %v", err) // not Fatal: the receiver's goroutine replays too
	}
}

// work runs the job queued nth (from 0) as its attempt-th try and says
// whether it asks to be tried again.
func (r *replayRig) work(nth, attempt int) bool {
	r.t.Helper()
	queued := jobArgs(r.t, r.st)
	if nth >= len(queued) {
		r.t.Fatalf("job %d of %d queued", nth, len(queued))
	}
	job := &river.Job[DeliverArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: MaxAttempts}, Args: queued[nth]}
	return r.worker.Work(context.Background(), job) != nil
}

// newReplayRig is one event's delivery to a receiver the test holds (its
// answers in turn, then 200), fanned out and not yet attempted, on a clock
// the rig's advance moves.
func newReplayRig(t *testing.T, cfg store.Config, answers []int) (*replayRig, *store.WebhookEndpoint) {
	t.Helper()
	ctx := context.Background()
	st, q := openQueued(t, cfg)
	r := &replayRig{t: t, st: st, answers: answers, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	receiver := httptest.NewServer(r)
	t.Cleanup(receiver.Close)
	targets := Targets{AllowPrivate: true}
	r.eps = &Endpoints{Store: st, Jobs: q, Targets: targets, Now: r.clock, Keys: keystest.Ring()}
	r.worker = &Worker{Store: st, Client: NewClient(targets), Keys: keystest.Ring(), Now: r.clock,
		Log: slog.New(slog.DiscardHandler)}
	var ep *store.WebhookEndpoint
	err := st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if ep, _, err = r.eps.Create(ctx, tx, "test", NewEndpoint{URL: receiver.URL, Events: []string{"*"}}); err != nil {
			return err
		}
		_, err = tx.AppendEvent(ctx, verification.EventCreated, "u-1", "ver_1", map[string]string{}, r.clock())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := NewDispatcher(st, q, r.clock, time.Second, slog.New(slog.DiscardHandler)).Fanout(ctx); err != nil || n != 1 {
		t.Fatalf("fanned out %d events: %v", n, err)
	}
	list, err := st.WebhookDeliveries(ctx, store.DeliveryFilter{EndpointID: ep.ID, Limit: 5})
	if err != nil || len(list) != 1 {
		t.Fatalf("deliveries %v %v", list, err)
	}
	r.id = list[0].ID
	return r, ep
}

// clock is the rig's time, which advance moves.
func (r *replayRig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *replayRig) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

// count is how many requests the receiver got.
func (r *replayRig) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.received
}

func (r *replayRig) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	r.received++
	first, during := r.received == 1, r.during
	answer := http.StatusOK
	if len(r.answers) > 0 {
		answer, r.answers = r.answers[0], r.answers[1:]
	}
	r.mu.Unlock()
	if first && during != nil {
		during() // the request has arrived: the receiver has the webhook
	}
	w.WriteHeader(answer)
}

// A replay asked for after an attempt began is one more attempt, whatever
// the order of the attempt's request, the replay, the attempt's record and
// the replay's job reading the delivery; a replay asked for before the
// attempt began is served by it. Nothing is lost, nothing is sent twice for
// no reason, and a job a replay overtook stops its retries.
func TestReplayWhileAnAttemptIsUnderWay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []int
		run     func(r *replayRig)
		sent    int
	}{
		{"replayed while the receiver holds the request", nil, func(r *replayRig) {
			r.during = r.replay
			if r.work(0, 1) || r.work(1, 1) {
				r.t.Fatal("a delivered attempt asks to be tried again")
			}
		}, 2},
		{"replayed twice while the receiver holds it", nil, func(r *replayRig) {
			r.during = func() { r.replay(); r.replay() }
			r.work(0, 1)
			r.work(1, 1) // the first replay's job: the second replay's serves both
			r.work(2, 1)
		}, 2},
		{"replayed while a failing attempt is under way", []int{503}, func(r *replayRig) {
			r.during = r.replay
			if r.work(0, 1) {
				r.t.Fatal("the job the replay overtook asks to be tried again")
			}
			r.work(1, 1)
		}, 2},
		{"replayed between a failed attempt and its retry", []int{503}, func(r *replayRig) {
			if !r.work(0, 1) {
				r.t.Fatal("a failed attempt does not ask to be tried again")
			}
			r.replay()
			r.work(0, 2) // the retry: the replay's job sends instead
			if r.count() != 1 {
				r.t.Fatal("the retry of the job the replay overtook sent again")
			}
			r.work(1, 1)
		}, 2},
		{"replayed during the replay's own attempt", nil, func(r *replayRig) {
			r.work(0, 1)
			r.replay()
			r.during = r.replay
			r.mu.Lock()
			r.received = 0 // the next request is the one held; counted from it
			r.mu.Unlock()
			r.work(1, 1)
			r.work(2, 1)
		}, 2},
		{"replayed before the first attempt", nil, func(r *replayRig) {
			r.replay()
			r.work(0, 1) // the fan-out's job: the replay's serves both
			r.work(1, 1)
		}, 1},
		{"replayed after delivery", nil, func(r *replayRig) {
			r.work(0, 1)
			r.replay()
			r.work(1, 1)
			r.work(0, 1) // a stale job run again sends nothing
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				ctx := context.Background()
				r, _ := newReplayRig(t, cfg, tc.answers)
				st := r.st
				tc.run(r)

				if received := r.count(); received != tc.sent {
					t.Fatalf("the receiver got %d requests, want %d", received, tc.sent)
				}
				d, err := st.WebhookDelivery(ctx, r.id)
				if err != nil || d.Status != store.DeliveryDelivered || d.LastStatus != 200 {
					t.Fatalf("the delivery ends %+v %v, want delivered", d, err)
				}
				tries, err := st.WebhookAttempts(ctx, r.id)
				if err != nil || len(tries) != d.Attempts {
					t.Fatalf("%d attempts logged, the delivery counts %d: %v", len(tries), d.Attempts, err)
				}
				for i, a := range tries {
					if a.N != i+1 {
						t.Fatalf("attempt %d is numbered %d", i+1, a.N)
					}
				}
			})
		})
	}
}

// An endpoint that fails every attempt of a job's whole schedule is
// disabled, also when an attempt a replay overtook (begun before it,
// logged after the replay's first attempt) sits among the job's attempts:
// the run is the replay's own, from its first attempt. (Counting back by
// the job's attempt number landed on the overtaken attempt, which began
// earlier than the run's failures, and the endpoint stayed enabled.)
func TestDisabledAfterAnOvertakenAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		failing := make([]int, MaxAttempts+1)
		for i := range failing {
			failing[i] = http.StatusServiceUnavailable
		}
		r, ep := newReplayRig(t, cfg, failing)
		r.during = func() {
			r.advance(time.Minute)
			r.replay()
			r.work(1, 1) // the replay's first attempt, logged before the overtaken one
		}
		r.work(0, 1)
		for attempt := 2; attempt <= MaxAttempts; attempt++ {
			r.advance(time.Hour)
			r.work(1, attempt)
		}
		tries, err := r.st.WebhookAttempts(ctx, r.id)
		if err != nil || len(tries) != MaxAttempts+1 || tries[1].Generation != 0 || tries[0].Generation != 1 {
			t.Fatalf("attempts %v %v: want the replay's first, then the overtaken one, then the replay's retries", tries, err)
		}
		got, err := r.st.WebhookEndpoint(ctx, ep.ID)
		if err != nil || got.Status != store.EndpointDisabled {
			t.Fatalf("after a whole schedule of failures the endpoint is %+v %v, want disabled", got, err)
		}
	})
}
