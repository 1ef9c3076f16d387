package workflow_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// fixture is a workflow on a fresh database, wired as TestModel's, for the
// tests of one rule each: a clock the test sets, a team, and helpers that
// take a case to where a rule applies. Every step goes through the
// workflow's own methods in a transaction of its own, as a request or a job
// would; helpers take the running test, so that they work in subtests.
type fixture struct {
	ctx  context.Context
	st   *store.Store
	wf   *workflow.Workflow
	jobs *jobQueue
	now  time.Time
	// agent holds calls, and keeps weekdays 09:00–17:00 UTC for booked
	// ones; sup and second are supervisors, who review and decide appeals.
	agent, sup, second *store.Staff
	// agents are every agent made so far, for freeAgent.
	agents []*store.Staff
	made   int
}

// monday is when every fixture's clock starts: a Monday morning.
var monday = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, cfg store.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	if cfg.DatabaseURL != "" {
		// Commits need not wait for the disk in a throwaway schema: the
		// rules under test are the same, and the tests run faster.
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		cfg.DatabaseURL = u.String()
	}
	st := storetest.Open(t, cfg)
	ring := keystest.Ring()
	signer, err := auth.NewPortalSigner(ring.Signing(keys.PortalLinks))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: ctx, st: st, jobs: &jobQueue{}, now: monday}
	f.wf = &workflow.Workflow{Store: st, Jobs: f.jobs, Policy: verification.DefaultPolicy(), Portal: signer,
		BaseURL: "http://attest.test", Now: func() time.Time { return f.now }, LinkLifetime: 30 * 24 * time.Hour,
		Estimator: queue.Estimator{HandleTime: 4 * time.Minute}, Keys: ring}
	f.agent = f.addStaff(t, "agent", store.RoleAgent)
	f.sup = f.addStaff(t, "sup", store.RoleSupervisor)
	f.second = f.addStaff(t, "second", store.RoleSupervisor)
	f.do(t, func(tx *store.Tx) error { return f.wf.SetHours(ctx, tx, "test", f.agent.ID, "UTC", weekdays(9, 17)) })
	return f
}

// do runs fn in a transaction and fails the test on any error.
func (f *fixture) do(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := f.st.InTx(f.ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// tick moves the clock on a second: calls and decisions are ordered by
// their time, and two in the same instant would be ordered by chance.
func (f *fixture) tick() { f.now = f.now.Add(time.Second) }

// try runs fn in a transaction and returns its error: a refusal rolls the
// transaction back, as a request's would.
func (f *fixture) try(fn func(tx *store.Tx) error) error { return f.st.InTx(f.ctx, fn) }

// passwordHash is every fixture staff member's, made once: argon2id costs
// a tenth of a second a hash, on purpose, and staff accounts are not what
// these tests are about.
var passwordHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("correct horse battery", rand.Reader)
	if err != nil {
		panic(err)
	}
	return h
})

// addStaff adds a staff member.
func (f *fixture) addStaff(t *testing.T, name string, role store.Role) *store.Staff {
	t.Helper()
	s := &store.Staff{ID: store.NewID("stf", f.now), Email: name + "@staff.test", Name: name, Role: role,
		PasswordHash: passwordHash(), CreatedAt: f.now}
	f.do(t, func(tx *store.Tx) error {
		_, err := tx.PutStaff(f.ctx, s)
		return err
	})
	if role == store.RoleAgent {
		f.agents = append(f.agents, s)
	}
	return s
}

// freeAgent is an agent in no call, made when every agent is in one.
func (f *fixture) freeAgent(t *testing.T) *store.Staff {
	t.Helper()
	for _, a := range f.agents {
		if _, err := f.st.AgentLiveCall(f.ctx, a.ID); errors.Is(err, store.ErrNotFound) {
			return a
		} else if err != nil {
			t.Fatal(err)
		}
	}
	return f.addStaff(t, fmt.Sprintf("agent%d", len(f.agents)), store.RoleAgent)
}

// claims every freelancer of a fixture has: an identity, a location and a
// degree, each of a kind with its own questions.
var claims = []verification.Claim{
	{Key: "legal_name", Label: "Legal name", Value: "Ana Lima", Kind: verification.KindIdentity},
	{Key: "location", Label: "Location", Value: "Lisbon", Kind: verification.KindLocation},
	{Key: "degree", Label: "Degree", Value: "BSc Physics", Kind: verification.KindEducation},
}

// claimKeys are their keys, in the profile's order.
var claimKeys = []string{"legal_name", "location", "degree"}

// freelancer puts a new profile and returns its id.
func (f *fixture) freelancer(t *testing.T) string {
	t.Helper()
	f.made++
	id := fmt.Sprintf("f-%d", f.made)
	p := &verification.Freelancer{ID: id, DisplayName: "Ana Lima " + id, Email: id + "@freelancer.test", Locale: "en",
		TimeZone: "UTC", Claims: claims}
	f.do(t, func(tx *store.Tx) error {
		_, err := f.wf.PutFreelancer(f.ctx, tx, "test", p)
		return err
	})
	return id
}

// request is what the marketplace asks for a freelancer, with the reason
// every fixture case carries.
func request(freelancerID string) verification.Request {
	return verification.Request{FreelancerID: freelancerID,
		Reason: verification.Reason{Code: "new_account", Explanation: "New accounts are checked once."}}
}

// open opens a case for a new freelancer.
func (f *fixture) open(t *testing.T) *verification.Verification {
	t.Helper()
	return f.openFor(t, request(f.freelancer(t)))
}

func (f *fixture) openFor(t *testing.T, req verification.Request) *verification.Verification {
	t.Helper()
	var opened *workflow.Opened
	f.do(t, func(tx *store.Tx) (err error) {
		opened, err = f.wf.OpenVerification(f.ctx, tx, "api:test", req)
		return err
	})
	return opened.Verification
}

// get reads a case afresh.
func (f *fixture) get(t *testing.T, id string) *verification.Verification {
	t.Helper()
	v, err := f.st.Verification(f.ctx, id)
	must(t, err)
	return v
}

// call puts the case in the live queue and has a free agent take it; the
// queue must hold no one else.
func (f *fixture) call(t *testing.T, v *verification.Verification) (*workflow.Taken, *store.Staff) {
	t.Helper()
	agent := f.freeAgent(t)
	f.tick()
	var taken *workflow.Taken
	f.do(t, func(tx *store.Tx) (err error) {
		if _, err = f.wf.JoinQueue(f.ctx, tx, v.FreelancerID); err != nil {
			return err
		}
		taken, err = f.wf.TakeNext(f.ctx, tx, agent.ID)
		return err
	})
	if taken.Verification.ID != v.ID {
		t.Fatalf("%s took %s from the queue, want %s", agent.Name, taken.Verification.ID, v.ID)
	}
	return taken, agent
}

// passing is the result that passes a step.
func passing(step string) string {
	switch step {
	case verification.StepConsent:
		return "given"
	case verification.StepIdentity, verification.StepIdentityDocument:
		return "matched"
	case verification.StepDocumentsAuthentic:
		return "yes"
	}
	return "done"
}

// liveSteps are the live check's steps of a call: its recorded challenges.
func liveSteps(c *store.Call) []string {
	var steps []string
	for _, c := range c.Challenges {
		steps = append(steps, "challenge_"+c.Key)
	}
	return steps
}

// record records steps with their passing result, and claim outcomes, as
// the agent holding the call.
func (f *fixture) record(t *testing.T, agentID, verificationID string, steps []string, outcomes map[string]verification.Outcome) {
	t.Helper()
	f.do(t, func(tx *store.Tx) error {
		for _, step := range steps {
			if err := f.showIfChallenge(tx, agentID, verificationID, step); err != nil {
				return err
			}
			if _, err := f.wf.RecordStep(f.ctx, tx, agentID, verificationID, step, passing(step)); err != nil {
				return err
			}
		}
		for _, key := range claimKeys {
			if o, ok := outcomes[key]; ok {
				if err := f.wf.RecordOutcome(f.ctx, tx, agentID, verificationID, verification.ClaimOutcome{Key: key, Outcome: o}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// showIfChallenge shows a live-check challenge on the freelancer's page, as
// the agent does before recording how it went; other steps need nothing.
func (f *fixture) showIfChallenge(tx *store.Tx, agentID, verificationID, step string) error {
	key, ok := strings.CutPrefix(step, "challenge_")
	if !ok {
		return nil
	}
	_, err := f.wf.ShowChallenge(f.ctx, tx, agentID, verificationID, key)
	return err
}

// allConfirmed confirms every claim of a fixture case.
var allConfirmed = map[string]verification.Outcome{"legal_name": verification.Confirmed, "location": verification.Confirmed,
	"degree": verification.Confirmed}

// wholeCall records every step a video call requires and confirms every
// claim: what a verified decision needs.
func (f *fixture) wholeCall(t *testing.T, agentID string, taken *workflow.Taken) {
	t.Helper()
	steps := append([]string{verification.StepConsent, verification.StepIdentity}, liveSteps(taken.Call)...)
	f.record(t, agentID, taken.Verification.ID, steps, allConfirmed)
}

// decideCall ends the agent's call with a decision.
func (f *fixture) decideCall(t *testing.T, agentID, verificationID string, d workflow.CallDecision) *verification.Verification {
	t.Helper()
	f.tick()
	var v *verification.Verification
	f.do(t, func(tx *store.Tx) (err error) {
		v, err = f.wf.DecideCall(f.ctx, tx, agentID, verificationID, d)
		return err
	})
	return v
}

// negative is a case in review on an agent's negative after a call that
// could not confirm the location.
func (f *fixture) negative(t *testing.T) (*verification.Verification, *store.Staff) {
	t.Helper()
	taken, agent := f.call(t, f.open(t))
	f.record(t, agent.ID, taken.Verification.ID, []string{verification.StepConsent, verification.StepIdentity},
		map[string]verification.Outcome{"legal_name": verification.Confirmed, "location": verification.NotConfirmed})
	v := f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideNotVerified,
		ReasonCode: "claim_not_supported"})
	return v, agent
}

// review is a second reviewer's decision.
func (f *fixture) review(t *testing.T, reviewer *store.Staff, verificationID string, choice workflow.ReviewChoice) *verification.Verification {
	t.Helper()
	f.tick()
	var v *verification.Verification
	f.do(t, func(tx *store.Tx) (err error) {
		v, err = f.wf.DecideReview(f.ctx, tx, reviewer, verificationID, workflow.ReviewDecision{Choice: choice})
		return err
	})
	return v
}

// confirmed is a case not_verified: the agent's negative confirmed by sup.
func (f *fixture) confirmed(t *testing.T) (*verification.Verification, *store.Staff) {
	t.Helper()
	v, agent := f.negative(t)
	return f.review(t, f.sup, v.ID, workflow.Confirm), agent
}

// book books the first bookable slot for the case.
func (f *fixture) book(t *testing.T, v *verification.Verification) *store.Booking {
	t.Helper()
	slots, err := f.wf.BookableSlots(f.ctx, v)
	if err != nil || len(slots) == 0 {
		t.Fatalf("bookable slots for %s: %v %v", v.ID, slots, err)
	}
	var b *store.Booking
	f.do(t, func(tx *store.Tx) (err error) {
		b, err = f.wf.Book(f.ctx, tx, v.FreelancerID, slots[0])
		return err
	})
	return b
}

// caseIn is a new case brought to status the way the product brings one
// there. A case in review waits for its second reviewer.
func (f *fixture) caseIn(t *testing.T, status verification.Status) *verification.Verification {
	t.Helper()
	switch status {
	case verification.AwaitingFreelancer:
		return f.open(t)
	case verification.Scheduled:
		v := f.open(t)
		f.book(t, v)
		return f.get(t, v.ID)
	case verification.InQueue:
		v := f.open(t)
		f.do(t, func(tx *store.Tx) error {
			_, err := f.wf.JoinQueue(f.ctx, tx, v.FreelancerID)
			return err
		})
		return f.get(t, v.ID)
	case verification.InCall:
		taken, _ := f.call(t, f.open(t))
		return taken.Verification
	case verification.AwaitingDocuments:
		taken, agent := f.call(t, f.open(t))
		return f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideNeedsDocuments,
			DocumentsFor: []string{"degree"}})
	case verification.InReview:
		v, _ := f.negative(t)
		return v
	case verification.Verified:
		taken, agent := f.call(t, f.open(t))
		f.wholeCall(t, agent.ID, taken)
		return f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideVerified})
	case verification.NotVerified:
		v, _ := f.confirmed(t)
		return v
	case verification.Canceled:
		v := f.open(t)
		return f.transition(t, v.ID, verification.Canceled)
	}
	t.Fatalf("no way to a case in %s", status)
	return nil
}

// transition moves a case through the workflow's Transition, as the API's
// cancel does.
func (f *fixture) transition(t *testing.T, id string, to verification.Status) *verification.Verification {
	t.Helper()
	var v *verification.Verification
	f.do(t, func(tx *store.Tx) (err error) {
		v, err = f.wf.Transition(f.ctx, tx, "api:test", id, to)
		return err
	})
	return v
}

// cancelIfOpen cancels a case a test is done with, so that it leaves the
// queue and the backlog to the next.
func (f *fixture) cancelIfOpen(t *testing.T, id string) {
	t.Helper()
	if f.get(t, id).Status.Open() {
		f.transition(t, id, verification.Canceled)
	}
}

// standing is the freelancer's standing now.
func (f *fixture) standing(t *testing.T, freelancerID string) verification.Standing {
	t.Helper()
	st, err := f.wf.Standing(f.ctx, freelancerID)
	must(t, err)
	return st
}

// events are the events after seq, in order.
func (f *fixture) events(t *testing.T, after int64) []store.Event {
	t.Helper()
	list, err := f.st.Events(f.ctx, after, 1_000_000)
	must(t, err)
	return list
}

func eventTypes(events []store.Event) []verification.EventType {
	out := make([]verification.EventType, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

// lastSeq is the number of the latest event.
func (f *fixture) lastSeq(t *testing.T) int64 {
	t.Helper()
	list := f.events(t, 0)
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1].Seq
}

// audited is the audit's actions after it held n entries, oldest first.
func (f *fixture) audited(t *testing.T, n int) []string {
	t.Helper()
	entries, err := f.st.AuditEntries(f.ctx, 1_000_000)
	must(t, err)
	var actions []string
	for i := len(entries) - 1 - n; i >= 0; i-- {
		actions = append(actions, entries[i].Action+" "+entries[i].Target)
	}
	return actions
}

// written counts what a change writes, to hold a refusal to writing nothing.
type written struct {
	status                                verification.Status
	deadline                              int64 // Unix nanoseconds: a time compares by ==
	events, audit, emails, jobs           int
	decisions, steps, outcomes, documents int
	appeals                               int
}

func (f *fixture) written(t *testing.T, id string) written {
	t.Helper()
	ctx := f.ctx
	var w written
	if id != "" {
		w = f.writtenOn(t, id)
	}
	events, err := f.st.Events(ctx, 0, 1_000_000)
	must(t, err)
	audit, err := f.st.AuditEntries(ctx, 1_000_000)
	must(t, err)
	emails, err := f.st.Emails(ctx, 1_000_000)
	must(t, err)
	w.events, w.audit, w.emails, w.jobs = len(events), len(audit), len(emails), len(f.jobs.pending)
	return w
}

// writtenOn counts what is written about one case.
func (f *fixture) writtenOn(t *testing.T, id string) written {
	t.Helper()
	ctx := f.ctx
	v := f.get(t, id)
	decisions, err := f.st.Decisions(ctx, id)
	must(t, err)
	steps, err := f.st.Steps(ctx, id)
	must(t, err)
	outcomes, err := f.st.ClaimOutcomes(ctx, id)
	must(t, err)
	documents, err := f.st.Documents(ctx, id)
	must(t, err)
	appeals := 0
	if _, err := f.st.AppealOf(ctx, id); err == nil {
		appeals = 1
	} else if !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return written{status: v.Status, deadline: v.Deadline.UnixNano(), decisions: len(decisions), steps: len(steps), outcomes: len(outcomes),
		documents: len(documents), appeals: appeals}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// refuses runs fn, which must be refused with code, and checks that the
// case with id (if any) and the record around it are as they were: no
// status, deadline, event, audit entry, email, job, decision, step,
// outcome, document or appeal written.
func (f *fixture) refuses(t *testing.T, code, id string, fn func(tx *store.Tx) error) error {
	t.Helper()
	before := f.written(t, id)
	err := f.try(fn)
	if got := codeOf(err); got != code {
		t.Errorf("refusal code %q (%v), want %q", got, err, code)
	}
	if after := f.written(t, id); after != before {
		t.Errorf("a refusal wrote: before %+v, after %+v", before, after)
	}
	return err
}

// illegal is the code codeOf gives an *IllegalTransitionError.
const illegal = "illegal_transition"

// codeOf is the code of a refusal, as the API maps it: a rule's or a
// field's code, or illegal for a transition the table refuses.
func codeOf(err error) string {
	var (
		rule  *verification.RuleError
		field *verification.FieldError
		move  *verification.IllegalTransitionError
	)
	switch {
	case errors.As(err, &rule):
		return rule.Code
	case errors.As(err, &field):
		return field.Code
	case errors.As(err, &move):
		return illegal
	case err == nil:
		return ""
	}
	return "unexpected: " + err.Error()
}

// deadlineJob is the job queued for the case's deadline itself, and when
// it is due.
func (f *fixture) deadlineJob(t *testing.T, v *verification.Verification) (workflow.DeadlineArgs, time.Time) {
	t.Helper()
	for _, j := range f.jobs.pending {
		if a, ok := j.args.(workflow.DeadlineArgs); ok && a.VerificationID == v.ID && a.Before == 0 && a.Deadline.Equal(v.Deadline) {
			return a, j.at
		}
	}
	t.Fatalf("no job for %s's deadline %v", v.ID, v.Deadline)
	return workflow.DeadlineArgs{}, time.Time{}
}

// workDeadline runs a deadline job as River would, through DeadlineWorker.
func (f *fixture) workDeadline(a workflow.DeadlineArgs) error {
	w := &workflow.DeadlineWorker{Workflow: f.wf}
	return w.Work(f.ctx, &river.Job[workflow.DeadlineArgs]{Args: a})
}

// runDeadline works the job queued for the case's current deadline.
func (f *fixture) runDeadline(t *testing.T, v *verification.Verification) error {
	t.Helper()
	a, _ := f.deadlineJob(t, f.get(t, v.ID))
	return f.workDeadline(a)
}

// slotJob is the booking's slot job of a stage ("start" or "end").
func (f *fixture) slotJob(t *testing.T, b *store.Booking, stage string) (workflow.SlotArgs, time.Time) {
	t.Helper()
	for _, j := range f.jobs.pending {
		if a, ok := j.args.(workflow.SlotArgs); ok && a.BookingID == b.ID && a.Stage == stage && a.Start.Equal(b.Start) {
			return a, j.at
		}
	}
	t.Fatalf("no %s job for booking %s at %v", stage, b.ID, b.Start)
	return workflow.SlotArgs{}, time.Time{}
}

// emailKinds are the kinds of the emails sent about a case.
func (f *fixture) emailKinds(t *testing.T, verificationID string) []string {
	t.Helper()
	emails, err := f.st.Emails(f.ctx, 1_000_000)
	must(t, err)
	var kinds []string
	for _, e := range emails {
		if e.VerificationID == verificationID {
			kinds = append(kinds, e.Kind)
		}
	}
	slices.Sort(kinds)
	return kinds
}
