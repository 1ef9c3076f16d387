package webhook

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/store"
)

// fanoutBatch is how many events one fan-out transaction takes.
const fanoutBatch = 200

// Dispatcher turns events from the outbox into deliveries: one per event
// and endpoint that wants it, each with its job, in one transaction that
// also moves the fan-out cursor. Events are numbered gap-free in commit
// order (store.AppendEvent), so "every event after the cursor" misses none.
// An endpoint that is disabled when an event fans out gets its delivery
// too, skipped (no job, no attempt), so that what it missed can be
// replayed once it is enabled again.
type Dispatcher struct {
	Store *store.Store
	Jobs  *jobs.Queue
	Now   func() time.Time
	Log   *slog.Logger
	// Poll is how often the dispatcher looks for events when not nudged:
	// it catches events committed by other nodes.
	Poll  time.Duration
	nudge chan struct{}
}

// NewDispatcher builds a dispatcher; Run starts it.
func NewDispatcher(st *store.Store, q *jobs.Queue, now func() time.Time, poll time.Duration, log *slog.Logger) *Dispatcher {
	return &Dispatcher{Store: st, Jobs: q, Now: now, Poll: poll, Log: log, nudge: make(chan struct{}, 1)}
}

// Nudge tells the dispatcher that events were committed.
func (d *Dispatcher) Nudge() {
	select {
	case d.nudge <- struct{}{}:
	default:
	}
}

// Run fans out events until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	tick := time.NewTicker(d.Poll)
	defer tick.Stop()
	for {
		for {
			n, err := d.Fanout(ctx)
			if err != nil && ctx.Err() == nil {
				d.Log.ErrorContext(ctx, "webhook fan-out", slog.Any("err", err))
			}
			if err != nil || n < fanoutBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.nudge:
		}
	}
}

// Fanout creates the deliveries of the next batch of events and returns how
// many events it took.
func (d *Dispatcher) Fanout(ctx context.Context) (int, error) {
	// Most polls find nothing new: a read says so without the write
	// transaction that locking the cursor takes.
	if backlog, err := d.Store.FanoutBacklog(ctx); err != nil || backlog == 0 {
		return 0, err
	}
	var taken int
	err := d.Store.InTx(ctx, func(tx *store.Tx) error {
		cursor, err := tx.LockFanoutCursor(ctx)
		if err != nil {
			return err
		}
		events, err := tx.Events(ctx, cursor, fanoutBatch)
		if err != nil || len(events) == 0 {
			return err
		}
		endpoints, err := tx.WebhookEndpoints(ctx, "", MaxEndpoints)
		if err != nil {
			return err
		}
		now := d.Now()
		type pair struct {
			ep *store.WebhookEndpoint
			ev *store.Event
		}
		var pairs []pair
		for i := range events {
			for _, ep := range endpoints {
				if events[i].Seq <= ep.AfterSeq || !ep.Wants(string(events[i].Type)) {
					continue
				}
				pairs = append(pairs, pair{ep, &events[i]})
			}
		}
		// The batch's deliveries share their moment, and an id orders by
		// its moment and then at random: made first and sorted, the ids
		// follow the events' order, as the delivery log (newest first, by
		// id) reads them.
		ids := make([]string, len(pairs))
		for i := range ids {
			ids[i] = store.NewID("whd", now)
		}
		slices.Sort(ids)
		for i, p := range pairs {
			if err := d.deliver(ctx, tx, p.ep, p.ev, ids[i], now); err != nil {
				return err
			}
		}
		taken = len(events)
		return tx.AdvanceFanoutCursor(ctx, events[len(events)-1].Seq)
	})
	return taken, err
}

// deliver creates one event's delivery to one endpoint: pending with its
// job, or skipped when the endpoint is disabled.
func (d *Dispatcher) deliver(ctx context.Context, tx *store.Tx, ep *store.WebhookEndpoint, ev *store.Event, id string, now time.Time) error {
	dl := &store.WebhookDelivery{ID: id, EndpointID: ep.ID, EventSeq: ev.Seq, EventID: ev.ID,
		EventType: string(ev.Type), Status: store.DeliveryPending, CreatedAt: now}
	if ep.Status != store.EndpointEnabled {
		dl.Status, dl.SkippedReason = store.DeliverySkipped, SkippedReason(ep)
		return tx.InsertWebhookDelivery(ctx, dl)
	}
	if err := tx.InsertWebhookDelivery(ctx, dl); err != nil {
		return err
	}
	return d.Jobs.InsertTx(ctx, tx, DeliverArgs{DeliveryID: dl.ID})
}
