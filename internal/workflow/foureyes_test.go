package workflow_test

import (
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// withReviewRights grants an agent the second review, as an admin does.
func (f *fixture) withReviewRights(t *testing.T, agent *store.Staff) *store.Staff {
	t.Helper()
	var s *store.Staff
	f.do(t, func(tx *store.Tx) (err error) {
		s, err = tx.SetReviewRights(f.ctx, agent.Email, true)
		return err
	})
	return s
}

// secondNegative records a negative decision on the case by staffID,
// as a confirming reviewer does before moving the case.
func (f *fixture) secondNegative(t *testing.T, verificationID, staffID string) {
	t.Helper()
	f.tick()
	f.do(t, func(tx *store.Tx) error {
		return tx.InsertDecision(f.ctx, &store.DecisionRecord{ID: store.NewID("dec", f.now), VerificationID: verificationID,
			StaffID: staffID, Stage: "review", Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported", DecidedAt: f.now})
	})
}

// Nobody is restricted on one person's word: an agent's negative waits in
// review and restricts nobody; the move to not_verified needs a second,
// different person's negative, whoever asks for it; the same person twice
// is one person.
func TestNegativeNeedsTwoPeople(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, agent := f.negative(t)
		if v.Status != verification.InReview {
			t.Fatalf("after an agent's negative the case is %s, want in_review", v.Status)
		}
		if st := f.standing(t, v.FreelancerID); len(st.Restrictions) > 0 || st.Statement != nil {
			t.Fatalf("one person's negative restricts: %+v", st)
		}
		toNotVerified := func(tx *store.Tx) error {
			_, err := f.wf.Transition(f.ctx, tx, "api:test", v.ID, verification.NotVerified)
			return err
		}
		f.refuses(t, verification.ErrFourEyes, v.ID, toNotVerified)

		f.secondNegative(t, v.ID, agent.ID)
		f.refuses(t, verification.ErrFourEyes, v.ID, toNotVerified)
		if st := f.standing(t, v.FreelancerID); len(st.Restrictions) > 0 {
			t.Fatalf("the same person's negative twice restricts: %+v", st)
		}

		confirmed := f.review(t, f.sup, v.ID, workflow.Confirm)
		if confirmed.Status != verification.NotVerified {
			t.Fatalf("after a second person confirmed: %s, want not_verified", confirmed.Status)
		}
		if st := f.standing(t, v.FreelancerID); len(st.Restrictions) == 0 {
			t.Fatalf("two people's negative does not restrict: %+v", st)
		}
	})
}

// The second reviewer took no part in the case: not the agent who
// decided it (review rights or not), nor anyone without review rights;
// TookPart says so before anyone tries.
func TestSecondReviewerTookNoPart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, agent := f.negative(t)
		other := f.addStaff(t, "other", store.RoleAgent)
		confirm := workflow.ReviewDecision{Choice: workflow.Confirm}
		tests := []struct {
			name     string
			reviewer *store.Staff
			tookPart bool
			code     string
		}{
			{"an agent without review rights", other, false, "not_a_reviewer"},
			{"the agent who decided, with review rights", f.withReviewRights(t, agent), true, "own_decision"},
			{"a supervisor who took no part", f.sup, false, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				took, err := f.wf.TookPart(f.ctx, f.get(t, v.ID), tt.reviewer.ID)
				if err != nil || took != tt.tookPart {
					t.Errorf("TookPart = %v, %v; want %v", took, err, tt.tookPart)
				}
				if tt.code == "" {
					return
				}
				f.refuses(t, tt.code, v.ID, func(tx *store.Tx) error {
					_, err := f.wf.DecideReview(f.ctx, tx, tt.reviewer, v.ID, confirm)
					return err
				})
			})
		}
		// A supervisor who held the call is no second pair of eyes for it.
		own := f.open(t)
		f.do(t, func(tx *store.Tx) error {
			if _, err := f.wf.JoinQueue(f.ctx, tx, own.FreelancerID); err != nil {
				return err
			}
			_, err := f.wf.TakeNext(f.ctx, tx, f.second.ID)
			return err
		})
		f.record(t, f.second.ID, own.ID, nil, map[string]verification.Outcome{"location": verification.NotConfirmed})
		f.decideCall(t, f.second.ID, own.ID, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
		f.refuses(t, "own_decision", own.ID, func(tx *store.Tx) error {
			_, err := f.wf.DecideReview(f.ctx, tx, f.second, own.ID, confirm)
			return err
		})
	})
}

// A case a second reviewer sends back for a new call goes to another
// agent: the live queue passes it over for the agent who decided it, and
// the negative the new call ends with is reviewed by someone who took no
// part in either call nor in sending it back.
func TestNewCallGoesToSomeoneNew(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, first := f.negative(t)
		back := f.review(t, f.sup, v.ID, workflow.NewCall)
		if back.Status != verification.AwaitingFreelancer {
			t.Fatalf("sent back for a new call: %s, want awaiting_freelancer", back.Status)
		}
		if took, err := f.wf.TookPart(f.ctx, back, f.sup.ID); err != nil || !took {
			t.Errorf("TookPart of the reviewer who sent it back = %v, %v; want true", took, err)
		}
		f.do(t, func(tx *store.Tx) error {
			_, err := f.wf.JoinQueue(f.ctx, tx, v.FreelancerID)
			return err
		})
		f.refuses(t, "queue_empty", v.ID, func(tx *store.Tx) error {
			_, err := f.wf.TakeNext(f.ctx, tx, first.ID)
			return err
		})
		ok, err := f.wf.MayTake(f.ctx, f.st, v.ID, first.ID)
		if err != nil || ok {
			t.Errorf("MayTake of the agent who decided = %v, %v; want false", ok, err)
		}

		second := f.addStaff(t, "second-agent", store.RoleAgent)
		f.tick()
		var taken *workflow.Taken
		f.do(t, func(tx *store.Tx) (err error) {
			taken, err = f.wf.TakeNext(f.ctx, tx, second.ID)
			return err
		})
		if taken.Verification.ID != v.ID {
			t.Fatalf("the second agent took %s, want %s", taken.Verification.ID, v.ID)
		}
		f.record(t, second.ID, v.ID, nil, map[string]verification.Outcome{"location": verification.NotConfirmed})
		f.decideCall(t, second.ID, v.ID, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})

		for _, reviewer := range []*store.Staff{f.sup, f.withReviewRights(t, first), f.withReviewRights(t, second)} {
			f.refuses(t, "own_decision", v.ID, func(tx *store.Tx) error {
				_, err := f.wf.DecideReview(f.ctx, tx, reviewer, v.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
				return err
			})
		}
		if got := f.review(t, f.second, v.ID, workflow.Confirm); got.Status != verification.NotVerified {
			t.Fatalf("confirmed by someone new: %s, want not_verified", got.Status)
		}
	})
}
