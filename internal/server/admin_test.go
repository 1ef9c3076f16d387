package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

const adminPassword = "correct horse battery"

// signedInAs adds a staff member of a role and signs them in.
func signedInAs(t *testing.T, s *server.Server, base, email string, role store.Role) *http.Client {
	t.Helper()
	addStaff(t, s, email, role, adminPassword)
	return &http.Client{Jar: signIn(t, base, email, adminPassword)}
}

// page fetches a page with a signed-in client and fails unless it answers want.
func page(t *testing.T, c *http.Client, target string, want int) string {
	t.Helper()
	status, body := fetchWith(t, c, target)
	if status != want {
		t.Fatalf("GET %s: %d, want %d\n%.600s", target, status, want, body)
	}
	return body
}

// post sends a form with a signed-in client and returns the page it ends on.
func post(t *testing.T, c *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// eventually waits up to 30 s for work done by the job queue, which a
// loaded machine running browsers beside it can make slow.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitWithin(t, 30*time.Second, what, ok)
}

// flaky is a webhook receiver that answers 503 until it is told to work.
type flaky struct {
	mu      sync.Mutex
	working bool
	got     int
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.working {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	f.got++
	w.WriteHeader(http.StatusOK)
}

func (f *flaky) received() int { f.mu.Lock(); defer f.mu.Unlock(); return f.got }

// An admin adds an endpoint from the admin area, sees its secret once,
// follows failing deliveries in the log, disables and enables it, and
// replays what it missed.
func TestAdminWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Webhooks: server.WebhookConfig{AllowPrivate: true,
			RetryScale: 5 * time.Millisecond, Poll: 50 * time.Millisecond}})
		stop, err := s.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer stop(context.Background())
		receiver := &flaky{}
		hook := httptest.NewServer(receiver)
		defer hook.Close()
		admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)

		res, body := post(t, admin, base+"/admin/webhooks", url.Values{"url": {hook.URL + "/in"},
			"events": {"verification.created", "verification.canceled"}, "description": {"backend"}})
		if res.StatusCode != http.StatusCreated || !regexp.MustCompile(`whsec_[^<\s]{40,}`).MatchString(body) {
			t.Fatalf("adding an endpoint: %d\n%.800s", res.StatusCode, body)
		}
		if list := page(t, admin, base+"/admin/webhooks", 200); strings.Contains(list, "whsec_") {
			t.Fatal("the secret shows again")
		}
		eps, _ := s.Store.WebhookEndpoints(context.Background(), "", 10)
		if len(eps) != 1 || eps[0].Description != "backend" || len(eps[0].Events) != 2 {
			t.Fatalf("endpoints %+v", eps)
		}
		ep := eps[0]

		// A bad URL is refused on the form, with what was typed kept.
		res, body = post(t, admin, base+"/admin/webhooks", url.Values{"url": {"ftp://x.example"}, "events": {"standing.changed"}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "ftp://x.example") || !besideField(body, "url", "Give a full https address") {
			t.Fatalf("bad URL: %d %.400s", res.StatusCode, body)
		}
		res, body = post(t, admin, base+"/admin/webhooks", url.Values{"url": {hook.URL + "/in"}, "events": {"standing.changed", "no.such"}})
		if res.StatusCode != http.StatusBadRequest || !besideField(body, "events", "Choose among the event types listed") {
			t.Fatalf("an unknown event type: %d %.400s", res.StatusCode, body)
		}

		seedCase(t, s, "u-900")
		eventually(t, "a failed attempt in the log", func() bool {
			list, _ := s.Store.WebhookDeliveries(context.Background(), store.DeliveryFilter{EndpointID: ep.ID, Limit: 5})
			return len(list) == 1 && list[0].Attempts >= 2
		})
		detail := page(t, admin, base+"/admin/webhooks/"+ep.ID, 200)
		if !strings.Contains(detail, "HTTP 503") || !strings.Contains(detail, "verification.created") {
			t.Fatalf("the log does not show the failures:\n%.1500s", detail)
		}
		// Disabling cancels the pending delivery.
		post(t, admin, base+"/admin/webhooks/"+ep.ID+"/disable", nil)
		eventually(t, "the delivery canceled", func() bool {
			list, _ := s.Store.WebhookDeliveries(context.Background(), store.DeliveryFilter{EndpointID: ep.ID, Limit: 5})
			return list[0].Status == store.DeliveryCanceled
		})
		list, _ := s.Store.WebhookDeliveries(context.Background(), store.DeliveryFilter{EndpointID: ep.ID, Limit: 5})
		delivery := page(t, admin, base+"/admin/webhooks/deliveries/"+list[0].ID, 200)
		if !strings.Contains(delivery, "maintenance") || strings.Contains(delivery, "replay-delivery") {
			t.Fatalf("delivery page of a disabled endpoint:\n%.1500s", delivery)
		}

		// Back up, enabled, and everything it missed replayed.
		receiver.mu.Lock()
		receiver.working = true
		receiver.mu.Unlock()
		post(t, admin, base+"/admin/webhooks/"+ep.ID+"/enable", nil)
		res, body = post(t, admin, base+"/admin/webhooks/"+ep.ID+"/replay", nil)
		if !strings.Contains(body, "1 deliveries are on their way again") {
			t.Fatalf("replay: %d %.600s", res.StatusCode, body)
		}
		eventually(t, "the replayed delivery", func() bool { return receiver.received() == 1 })
		// One delivery replayed by hand again arrives again.
		post(t, admin, base+"/admin/webhooks/deliveries/"+list[0].ID+"/replay", nil)
		eventually(t, "the second replay", func() bool { return receiver.received() == 2 })

		entries, _ := s.Store.AuditEntries(context.Background(), 50)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"webhook_endpoint.create", "webhook_endpoint.disable", "webhook_endpoint.enable", "webhook_delivery.replay"} {
			if !strings.Contains(strings.Join(actions, ","), want) {
				t.Fatalf("no %s in the audit log: %v", want, actions)
			}
		}
	})
}

// The floor counts what is happening and what happened today.
func TestFloor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg})
		supervisor := signedInAs(t, s, base, "sup@example.com", store.RoleSupervisor)
		agent := signedInAs(t, s, base, "agent@example.com", store.RoleAgent)
		seedCase(t, s, "u-901")
		body := page(t, supervisor, base+"/admin", 200)
		for _, want := range []string{"Agents online", "95th percentile wait today", "Overdue verifications", `<svg class="chart"`,
			"Verifications opened per day", `data-figure="queue"`} {
			if !strings.Contains(body, want) {
				t.Fatalf("the floor lacks %q", want)
			}
		}
		// The case opened today shows in the last bar of the opened chart.
		if !strings.Contains(body, t0.Format("2 Jan")+": 1 opened") {
			t.Fatalf("today's opened case is not charted:\n%s", body)
		}
		var figures map[string]string
		if err := json.Unmarshal([]byte(page(t, supervisor, base+"/admin/floor.json", 200)), &figures); err != nil {
			t.Fatal(err)
		}
		if figures["queue"] != "0" || figures["overdue"] != "0" || figures["agents_online"] != "0" {
			t.Fatalf("floor figures %v", figures)
		}
		page(t, agent, base+"/admin", http.StatusForbidden)
		page(t, supervisor, base+"/admin/webhooks", http.StatusForbidden)
	})
}

// A key made in the admin area is shown once and works; revoked, it stops.
func TestAdminAPIKeys(t *testing.T) {
	now := t0
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: func() time.Time { return now }})
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	res, body := post(t, admin, base+"/admin/api-keys", url.Values{"name": {"backend"}})
	key := regexp.MustCompile(`atk_[A-Za-z0-9_-]+`).FindString(body)
	if res.StatusCode != http.StatusCreated || key == "" {
		t.Fatalf("making a key: %d %.600s", res.StatusCode, body)
	}
	if strings.Contains(page(t, admin, base+"/admin/api-keys", 200), key) {
		t.Fatal("the key shows again")
	}
	call := func() int {
		req, _ := http.NewRequest("GET", base+"/v1/capacity", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := call(); code != 200 {
		t.Fatalf("the new key: %d", code)
	}
	keys, _ := s.Store.APIKeys(context.Background())
	var id string
	for _, k := range keys {
		if k.Name == "backend" {
			id = k.ID
		}
	}
	post(t, admin, base+"/admin/api-keys/"+id+"/revoke", nil)
	now = now.Add(11 * time.Second) // past the key cache
	if code := call(); code != http.StatusUnauthorized {
		t.Fatalf("a revoked key: %d", code)
	}
	if res, _ := post(t, admin, base+"/admin/api-keys/"+id+"/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking twice: %d", res.StatusCode)
	}
}

// Admins manage accounts but cannot lock themselves out; a disabled
// account is signed out at once.
func TestAdminStaff(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	res, body := post(t, admin, base+"/admin/staff", url.Values{"email": {"new@example.com"}, "name": {"Noor"},
		"role": {"agent"}, "password": {"short"}})
	if res.StatusCode != http.StatusBadRequest || !besideField(body, "password", "at least 12 characters") || !strings.Contains(body, "new@example.com") {
		t.Fatalf("short password: %d %.500s", res.StatusCode, body)
	}
	res, body = post(t, admin, base+"/admin/staff", url.Values{"email": {"not an address"}, "name": {"Noor"},
		"role": {"agent"}, "password": {adminPassword}})
	if res.StatusCode != http.StatusBadRequest || !besideField(body, "email", "not an email address") || !strings.Contains(body, `value="Noor"`) {
		t.Fatalf("a bad email: %d %.500s", res.StatusCode, body)
	}
	post(t, admin, base+"/admin/staff", url.Values{"email": {"new@example.com"}, "name": {"Noor"}, "role": {"agent"},
		"password": {adminPassword}})
	noor := &http.Client{Jar: signIn(t, base, "new@example.com", adminPassword)}
	page(t, noor, base+"/agent", 200)
	st, _ := s.Store.StaffByEmail(context.Background(), "new@example.com")

	// A new password signs out whoever used the old one.
	post(t, admin, base+"/admin/staff", url.Values{"email": {"new@example.com"}, "name": {"Noor"}, "role": {"agent"},
		"password": {"another long passphrase"}})
	if res, err := noor.Get(base + "/agent"); err != nil || res.Request.URL.Path != "/login" {
		t.Fatalf("a session from before the password reset still works: %v", err)
	} else {
		res.Body.Close()
	}
	noor = &http.Client{Jar: signIn(t, base, "new@example.com", "another long passphrase")}

	post(t, admin, base+"/admin/staff/"+st.ID+"/review", url.Values{"can_review": {"on"}})
	if st, _ = s.Store.StaffByEmail(context.Background(), "new@example.com"); !st.CanReview {
		t.Fatal("review rights not granted")
	}
	post(t, admin, base+"/admin/staff/"+st.ID+"/role", url.Values{"role": {"supervisor"}})
	if st, _ = s.Store.StaffByEmail(context.Background(), "new@example.com"); st.Role != store.RoleSupervisor {
		t.Fatalf("role %s", st.Role)
	}
	post(t, admin, base+"/admin/staff/"+st.ID+"/disable", nil)
	if res, err := noor.Get(base + "/agent"); err != nil || res.Request.URL.Path != "/login" {
		t.Fatalf("a disabled account kept its session: %v", err)
	} else {
		res.Body.Close()
	}
	me, _ := s.Store.StaffByEmail(context.Background(), "admin@example.com")
	if res, _ := post(t, admin, base+"/admin/staff/"+me.ID+"/disable", nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("an admin disabling themselves: %d", res.StatusCode)
	}
}

// The audit page verifies the chain and says when it is broken.
func TestAdminAudit(t *testing.T) {
	cfg := storetest.SQLite(t)
	s, base := openServed(t, server.Config{Store: cfg})
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	seedCase(t, s, "u-902")
	body := page(t, admin, base+"/admin/audit?verify=1", 200)
	if !strings.Contains(body, `data-test="audit-intact"`) || !strings.Contains(body, ">Signed in<") {
		t.Fatalf("audit page:\n%.1500s", body)
	}
	if _, err := storetest.RawDB(t, cfg).Exec("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	if body := page(t, admin, base+"/admin/audit?verify=1", 200); !strings.Contains(body, `data-test="audit-broken"`) {
		t.Fatalf("a tampered log passes:\n%.1500s", body)
	}
}

// The admin pages pass axe-core, and the floor refreshes itself.
func TestBrowserAdminPages(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Webhooks: server.WebhookConfig{AllowPrivate: true}, DevMailbox: true})
	addStaff(t, s, "ada@example.com", store.RoleAdmin, adminPassword)
	seedCase(t, s, "u-950")
	seedCase(t, s, "u-951")
	ctx := browser(t, "admin")
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/login"))
	typeInto(t, ctx, "login-email", "ada@example.com")
	typeInto(t, ctx, "login-password", adminPassword)
	click(t, ctx, "login-submit")
	waitFor(t, ctx, "the console", `location.pathname === '/agent'`)

	do(t, ctx, chromedp.Navigate(base+"/admin"))
	waitFor(t, ctx, "the floor's charts", `document.querySelectorAll('svg.chart').length === 3`)
	screenshot(t, ctx, "admin-1-floor")
	audit(t, ctx, "the floor")
	// The page takes new figures without a reload.
	chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-figure="queue"]').textContent = 'stale', true`))
	waitFor(t, ctx, "the floor's refresh", `document.querySelector('[data-figure="queue"]').textContent === '0'`)

	do(t, ctx, chromedp.Navigate(base+"/admin/webhooks"))
	typeInto(t, ctx, "webhook-url", "http://127.0.0.1:9/hooks")
	click(t, ctx, "webhook-add")
	waitFor(t, ctx, "the new secret", `!!document.querySelector('[data-test="webhook-secret"]')`)
	screenshot(t, ctx, "admin-2-webhooks")
	audit(t, ctx, "webhooks with a new secret")
	for _, p := range []struct{ path, name string }{
		{"/admin/api-keys", "API keys"}, {"/admin/staff", "staff"}, {"/admin/policy", "policy"}, {"/admin/questions", "questions"},
		{"/admin/audit?verify=1", "audit log"}, {"/dev/mailbox", "dev mailbox"},
	} {
		do(t, ctx, chromedp.Navigate(base+p.path))
		waitFor(t, ctx, p.name, `document.readyState === 'complete'`)
		audit(t, ctx, p.name)
	}
	screenshot(t, ctx, "admin-3-audit")

	// A question about the person is refused on a page that passes too.
	do(t, ctx, chromedp.Navigate(base+"/admin/questions"))
	typeInto(t, ctx, "question-add-other", "How old are you?")
	do(t, ctx, chromedp.Submit(byTest("question-add-other")))
	waitFor(t, ctx, "the refusal", `!!document.querySelector('[data-test="question-error"]')`)
	audit(t, ctx, "questions with a refusal")
	screenshot(t, ctx, "admin-4-questions")
}

// besideField reports whether the page shows a problem containing text
// beside the form field it concerns (data-test="problem-<field>").
func besideField(page, field, text string) bool {
	i := strings.Index(page, `data-test="problem-`+field+`"`)
	if i < 0 {
		return false
	}
	end := strings.Index(page[i:], "</p>")
	return end > 0 && strings.Contains(page[i:i+end], text)
}
