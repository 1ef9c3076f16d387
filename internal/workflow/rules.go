package workflow

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// caseReader reads what a case's rules look at, in or out of a transaction.
type caseReader interface {
	Verification(ctx context.Context, id string) (*verification.Verification, error)
	Freelancer(ctx context.Context, id string) (*verification.Freelancer, error)
	Steps(ctx context.Context, verificationID string) ([]verification.StepRecord, error)
	ClaimOutcomes(ctx context.Context, verificationID string) ([]verification.ClaimOutcome, error)
	Decisions(ctx context.Context, verificationID string) ([]store.DecisionRecord, error)
	LatestCall(ctx context.Context, verificationID string) (*store.Call, error)
	policyReader
}

// Recorded gathers what has been recorded on a case: its mode, the live
// check of its latest call, the steps and the claim outcomes with who and
// when.
func (w *Workflow) Recorded(ctx context.Context, r caseReader, v *verification.Verification) (verification.Evidence, error) {
	ev := verification.Evidence{Mode: v.Mode()}
	var err error
	if ev.Steps, err = r.Steps(ctx, v.ID); err != nil {
		return ev, err
	}
	c, err := r.LatestCall(ctx, v.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ev, err
	}
	ev.Mode = verification.EvidenceMode(v, c != nil, ev.Steps)
	if c != nil {
		ev.Challenges = verification.CallChallenges(ev.Mode, c.ID, c.Challenges)
	}
	ev.Outcomes, err = r.ClaimOutcomes(ctx, v.ID)
	return ev, err
}

// tookPart reports whether a staff member recorded a step, an outcome or a
// decision on the case: the four-eyes rule asks that a second reviewer, a
// reader of documents a call asked for, and an appeal's decider did none.
func (w *Workflow) tookPart(ctx context.Context, r caseReader, v *verification.Verification, staffID string) (bool, error) {
	ev, err := w.Recorded(ctx, r, v)
	if err != nil {
		return false, err
	}
	if slices.Contains(ev.Participants(), staffID) {
		return true, nil
	}
	decisions, err := r.Decisions(ctx, v.ID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(decisions, func(d store.DecisionRecord) bool { return d.StaffID == staffID }), nil
}

// latestDecision is the case's most recent decision, or nil.
func latestDecision(decisions []store.DecisionRecord) *store.DecisionRecord {
	if len(decisions) == 0 {
		return nil
	}
	return &decisions[len(decisions)-1]
}

// negativeReason is the reason code of the case's latest negative decision.
func negativeReason(decisions []store.DecisionRecord) string {
	for i := len(decisions) - 1; i >= 0; i-- {
		if decisions[i].Decision == verification.DecideNotVerified && decisions[i].ReasonCode != "" {
			return decisions[i].ReasonCode
		}
	}
	return ""
}

// RecordStep records one step of the call's script: by the agent holding
// the call, with when.
func (w *Workflow) RecordStep(ctx context.Context, tx *store.Tx, agentID, verificationID, step, result string) (*verification.StepRecord, error) {
	if err := verification.CheckStep(step, result); err != nil {
		return nil, err
	}
	c, v, err := w.agentCall(ctx, tx, agentID, verificationID)
	if err != nil {
		return nil, err
	}
	if err := verification.CheckChallengeStep(verification.CallChallenges(v.Mode(), c.ID, c.Challenges), step); err != nil {
		return nil, err
	}
	return w.putStep(ctx, tx, v, staff.Actor(agentID), step, result)
}

func (w *Workflow) putStep(ctx context.Context, tx *store.Tx, v *verification.Verification, actor, step, result string) (*verification.StepRecord, error) {
	now := w.now()
	r := verification.StepRecord{Step: step, Result: result, By: actor, At: now}
	if err := tx.PutStep(ctx, v.ID, r); err != nil {
		return nil, err
	}
	return &r, tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StepRecord, Target: v.ID,
		Details: map[string]string{"step": step, "result": result}}, now)
}

// Missing is what a verified decision on the case still needs, in the
// script's order: for the console to show before its button works.
func (w *Workflow) Missing(ctx context.Context, r caseReader, v *verification.Verification) ([]string, error) {
	ev, err := w.Recorded(ctx, r, v)
	if err != nil {
		return nil, err
	}
	return ev.Missing(v), nil
}

// noticeDeadline is the deadline that gives a case the full minimum notice
// from now: what a case gets when the team asks something new of the
// freelancer (documents, a new call).
func (w *Workflow) noticeDeadline(ctx context.Context, tx *store.Tx, now time.Time) (time.Time, error) {
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return time.Time{}, err
	}
	return p.Deadline(now, 0, time.Time{}), nil
}

// checkFinal holds every move into a final decision to the case's rules,
// whoever asks for it: verified needs every required step and claim
// recorded as passed; not_verified needs two different people's negative.
// Canceling is not a decision and is always open.
func (w *Workflow) checkFinal(ctx context.Context, tx *store.Tx, v *verification.Verification, to verification.Status) error {
	switch to {
	case verification.Verified:
		ev, err := w.Recorded(ctx, tx, v)
		if err != nil {
			return err
		}
		return verification.CheckVerified(v, ev)
	case verification.NotVerified:
		decisions, err := tx.Decisions(ctx, v.ID)
		if err != nil {
			return err
		}
		var negativeBy []string
		for _, d := range decisions {
			if d.Decision == verification.DecideNotVerified {
				negativeBy = append(negativeBy, d.StaffID)
			}
		}
		return verification.CheckFourEyes(negativeBy)
	}
	return nil
}
