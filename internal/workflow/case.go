package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// Opened is a new case with the link that was emailed to the freelancer.
type Opened struct {
	Verification *verification.Verification
	Link         *PortalLink
}

// OpenVerification opens a case: it stores it, announces it, signs a portal
// link and emails the freelancer, all in tx.
func (w *Workflow) OpenVerification(ctx context.Context, tx *store.Tx, actor string, req verification.Request) (*Opened, error) {
	f, err := tx.Freelancer(ctx, req.FreelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownFreelancer
	}
	if err != nil {
		return nil, err
	}
	policy, err := w.policyIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(f, policy); err != nil {
		return nil, err
	}
	if err := guard.CheckRequest(&req); err != nil {
		return nil, err
	}
	watch, err := w.watchStanding(ctx, tx, f.ID)
	if err != nil {
		return nil, err
	}
	now := w.now()
	// The deadline is never earlier than the team can see the freelancer:
	// the slot the cases ahead leave free, plus the margin, when that is
	// later than the notice.
	slot, err := w.slotForNext(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	v := req.Open(store.NewID("ver", now), f, policy, now, slot)
	if err := tx.InsertVerification(ctx, v); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(ctx, verification.EventCreated, f.ID, v.ID, v, now); err != nil {
		return nil, err
	}
	link, err := w.NewPortalLink(ctx, tx, actor, f.ID)
	if err != nil {
		return nil, err
	}
	if err := w.sendInvite(ctx, tx, f, v, link); err != nil {
		return nil, err
	}
	if err := w.scheduleDeadline(ctx, tx, v); err != nil {
		return nil, err
	}
	if err := watch.emit(ctx, w, tx); err != nil {
		return nil, err
	}
	err = tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.VerificationCreate, Target: v.ID,
		Details: map[string]any{"freelancer_id": f.ID, "reason_code": v.Reason.Code, "claims": v.Claims}}, now)
	if err != nil {
		return nil, err
	}
	return &Opened{Verification: v, Link: link}, nil
}

func (w *Workflow) sendInvite(ctx context.Context, tx *store.Tx, f *verification.Freelancer, v *verification.Verification, link *PortalLink) error {
	var claims []string
	for _, key := range v.Claims {
		if c, ok := f.Claim(key); ok {
			claims = append(claims, claimLine(c))
		}
	}
	msg, err := notify.InviteMessage(f.Email, notify.Invite{
		FreelancerName: f.DisplayName, ReasonExplanation: v.Reason.Explanation, Claims: claims,
		Deadline: v.Deadline, TimeZone: f.TimeZone, PortalURL: link.URL, Locale: f.Locale,
	})
	if err != nil {
		return fmt.Errorf("compose invitation for %s: %w", v.ID, err)
	}
	return w.queueEmail(ctx, tx, &store.Email{FreelancerID: f.ID, VerificationID: v.ID, Kind: "invite"}, msg)
}

func claimLine(c verification.Claim) string {
	if c.Value == "" {
		return c.Label
	}
	return c.Label + ": " + c.Value
}

func (w *Workflow) queueEmail(ctx context.Context, tx *store.Tx, e *store.Email, msg notify.Message) error {
	now := w.now()
	e.ID = store.NewID("em", now)
	e.To, e.Subject, e.Text, e.HTML, e.CreatedAt = msg.To, msg.Subject, msg.Text, msg.HTML, now
	e.Calendar, e.CalendarMethod = msg.Calendar, msg.CalendarMethod
	if err := tx.InsertEmail(ctx, e); err != nil {
		return err
	}
	return w.Jobs.InsertTx(ctx, tx, notify.SendEmailArgs{EmailID: e.ID})
}

// Transition moves a case to another status through the domain's table,
// with its event, any standing change and an audit entry. A case that
// arrives waiting on the freelancer after its deadline is announced
// overdue at once, with the statement of reasons.
func (w *Workflow) Transition(ctx context.Context, tx *store.Tx, actor, id string, to verification.Status) (*verification.Verification, error) {
	v, err := tx.LockVerification(ctx, id)
	if err != nil {
		return nil, err
	}
	watch, err := w.watchStanding(ctx, tx, v.FreelancerID)
	if err != nil {
		return nil, err
	}
	if err := verification.CheckTransition(v.Status, to); err != nil {
		return nil, err
	}
	if err := w.checkFinal(ctx, tx, v, to); err != nil {
		return nil, err
	}
	now := w.now()
	from := v.Status
	if err := v.MoveTo(to, now); err != nil {
		return nil, err
	}
	if to == verification.NotVerified {
		// The decision keeps the appeal window in force now: a later
		// change of policy neither shortens nor lengthens it.
		if err := w.setAppealUntil(ctx, tx, v, now); err != nil {
			return nil, err
		}
	}
	if err := tx.UpdateVerification(ctx, v); err != nil {
		return nil, err
	}
	if from == verification.Scheduled && to != verification.Scheduled {
		if err := w.settleBooking(ctx, tx, v, to); err != nil {
			return nil, err
		}
	}
	if from == verification.InQueue {
		// Whatever takes a case out of the queue (a call, leaving, a
		// cancellation, erasure) takes its place in the queue too.
		if err := tx.Dequeue(ctx, v.ID); err != nil {
			return nil, err
		}
	}
	if from == verification.InCall {
		// Whatever takes a case out of its call (a decision ends the call
		// first; a cancellation or an erasure does not) ends the call too,
		// or its agent would stay in it for good.
		switch c, err := tx.LiveCall(ctx, v.ID); {
		case err == nil:
			if err := tx.EndCall(ctx, c.ID, now); err != nil {
				return nil, err
			}
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	if to == verification.NotVerified {
		if v.Statement, err = w.decisionStatement(ctx, tx, v, now); err != nil {
			return nil, err
		}
	}
	if _, err := tx.AppendEvent(ctx, verification.EventFor(to), v.FreelancerID, v.ID, v, now); err != nil {
		return nil, err
	}
	if v.Overdue(now) {
		if _, err := w.announceOverdue(ctx, tx, v); err != nil {
			return nil, err
		}
	}
	if err := watch.emit(ctx, w, tx); err != nil {
		return nil, err
	}
	err = tx.Audit(ctx, audit.Record{Actor: actor, Action: "verification." + string(to), Target: v.ID,
		Details: map[string]string{"from": string(from), "to": string(to)}}, now)
	if err != nil {
		return nil, err
	}
	switch to {
	case verification.Verified:
		err = w.sendResult(ctx, tx, v, notify.ResultVerified)
	case verification.NotVerified:
		err = w.sendResult(ctx, tx, v, notify.ResultNotVerified)
	}
	return v, err
}

func (w *Workflow) setAppealUntil(ctx context.Context, tx *store.Tx, v *verification.Verification, now time.Time) error {
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return err
	}
	until := now.Add(p.AppealWindow)
	v.AppealUntil = &until
	return nil
}

// sendResult emails the freelancer how their case or their appeal ended,
// with a fresh link to their page.
func (w *Workflow) sendResult(ctx context.Context, tx *store.Tx, v *verification.Verification, kind string) error {
	f, link, err := w.recipient(ctx, tx, v.FreelancerID)
	if f == nil || err != nil {
		return err // erased, or failed
	}
	n := notify.ResultNotice{FreelancerName: f.DisplayName, PortalURL: link.URL, TimeZone: f.TimeZone, Locale: f.Locale}
	if kind == notify.ResultNotVerified {
		n.AppealUntil = v.AppealDeadline()
		n.Reasons = emailReasons(v.Statement)
	}
	msg, err := notify.ResultMessage(kind, f.Email, n)
	if err != nil {
		return err
	}
	return w.queueEmail(ctx, tx, &store.Email{FreelancerID: f.ID, VerificationID: v.ID, Kind: kind}, msg)
}

// recipient is the freelancer an email goes to, with a fresh link to their
// page; nil when the profile was erased, and then no email is sent.
func (w *Workflow) recipient(ctx context.Context, tx *store.Tx, freelancerID string) (*verification.Freelancer, *PortalLink, error) {
	f, err := tx.Freelancer(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	link, err := w.NewPortalLink(ctx, tx, "system", f.ID)
	if err != nil {
		return nil, nil, err
	}
	return f, link, nil
}

// emailReasons words a statement of reasons for an email.
func emailReasons(st *verification.Statement) *notify.Reasons {
	if st == nil {
		return nil
	}
	r := &notify.Reasons{ReasonCode: st.ReasonCode, Restrictions: st.Restrictions}
	if st.RestrictedSince != nil {
		r.Since = *st.RestrictedSince
	}
	for _, c := range st.Claims {
		r.Claims = append(r.Claims, notify.Finding{Label: c.Label, Outcome: c.Outcome})
	}
	return r
}

// settleBooking closes the booking of a case leaving scheduled: attended
// when its call starts, canceled otherwise, so that the agent's slot is
// free again. A case canceled while booked sends the calendar cancellation.
func (w *Workflow) settleBooking(ctx context.Context, tx *store.Tx, v *verification.Verification, to verification.Status) error {
	b, err := tx.LiveBooking(ctx, v.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b.Status, b.UpdatedAt = store.BookingCanceled, w.now()
	if to == verification.InCall {
		b.Status = store.BookingAttended
	} else {
		b.Sequence++
	}
	if err := tx.UpdateBooking(ctx, b); err != nil {
		return err
	}
	if to == verification.InCall {
		return nil
	}
	v.ScheduledFor = nil
	if err := tx.SetScheduledFor(ctx, v.ID, nil); err != nil {
		return err
	}
	if to == verification.Canceled {
		return w.sendBookingEmail(ctx, tx, b, "booking_canceled",
			notify.BookingNotice{Why: notify.WhyCaseCanceled})
	}
	return nil
}
