package server_test

import (
	"cmp"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// signedReceiver is the marketplace's endpoint: a real HTTP server that
// checks each webhook's signature with the Standard Webhooks reference
// library and keeps what arrived, duplicates included.
type signedReceiver struct {
	t      *testing.T
	mu     sync.Mutex
	secret string
	got    []arrived
}

type arrived struct {
	ID, Type string
	Seq      int64
}

func (rc *signedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	wh, err := standardwebhooks.NewWebhook(rc.secret)
	if err == nil {
		// The server's clock is stopped at t0, not the wall clock's time.
		err = wh.VerifyIgnoringTimestamp(body, r.Header)
	}
	if err != nil {
		rc.t.Errorf("signature refused by the reference library: %v", err)
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	var p arrived
	if err := json.Unmarshal(body, &p); err != nil || p.ID != r.Header.Get("webhook-id") {
		rc.t.Errorf("payload %s with webhook-id %s: %v", body, r.Header.Get("webhook-id"), err)
	}
	rc.got = append(rc.got, p)
	w.WriteHeader(http.StatusNoContent)
}

// deduped is what arrived as a receiver keeps it: once per webhook-id,
// ordered by seq. It also says how many requests came.
func (rc *signedReceiver) deduped() ([]arrived, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]bool{}
	var out []arrived
	for _, g := range rc.got {
		if !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b arrived) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, len(rc.got)
}

// Events that arrive while an endpoint is disabled are kept as skipped
// deliveries: listed with the reason, not sent when it is enabled again,
// and sent by "replay everything undelivered", arriving in seq order once
// deduped.
func TestWebhookSkippedWhileDisabledReplayed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Webhooks: server.WebhookConfig{AllowPrivate: true,
			RetryScale: 5 * time.Millisecond, Poll: 50 * time.Millisecond}})
		stop, err := s.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer stop(context.Background())
		ctx := context.Background()
		rc := &signedReceiver{t: t}
		hook := httptest.NewServer(rc)
		defer hook.Close()
		admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)

		res, body := post(t, admin, base+"/admin/webhooks", map[string][]string{"url": {hook.URL + "/in"},
			"events": {"verification.created"}})
		secret := html.UnescapeString(regexp.MustCompile(`whsec_[^<\s]{40,}`).FindString(body)) // a + is &#43;
		if res.StatusCode != http.StatusCreated || secret == "" {
			t.Fatalf("adding an endpoint: %d\n%.800s", res.StatusCode, body)
		}
		rc.mu.Lock()
		rc.secret = secret
		rc.mu.Unlock()
		eps, _ := s.Store.WebhookEndpoints(ctx, "", 10)
		ep := eps[0]

		post(t, admin, base+"/admin/webhooks/"+ep.ID+"/disable", nil)
		for i := range 3 {
			seedCase(t, s, "u-95"+strconv.Itoa(i))
		}
		var skipped []*store.WebhookDelivery
		eventually(t, "three skipped deliveries", func() bool {
			skipped, _ = s.Store.WebhookDeliveries(ctx, store.DeliveryFilter{EndpointID: ep.ID, Status: store.DeliverySkipped, Limit: 10})
			return len(skipped) == 3
		})
		slices.SortFunc(skipped, func(a, b *store.WebhookDelivery) int { return cmp.Compare(a.EventSeq, b.EventSeq) })
		var want []arrived
		for _, d := range skipped {
			if d.Attempts != 0 || !strings.Contains(d.SkippedReason, "disabled by staff:") {
				t.Fatalf("skipped delivery %+v", d)
			}
			want = append(want, arrived{ID: d.EventID, Type: "verification.created", Seq: d.EventSeq})
		}
		detail := page(t, admin, base+"/admin/webhooks/"+ep.ID, http.StatusOK)
		if !strings.Contains(detail, "3 events arrived while the endpoint was disabled and are waiting: enable the endpoint") ||
			strings.Count(detail, `data-test="skipped-delivery"`) != 3 || !strings.Contains(detail, "the endpoint was disabled: disabled by ") ||
			!strings.Contains(detail, " (Admin)") || strings.Contains(detail, "disabled by staff:") ||
			strings.Contains(detail, "replay-undelivered") {
			t.Fatalf("the page of the disabled endpoint:\n%s", detail)
		}
		one := page(t, admin, base+"/admin/webhooks/deliveries/"+skipped[0].ID, http.StatusOK)
		if !strings.Contains(one, "Not sent: the endpoint was disabled") || !strings.Contains(one, "skipped while the endpoint was disabled") {
			t.Fatalf("the page of a skipped delivery:\n%s", one)
		}

		// Enabled: nothing it missed is sent until an admin replays it.
		post(t, admin, base+"/admin/webhooks/"+ep.ID+"/enable", nil)
		time.Sleep(500 * time.Millisecond) // ten fan-out polls, a hundred retry scales
		if got, n := rc.deduped(); n != 0 {
			t.Fatalf("enabling sent %d webhooks: %+v", n, got)
		}
		detail = page(t, admin, base+"/admin/webhooks/"+ep.ID, http.StatusOK)
		if !strings.Contains(detail, "3 events arrived while the endpoint was disabled and are waiting: nothing is sent until you replay them") ||
			!strings.Contains(detail, "Replay 3 undelivered") {
			t.Fatalf("the page of the enabled endpoint:\n%s", detail)
		}

		res, body = post(t, admin, base+"/admin/webhooks/"+ep.ID+"/replay", nil)
		if !strings.Contains(body, "3 deliveries are on their way again") {
			t.Fatalf("replay: %d %.600s", res.StatusCode, body)
		}
		eventually(t, "the three replayed deliveries", func() bool { got, _ := rc.deduped(); return len(got) == 3 })
		// Replayed once more by hand, one arrives twice: the receiver dedupes.
		post(t, admin, base+"/admin/webhooks/deliveries/"+skipped[1].ID+"/replay", nil)
		eventually(t, "the second replay", func() bool { _, n := rc.deduped(); return n == 4 })
		if got, _ := rc.deduped(); !slices.Equal(got, want) {
			t.Fatalf("arrived, deduped and in seq order: %+v\nwant %+v", got, want)
		}
		eventually(t, "the deliveries recorded delivered", func() bool {
			counts, _ := s.Store.CountWebhookDeliveries(ctx, ep.ID)
			return counts[store.DeliveryDelivered] == 3 && counts[store.DeliverySkipped] == 0
		})
		if detail = page(t, admin, base+"/admin/webhooks/"+ep.ID, http.StatusOK); strings.Contains(detail, `data-test="skipped-waiting"`) {
			t.Fatalf("the page still says events are waiting:\n%s", detail)
		}
	})
}
