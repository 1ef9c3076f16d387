package workflow_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// TestModel drives random, seeded sequences of operations through the
// workflow — the marketplace's API calls, the freelancer's portal actions,
// agents', reviewers' and supervisors' work, booked calls kept or missed by
// either side, hours withdrawn, erasure and the clock jumping ahead with
// the jobs that fall due — and checks the case's promises after every
// step (see check). A failure prints its seed; ATTEST_MODEL_SEED=N replays
// exactly that sequence. ATTEST_MODEL_SEQUENCES and ATTEST_MODEL_STEPS make
// a longer run (docs/OPERATIONS.md).
func TestModel(t *testing.T) {
	sequences := map[string]int{"sqlite": 12, "postgres": 4}
	steps := envInt(t, "ATTEST_MODEL_STEPS", 200)
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		n := envInt(t, "ATTEST_MODEL_SEQUENCES", sequences[t.Name()[strings.LastIndex(t.Name(), "/")+1:]])
		seeds := make([]uint64, n)
		for i := range seeds {
			seeds[i] = uint64(i + 1)
		}
		if s := os.Getenv("ATTEST_MODEL_SEED"); s != "" {
			seed, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("ATTEST_MODEL_SEED=%q: %v", s, err)
			}
			seeds = []uint64{seed}
		}
		for i, seed := range seeds {
			// Each sequence is a subtest with a database of its own, so
			// that its connections close when it ends.
			t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) {
				if i > 0 {
					cfg = freshLike(t, cfg)
				}
				runModel(t, cfg, seed, steps)
			})
		}
	})
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// freshLike is a new, empty database of the same kind as cfg.
func freshLike(t *testing.T, cfg store.Config) store.Config {
	if cfg.DatabaseURL != "" {
		return storetest.Postgres(t)
	}
	return storetest.SQLite(t)
}

// jobQueue stands in for River's scheduling in the model: jobs are kept
// when their transaction commits, as River's are, and the model works them
// when its clock reaches their time. The work itself is the product's.
type jobQueue struct {
	pending []pendingJob
	next    int
}

type pendingJob struct {
	at   time.Time
	seq  int
	args river.JobArgs
}

func (q *jobQueue) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs) error {
	return q.InsertAtTx(ctx, tx, args, time.Time{})
}

func (q *jobQueue) InsertAtTx(_ context.Context, tx *store.Tx, args river.JobArgs, at time.Time) error {
	tx.AfterCommit(func() {
		q.next++
		q.pending = append(q.pending, pendingJob{at: at, seq: q.next, args: args})
	})
	return nil
}

// due takes the earliest job due at now, if any.
func (q *jobQueue) due(now time.Time) (pendingJob, bool) {
	sort.SliceStable(q.pending, func(i, j int) bool {
		if !q.pending[i].at.Equal(q.pending[j].at) {
			return q.pending[i].at.Before(q.pending[j].at)
		}
		return q.pending[i].seq < q.pending[j].seq
	})
	if len(q.pending) == 0 || q.pending[0].at.After(now) {
		return pendingJob{}, false
	}
	j := q.pending[0]
	q.pending = q.pending[1:]
	return j, true
}

// world is one sequence: the service, its people and what the model
// remembers to check the promises against.
type world struct {
	t           *testing.T
	seed        uint64
	rng         *mrand.Rand
	ctx         context.Context
	st          *store.Store
	wf          *workflow.Workflow
	jobs        *jobQueue
	now         time.Time
	agents      []*store.Staff
	supervisors []*store.Staff
	freelancers []string
	history     []string
	// offered holds the cases that, while waiting on the freelancer, had a
	// free slot they could book before their deadline.
	offered map[string]bool
	// deadlines are the deadlines last seen, which may only move later;
	// floors the minimum notice in force when each case was opened.
	deadlines map[string]time.Time
	floors    map[string]time.Time
	// replay is what the event feed says so far.
	lastSeq  int64
	statuses map[string]verification.Status
	standing map[string]verification.Standing
	// raw writes the service's uptime record as the clock runs: a minute a
	// row, as the running service does, except while the model has it down.
	raw  *sql.DB
	pg   bool
	down bool
	// issuer issues the identity credentials freelancers present.
	issuer *testwallet.Issuer
}

var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func runModel(t *testing.T, cfg store.Config, seed uint64, steps int) {
	t.Helper()
	w := newWorld(t, cfg, seed)
	defer w.st.Close()
	done := map[string]int{}
	for i := range steps {
		name, op := w.pick()
		desc, err := op(w)
		w.history = append(w.history, fmt.Sprintf("%3d %s %s: %s (%v)", i, w.now.Format("Jan 02 15:04"), name, desc, err))
		if err != nil && !refused(err) {
			w.fail("step %d (%s) failed: %v", i, name, err)
		}
		if err == nil {
			done[name]++
		}
		w.check(i)
		w.tick(time.Duration(1+w.rng.IntN(120)) * time.Second)
	}
	if _, err := w.st.VerifyAudit(w.ctx); err != nil {
		w.fail("audit chain: %v", err)
	}
	counts := map[verification.Status]int{}
	for _, s := range w.statuses {
		counts[s]++
	}
	events, _ := w.st.Events(w.ctx, 0, 100000)
	types := map[verification.EventType]int{}
	for _, e := range events {
		types[e.Type]++
	}
	t.Logf("seed %d: done %v; cases %v; events %v", seed, done, counts, types)
	if os.Getenv("ATTEST_MODEL_HISTORY") != "" {
		t.Logf("history:\n%s", strings.Join(w.history, "\n"))
	}
}

// refused reports whether err is the service refusing a move that breaks a
// rule, as it should, rather than failing.
func refused(err error) bool {
	var (
		rule    *verification.RuleError
		field   *verification.FieldError
		illegal *verification.IllegalTransitionError
	)
	return errors.As(err, &rule) || errors.As(err, &field) || errors.As(err, &illegal) ||
		errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrOpenExists) || errors.Is(err, errSkip)
}

// errSkip is an operation that found nothing to act on.
var errSkip = errors.New("nothing to do")

func (w *world) fail(format string, args ...any) {
	w.t.Helper()
	tail := w.history[max(0, len(w.history)-25):]
	w.t.Fatalf("seed %d: %s\nreplay with ATTEST_MODEL_SEED=%d go test -run TestModel ./internal/workflow\nlast steps:\n%s",
		w.seed, fmt.Sprintf(format, args...), w.seed, strings.Join(tail, "\n"))
}

func newWorld(t *testing.T, cfg store.Config, seed uint64) *world {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "" {
		// One connection: on PostgreSQL reads and writes share the pool, and
		// a transaction that read through the store instead of itself would
		// wait for a second connection. Here that fails the step at the
		// deadline; on a busy node it left every connection held by a
		// transaction waiting for another, until the requests gave up.
		st.DB().SetMaxOpenConns(1)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
		t.Cleanup(cancel)
	}
	master, err := keys.Parse(keys.New())
	if err != nil {
		t.Fatal(err)
	}
	ring := keys.NewRing(master)
	signer, err := auth.NewPortalSigner(ring.Signing(keys.PortalLinks))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, seed: seed, rng: mrand.New(mrand.NewPCG(seed, 0x0de1)), ctx: ctx, st: st, jobs: &jobQueue{},
		now: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), offered: map[string]bool{}, deadlines: map[string]time.Time{}, floors: map[string]time.Time{},
		statuses: map[string]verification.Status{}, standing: map[string]verification.Standing{}}
	w.raw, w.pg = storetest.RawDB(t, cfg), cfg.DatabaseURL != ""
	w.wf = &workflow.Workflow{Store: st, Jobs: w.jobs, Policy: verification.DefaultPolicy(), Portal: signer,
		BaseURL: "http://attest.test", Now: func() time.Time { return w.now }, LinkLifetime: 30 * 24 * time.Hour,
		Estimator: queue.Estimator{HandleTime: 4 * time.Minute}, Keys: ring,
		// The calls' challenges come from the seed too, so that a replay
		// offers the same steps.
		Random: mrand.NewChaCha8([32]byte{0: byte(seed), 1: byte(seed >> 8), 2: byte(seed >> 16), 3: byte(seed >> 24)})}
	w.issuer = withCredentials(t, w.wf)
	w.do(func(tx *store.Tx) error {
		for i, role := range []store.Role{store.RoleAgent, store.RoleAgent, store.RoleAgent, store.RoleSupervisor, store.RoleSupervisor} {
			email := fmt.Sprintf("staff%d@model.test", i)
			if _, err := (&staff.Accounts{Now: w.wf.Now}).Put(ctx, tx, "model", email, fmt.Sprintf("Staff %d", i), role, "correct horse battery"); err != nil {
				return err
			}
			s, err := tx.StaffByEmail(ctx, email)
			if err != nil {
				return err
			}
			if role == store.RoleAgent {
				w.agents = append(w.agents, s)
			} else {
				w.supervisors = append(w.supervisors, s)
			}
		}
		// Two agents keep an hour a weekday for booked calls: a small team,
		// so that the backlog matters.
		for _, a := range w.agents[:2] {
			if err := w.wf.SetHours(ctx, tx, "model", a.ID, "UTC", weekdays(9, 10)); err != nil {
				return err
			}
		}
		for i := range 8 {
			id := fmt.Sprintf("f-%d", i)
			w.freelancers = append(w.freelancers, id)
			if _, err := w.wf.PutFreelancer(ctx, tx, "model", profile(id)); err != nil {
				return err
			}
		}
		return nil
	})
	return w
}

func weekdays(from, to int) []schedule.Hours {
	var hours []schedule.Hours
	for d := time.Monday; d <= time.Friday; d++ {
		hours = append(hours, schedule.Hours{Day: d, Start: schedule.Clock(from * 60), End: schedule.Clock(to * 60)})
	}
	return hours
}

func profile(id string) *verification.Freelancer {
	f := &verification.Freelancer{ID: id, DisplayName: "Freelancer " + id, Email: id + "@model.test", Locale: "en",
		TimeZone: "UTC", Claims: []verification.Claim{
			{Key: "legal_name", Label: "Legal name", Value: "Freelancer " + id, Kind: verification.KindIdentity},
			{Key: "location", Label: "Location", Value: "Lisbon", Kind: verification.KindLocation},
			{Key: "degree", Label: "Degree", Value: "BSc", Kind: verification.KindEducation},
		}}
	if id == "f-6" || id == "f-7" {
		f.Claims = f.Claims[:1] // a digital credential can settle their cases alone
	}
	return f
}

// do runs fn in a transaction and fails the sequence on an error that is
// not a refusal.
func (w *world) do(fn func(tx *store.Tx) error) error {
	err := w.st.InTx(w.ctx, fn)
	if err != nil && !refused(err) {
		w.fail("%v", err)
	}
	return err
}

func (w *world) tick(d time.Duration) {
	w.up(w.now, w.now.Add(d))
	w.now = w.now.Add(d)
	w.runDue()
}

// up records the minutes from from to to as up, unless the model has the
// service down.
func (w *world) up(from, to time.Time) {
	if w.down {
		return
	}
	query := `WITH RECURSIVE m(x) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT x + 1 FROM m WHERE x + 1 < $2)
		INSERT INTO uptime (minute) SELECT x FROM m WHERE true ON CONFLICT (minute) DO NOTHING`
	if !w.pg {
		query = strings.NewReplacer("$1", "?1", "$2", "?2").Replace(query)
	}
	if _, err := w.raw.ExecContext(w.ctx, query, from.Unix()/60, to.Unix()/60+1); err != nil {
		w.fail("record uptime: %v", err)
	}
}

func (w *world) pickOf(n int) int { return w.rng.IntN(n) }

// freelancer picks someone with an open case most of the time, anyone
// otherwise.
func (w *world) freelancer() string {
	if w.pickOf(4) > 0 {
		var open []string
		for _, f := range w.freelancers {
			if _, err := w.st.OpenVerification(w.ctx, f); err == nil {
				open = append(open, f)
			}
		}
		if len(open) > 0 {
			return open[w.pickOf(len(open))]
		}
	}
	return w.freelancers[w.pickOf(len(w.freelancers))]
}

// agent picks an agent in a call most of the time, any agent otherwise.
func (w *world) agent() *store.Staff {
	if w.pickOf(5) > 0 {
		var busy []*store.Staff
		for _, a := range w.agents {
			if _, err := w.st.AgentLiveCall(w.ctx, a.ID); err == nil {
				busy = append(busy, a)
			}
		}
		if len(busy) > 0 {
			return busy[w.pickOf(len(busy))]
		}
	}
	return w.agents[w.pickOf(len(w.agents))]
}

func (w *world) reviewer() *store.Staff {
	all := append(slices.Clone(w.agents), w.supervisors...)
	return all[w.pickOf(len(all))]
}

type operation func(w *world) (string, error)

// operations, their weights and when they have something to act on: most
// steps choose among the operations that do, and one in ten among all, so
// that refusals are tried too.
var operations = []struct {
	name   string
	weight int
	needs  need
	op     operation
}{
	{"open", 10, always, (*world).open},
	{"cancel", 1, openCase, (*world).cancel},
	{"join queue", 5, openCase, (*world).joinQueue},
	{"leave queue", 2, openCase, (*world).leaveQueue},
	{"book", 5, openCase, (*world).book},
	{"cancel booking", 2, openCase, (*world).cancelBooking},
	{"take", 6, queued, (*world).take},
	{"show challenge", 6, call, (*world).showChallenge},
	{"step", 10, call, (*world).step},
	{"outcome", 8, call, (*world).outcome},
	{"decide call", 4, call, (*world).decideCall},
	{"whole call", 8, call, (*world).wholeCall},
	{"upload", 4, openCase, (*world).upload},
	{"send documents", 3, openCase, (*world).submit},
	{"read documents", 5, documentQueue, (*world).readDocuments},
	{"second review", 5, secondReview, (*world).review},
	{"appeal", 3, always, (*world).appeal},
	{"decide appeal", 3, openAppeal, (*world).decideAppeal},
	{"withdraw hours", 1, openCase, (*world).hours},
	{"change policy", 1, always, (*world).policy},
	{"erase", 1, openCase, (*world).erase},
	{"put profile", 1, always, (*world).put},
	{"present credential", 4, openCase, (*world).presentCredential},
	{"time passes", 6, always, (*world).advance},
	{"outage", 1, always, (*world).outage},
}

// need names what an operation acts on.
type need int

const (
	always need = iota
	openCase
	queued
	call
	documentQueue
	secondReview
	openAppeal
)

// has reports what there is to act on now.
func (w *world) has() map[need]bool {
	h := map[need]bool{always: true}
	count := func(n int, err error) bool {
		if err != nil {
			w.fail("%v", err)
		}
		return n > 0
	}
	counts, err := w.st.OpenCounts(w.ctx)
	h[openCase] = count(len(counts), err)
	h[queued] = counts[verification.InQueue] > 0
	h[call] = counts[verification.InCall] > 0
	docs, err := w.st.DocumentReviews(w.ctx, 1)
	h[documentQueue] = count(len(docs), err)
	reviews, err := w.st.SecondReviews(w.ctx, 1)
	h[secondReview] = count(len(reviews), err)
	appeals, err := w.st.OpenAppeals(w.ctx)
	h[openAppeal] = count(len(appeals), err)
	return h
}

func (w *world) pick() (string, operation) {
	has := w.has()
	any := w.pickOf(10) == 0
	total := 0
	for _, o := range operations {
		if any || has[o.needs] {
			total += o.weight
		}
	}
	n := w.pickOf(total)
	for _, o := range operations {
		if !any && !has[o.needs] {
			continue
		}
		if n < o.weight {
			return o.name, o.op
		}
		n -= o.weight
	}
	panic("unreachable")
}

func (w *world) open() (string, error) {
	f := w.freelancer()
	grace := []int{0, 0, 0, 3, 10}[w.pickOf(5)]
	var asked *int // none when 0
	if grace > 0 {
		asked = &grace
	}
	err := w.do(func(tx *store.Tx) error {
		_, err := w.wf.OpenVerification(w.ctx, tx, "api:model", verification.Request{FreelancerID: f,
			Reason: verification.Reason{Code: "model", Explanation: "The model opened it."}, GraceDays: asked})
		return err
	})
	return fmt.Sprintf("%s grace %d", f, grace), err
}

func (w *world) openCase(f string) (*verification.Verification, error) {
	v, err := w.st.OpenVerification(w.ctx, f)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSkip
	}
	if err != nil {
		w.fail("%v", err)
	}
	return v, nil
}

func (w *world) cancel() (string, error) {
	f := w.freelancer()
	v, err := w.openCase(f)
	if err != nil {
		return f, err
	}
	return f + " " + string(v.Status), w.do(func(tx *store.Tx) error {
		_, err := w.wf.Transition(w.ctx, tx, "api:model", v.ID, verification.Canceled)
		return err
	})
}

func (w *world) joinQueue() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error {
		_, err := w.wf.JoinQueue(w.ctx, tx, f)
		return err
	})
}

func (w *world) leaveQueue() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error { return w.wf.LeaveQueue(w.ctx, tx, "freelancer:"+f, f) })
}

func (w *world) book() (string, error) {
	f := w.freelancer()
	v, err := w.openCase(f)
	if err != nil {
		return f, err
	}
	slots, err := w.wf.BookableSlots(w.ctx, v)
	if err != nil {
		w.fail("%v", err)
	}
	if len(slots) == 0 {
		return f + " (no slot)", errSkip
	}
	at := slots[w.pickOf(min(len(slots), 4))]
	return f + " at " + at.Format("Jan 02 15:04"), w.do(func(tx *store.Tx) error {
		_, err := w.wf.Book(w.ctx, tx, f, at)
		return err
	})
}

func (w *world) cancelBooking() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error {
		return w.wf.CancelBooking(w.ctx, tx, "freelancer:"+f, f, notify.WhyFreelancerCanceled)
	})
}

func (w *world) take() (string, error) {
	a := w.agent()
	return a.Name, w.do(func(tx *store.Tx) error {
		_, err := w.wf.TakeNext(w.ctx, tx, a.ID)
		return err
	})
}

// inCall finds a random agent's call, if they are in one.
func (w *world) inCall() (*store.Staff, *store.Call, *verification.Verification, error) {
	a := w.agent()
	c, err := w.st.AgentLiveCall(w.ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil, nil, errSkip
	}
	if err != nil {
		w.fail("%v", err)
	}
	v, err := w.st.Verification(w.ctx, c.VerificationID)
	if err != nil {
		w.fail("%v", err)
	}
	return a, c, v, nil
}

func (w *world) step() (string, error) {
	a, c, v, err := w.inCall()
	if err != nil {
		return a.Name, err
	}
	steps := []string{verification.StepConsent, verification.StepIdentity, verification.StepIdentityDocument}
	for _, ch := range verification.CallChallenges(v.Mode(), c.ID, c.Challenges) {
		steps = append(steps, "challenge_"+ch.Key, "challenge_"+ch.Key)
	}
	step := steps[w.pickOf(len(steps))]
	results := map[string][2]string{verification.StepConsent: {"given", "refused"}, verification.StepIdentity: {"matched", "not_matched"},
		verification.StepIdentityDocument: {"matched", "not_matched"}}
	pair, ok := results[step]
	if !ok {
		pair = [2]string{"done", "failed"}
	}
	result := pair[0]
	if w.pickOf(8) == 0 {
		result = pair[1]
	}
	return fmt.Sprintf("%s on %s: %s %s", a.Name, v.FreelancerID, step, result), w.do(func(tx *store.Tx) error {
		_, err := w.wf.RecordStep(w.ctx, tx, a.ID, v.ID, step, result)
		return err
	})
}

// showChallenge shows one of the call's challenges on the freelancer's
// page; showing one twice is allowed and keeps its first time.
func (w *world) showChallenge() (string, error) {
	a, c, v, err := w.inCall()
	if err != nil {
		return a.Name, err
	}
	challenges := verification.CallChallenges(v.Mode(), c.ID, c.Challenges)
	key := challenges[w.pickOf(len(challenges))].Key
	return fmt.Sprintf("%s on %s: show %s", a.Name, v.FreelancerID, key), w.do(func(tx *store.Tx) error {
		_, err := w.wf.ShowChallenge(w.ctx, tx, a.ID, v.ID, key)
		return err
	})
}

func (w *world) outcome() (string, error) {
	a, _, v, err := w.inCall()
	if err != nil {
		return a.Name, err
	}
	key := v.Claims[w.pickOf(len(v.Claims))]
	o := []verification.Outcome{verification.Confirmed, verification.Confirmed, verification.Confirmed, verification.NotConfirmed, verification.Unable}[w.pickOf(5)]
	return fmt.Sprintf("%s on %s: %s %s", a.Name, v.FreelancerID, key, o), w.do(func(tx *store.Tx) error {
		return w.wf.RecordOutcome(w.ctx, tx, a.ID, v.ID, verification.ClaimOutcome{Key: key, Outcome: o})
	})
}

func (w *world) decideCall() (string, error) {
	a, _, v, err := w.inCall()
	if err != nil {
		return a.Name, err
	}
	d := workflow.CallDecision{}
	switch w.pickOf(4) {
	case 0, 1:
		d.Decision = verification.DecideVerified
	case 2:
		d.Decision, d.ReasonCode = verification.DecideNotVerified, verification.NegativeReasons[w.pickOf(len(verification.NegativeReasons))]
	default:
		d.Decision = verification.DecideNeedsDocuments
		for _, key := range v.Claims {
			if w.pickOf(2) == 0 {
				d.DocumentsFor = append(d.DocumentsFor, key)
			}
		}
	}
	return fmt.Sprintf("%s on %s: %s %s %v", a.Name, v.FreelancerID, d.Decision, d.ReasonCode, d.DocumentsFor), w.do(func(tx *store.Tx) error {
		_, err := w.wf.DecideCall(w.ctx, tx, a.ID, v.ID, d)
		return err
	})
}

// wholeCall is a careful agent's call: every required step, an outcome for
// every claim, and the decision they lead to; now and then a check fails.
func (w *world) wholeCall() (string, error) {
	a, c, v, err := w.inCall()
	if err != nil {
		return a.Name, err
	}
	failed := false
	err = w.do(func(tx *store.Tx) error {
		for _, req := range verification.RequiredSteps(v.Mode(), verification.CallChallenges(v.Mode(), c.ID, c.Challenges)) {
			step := req.AnyOf[0]
			if key, ok := strings.CutPrefix(step, "challenge_"); ok {
				if _, err := w.wf.ShowChallenge(w.ctx, tx, a.ID, v.ID, key); err != nil {
					return err
				}
			}
			res := map[string]string{verification.StepConsent: "given", verification.StepIdentity: "matched",
				verification.StepIdentityDocument: "matched"}[step]
			if res == "" {
				res = "done"
			}
			if w.pickOf(10) == 0 {
				failed = true
				res = map[string]string{verification.StepConsent: "refused", verification.StepIdentity: "not_matched",
					verification.StepIdentityDocument: "not_matched"}[step]
				if res == "" {
					res = "failed"
				}
			}
			if _, err := w.wf.RecordStep(w.ctx, tx, a.ID, v.ID, step, res); err != nil {
				return err
			}
		}
		var unsure []string
		for _, key := range v.Claims {
			o := verification.Confirmed
			if w.pickOf(8) == 0 {
				o, unsure = verification.Unable, append(unsure, key)
			}
			if err := w.wf.RecordOutcome(w.ctx, tx, a.ID, v.ID, verification.ClaimOutcome{Key: key, Outcome: o}); err != nil {
				return err
			}
		}
		d := workflow.CallDecision{Decision: verification.DecideVerified}
		switch {
		case failed:
			d.Decision, d.ReasonCode = verification.DecideNotVerified, "live_check_failed"
		case len(unsure) > 0:
			d.Decision, d.DocumentsFor = verification.DecideNeedsDocuments, unsure
		}
		_, err := w.wf.DecideCall(w.ctx, tx, a.ID, v.ID, d)
		return err
	})
	return fmt.Sprintf("%s with %s (a check failed: %v)", a.Name, v.FreelancerID, failed), err
}

func (w *world) upload() (string, error) {
	f := w.freelancer()
	v, err := w.openCase(f)
	if err != nil {
		return f, err
	}
	key := ""
	if w.pickOf(4) > 0 {
		key = v.Claims[w.pickOf(len(v.Claims))]
		if len(v.DocumentsFor) > 0 && w.pickOf(2) == 0 {
			key = v.DocumentsFor[w.pickOf(len(v.DocumentsFor))]
		}
	}
	return f + " for " + key, w.do(func(tx *store.Tx) error {
		_, err := w.wf.AddDocument(w.ctx, tx, f, key, "id.png", png1x1)
		return err
	})
}

func (w *world) submit() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error {
		_, err := w.wf.SubmitDocuments(w.ctx, tx, f, "")
		return err
	})
}

func (w *world) readDocuments() (string, error) {
	list, err := w.st.DocumentReviews(w.ctx, 50)
	if err != nil {
		w.fail("%v", err)
	}
	if len(list) == 0 {
		return "", errSkip
	}
	v := list[w.pickOf(len(list))]
	reader := w.reviewer()
	d := workflow.DocumentsDecision{Decision: verification.DecideVerified, Steps: map[string]string{}}
	switch w.pickOf(8) {
	case 0, 1:
		d.Decision, d.ReasonCode = verification.DecideNotVerified, "claim_not_supported"
	case 2:
		d.Decision = verification.DecideNewCall
	}
	if w.pickOf(5) > 0 {
		d.Steps[verification.StepIdentityDocument] = []string{"matched", "matched", "not_matched"}[w.pickOf(3)]
	}
	if w.pickOf(5) > 0 {
		d.Steps[verification.StepDocumentsAuthentic] = []string{"yes", "yes", "no"}[w.pickOf(3)]
	}
	for _, key := range v.Claims {
		if slices.Contains(v.DocumentsFor, key) || w.pickOf(3) > 0 {
			o := []verification.Outcome{verification.Confirmed, verification.Confirmed, verification.Unable}[w.pickOf(3)]
			d.Outcomes = append(d.Outcomes, verification.ClaimOutcome{Key: key, Outcome: o})
		}
	}
	return fmt.Sprintf("%s reads %s: %s %v", reader.Name, v.FreelancerID, d.Decision, d.Steps), w.do(func(tx *store.Tx) error {
		_, err := w.wf.DecideDocuments(w.ctx, tx, reader.ID, v.ID, d)
		return err
	})
}

func (w *world) review() (string, error) {
	list, err := w.st.SecondReviews(w.ctx, 50)
	if err != nil {
		w.fail("%v", err)
	}
	if len(list) == 0 {
		return "", errSkip
	}
	v := list[w.pickOf(len(list))]
	r := w.reviewer()
	d := workflow.ReviewDecision{Choice: []workflow.ReviewChoice{workflow.Confirm, workflow.Overturn, workflow.NewCall}[w.pickOf(3)],
		Confirmations: map[string]string{}}
	for _, key := range v.Claims {
		if w.pickOf(4) > 0 {
			d.Confirmations[key] = "the document sent shows it"
		}
	}
	return fmt.Sprintf("%s on %s: %s", r.Name, v.FreelancerID, d.Choice), w.do(func(tx *store.Tx) error {
		_, err := w.wf.DecideReview(w.ctx, tx, r, v.ID, d)
		return err
	})
}

func (w *world) appeal() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error {
		_, err := w.wf.Appeal(w.ctx, tx, f, "The decision is wrong: here is why.")
		return err
	})
}

func (w *world) decideAppeal() (string, error) {
	list, err := w.st.OpenAppeals(w.ctx)
	if err != nil {
		w.fail("%v", err)
	}
	if len(list) == 0 {
		return "", errSkip
	}
	a := list[w.pickOf(len(list))]
	s := w.supervisors[w.pickOf(len(w.supervisors))]
	uphold := w.pickOf(2) == 0
	return fmt.Sprintf("%s on %s: uphold %v", s.Name, a.FreelancerID, uphold), w.do(func(tx *store.Tx) error {
		_, err := w.wf.DecideAppeal(w.ctx, tx, s, a.ID, uphold, "")
		return err
	})
}

// hours changes the first agent's hours; the second keeps theirs, so that
// there is always some capacity to promise.
func (w *world) hours() (string, error) {
	from := 8 + w.pickOf(4)
	to := from + w.pickOf(3)
	var hours []schedule.Hours
	if to > from {
		hours = weekdays(from, to)
	}
	return fmt.Sprintf("%02d:00-%02d:00", from, to), w.do(func(tx *store.Tx) error {
		return w.wf.SetHours(w.ctx, tx, "model", w.agents[0].ID, "UTC", hours)
	})
}

// policy changes the minimum notice, and now and then the restrictions'
// names, which the marketplace must hear of for everyone restricted.
func (w *world) policy() (string, error) {
	p, err := w.wf.CurrentPolicy(w.ctx)
	if err != nil {
		w.fail("%v", err)
	}
	p.GraceDays = 5 + w.pickOf(6)
	if w.pickOf(4) == 0 {
		p.Restrictions = [][]string{{"submit_proposals"}, {"submit_proposals", "withdraw_funds"}}[w.pickOf(2)]
	}
	return fmt.Sprintf("notice %d days, restrictions %v", p.GraceDays, p.Restrictions), w.do(func(tx *store.Tx) error {
		return w.wf.SetPolicy(w.ctx, tx, "admin:model", p)
	})
}

func (w *world) erase() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error { return w.wf.EraseFreelancer(w.ctx, tx, "api:model", f) })
}

func (w *world) put() (string, error) {
	f := w.freelancer()
	return f, w.do(func(tx *store.Tx) error {
		_, err := w.wf.PutFreelancer(w.ctx, tx, "api:model", profile(f))
		return err
	})
}

// presentCredential has a freelancer present an identity credential, their
// own name most of the time, another otherwise, and checks what it may do:
// never a negative, and a name that differs leaves the case open for a
// person.
func (w *world) presentCredential() (string, error) {
	f := w.freelancer()
	given, family := "Freelancer", f
	if w.pickOf(3) == 0 {
		given, family = "Somebody", "Else"
	}
	ans, err := present(w.ctx, w.wf, w.issuer, f, given, family)
	if err != nil {
		return f, err
	}
	desc := fmt.Sprintf("%s as %s %s: %s %s, case %s", f, given, family, ans.Result, ans.Reason, ans.Verification.Status)
	if ans.Verification.Status == verification.NotVerified {
		w.fail("%s: a credential made %s not verified", desc, ans.Verification.ID)
	}
	if ans.Result == "mismatch" && !slices.Contains(verification.OpenStatuses(), ans.Verification.Status) {
		w.fail("%s: a differing name closed %s", desc, ans.Verification.ID)
	}
	if ans.Result == "refused" {
		w.fail("%s: a genuine credential was refused (%s)", desc, ans.Reason)
	}
	return desc, nil
}

func (w *world) advance() (string, error) {
	d := []time.Duration{time.Minute, 10 * time.Minute, time.Hour, time.Hour, 5 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 8 * 24 * time.Hour}[w.pickOf(8)]
	w.tick(d)
	return d.String(), nil
}

// outage takes the service down for a while: no uptime is recorded and no
// job runs; when it comes back, the jobs due run late, as River's would.
func (w *world) outage() (string, error) {
	d := []time.Duration{5 * time.Minute, 30 * time.Minute, 3 * time.Hour, 20 * time.Hour}[w.pickOf(4)]
	w.down = true
	w.now = w.now.Add(d)
	w.down = false
	w.runDue()
	return d.String(), nil
}

// runDue works every job due by now, in time order, at its own time.
func (w *world) runDue() {
	end := w.now
	for {
		j, ok := w.jobs.due(end)
		if !ok {
			break
		}
		if j.at.After(w.now) {
			w.now = j.at
		}
		w.work(j)
	}
	w.now = end
}

func (w *world) work(j pendingJob) {
	switch a := j.args.(type) {
	case workflow.DeadlineArgs:
		err := w.st.InTx(w.ctx, func(tx *store.Tx) error { return w.wf.SeeDeadline(w.ctx, tx, a) })
		var early *workflow.TooEarlyError
		switch {
		case errors.As(err, &early):
			w.jobs.pending = append(w.jobs.pending, pendingJob{at: early.Until, seq: j.seq, args: a})
		case err != nil:
			w.fail("deadline job: %v", err)
		}
	case workflow.CallReminderArgs:
		w.do(func(tx *store.Tx) error { return w.wf.RemindCall(w.ctx, tx, a) })
	case workflow.SlotArgs:
		w.slot(a)
	}
}

// slot is a booked call's time: the booked agent, if free, starts it; or
// at the end of the wait nobody came — the freelancer, or the team.
func (w *world) slot(a workflow.SlotArgs) {
	w.do(func(tx *store.Tx) error {
		b, err := w.wf.LiveSlot(w.ctx, tx, a)
		if b == nil || err != nil {
			return err
		}
		switch {
		case a.Stage == "start" && w.pickOf(3) > 0:
			_, err := w.wf.StartBookedCall(w.ctx, tx, b, b.AgentID)
			if errors.Is(err, workflow.ErrBusy) {
				return nil
			}
			return err
		case a.Stage == "end" && w.pickOf(2) == 0:
			return w.wf.MissedByFreelancer(w.ctx, tx, b)
		case a.Stage == "end":
			return w.wf.MissedByTeam(w.ctx, tx, b)
		}
		return nil
	})
}

// check holds the case's promises after a step:
//   - the event feed, replayed from the start, gives every case's status
//     and every freelancer's standing;
//   - verification.overdue is only ever announced for a case waiting on
//     the freelancer, never one being served;
//   - a restriction rests on an overdue case that was offered capacity, or
//     on two different people's negative that no appeal overturned;
//   - every verified case has every required step and claim, with who;
//   - no deadline is under the minimum notice, and none moves earlier;
//   - every few steps, the audit chain verifies.
func (w *world) check(step int) {
	w.replay()
	all, err := w.st.Verifications(w.ctx, store.VerificationFilter{Limit: 10000})
	if err != nil {
		w.fail("%v", err)
	}
	p, err := w.wf.CurrentPolicy(w.ctx)
	if err != nil {
		w.fail("%v", err)
	}
	for _, v := range all {
		w.checkCase(p, v)
	}
	for _, f := range w.freelancers {
		w.checkStanding(f, all)
	}
	w.checkQueue(all)
	w.checkCalls(all)
	if step%20 == 0 {
		if _, err := w.st.VerifyAudit(w.ctx); err != nil {
			w.fail("audit chain: %v", err)
		}
	}
}

func (w *world) replay() {
	events, err := w.st.Events(w.ctx, w.lastSeq, 100000)
	if err != nil {
		w.fail("%v", err)
	}
	for _, e := range events {
		w.lastSeq = e.Seq
		switch {
		case e.Type == verification.EventStandingChange:
			var st verification.Standing
			if err := json.Unmarshal(e.Data, &st); err != nil {
				w.fail("standing.changed %d: %v", e.Seq, err)
			}
			w.standing[e.FreelancerID] = st
		case strings.HasPrefix(string(e.Type), "verification."):
			var v verification.Verification
			if err := json.Unmarshal(e.Data, &v); err != nil {
				w.fail("%s %d: %v", e.Type, e.Seq, err)
			}
			if e.Type == verification.EventOverdue && !v.Status.WaitsOnFreelancer() {
				w.fail("event %d announces %s overdue while it is %s", e.Seq, v.ID, v.Status)
			}
			if e.Type == verification.EventOverdue && v.Statement == nil {
				w.fail("event %d announces %s overdue without a statement of reasons", e.Seq, v.ID)
			}
			w.statuses[v.ID] = v.Status
		}
	}
}

func (w *world) checkCase(p verification.Policy, v *verification.Verification) {
	if got := w.statuses[v.ID]; got != v.Status {
		w.fail("%s is %s, but the event feed says %q", v.ID, v.Status, got)
	}
	floor, ok := w.floors[v.ID]
	if !ok {
		floor = v.CreatedAt.AddDate(0, 0, p.GraceDays) // first seen right after the step that opened it
		w.floors[v.ID] = floor
	}
	if v.Deadline.Before(floor) {
		w.fail("%s: deadline %v is under the minimum notice (opened %v)", v.ID, v.Deadline, v.CreatedAt)
	}
	if last, ok := w.deadlines[v.ID]; ok && v.Deadline.Before(last) {
		w.fail("%s: deadline moved earlier, from %v to %v", v.ID, last, v.Deadline)
	}
	w.deadlines[v.ID] = v.Deadline
	switch v.Status {
	case verification.Verified:
		ev, err := w.wf.Recorded(w.ctx, w.st, v)
		if err != nil {
			w.fail("%v", err)
		}
		if missing := ev.Missing(v); len(missing) > 0 {
			w.fail("%s is verified but lacks %v", v.ID, missing)
		}
		// Every challenge answered was on the freelancer's page first.
		for _, ch := range ev.Challenges {
			r, ok := ev.Step(verification.ChallengeStep(ch.Key))
			if ok && (ch.ShownAt == nil || ch.ShownAt.After(r.At)) {
				w.fail("%s: challenge %s recorded at %v, shown at %v", v.ID, ch.Key, r.At, ch.ShownAt)
			}
		}
		for _, o := range ev.Outcomes {
			if (o.StaffID == "" && !w.credentialConfirmed(v.ID, o)) || o.RecordedAt.IsZero() {
				w.fail("%s: outcome of %s without who or when", v.ID, o.Key)
			}
		}
	case verification.NotVerified:
		// Only people decide a negative: never a credential.
		decisions, err := w.st.Decisions(w.ctx, v.ID)
		if err != nil {
			w.fail("%v", err)
		}
		if !slices.ContainsFunc(decisions, func(d store.DecisionRecord) bool {
			return d.Decision == verification.DecideNotVerified && d.StaffID != ""
		}) {
			w.fail("%s is not verified with no person's negative", v.ID)
		}
	case verification.AwaitingFreelancer:
		if !v.Overdue(w.now) {
			slots, err := w.wf.BookableSlots(w.ctx, v)
			if err != nil {
				w.fail("%v", err)
			}
			if len(slots) > 0 {
				w.offered[v.ID] = true
			}
		}
	case verification.AwaitingDocuments:
		w.offered[v.ID] = true // the documents can be sent at any time
	}
}

// credentialConfirmed reports whether an outcome recorded by no staff
// member is a confirmation a digital credential made: a credential that
// matched that claim is in the case's evidence.
func (w *world) credentialConfirmed(verificationID string, o verification.ClaimOutcome) bool {
	evidence, err := w.st.CredentialEvidence(w.ctx, verificationID)
	if err != nil {
		w.fail("%v", err)
	}
	return o.Outcome == verification.Confirmed && // its note may be erased since
		slices.ContainsFunc(evidence, func(e store.CredentialEvidence) bool { return e.ClaimKey == o.Key && e.Matched })
}

// checkQueue holds the live queue to the cases: every place in it belongs
// to a case in_queue, and every case in_queue has its place, so that no
// dead entry blocks the agents and nobody waits where nobody looks.
func (w *world) checkQueue(all []*verification.Verification) {
	entries, err := w.st.Queue(w.ctx)
	if err != nil {
		w.fail("%v", err)
	}
	placed := map[string]bool{}
	for _, e := range entries {
		placed[e.VerificationID] = true
	}
	for _, v := range all {
		if (v.Status == verification.InQueue) != placed[v.ID] {
			w.fail("%s is %s, in the queue: %v", v.ID, v.Status, placed[v.ID])
		}
		delete(placed, v.ID)
	}
	if len(placed) > 0 {
		w.fail("queue places for no case: %v", placed)
	}
}

// checkCalls holds the calls to the cases and the agents: a case is in a
// call exactly when it has a live call, no live call belongs to anything
// else, and no agent holds two at once.
func (w *world) checkCalls(all []*verification.Verification) {
	inCall := 0
	holder := map[string]string{}
	for _, v := range all {
		c, err := w.st.LiveCall(w.ctx, v.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			w.fail("%v", err)
		}
		if (v.Status == verification.InCall) != (err == nil) {
			w.fail("%s is %s, with a live call: %v", v.ID, v.Status, err == nil)
		}
		if err != nil {
			continue
		}
		inCall++
		if other, ok := holder[c.AgentID]; ok {
			w.fail("agent %s holds calls on %s and %s at once", c.AgentID, other, v.ID)
		}
		holder[c.AgentID] = v.ID
	}
	live, err := w.st.CallsInProgress(w.ctx)
	if err != nil {
		w.fail("%v", err)
	}
	if live != inCall {
		w.fail("%d calls in progress, but %d cases in a call", live, inCall)
	}
}

func (w *world) checkStanding(f string, all []*verification.Verification) {
	st, err := w.wf.Standing(w.ctx, f)
	if err != nil {
		w.fail("%v", err)
	}
	fed, ok := w.standing[f]
	if !ok {
		fed = verification.Standing{Restrictions: []string{}}
	}
	if st.Verified != fed.Verified || !slices.Equal(st.Restrictions, fed.Restrictions) {
		w.fail("%s stands verified=%v restricted=%v, but the event feed says verified=%v restricted=%v",
			f, st.Verified, st.Restrictions, fed.Verified, fed.Restrictions)
	}
	if len(st.Restrictions) == 0 {
		return
	}
	if st.Statement == nil || len(st.Statement.Restrictions) == 0 {
		w.fail("%s is restricted without a statement of reasons: %+v", f, st)
	}
	if o := st.OpenVerification; o != nil && o.Overdue {
		if !w.offered[o.ID] {
			w.fail("%s is restricted by %s overdue, which was never offered a slot before its deadline", f, o.ID)
		}
		return
	}
	var decided *verification.Verification
	for _, v := range all {
		if v.FreelancerID == f && v.Status.Decided() && (decided == nil || v.ClosedAt.After(*decided.ClosedAt)) {
			decided = v
		}
	}
	if decided == nil || decided.Status != verification.NotVerified || decided.AppealUpheldAt != nil {
		w.fail("%s is restricted with no overdue case and no standing negative", f)
	}
	decisions, err := w.st.Decisions(w.ctx, decided.ID)
	if err != nil {
		w.fail("%v", err)
	}
	people := map[string]bool{}
	for _, d := range decisions {
		if d.Decision == verification.DecideNotVerified {
			people[d.StaffID] = true
		}
	}
	if len(people) < 2 {
		w.fail("%s is restricted by %s on %d person's negative", f, decided.ID, len(people))
	}
}
