package workflow

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// idempotencyKept is how long stored responses to retried POSTs are kept:
// long enough for any client's retries, and not a policy admins set.
const idempotencyKept = 7 * 24 * time.Hour

// RetentionOf is the retention the policy p asks for.
func RetentionOf(p verification.Policy) store.Retention {
	return store.Retention{PersonalData: p.Retention.PersonalData, Audit: p.Retention.Audit,
		Documents: p.Retention.Documents, Idempotency: idempotencyKept}
}

// DefaultRetention is DESIGN section 6: documents deleted thirty days after
// the decision, personal data redacted a year after a case closes, the audit
// kept two years.
var DefaultRetention = RetentionOf(verification.DefaultPolicy())

// RetentionArgs is the daily retention run.
type RetentionArgs struct{}

// Kind names the job for the queue.
func (RetentionArgs) Kind() string { return "retention" }

// RetentionJob runs retention once a day, and once when the service starts.
func RetentionJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return RetentionArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "retention"})
}

// ApplyRetention redacts and removes what has been kept long enough, and
// records in the audit log how much, never what.
func (w *Workflow) ApplyRetention(ctx context.Context, tx *store.Tx, r store.Retention) (store.Purged, error) {
	now := w.now()
	p, err := tx.ApplyRetention(ctx, r, now)
	if err != nil {
		return p, err
	}
	return p, tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.RetentionApply, Target: "all",
		Details: p}, now)
}

// RetentionWorker works the daily retention run with the retention the
// policy in force asks for.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	Workflow *Workflow
}

// Work applies retention in one transaction.
func (rw *RetentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	p, err := rw.Workflow.CurrentPolicy(ctx)
	if err != nil {
		return err
	}
	return rw.Workflow.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := rw.Workflow.ApplyRetention(ctx, tx, RetentionOf(p))
		return err
	})
}
