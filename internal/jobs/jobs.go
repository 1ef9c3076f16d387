// Package jobs runs attest's durable background work (emails now; reminders,
// deadlines, webhooks and retention later) on River, on the same database as
// everything else. Work is enqueued in the transaction of the change that
// causes it, so a crash can lose neither the change nor its work.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/attest-dev/attest/internal/store"
)

// QueueWebhooks is the queue webhook deliveries run on.
const QueueWebhooks = "webhooks"

// Queue enqueues and, when started, works jobs.
type Queue struct {
	client *river.Client[*sql.Tx]
}

func driver(s *store.Store) riverdriver.Driver[*sql.Tx] {
	if s.Postgres() {
		return riverdatabasesql.New(s.DB())
	}
	return riversqlite.New(s.DB())
}

// Migrate creates or updates River's own tables.
func Migrate(ctx context.Context, s *store.Store) error {
	m, err := rivermigrate.New(driver(s), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("job queue migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// Config shapes a queue. Workers nil makes an insert-only queue (for the
// command line tools, which enqueue but never work).
type Config struct {
	Workers *river.Workers
	Logger  *slog.Logger
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration
	// Periodic are jobs inserted on a schedule (by the elected leader node).
	Periodic []*river.PeriodicJob
}

// New builds a queue on the store's database.
func New(s *store.Store, cfg Config) (*Queue, error) {
	rc := &river.Config{
		Logger:            cfg.Logger,
		Workers:           cfg.Workers,
		MaxAttempts:       25, // River's backoff makes this about three weeks of retries
		FetchPollInterval: cfg.PollInterval,
		// Notifications do not cross database/sql connections, so workers poll.
		PollOnly: true,
	}
	if rc.Logger == nil {
		rc.Logger = slog.New(slog.DiscardHandler)
	}
	if rc.FetchPollInterval == 0 {
		rc.FetchPollInterval = time.Second
	}
	// River refuses a poll interval shorter than its fetch cooldown.
	rc.FetchCooldown = min(rc.FetchPollInterval, 100*time.Millisecond)
	if cfg.Workers != nil {
		// Webhook deliveries wait on other people's servers, so they get a
		// queue of their own: a slow endpoint cannot hold up email or
		// deadlines, and more of them may wait at once.
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}, QueueWebhooks: {MaxWorkers: 50}}
		rc.PeriodicJobs = cfg.Periodic
	}
	client, err := river.NewClient(driver(s), rc)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{client: client}, nil
}

// InsertTx enqueues a job in the transaction of the change that causes it.
func (q *Queue) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs) error {
	if _, err := q.client.InsertTx(ctx, tx.SQL(), args, nil); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// InsertAtTx enqueues a job to run at a given time, in the transaction of
// the change that causes it.
func (q *Queue) InsertAtTx(ctx context.Context, tx *store.Tx, args river.JobArgs, at time.Time) error {
	if _, err := q.client.InsertTx(ctx, tx.SQL(), args, &river.InsertOpts{ScheduledAt: at}); err != nil {
		return fmt.Errorf("enqueue %s for %s: %w", args.Kind(), at.Format(time.RFC3339), err)
	}
	return nil
}

// Start begins working jobs in the background until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish, up to the context's deadline. Jobs still
// running then are canceled, so that none outlives the database it writes
// to; River works them again later.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return errors.Join(fmt.Errorf("job queue did not stop in time: %w", err), q.client.StopAndCancel(hard))
}
