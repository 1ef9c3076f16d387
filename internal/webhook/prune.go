package webhook

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
)

// KeepDeliveries is how long the delivery log keeps a delivery after it
// was made: long enough to look into a month's problems, not longer,
// since attempts keep the start of what the marketplace answered.
const KeepDeliveries = 30 * 24 * time.Hour

// PruneArgs asks for the delivery log to be pruned.
type PruneArgs struct{}

// Kind names the job for the queue.
func (PruneArgs) Kind() string { return "webhook_prune" }

// PruneWorker removes old deliveries.
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	Store *store.Store
	Now   func() time.Time
}

// Work prunes once, and records in the audit log how many went.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	now := w.Now()
	return w.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.PruneWebhookDeliveries(ctx, now.Add(-KeepDeliveries))
		if err != nil || n == 0 {
			return err
		}
		return tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.WebhookDeliveryPrune, Target: "webhook_deliveries",
			Details: map[string]int64{"deliveries": n}}, now)
	})
}

// PruneJob runs PruneWorker daily, on the leader node.
func PruneJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "webhook_prune"})
}
