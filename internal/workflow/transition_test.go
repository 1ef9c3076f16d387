package workflow_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// allowed is DESIGN section 4's list of moves between statuses, written
// out here on its own, so that a change to the domain's table is a change
// to this too.
var allowed = map[verification.Status][]verification.Status{
	verification.AwaitingFreelancer: {verification.Scheduled, verification.InQueue, verification.InReview, verification.Verified, verification.Canceled},
	verification.Scheduled:          {verification.AwaitingFreelancer, verification.InQueue, verification.InCall, verification.Verified, verification.Canceled},
	verification.InQueue:            {verification.AwaitingFreelancer, verification.InCall, verification.Verified, verification.Canceled},
	verification.InCall:             {verification.AwaitingDocuments, verification.InReview, verification.Verified, verification.Canceled},
	verification.AwaitingDocuments:  {verification.InReview, verification.Canceled},
	verification.InReview:           {verification.AwaitingFreelancer, verification.Verified, verification.NotVerified, verification.Canceled},
}

// announces is the event each status is announced by: the public API's
// names (DESIGN section 5), written out for the same reason.
var announces = map[verification.Status]verification.EventType{
	verification.AwaitingFreelancer: "verification.returned",
	verification.Scheduled:          "verification.scheduled",
	verification.InQueue:            "verification.queued",
	verification.InCall:             "verification.call_started",
	verification.AwaitingDocuments:  "verification.documents_requested",
	verification.InReview:           "verification.in_review",
	verification.Verified:           "verification.verified",
	verification.NotVerified:        "verification.not_verified",
	verification.Canceled:           "verification.canceled",
}

// Every pair of statuses, through Workflow.Transition, which every surface
// uses: a move the table allows succeeds with exactly its event
// (verification.EventFor, and the standing's change a decision brings), an
// audit entry and the new status stored; any other is refused as an
// illegal transition and writes nothing.
// A refusal leaves its case as it was, so one case of each status serves
// every refused move; each allowed move has a case of its own.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		for _, from := range verification.Statuses {
			refused := f.caseIn(t, from)
			if refused.Status != from {
				t.Fatalf("a case brought to %s is %s", from, refused.Status)
			}
			for _, to := range verification.Statuses {
				t.Run(string(from)+"→"+string(to), func(t *testing.T) {
					if !slices.Contains(allowed[from], to) {
						f.checkRefusedMove(t, refused, to)
						return
					}
					v := f.caseFor(t, from, to)
					defer f.cancelIfOpen(t, v.ID)
					if v.Status != from {
						t.Fatalf("the case to move is %s, want %s", v.Status, from)
					}
					f.checkMove(t, v, to)
				})
			}
			f.cancelIfOpen(t, refused.ID)
		}
	})
}

// caseFor is a case in from, with what a move to to needs besides the
// table: verified every step and claim recorded, not_verified two people's
// negative.
func (f *fixture) caseFor(t *testing.T, from, to verification.Status) *verification.Verification {
	t.Helper()
	switch {
	case from == verification.InCall && to == verification.Verified:
		taken, agent := f.call(t, f.open(t))
		f.wholeCall(t, agent.ID, taken)
		return taken.Verification
	case from == verification.InReview && to == verification.Verified:
		// A call with everything recorded, ended negative: what an
		// overturning reviewer moves to verified.
		taken, agent := f.call(t, f.open(t))
		f.wholeCall(t, agent.ID, taken)
		return f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideNotVerified,
			ReasonCode: "left_before_finishing"})
	case to == verification.Verified && !from.Decided() && from != verification.InCall && from != verification.InReview:
		// No call: a digital credential confirmed every claim, as
		// RecordCredential records it.
		v := f.caseIn(t, from)
		f.credentialSettled(t, v)
		return v
	case from == verification.InReview && to == verification.NotVerified:
		// The second negative, as a confirming reviewer records it before
		// moving the case.
		v, _ := f.negative(t)
		f.secondNegative(t, v.ID, f.sup.ID)
		return v
	}
	return f.caseIn(t, from)
}

func (f *fixture) checkMove(t *testing.T, v *verification.Verification, to verification.Status) {
	t.Helper()
	seq := f.lastSeq(t)
	audited := f.written(t, v.ID).audit
	moved := f.transition(t, v.ID, to)
	if stored := f.get(t, v.ID); stored.Status != to || moved.Status != to {
		t.Errorf("moved to %s; the workflow returned %s and stored %s", to, moved.Status, stored.Status)
	}
	if closed := moved.ClosedAt != nil; closed != !to.Open() {
		t.Errorf("closed at %v after a move to %s", moved.ClosedAt, to)
	}
	if verification.EventFor(to) != announces[to] {
		t.Errorf("EventFor(%s) = %s, want %s", to, verification.EventFor(to), announces[to])
	}
	want := []verification.EventType{announces[to]}
	if to.Decided() {
		want = append(want, verification.EventStandingChange) // verified, or restricted
	}
	events := f.events(t, seq)
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if len(events) > 0 && events[0].VerificationID != v.ID {
		t.Errorf("%s is about %q, want %s", events[0].Type, events[0].VerificationID, v.ID)
	}
	if actions := f.audited(t, audited); !slices.Contains(actions, "verification."+string(to)+" "+v.ID) {
		t.Errorf("audit %v has no verification.%s for %s", actions, to, v.ID)
	}
}

func (f *fixture) checkRefusedMove(t *testing.T, v *verification.Verification, to verification.Status) {
	t.Helper()
	err := f.refuses(t, illegal, v.ID, func(tx *store.Tx) error {
		_, err := f.wf.Transition(f.ctx, tx, "api:test", v.ID, to)
		return err
	})
	var move *verification.IllegalTransitionError
	if errors.As(err, &move) && (move.From != v.Status || move.To != to) {
		t.Errorf("refused as %s → %s, want %s → %s", move.From, move.To, v.Status, to)
	}
}

// A case canceled during its call — the marketplace cancels it, or the
// freelancer's data is erased — ends the call, so that its agent is free
// to take the next freelancer.
func TestCancelingACaseEndsItsCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cancel func(f *fixture, tx *store.Tx, v *verification.Verification) error
	}{
		{"canceled by the marketplace", func(f *fixture, tx *store.Tx, v *verification.Verification) error {
			_, err := f.wf.Transition(f.ctx, tx, "api:test", v.ID, verification.Canceled)
			return err
		}},
		{"the freelancer erased", func(f *fixture, tx *store.Tx, v *verification.Verification) error {
			return f.wf.EraseFreelancer(f.ctx, tx, "api:test", v.FreelancerID)
		}},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				taken, agent := f.call(t, f.open(t))
				f.do(t, func(tx *store.Tx) error { return tt.cancel(f, tx, taken.Verification) })
				if c, err := f.st.LiveCall(f.ctx, taken.Verification.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the call of a case %s is still live: %+v, %v", f.get(t, taken.Verification.ID).Status, c, err)
				}
				next := f.open(t)
				defer f.cancelIfOpen(t, next.ID)
				f.do(t, func(tx *store.Tx) error {
					_, err := f.wf.JoinQueue(f.ctx, tx, next.FreelancerID)
					return err
				})
				err := f.try(func(tx *store.Tx) error {
					_, err := f.wf.TakeNext(f.ctx, tx, agent.ID)
					return err
				})
				if err != nil {
					t.Errorf("the agent whose call's case was %s takes the next freelancer: %v", tt.name, err)
				}
			})
		}
	})
}

// credentialSettled records on a case waiting for its call what a digital
// credential that confirmed every claim records: the freelancer's consent,
// the credential's identity step and each claim confirmed.
func (f *fixture) credentialSettled(t *testing.T, v *verification.Verification) {
	t.Helper()
	by := "freelancer:" + v.FreelancerID
	err := f.st.InTx(f.ctx, func(tx *store.Tx) error {
		for _, step := range []verification.StepRecord{{Step: verification.StepConsent, Result: "given", By: by, At: f.now},
			{Step: verification.StepIdentityCredential, Result: "matched", By: by, At: f.now}} {
			if err := tx.PutStep(f.ctx, v.ID, step); err != nil {
				return err
			}
		}
		for _, key := range v.Claims {
			o := verification.ClaimOutcome{Key: key, Outcome: verification.Confirmed, Note: "digital credential"}
			if err := tx.PutClaimOutcome(f.ctx, v.ID, "", o, f.now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
