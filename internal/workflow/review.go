package workflow

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ErrOwnDecision is returned when the person who decided a case tries to
// review it: a negative decision needs a second pair of eyes.
var ErrOwnDecision = &verification.RuleError{Field: "reviewer", Code: "own_decision",
	Message: "a decision is reviewed by someone who took no part in it"}

// ErrNotDecided is returned for a second review of a case whose latest
// decision is not a negative: documents sent for review wait for their
// first reader, and nobody's positive needs a second pair of eyes.
var ErrNotDecided = &verification.RuleError{Field: "verification", Code: "not_decided",
	Message: "no negative decision waits for a second review on this case"}

// ErrNotReviewer is returned when someone without review rights reviews.
var ErrNotReviewer = &verification.RuleError{Field: "reviewer", Code: "not_a_reviewer",
	Message: "second reviews are done by supervisors, admins and agents with review rights"}

// Review is what a second reviewer sees: the case, every step and claim
// outcome recorded with who and when, what a verified decision would still
// need, and the decisions so far. There is no video: there never was a
// recording.
type Review struct {
	Verification *verification.Verification
	Steps        []verification.StepRecord
	Outcomes     []verification.ClaimOutcome
	Missing      []string
	Decisions    []store.DecisionRecord
	// DocumentQueue is true while the case's documents wait for their first
	// reader; false when a negative waits for its second reviewer.
	DocumentQueue bool
}

// ReviewOf gathers a case for its reader or second reviewer.
func (w *Workflow) ReviewOf(ctx context.Context, verificationID string) (*Review, error) {
	v, err := w.Store.Verification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	ev, err := w.Recorded(ctx, w.Store, v)
	if err != nil {
		return nil, err
	}
	decisions, err := w.Store.Decisions(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	return &Review{Verification: v, Steps: ev.Steps, Outcomes: ev.Outcomes, Missing: ev.Missing(v), Decisions: decisions,
		DocumentQueue: AwaitsDocumentReview(v, decisions)}, nil
}

// TookPart reports whether a staff member recorded anything on the case,
// so that a page can say at once that someone else must decide.
func (w *Workflow) TookPart(ctx context.Context, v *verification.Verification, staffID string) (bool, error) {
	return w.tookPart(ctx, w.Store, v, staffID)
}

// ReviewChoice is what a second reviewer does with a negative decision.
type ReviewChoice string

const (
	// Confirm the negative: the case is not_verified and restricts.
	Confirm ReviewChoice = "confirm"
	// Overturn it: the reviewer states per claim not confirmed what
	// confirms it; the required steps must already be recorded.
	Overturn ReviewChoice = "overturn"
	// NewCall sends the case back for a new call with another agent.
	NewCall ReviewChoice = "new_call"
)

// ReviewDecision is a second reviewer's decision on a case. Confirmations
// name, for an overturn, what confirms each claim not confirmed yet.
type ReviewDecision struct {
	Choice        ReviewChoice
	Confirmations map[string]string
	Note          string
}

// DecideReview decides a negative decision waiting for its second
// reviewer: a supervisor, an admin or an agent with review rights who took
// no part in the case. Only a confirmed negative restricts; an overturn
// verifies only what someone confirmed; a new call gives the freelancer the
// full notice again.
func (w *Workflow) DecideReview(ctx context.Context, tx *store.Tx, reviewer *store.Staff, verificationID string, d ReviewDecision) (*verification.Verification, error) {
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
	if last := latestDecision(decisions); last == nil || last.Decision != verification.DecideNotVerified {
		return nil, ErrNotDecided
	}
	if took, err := w.tookPart(ctx, tx, v, reviewer.ID); err != nil || took {
		return nil, cmp.Or(err, error(ErrOwnDecision))
	}
	if err := checkNote("note", d.Note); err != nil {
		return nil, err
	}
	now := w.now()
	record := &store.DecisionRecord{ID: store.NewID("dec", now), VerificationID: v.ID, StaffID: reviewer.ID,
		Stage: "review", Note: d.Note, DecidedAt: now}
	switch d.Choice {
	case Confirm:
		record.Decision, record.ReasonCode = verification.DecideNotVerified, negativeReason(decisions)
	case Overturn:
		record.Decision = verification.DecideVerified
		if err := w.confirmClaims(ctx, tx, reviewer.ID, v, d.Confirmations); err != nil {
			return nil, err
		}
	case NewCall:
		record.Decision = verification.DecideNewCall
	default:
		return nil, &verification.FieldError{Field: "decision", Code: "invalid", Message: "must be confirm, overturn or new_call"}
	}
	if err := tx.InsertDecision(ctx, record); err != nil {
		return nil, err
	}
	switch d.Choice {
	case Confirm:
		v, err = w.Transition(ctx, tx, staff.Actor(reviewer.ID), v.ID, verification.NotVerified)
	case Overturn:
		v, err = w.Transition(ctx, tx, staff.Actor(reviewer.ID), v.ID, verification.Verified)
	case NewCall:
		v, err = w.sendBackForCall(ctx, tx, staff.Actor(reviewer.ID), v, notify.WhyNewCall)
	}
	if err != nil {
		return nil, err
	}
	err = tx.Audit(ctx, audit.Record{Actor: staff.Actor(reviewer.ID), Action: audit.ReviewDecide, Target: v.ID,
		Details: map[string]string{"choice": string(d.Choice)}}, now)
	if err != nil {
		return v, err
	}
	w.decided(tx, "review", record.Decision)
	return v, nil
}

// confirmClaims records an overturning reviewer's confirmation of each
// claim not confirmed yet, with the statement of what confirms it, and
// refuses the overturn unless the case then has every required step and
// claim: a reviewer cannot stand in for a consent, an ID or a live check
// nobody recorded; for those the case goes back for a new call.
func (w *Workflow) confirmClaims(ctx context.Context, tx *store.Tx, reviewerID string, v *verification.Verification, confirmations map[string]string) error {
	ev, err := w.Recorded(ctx, tx, v)
	if err != nil {
		return err
	}
	for key := range confirmations {
		if !slices.Contains(v.Claims, key) {
			return &verification.RuleError{Field: "confirmations." + key, Code: "unknown_claim", Message: fmt.Sprintf("this verification does not check %q", key)}
		}
	}
	now := w.now()
	for _, key := range v.Claims {
		if o, ok := ev.Outcome(key); ok && o.Outcome == verification.Confirmed {
			continue
		}
		why := strings.TrimSpace(confirmations[key])
		if why == "" {
			return &verification.RuleError{Field: "confirmations." + key, Code: "confirmation_missing",
				Message: fmt.Sprintf("say what confirms %q, or send the case back for a new call", key)}
		}
		if err := checkNote("confirmations."+key, why); err != nil {
			return err
		}
		o := verification.ClaimOutcome{Key: key, Outcome: verification.Confirmed, Note: why}
		if err := tx.PutClaimOutcome(ctx, v.ID, reviewerID, o, now); err != nil {
			return err
		}
	}
	if ev, err = w.Recorded(ctx, tx, v); err != nil {
		return err
	}
	if missing := ev.Missing(v); len(missing) > 0 {
		return &verification.RuleError{Field: "steps", Code: verification.ErrStepsMissing, Missing: missing,
			Message: "the case lacks " + strings.Join(missing, ", ") + ": send it back for a new call instead"}
	}
	return nil
}

// whyNewCall is how the deadline's move reads in its event, by who asked
// for the new call.
var whyNewCall = map[notify.Why]string{
	notify.WhyNewCall:           "a second reviewer asked for a new call",
	notify.WhyDocumentsNeedCall: "the documents could not settle the case: a call is needed",
}

// sendBackForCall returns a case in review to awaiting_freelancer for a new
// call with another agent: the deadline gives the full minimum notice from
// now, and the freelancer is told why (notify.WhyNewCall after a second
// review, notify.WhyDocumentsNeedCall after a reading of documents). A case
// that was a review of documents becomes a call again.
func (w *Workflow) sendBackForCall(ctx context.Context, tx *store.Tx, actor string, v *verification.Verification, why notify.Why) (*verification.Verification, error) {
	notice, err := w.noticeDeadline(ctx, tx, w.now())
	if err != nil {
		return nil, err
	}
	if v.Accommodation == verification.DocumentReview {
		if err := tx.SetAccommodation(ctx, v.ID, "", v.AccommodationReason); err != nil {
			return nil, err
		}
	}
	moved, err := w.moveDeadlineTo(ctx, tx, v, notice, whyNewCall[why])
	if err != nil {
		return nil, err
	}
	if v, err = w.Transition(ctx, tx, actor, moved.ID, verification.AwaitingFreelancer); err != nil {
		return nil, err
	}
	if err := w.sendDeadlineEmail(ctx, tx, v, "new_call", func(to string, n notify.DeadlineNotice) (notify.Message, error) {
		n.Why = why
		return notify.DeadlineMovedMessage(to, n)
	}); err != nil {
		return nil, err
	}
	return v, w.Rebalance(ctx, tx, "", notify.WhyBacklog)
}

// checkNote holds a staff note to the evidence: not too long, and about no
// protected characteristic (guard.CheckNote names every category found). A
// refusal asks the writer to rewrite before anything is saved. field is the
// input's name: "note", or "confirmations.<claim>" for a reviewer's
// statement of what confirms a claim.
func checkNote(field, note string) error {
	if len([]rune(note)) > verification.MaxNoteLen {
		return &verification.FieldError{Field: field, Code: "too_long", Message: "at most 1000 characters"}
	}
	return guard.CheckNote(field, note)
}
