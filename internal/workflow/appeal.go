package workflow

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// MaxStatement bounds an appeal's statement.
const MaxStatement = 4000

// ErrNotAppealable is returned when a case cannot be appealed (not a
// confirmed negative, outside the window, or appealed already).
var ErrNotAppealable = &verification.RuleError{Field: "verification", Code: "not_appealable",
	Message: "this decision can no longer be appealed"}

// Appeal opens the freelancer's appeal against their latest confirmed
// negative decision, within the appeal window.
func (w *Workflow) Appeal(ctx context.Context, tx *store.Tx, freelancerID, statement string) (*store.Appeal, error) {
	statement = strings.TrimSpace(statement)
	if statement == "" || utf8.RuneCountInString(statement) > MaxStatement {
		return nil, &verification.FieldError{Field: "statement", Code: "invalid", Message: "say in 1 to 4000 characters why the decision is wrong"}
	}
	if err := verification.CheckChars("statement", statement, true); err != nil {
		return nil, err
	}
	cases, err := tx.StandingCases(ctx, freelancerID)
	if err != nil {
		return nil, err
	}
	if cases.LatestDecided == nil {
		return nil, ErrNotAppealable
	}
	v, err := tx.LockVerification(ctx, cases.LatestDecided.ID)
	if err != nil {
		return nil, err
	}
	now := w.now()
	if !v.Appealable(now) {
		return nil, ErrNotAppealable
	}
	a := &store.Appeal{ID: store.NewID("apl", now), VerificationID: v.ID, FreelancerID: freelancerID, Statement: statement,
		Status: store.AppealOpen, CreatedAt: now}
	if err := tx.InsertAppeal(ctx, a); errors.Is(err, store.ErrConflict) {
		return nil, ErrNotAppealable
	} else if err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(ctx, verification.EventAppealCreated, freelancerID, v.ID, a, now); err != nil {
		return nil, err
	}
	return a, tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.AppealCreate, Target: v.ID,
		Details: map[string]string{"appeal_id": a.ID}}, now)
}

// DecideAppeal upholds or rejects an appeal. The decider is a supervisor or
// admin who took no part in the case; upholding lifts the restriction at
// once (the standing is rewritten in the same transaction).
func (w *Workflow) DecideAppeal(ctx context.Context, tx *store.Tx, decider *store.Staff, appealID string, uphold bool, note string) (*store.Appeal, error) {
	if decider.Role != store.RoleSupervisor && decider.Role != store.RoleAdmin {
		return nil, ErrNotReviewer
	}
	if err := checkNote("note", note); err != nil {
		return nil, err
	}
	a, err := tx.Appeal(ctx, appealID)
	if err != nil {
		return nil, err
	}
	if a.Status != store.AppealOpen {
		return nil, &verification.RuleError{Field: "appeal", Code: "appeal_decided", Message: "this appeal is decided already"}
	}
	v, err := tx.LockVerification(ctx, a.VerificationID)
	if err != nil {
		return nil, err
	}
	if took, err := w.tookPart(ctx, tx, v, decider.ID); err != nil || took {
		return nil, cmp.Or(err, error(ErrOwnDecision))
	}
	watch, err := w.watchStanding(ctx, tx, v.FreelancerID)
	if err != nil {
		return nil, err
	}
	now := w.now()
	a.Status, a.DecidedBy, a.DecidedAt, a.Note = store.AppealRejected, decider.ID, &now, note
	if uphold {
		a.Status = store.AppealUpheld
		v.AppealUpheldAt, v.UpdatedAt = &now, now
		if err := tx.UpdateVerification(ctx, v); err != nil {
			return nil, err
		}
	}
	if err := tx.DecideAppeal(ctx, a); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(ctx, verification.EventAppealResolved, v.FreelancerID, v.ID, a, now); err != nil {
		return nil, err
	}
	if err := watch.emit(ctx, w, tx); err != nil {
		return nil, err
	}
	err = tx.Audit(ctx, audit.Record{Actor: staff.Actor(decider.ID), Action: audit.AppealDecide, Target: v.ID,
		Details: map[string]any{"appeal_id": a.ID, "upheld": uphold}}, now)
	if err != nil {
		return nil, err
	}
	kind := notify.ResultAppealRejected
	if uphold {
		kind = notify.ResultAppealUpheld
	}
	return a, w.sendResult(ctx, tx, v, kind)
}
