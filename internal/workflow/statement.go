package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// findings lists the claims of v not confirmed, labelled from the profile
// (an erased profile leaves the keys).
func (w *Workflow) findings(ctx context.Context, r caseReader, v *verification.Verification) ([]verification.ClaimFinding, error) {
	outcomes, err := r.ClaimOutcomes(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	f, err := r.Freelancer(ctx, v.FreelancerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return verification.Findings(v, f, outcomes), nil
}

// decisionStatement is the statement of reasons of v's confirmed negative.
func (w *Workflow) decisionStatement(ctx context.Context, r caseReader, v *verification.Verification, now time.Time) (*verification.Statement, error) {
	p, err := w.policyIn(ctx, r)
	if err != nil {
		return nil, err
	}
	decisions, err := r.Decisions(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	found, err := w.findings(ctx, r, v)
	if err != nil {
		return nil, err
	}
	return p.DecisionStatement(v, negativeReason(decisions), found, now), nil
}

// overdueStatement is the statement of reasons of an open case past its deadline.
func (w *Workflow) overdueStatement(ctx context.Context, r caseReader, v *verification.Verification) (*verification.Statement, error) {
	p, err := w.policyIn(ctx, r)
	if err != nil {
		return nil, err
	}
	found, err := w.findings(ctx, r, v)
	if err != nil {
		return nil, err
	}
	return p.OverdueStatement(v, found), nil
}

// Statement is the statement of reasons of a case: of its confirmed
// negative decision, or of its passed deadline while it is overdue; nil
// when there is nothing negative to explain.
func (w *Workflow) Statement(ctx context.Context, r caseReader, v *verification.Verification) (*verification.Statement, error) {
	now := w.now()
	switch {
	case v.Status == verification.NotVerified:
		return w.decisionStatement(ctx, r, v, now)
	case v.Overdue(now):
		return w.overdueStatement(ctx, r, v)
	}
	return nil, nil
}

// explain adds the statement of reasons to a standing that carries
// restrictions: the confirmed negative decision when there is one, the
// overdue case otherwise.
func (w *Workflow) explain(ctx context.Context, r caseReader, st *verification.Standing, cases verification.Cases) error {
	if len(st.Restrictions) == 0 {
		return nil
	}
	id := ""
	if d := cases.LatestDecided; d != nil && d.Status == verification.NotVerified && d.AppealUpheldAt == nil {
		id = d.ID
	} else if o := st.OpenVerification; o != nil && o.Overdue {
		id = o.ID
	}
	if id == "" {
		return nil
	}
	v, err := r.Verification(ctx, id)
	if err != nil {
		return err
	}
	st.Statement, err = w.Statement(ctx, r, v)
	return err
}

// announceOverdue announces, once, that an open case waiting on the
// freelancer is past its deadline: verification.overdue with the
// statement of reasons, and an email saying what is restricted and how to
// finish. It reports whether this call announced it; the caller writes
// standing.changed.
func (w *Workflow) announceOverdue(ctx context.Context, tx *store.Tx, v *verification.Verification) (bool, error) {
	now := w.now()
	first, err := tx.MarkOverdueAnnounced(ctx, v.ID, now)
	if err != nil || !first {
		return false, err
	}
	stmt, err := w.overdueStatement(ctx, tx, v)
	if err != nil {
		return false, err
	}
	announced := *v
	announced.Statement = stmt
	if _, err := tx.AppendEvent(ctx, verification.EventOverdue, v.FreelancerID, v.ID, &announced, now); err != nil {
		return false, err
	}
	return true, w.sendDeadlineEmail(ctx, tx, v, "overdue", func(to string, n notify.DeadlineNotice) (notify.Message, error) {
		n.Restrictions = stmt.Restrictions
		n.DocumentsFor = len(v.DocumentsFor) > 0 && v.Status == verification.AwaitingDocuments
		return notify.OverdueMessage(to, n)
	})
}
