package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// An event that arrives while an endpoint is disabled becomes a skipped
// delivery for each disabled endpoint that wants it ("*" included), with
// no job; enabling sends nothing; replaying everything undelivered makes
// them pending, with their jobs, in the events' order.
func TestFanoutKeepsSkippedDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		st, q := openQueued(t, cfg) // nothing is sent
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		eps := &Endpoints{Store: st, Jobs: q, Now: clock, Keys: keystest.Ring()}
		d := NewDispatcher(st, q, clock, time.Second, slog.New(slog.DiscardHandler))
		tx := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := st.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		made := map[string]*store.WebhookEndpoint{}
		for _, name := range []string{"live", "every", "named", "gone"} {
			events := []string{"*"}
			if name == "live" || name == "named" {
				events = []string{string(verification.EventCreated)}
			}
			tx(func(tx *store.Tx) error {
				ep, _, err := eps.Create(ctx, tx, "test", NewEndpoint{URL: "https://hooks.example.com/" + name, Events: events})
				made[name] = ep
				return err
			})
		}
		tx(func(tx *store.Tx) error {
			for _, name := range []string{"every", "named", "gone"} {
				if err := eps.SetEnabled(ctx, tx, "staff:stf_1", made[name].ID, false); err != nil {
					return err
				}
			}
			return eps.Delete(ctx, tx, "staff:stf_1", made["gone"].ID)
		})
		var seqs []int64
		tx(func(tx *store.Tx) error {
			for _, typ := range []verification.EventType{verification.EventCreated, verification.EventCanceled, verification.EventCreated} {
				ev, err := tx.AppendEvent(ctx, typ, "u-1", "ver_1", map[string]string{}, now)
				if err != nil {
					return err
				}
				seqs = append(seqs, ev.Seq)
			}
			return nil
		})
		if n, err := d.Fanout(ctx); err != nil || n != 3 {
			t.Fatalf("fanned out %d events: %v", n, err)
		}
		list := func(name string) []*store.WebhookDelivery {
			t.Helper()
			l, err := st.WebhookDeliveries(ctx, store.DeliveryFilter{EndpointID: made[name].ID, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(l, func(a, b *store.WebhookDelivery) int { return int(a.EventSeq - b.EventSeq) })
			return l
		}
		summary := func(name string) string {
			var out []string
			for _, dl := range list(name) {
				out = append(out, string(dl.Status))
			}
			return strings.Join(out, ",")
		}
		for name, want := range map[string]string{"live": "pending,pending", "every": "skipped,skipped,skipped",
			"named": "skipped,skipped", "gone": ""} {
			if got := summary(name); got != want {
				t.Errorf("%s endpoint's deliveries: %q, want %q", name, got, want)
			}
		}
		skipped := list("every")
		for i, dl := range skipped {
			if dl.EventSeq != seqs[i] || dl.Attempts != 0 || dl.SkippedReason != "the endpoint was disabled: disabled by staff:stf_1" {
				t.Fatalf("skipped delivery %d: %+v", i, dl)
			}
		}
		if n := countJobs(t, st); n != 2 {
			t.Fatalf("%d jobs, want the live endpoint's 2 only", n)
		}

		// Disabled, a replay is refused; enabled, nothing goes until one.
		err := st.InTx(ctx, func(tx *store.Tx) error {
			_, err := eps.ReplayUndelivered(ctx, tx, "staff:stf_1", made["every"].ID)
			return err
		})
		if !errors.Is(err, ErrEndpointDisabled) {
			t.Fatalf("replaying to a disabled endpoint: %v", err)
		}
		tx(func(tx *store.Tx) error { return eps.SetEnabled(ctx, tx, "staff:stf_1", made["every"].ID, true) })
		if got := summary("every"); got != "skipped,skipped,skipped" || countJobs(t, st) != 2 {
			t.Fatalf("enabling changed %q or queued jobs (%d)", got, countJobs(t, st))
		}
		var n int
		tx(func(tx *store.Tx) error {
			var err error
			n, err = eps.ReplayUndelivered(ctx, tx, "staff:stf_1", made["every"].ID)
			return err
		})
		if got := summary("every"); n != 3 || got != "pending,pending,pending" || countJobs(t, st) != 5 {
			t.Fatalf("replayed %d: %q, %d jobs", n, got, countJobs(t, st))
		}
		if ids := jobDeliveries(t, st); !slices.Equal(ids[2:], []string{skipped[0].ID, skipped[1].ID, skipped[2].ID}) {
			t.Fatalf("jobs queued for %v, want the skipped deliveries in seq order last", ids)
		}
		// A later event goes to it as to any enabled endpoint.
		tx(func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, verification.EventCanceled, "u-1", "ver_1", map[string]string{}, now)
			return err
		})
		if _, err := d.Fanout(ctx); err != nil {
			t.Fatal(err)
		}
		if got := summary("every"); got != "pending,pending,pending,pending" {
			t.Fatalf("after enabling: %q", got)
		}
	})
}

func countJobs(t *testing.T, st *store.Store) int {
	t.Helper()
	return len(jobDeliveries(t, st))
}

// jobDeliveries lists the deliveries of the queued webhook jobs, in the
// order they were queued.
func jobDeliveries(t *testing.T, st *store.Store) []string {
	t.Helper()
	var ids []string
	for _, a := range jobArgs(t, st) {
		ids = append(ids, a.DeliveryID)
	}
	return ids
}

// jobArgs lists the queued webhook jobs' arguments, in the order they were
// queued.
func jobArgs(t *testing.T, st *store.Store) []DeliverArgs {
	t.Helper()
	args := "json(args)" // SQLite's River keeps JSONB
	if st.Postgres() {
		args = "args"
	}
	rows, err := st.DB().QueryContext(context.Background(),
		"SELECT "+args+" FROM river_job WHERE kind = 'webhook_delivery' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var list []DeliverArgs
	for rows.Next() {
		var args []byte
		if err := rows.Scan(&args); err != nil {
			t.Fatal(err)
		}
		var a DeliverArgs
		if err := json.Unmarshal(args, &a); err != nil {
			t.Fatalf("job args %s: %v", args, err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return list
}

// The delivery log reads newest first, by id: the deliveries one fan-out
// makes at one moment follow their events' order there, for every
// endpoint, not an order the ids' random part gave them.
func TestFanoutOrdersDeliveriesByEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		st, q := openQueued(t, cfg)
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		eps := &Endpoints{Store: st, Jobs: q, Now: clock, Keys: keystest.Ring()}
		var made []*store.WebhookEndpoint
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for _, name := range []string{"a", "b"} {
				ep, _, err := eps.Create(ctx, tx, "test", NewEndpoint{URL: "https://hooks.example.com/" + name, Events: []string{"*"}})
				if err != nil {
					return err
				}
				made = append(made, ep)
			}
			for range 12 {
				if _, err := tx.AppendEvent(ctx, verification.EventCreated, "u-1", "ver_1", map[string]string{}, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := NewDispatcher(st, q, clock, time.Second, slog.New(slog.DiscardHandler)).Fanout(ctx); err != nil || n != 12 {
			t.Fatalf("fanned out %d events: %v", n, err)
		}
		for _, ep := range made {
			l, err := st.WebhookDeliveries(ctx, store.DeliveryFilter{EndpointID: ep.ID, Limit: 20})
			if err != nil || len(l) != 12 {
				t.Fatalf("%d deliveries: %v", len(l), err)
			}
			var seqs []int64
			for _, d := range l {
				seqs = append(seqs, d.EventSeq)
			}
			if !slices.IsSortedFunc(seqs, func(a, b int64) int { return int(b - a) }) {
				t.Errorf("the log lists the events %v, newest first by id: want them in the events' order", seqs)
			}
		}
	})
}
