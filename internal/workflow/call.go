package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ErrNoOpenCase is returned when a freelancer acts on the portal without an open case.
var ErrNoOpenCase = &verification.RuleError{Field: "verification", Code: "no_open_verification",
	Message: "there is no open verification to act on"}

// ErrQueueEmpty is returned when an agent asks for the next freelancer and nobody is waiting.
var ErrQueueEmpty = &verification.RuleError{Field: "queue", Code: "queue_empty", Message: "nobody is waiting"}

// ErrBusy is returned when an agent already in a call asks for another.
var ErrBusy = &verification.RuleError{Field: "call", Code: "agent_in_call", Message: "finish the current call first"}

// ErrNotYourCall is returned when staff act on a call that is not theirs.
var ErrNotYourCall = &verification.RuleError{Field: "verification", Code: "not_your_call", Message: "this call belongs to another agent"}

func freelancerActor(id string) string { return "freelancer:" + id }

// JoinQueue puts the freelancer's open case in the live queue, or marks them
// back on the page if they had stepped away.
func (w *Workflow) JoinQueue(ctx context.Context, tx *store.Tx, freelancerID string) (*verification.Verification, error) {
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoOpenCase
	}
	if err != nil {
		return nil, err
	}
	if v.Status != verification.InQueue {
		if v, err = w.Transition(ctx, tx, freelancerActor(freelancerID), v.ID, verification.InQueue); err != nil {
			return nil, err
		}
	}
	return v, tx.Enqueue(ctx, queue.Entry{VerificationID: v.ID, FreelancerID: freelancerID, Deadline: v.Deadline, JoinedAt: w.now()})
}

// LeaveQueue takes the freelancer out of the queue, back to awaiting_freelancer.
func (w *Workflow) LeaveQueue(ctx context.Context, tx *store.Tx, actor, freelancerID string) error {
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoOpenCase
	}
	if err != nil {
		return err
	}
	if err := tx.Dequeue(ctx, v.ID); err != nil {
		return err
	}
	if v.Status != verification.InQueue {
		return nil
	}
	_, err = w.Transition(ctx, tx, actor, v.ID, verification.AwaitingFreelancer)
	return err
}

// SetPresence takes an agent online or away.
func (w *Workflow) SetPresence(ctx context.Context, tx *store.Tx, agentID string, p store.Presence) error {
	now := w.now()
	if err := tx.SetPresence(ctx, agentID, p, now); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: staff.Actor(agentID), Action: "agent." + string(p), Target: agentID}, now)
}

// Taken is a call an agent has just started.
type Taken struct {
	Call         *store.Call
	Verification *verification.Verification
}

// TakeNext gives the agent the next present freelancer in dispatch order and
// starts their call.
func (w *Workflow) TakeNext(ctx context.Context, tx *store.Tx, agentID string) (*Taken, error) {
	if err := agentFree(ctx, tx, agentID); err != nil {
		return nil, err
	}
	entry, err := tx.ClaimNext(ctx, agentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrQueueEmpty
	}
	if err != nil {
		return nil, err
	}
	taken, err := w.startCall(ctx, tx, agentID, entry.VerificationID)
	if err != nil {
		return nil, err
	}
	waited := taken.Call.StartedAt.Sub(entry.JoinedAt)
	if err := tx.SetQueueWait(ctx, taken.Call.ID, waited); err != nil {
		return nil, err
	}
	if w.OnTaken != nil {
		tx.AfterCommit(func() { w.OnTaken(waited) })
	}
	return taken, nil
}

// agentFree returns ErrBusy when the agent is already in a call.
func agentFree(ctx context.Context, tx *store.Tx, agentID string) error {
	if _, err := tx.AgentLiveCall(ctx, agentID); err == nil {
		return ErrBusy
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// ErrDecidedBefore is returned when an agent would take a case they decided
// before: a case sent back for a new call goes to another agent.
var ErrDecidedBefore = &verification.RuleError{Field: "agent", Code: "decided_before",
	Message: "this case was sent back for a new call with another agent"}

// MayTake reports whether an agent may hold a new call on a case: not one
// who decided it before.
func (w *Workflow) MayTake(ctx context.Context, r caseReader, verificationID, agentID string) (bool, error) {
	deciders, err := w.deciders(ctx, r, verificationID)
	return !slices.Contains(deciders, agentID), err
}

// startCall moves a case into a call with the agent and records the call
// with its live check.
func (w *Workflow) startCall(ctx context.Context, tx *store.Tx, agentID, verificationID string) (*Taken, error) {
	if ok, err := w.MayTake(ctx, tx, verificationID, agentID); err != nil || !ok {
		return nil, cmp.Or(err, error(ErrDecidedBefore))
	}
	v, err := w.Transition(ctx, tx, staff.Actor(agentID), verificationID, verification.InCall)
	if err != nil {
		return nil, err
	}
	// A new call checks everything afresh: a case sent back by a second
	// reviewer is not decided on the first call's findings.
	if err := tx.ClearChecks(ctx, v.ID); err != nil {
		return nil, err
	}
	// The live check is chosen now, from a source nobody can predict, and
	// kept with the call: what the console asks is what verified needs.
	challenges, err := verification.ChooseChallenges(v.Mode(), w.random())
	if err != nil {
		return nil, err
	}
	now := w.now()
	c := &store.Call{ID: store.NewID("call", now), VerificationID: v.ID, AgentID: agentID, StartedAt: now, Challenges: challenges}
	// The case is locked by the transition, so a conflict here is the
	// agent's: another of their tabs started a call in the meantime.
	if err := tx.InsertCall(ctx, c); errors.Is(err, store.ErrConflict) {
		return nil, ErrBusy
	} else if err != nil {
		return nil, err
	}
	return &Taken{Call: c, Verification: v}, nil
}

// agentCall checks that the case is in a call held by this agent.
func (w *Workflow) agentCall(ctx context.Context, tx *store.Tx, agentID, verificationID string) (*store.Call, *verification.Verification, error) {
	c, err := tx.LiveCall(ctx, verificationID)
	if err != nil {
		return nil, nil, err
	}
	if c.AgentID != agentID {
		return nil, nil, ErrNotYourCall
	}
	v, err := tx.LockVerification(ctx, verificationID)
	return c, v, err
}

// RecordOutcome stores the agent's finding for one claim.
func (w *Workflow) RecordOutcome(ctx context.Context, tx *store.Tx, agentID, verificationID string, o verification.ClaimOutcome) error {
	_, v, err := w.agentCall(ctx, tx, agentID, verificationID)
	if err != nil {
		return err
	}
	if err := o.Validate(v); err != nil {
		return err
	}
	if err := checkNote("note", o.Note); err != nil {
		return err
	}
	now := w.now()
	if err := tx.PutClaimOutcome(ctx, v.ID, agentID, o, now); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: staff.Actor(agentID), Action: audit.ClaimOutcome, Target: v.ID,
		Details: map[string]string{"claim": o.Key, "outcome": string(o.Outcome)}}, now)
}

// SaveScript stores the call script's progress (consent, identity,
// challenges), so that a reloaded console picks up where it was.
func (w *Workflow) SaveScript(ctx context.Context, tx *store.Tx, agentID, verificationID string, script json.RawMessage) error {
	c, _, err := w.agentCall(ctx, tx, agentID, verificationID)
	if err != nil {
		return err
	}
	return tx.SaveScript(ctx, c.ID, script)
}

// CallDecision is how an agent ends a call: the decision, the reason code
// of a negative, a note, and the claims documents are needed for.
type CallDecision struct {
	Decision     verification.Decision
	ReasonCode   string
	Note         string
	DocumentsFor []string
}

// DecideCall ends the call with the agent's decision, checked against what
// was recorded in it (verification.Decide): the case, its events, the
// standing and the audit entry change together.
func (w *Workflow) DecideCall(ctx context.Context, tx *store.Tx, agentID, verificationID string, d CallDecision) (*verification.Verification, error) {
	c, v, err := w.agentCall(ctx, tx, agentID, verificationID)
	if err != nil {
		return nil, err
	}
	ev, err := w.Recorded(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	next, err := verification.Decide(v, ev, d.Decision, d.ReasonCode, d.DocumentsFor)
	if err != nil {
		return nil, err
	}
	if err := checkNote("note", d.Note); err != nil {
		return nil, err
	}
	now := w.now()
	if err := tx.EndCall(ctx, c.ID, now); err != nil {
		return nil, err
	}
	err = tx.InsertDecision(ctx, &store.DecisionRecord{ID: store.NewID("dec", now), VerificationID: v.ID, StaffID: agentID,
		Stage: "call", Decision: d.Decision, ReasonCode: d.ReasonCode, Note: d.Note, DecidedAt: now})
	if err != nil {
		return nil, err
	}
	if next == verification.AwaitingDocuments {
		v, err = w.requestDocuments(ctx, tx, agentID, v, d.DocumentsFor)
	} else {
		v, err = w.Transition(ctx, tx, staff.Actor(agentID), v.ID, next)
	}
	if err != nil {
		return nil, err
	}
	w.decided(tx, "call", d.Decision)
	return v, nil
}

// NotifyTurnNear emails an away freelancer a fresh link: their turn is near
// and their place is held until holdUntil.
func (w *Workflow) NotifyTurnNear(ctx context.Context, tx *store.Tx, e queue.Entry, holdUntil time.Time) error {
	f, err := tx.Freelancer(ctx, e.FreelancerID)
	if err != nil {
		return err
	}
	link, err := w.NewPortalLink(ctx, tx, "system", f.ID)
	if err != nil {
		return err
	}
	msg, err := notify.TurnNearMessage(f.Email, notify.TurnNear{FreelancerName: f.DisplayName, PortalURL: link.URL,
		HoldUntil: holdUntil, TimeZone: f.TimeZone, Locale: f.Locale})
	if err != nil {
		return err
	}
	if err := w.queueEmail(ctx, tx, &store.Email{FreelancerID: f.ID, VerificationID: e.VerificationID, Kind: "turn_near"}, msg); err != nil {
		return err
	}
	return tx.MarkNotified(ctx, e.VerificationID, w.now())
}
