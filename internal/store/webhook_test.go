package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// Endpoints, deliveries and attempts round-trip, disabling cancels what is
// pending, and pruning removes only old deliveries that ended.
func TestWebhookDeliveryLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := open(t, cfg)
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		ep := &store.WebhookEndpoint{ID: "we_1", URL: "https://hooks.example.com/a", Events: []string{"standing.changed"},
			Salt: "00", Status: store.EndpointEnabled, CreatedAt: t0, UpdatedAt: t0}
		mustTx(t, s, func(tx *store.Tx) error { return tx.InsertWebhookEndpoint(ctx, ep) })
		got, err := s.WebhookEndpoint(ctx, "we_1")
		if err != nil || got.URL != ep.URL || !got.Wants("standing.changed") || got.Wants("appeal.created") {
			t.Fatalf("endpoint %+v %v", got, err)
		}
		var seq int64
		deliver := func(id string, at time.Time, status string) {
			seq++
			d := &store.WebhookDelivery{ID: id, EndpointID: "we_1", EventSeq: seq, EventID: "evt_" + id,
				EventType: "standing.changed", Status: store.DeliveryPending, CreatedAt: at}
			mustTx(t, s, func(tx *store.Tx) error {
				if err := tx.InsertWebhookDelivery(ctx, d); err != nil {
					return err
				}
				d.Status, d.Attempts, d.LastStatus, d.LastAttemptAt = status, 1, 500, &at
				return tx.RecordWebhookAttempt(ctx, d, &store.WebhookAttempt{DeliveryID: id, N: 1, At: at, StatusCode: 500,
					Response: "oops", Duration: 12 * time.Millisecond})
			})
		}
		deliver("whd_old_done", t0, store.DeliveryDelivered)
		deliver("whd_old_pending", t0.Add(time.Second), store.DeliveryPending)
		deliver("whd_new_failed", t0.Add(40*24*time.Hour), store.DeliveryFailed)
		tries, err := s.WebhookAttempts(ctx, "whd_old_done")
		if err != nil || len(tries) != 1 || tries[0].Response != "oops" || tries[0].Duration != 12*time.Millisecond {
			t.Fatalf("attempts %+v %v", tries, err)
		}

		mustTx(t, s, func(tx *store.Tx) error {
			n, err := tx.PruneWebhookDeliveries(ctx, t0.Add(30*24*time.Hour))
			if n != 1 {
				t.Errorf("pruned %d deliveries, want the old delivered one", n)
			}
			return err
		})
		list, _ := s.WebhookDeliveries(ctx, store.DeliveryFilter{EndpointID: "we_1", Limit: 10})
		if len(list) != 2 {
			t.Fatalf("left %d deliveries, want the pending and the recent one", len(list))
		}
		if tries, _ := s.WebhookAttempts(ctx, "whd_old_done"); len(tries) != 0 {
			t.Fatal("the pruned delivery's attempts stayed")
		}

		mustTx(t, s, func(tx *store.Tx) error {
			return tx.SetWebhookEndpointStatus(ctx, "we_1", store.EndpointDisabled, "by hand", t0)
		})
		if d, _ := s.WebhookDelivery(ctx, "whd_old_pending"); d.Status != store.DeliveryCanceled {
			t.Fatalf("disabling left the delivery %s", d.Status)
		}
		for _, status := range []string{store.DeliveryCanceled, store.DeliveryFailed} {
			if list, _ := s.WebhookDeliveries(ctx, store.DeliveryFilter{Status: status, Limit: 10}); len(list) != 1 {
				t.Fatalf("%d %s deliveries, want 1", len(list), status)
			}
		}
	})
}
