package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// DeadlineArgs is a job about one deadline of one case: a reminder before it
// (Before > 0) or the deadline itself. It carries the deadline it was
// scheduled for: when the deadline has moved since, the job does nothing, so
// moving a deadline never needs to find and cancel jobs.
type DeadlineArgs struct {
	VerificationID string        `json:"verification_id"`
	Deadline       time.Time     `json:"deadline"`
	Before         time.Duration `json:"before"`
}

// Kind names the job for the queue.
func (DeadlineArgs) Kind() string { return "deadline" }

// scheduleDeadline queues the reminders and the deadline's own job for a
// case, in the transaction that set the deadline, at the leads the policy
// names now.
func (w *Workflow) scheduleDeadline(ctx context.Context, tx *store.Tx, v *verification.Verification) error {
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return err
	}
	now := w.now()
	for _, lead := range p.DeadlineReminders {
		if at := v.Deadline.Add(-lead); at.After(now) {
			if err := w.Jobs.InsertAtTx(ctx, tx, DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline, Before: lead}, at); err != nil {
				return err
			}
		}
	}
	return w.Jobs.InsertAtTx(ctx, tx, DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline}, v.Deadline)
}

// DeadlineWorker works deadline jobs.
type DeadlineWorker struct {
	river.WorkerDefaults[DeadlineArgs]
	Workflow *Workflow
}

// Work reminds or announces, in one transaction; a job that ran before its
// deadline by attest's clock comes back when the deadline has passed.
func (d *DeadlineWorker) Work(ctx context.Context, job *river.Job[DeadlineArgs]) error {
	err := d.Workflow.Store.InTx(ctx, func(tx *store.Tx) error {
		return d.Workflow.SeeDeadline(ctx, tx, job.Args)
	})
	var early *TooEarlyError
	if errors.As(err, &early) {
		return river.JobSnooze(max(early.Until.Sub(d.Workflow.Now()), time.Second))
	}
	return err
}

// TooEarlyError says that a deadline job ran before its deadline had
// passed, by attest's clock: it must run again at Until.
type TooEarlyError struct{ Until time.Time }

func (e *TooEarlyError) Error() string {
	return "the deadline job ran early; run it again at " + e.Until.Format(time.RFC3339Nano)
}

// SeeDeadline acts on a deadline job: a reminder email while the case is
// open and waiting on the freelancer; at the deadline, verification.overdue,
// standing.changed and an email, once. Stale jobs (the case closed, or its
// deadline moved) do nothing.
func (w *Workflow) SeeDeadline(ctx context.Context, tx *store.Tx, a DeadlineArgs) error {
	v, err := tx.LockVerification(ctx, a.VerificationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !v.Status.Open() || !v.Deadline.Equal(a.Deadline) {
		return nil
	}
	now := w.now()
	if a.Before > 0 {
		if !v.Status.WaitsOnFreelancer() || !now.Before(v.Deadline) {
			return nil // being served (queued, booked, in a call or review), or too late to remind
		}
		return w.sendDeadlineEmail(ctx, tx, v, "deadline_reminder", notify.DeadlineReminderMessage)
	}
	if !v.Status.WaitsOnFreelancer() {
		return nil // being served; a return to the freelancer after the deadline is announced then
	}
	if !now.After(v.Deadline) {
		return &TooEarlyError{Until: v.Deadline.Add(time.Second)}
	}
	if moved, err := w.giveBackOutage(ctx, tx, v); err != nil || moved {
		return err
	}
	first, err := w.announceOverdue(ctx, tx, v)
	if err != nil || !first {
		return err
	}
	cases, err := tx.StandingCases(ctx, v.FreelancerID)
	if err != nil {
		return err
	}
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return err
	}
	return w.announceStanding(ctx, tx, p.ComputeStanding(v.FreelancerID, cases, now), cases)
}

func (w *Workflow) sendDeadlineEmail(ctx context.Context, tx *store.Tx, v *verification.Verification, kind string,
	compose func(string, notify.DeadlineNotice) (notify.Message, error)) error {
	f, link, err := w.recipient(ctx, tx, v.FreelancerID)
	if f == nil || err != nil {
		return err // erased, or failed
	}
	msg, err := compose(f.Email, notify.DeadlineNotice{FreelancerName: f.DisplayName, PortalURL: link.URL,
		Deadline: v.Deadline, TimeZone: f.TimeZone, Locale: f.Locale, Now: w.now()})
	if err != nil {
		return err
	}
	return w.queueEmail(ctx, tx, &store.Email{FreelancerID: f.ID, VerificationID: v.ID, Kind: kind}, msg)
}

// OutageWindow is how far back before a deadline time lost to an outage is
// given back, and OutageMinimum the least that is worth a moved deadline.
const (
	OutageWindow  = 7 * 24 * time.Hour
	OutageMinimum = 10 * time.Minute
)

// giveBackOutage moves a deadline that is passing by the time attest was
// down in the case's last week, when that was OutageMinimum or more: a
// freelancer could not verify while nothing answered. Minutes are known
// only since the service began recording them; before that nothing is
// assumed.
func (w *Workflow) giveBackOutage(ctx context.Context, tx *store.Tx, v *verification.Verification) (bool, error) {
	from := v.Deadline.Add(-OutageWindow)
	if v.CreatedAt.After(from) {
		from = v.CreatedAt
	}
	up, since, err := tx.Uptime(ctx, from, v.Deadline)
	if err != nil || since.IsZero() {
		return false, err
	}
	if since.After(from) {
		from = since
	}
	down := v.Deadline.Sub(from).Truncate(time.Minute) - time.Duration(up)*time.Minute
	if down < OutageMinimum {
		return false, nil
	}
	next := v.Deadline.Add(down)
	if hour := next.Truncate(time.Hour); hour.Before(next) {
		next = hour.Add(time.Hour)
	}
	// The audit keeps the reason in English for staff; the email words it
	// in the freelancer's language.
	why := i18n.English.Text(string(notify.WhyOutage), "duration", i18n.English.Minutes(down))
	moved, err := w.moveDeadlineTo(ctx, tx, v, next, why)
	if err != nil {
		return false, err
	}
	return true, w.sendDeadlineEmail(ctx, tx, moved, "deadline_moved", func(to string, n notify.DeadlineNotice) (notify.Message, error) {
		n.Why, n.Outage = notify.WhyOutage, down
		return notify.DeadlineMovedMessage(to, n)
	})
}
