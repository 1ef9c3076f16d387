package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// Endpoints, deliveries and attempts round-trip, disabling cancels what is
// pending, and pruning removes only old deliveries that ended.
func TestWebhookDeliveryLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
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
		deliver := func(id string, at time.Time, status store.DeliveryStatus) {
			seq++
			d := &store.WebhookDelivery{ID: id, EndpointID: "we_1", EventSeq: seq, EventID: "evt_" + id,
				EventType: "standing.changed", Status: store.DeliveryPending, CreatedAt: at}
			mustTx(t, s, func(tx *store.Tx) error {
				if err := tx.InsertWebhookDelivery(ctx, d); err != nil {
					return err
				}
				d.Status = status
				_, err := tx.RecordWebhookAttempt(ctx, d, &store.WebhookAttempt{At: at, StatusCode: 500,
					Response: "oops", Duration: 12 * time.Millisecond})
				return err
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
		for _, status := range []store.DeliveryStatus{store.DeliveryCanceled, store.DeliveryFailed} {
			if list, _ := s.WebhookDeliveries(ctx, store.DeliveryFilter{Status: status, Limit: 10}); len(list) != 1 {
				t.Fatalf("%d %s deliveries, want 1", len(list), status)
			}
		}
	})
}

// Skipped deliveries keep their reason, are counted, are listed with the
// failed and canceled ones in the events' order (whatever their ids), are
// left alone by disabling, become pending when replayed, and are pruned
// after the same time as the others.
func TestWebhookSkippedDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		ep := &store.WebhookEndpoint{ID: "we_1", URL: "https://hooks.example.com/a", Events: []string{"*"},
			Salt: "00", Status: store.EndpointDisabled, DisabledReason: "disabled by staff:stf_1", CreatedAt: t0, UpdatedAt: t0}
		mustTx(t, s, func(tx *store.Tx) error { return tx.InsertWebhookEndpoint(ctx, ep) })
		insert := func(id string, seq int64, status store.DeliveryStatus, at time.Time) {
			d := &store.WebhookDelivery{ID: id, EndpointID: "we_1", EventSeq: seq, EventID: "evt_" + id,
				EventType: "standing.changed", Status: status, CreatedAt: at}
			if status == store.DeliverySkipped {
				d.SkippedReason = "the endpoint was disabled: disabled by staff:stf_1"
			}
			mustTx(t, s, func(tx *store.Tx) error { return tx.InsertWebhookDelivery(ctx, d) })
		}
		// Ids out of the events' order, as ids made in one fan-out can be.
		insert("whd_c", 1, store.DeliverySkipped, t0)
		insert("whd_a", 2, store.DeliveryDelivered, t0)
		insert("whd_b", 3, store.DeliveryFailed, t0)
		insert("whd_e", 4, store.DeliverySkipped, t0.Add(40*24*time.Hour))
		insert("whd_d", 5, store.DeliverySkipped, t0.Add(40*24*time.Hour))
		insert("whd_f", 6, store.DeliveryCanceled, t0.Add(40*24*time.Hour))
		insert("whd_g", 7, store.DeliveryPending, t0.Add(40*24*time.Hour))

		d, err := s.WebhookDelivery(ctx, "whd_e")
		if err != nil || d.Status != store.DeliverySkipped || d.SkippedReason != "the endpoint was disabled: disabled by staff:stf_1" ||
			d.Attempts != 0 || d.LastAttemptAt != nil {
			t.Fatalf("skipped delivery %+v %v", d, err)
		}
		counts, err := s.CountWebhookDeliveries(ctx, "we_1")
		if err != nil || counts[store.DeliverySkipped] != 3 || counts[store.DeliveryFailed] != 1 || counts[store.DeliveryPending] != 1 {
			t.Fatalf("counts %v %v", counts, err)
		}
		seqs := func() []int64 {
			list, err := s.UndeliveredWebhookDeliveries(ctx, "we_1", 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, d := range list {
				out = append(out, d.EventSeq)
			}
			return out
		}
		if got := seqs(); !slices.Equal(got, []int64{1, 3, 4, 5, 6}) {
			t.Fatalf("undelivered seqs %v, want 1 3 4 5 6", got)
		}
		if list, _ := s.UndeliveredWebhookDeliveries(ctx, "we_1", 2); len(list) != 2 || list[1].EventSeq != 3 {
			t.Fatalf("the first two undelivered: %+v", list)
		}

		// Disabling again cancels what is pending, not what was skipped.
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.SetWebhookEndpointStatus(ctx, "we_1", store.EndpointDisabled, "by hand", t0)
		})
		if d, _ := s.WebhookDelivery(ctx, "whd_d"); d.Status != store.DeliverySkipped {
			t.Fatalf("disabling changed a skipped delivery to %s", d.Status)
		}
		// A replay makes it pending; the reason stays, for the log.
		mustTx(t, s, func(tx *store.Tx) error {
			n, err := tx.ReplayWebhookDelivery(ctx, "whd_d")
			if n != 1 {
				t.Errorf("the first replay is generation %d", n)
			}
			return err
		})
		if d, _ := s.WebhookDelivery(ctx, "whd_d"); d.Status != store.DeliveryPending || d.SkippedReason == "" || d.Replays != 1 {
			t.Fatalf("replayed skipped delivery %+v", d)
		}
		if got := seqs(); !slices.Equal(got, []int64{1, 3, 4, 6, 7}) {
			t.Fatalf("undelivered seqs after a replay %v, want 1 3 4 6 7 (7 canceled by disabling)", got)
		}
		// An attempt read before the replay is logged and ends nothing; the
		// replay's attempt ends it. Attempts are numbered in record order.
		record := func(replays int, status store.DeliveryStatus) (bool, *store.WebhookAttempt) {
			t.Helper()
			a := &store.WebhookAttempt{At: t0.Add(41 * 24 * time.Hour), StatusCode: 200}
			d := &store.WebhookDelivery{ID: "whd_d", Status: status, DeliveredAt: &a.At, Replays: replays}
			var current bool
			mustTx(t, s, func(tx *store.Tx) (err error) {
				current, err = tx.RecordWebhookAttempt(ctx, d, a)
				return err
			})
			return current, a
		}
		if current, a := record(0, store.DeliveryDelivered); current || a.N != 1 {
			t.Fatalf("an attempt the replay overtook: current %v, numbered %d", current, a.N)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CancelWebhookDelivery(ctx, "whd_d", 0) })
		if d, _ := s.WebhookDelivery(ctx, "whd_d"); d.Status != store.DeliveryPending || d.Attempts != 1 || d.LastStatus != 200 {
			t.Fatalf("after an overtaken attempt and cancel: %+v", d)
		}
		if current, a := record(1, store.DeliveryDelivered); !current || a.N != 2 {
			t.Fatalf("the replay's attempt: current %v, numbered %d", current, a.N)
		}
		if d, _ := s.WebhookDelivery(ctx, "whd_d"); d.Status != store.DeliveryDelivered || d.DeliveredAt == nil || d.Attempts != 2 {
			t.Fatalf("after the replay's attempt: %+v", d)
		}

		mustTx(t, s, func(tx *store.Tx) error {
			n, err := tx.PruneWebhookDeliveries(ctx, t0.Add(30*24*time.Hour))
			if n != 3 {
				t.Errorf("pruned %d deliveries, want the three old ones, the skipped one among them", n)
			}
			return err
		})
		if _, err := s.WebhookDelivery(ctx, "whd_c"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the old skipped delivery: %v", err)
		}
		if counts, _ := s.CountWebhookDeliveries(ctx, "we_1"); counts[store.DeliverySkipped] != 1 {
			t.Fatalf("counts after pruning %v", counts)
		}
	})
}
