package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The admin form offers "every event type": ticked, it wins over the
// named types ticked beside it (a fresh form ticks them all), and the
// endpoint is stored with ["*"], shown as every type.
func TestAdminWebhookEveryEventType(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Webhooks: server.WebhookConfig{AllowPrivate: true}})
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	form := page(t, admin, base+"/admin/webhooks", http.StatusOK)
	if !strings.Contains(form, `value="*" data-test="webhook-every">`) {
		t.Fatalf("the form has no unticked \"every event type\" box:\n%.3000s", form)
	}
	if !strings.Contains(form, `value="standing.changed" checked>`) {
		t.Fatalf("a fresh form no longer ticks each named type:\n%.3000s", form)
	}
	res, body := post(t, admin, base+"/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/hooks"},
		"events": {"verification.created", "*", "standing.changed"}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("adding an endpoint for every type: %d\n%.800s", res.StatusCode, body)
	}
	eps, _ := s.Store.WebhookEndpoints(context.Background(), "", 10)
	if len(eps) != 1 || !slices.Equal(eps[0].Events, []string{"*"}) {
		t.Fatalf("endpoints %+v", eps)
	}
	if list := page(t, admin, base+"/admin/webhooks", http.StatusOK); !strings.Contains(list, "every type") {
		t.Fatalf("the list does not say every type:\n%.3000s", list)
	}
	if detail := page(t, admin, base+"/admin/webhooks/"+eps[0].ID, http.StatusOK); !strings.Contains(detail, "every type (<code>*</code>)") {
		t.Fatalf("the endpoint's page does not say every type:\n%.3000s", detail)
	}
	// Refused for its URL, the form keeps "every event type" ticked.
	res, body = post(t, admin, base+"/admin/webhooks", url.Values{"url": {"ftp://x.example"}, "events": {"*"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="*" data-test="webhook-every" checked>`) {
		t.Fatalf("refused form: %d\n%.3000s", res.StatusCode, body)
	}
}
