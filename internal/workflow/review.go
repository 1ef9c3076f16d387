package workflow

import (
	"context"
	"fmt"
	"slices"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ErrOwnDecision is returned when the person who decided a case tries to
// review it: a negative decision needs a second pair of eyes.
var ErrOwnDecision = &verification.RuleError{Field: "reviewer", Code: "own_decision",
	Message: "a decision is reviewed by someone who took no part in it"}

// ErrNotDecided is returned for a second review of a case nobody decided
// yet: documents sent for review wait for their first reader.
var ErrNotDecided = &verification.RuleError{Field: "verification", Code: "not_decided",
	Message: "nobody has decided this case yet; its documents wait in the document queue"}

// ErrNotReviewer is returned when someone without review rights reviews.
var ErrNotReviewer = &verification.RuleError{Field: "reviewer", Code: "not_a_reviewer",
	Message: "second reviews are done by supervisors, admins and agents with review rights"}

// Review is what a second reviewer sees: the case, every claim's outcome
// with the agent's notes, and the decisions so far. There is no video: there
// never was a recording.
type Review struct {
	Verification *verification.Verification
	Outcomes     []verification.ClaimOutcome
	Decisions    []store.DecisionRecord
}

// ReviewOf gathers a case for its second review.
func (w *Workflow) ReviewOf(ctx context.Context, verificationID string) (*Review, error) {
	v, err := w.Store.Verification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	outcomes, err := w.Store.ClaimOutcomes(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	decisions, err := w.Store.Decisions(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	return &Review{Verification: v, Outcomes: outcomes, Decisions: decisions}, nil
}

// DecideReview confirms (not_verified) or overturns (verified) a negative
// decision. Only a confirmed negative restricts; the reviewer must be a
// supervisor, an admin or an agent with review rights, who took no part in
// the case.
func (w *Workflow) DecideReview(ctx context.Context, tx *store.Tx, reviewer *store.Staff, verificationID string, confirm bool, note string) (*verification.Verification, error) {
	if !reviewer.Reviews() {
		return nil, ErrNotReviewer
	}
	v, err := tx.LockVerification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	if v.Status != verification.InReview {
		return nil, &verification.IllegalTransitionError{From: v.Status, To: verification.NotVerified}
	}
	decisions, err := tx.Decisions(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if len(decisions) == 0 {
		return nil, ErrNotDecided
	}
	if slices.ContainsFunc(decisions, func(d store.DecisionRecord) bool { return d.StaffID == reviewer.ID }) {
		return nil, ErrOwnDecision
	}
	if err := checkNote(note); err != nil {
		return nil, err
	}
	next, decision := verification.Verified, verification.DecideVerified
	if confirm {
		next, decision = verification.NotVerified, verification.DecideNotVerified
	}
	reason := ""
	if len(decisions) > 0 && confirm {
		reason = decisions[len(decisions)-1].ReasonCode // the reviewer confirms the agent's reason
	}
	now := w.now()
	err = tx.InsertDecision(ctx, &store.DecisionRecord{ID: store.NewID("dec", now), VerificationID: v.ID, StaffID: reviewer.ID,
		Stage: "review", Decision: decision, ReasonCode: reason, Note: note, DecidedAt: now})
	if err != nil {
		return nil, err
	}
	v, err = w.Transition(ctx, tx, staffActor(reviewer.ID), v.ID, next)
	if err != nil {
		return nil, err
	}
	err = tx.Audit(ctx, audit.Record{Actor: staffActor(reviewer.ID), Action: "review.decide", Target: v.ID,
		Details: map[string]bool{"confirmed": confirm}}, now)
	if err != nil {
		return v, err
	}
	w.decided(tx, "review", decision)
	return v, nil
}

// checkNote holds a staff note to the evidence: not too long, and about no
// protected characteristic. A match asks the writer to rewrite before
// anything is saved.
func checkNote(note string) error {
	if len([]rune(note)) > verification.MaxNoteLen {
		return &verification.FieldError{Field: "note", Code: "too_long", Message: "at most 1000 characters"}
	}
	if found := guard.Check(note); len(found) > 0 {
		f := found[0]
		return &verification.RuleError{Field: "note", Code: "protected_characteristic",
			Message: fmt.Sprintf("The note mentions %s (%q). Please rewrite it about the evidence only: what was shown and said, never the person.",
				f.Category, note[f.Start:f.End])}
	}
	return nil
}
