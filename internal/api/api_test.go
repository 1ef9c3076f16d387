package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

type verificationJSON struct {
	ID              string    `json:"id"`
	FreelancerID    string    `json:"freelancer_id"`
	Status          string    `json:"status"`
	Deadline        time.Time `json:"deadline"`
	Claims          []string  `json:"claims"`
	PortalURL       string    `json:"portal_url"`
	PortalExpiresAt time.Time `json:"portal_url_expires_at"`
}

type standingJSON struct {
	FreelancerID     string   `json:"freelancer_id"`
	Verified         bool     `json:"verified"`
	Restrictions     []string `json:"restrictions"`
	OpenVerification *struct {
		ID       string    `json:"id"`
		Status   string    `json:"status"`
		Deadline time.Time `json:"deadline"`
		Overdue  bool      `json:"overdue"`
	} `json:"open_verification"`
}

type eventsJSON struct {
	Data []struct {
		Seq  int64  `json:"seq"`
		Type string `json:"type"`
	} `json:"data"`
	NextAfter int64 `json:"next_after"`
}

func TestJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
		e.must(200, e.call("PUT", "/v1/freelancers/u-1", profile()))
		var st standingJSON
		e.must(200, e.call("GET", "/v1/freelancers/u-1/standing", nil)).decode(t, &st)
		if st.Verified || len(st.Restrictions) != 0 || st.OpenVerification != nil {
			t.Fatalf("fresh standing %+v", st)
		}

		var v verificationJSON
		e.must(201, e.call("POST", "/v1/verifications", openCase())).decode(t, &v)
		if v.Status != "awaiting_freelancer" || !v.Deadline.Equal(t0.AddDate(0, 0, 7)) || len(v.Claims) != 2 {
			t.Fatalf("created %+v", v)
		}
		if !strings.HasPrefix(v.PortalURL, e.http.URL+"/v/") || v.PortalExpiresAt.Before(v.Deadline) {
			t.Fatalf("portal link %s until %v", v.PortalURL, v.PortalExpiresAt)
		}
		code, field := e.must(409, e.call("POST", "/v1/verifications", openCase())).errorCode(t)
		if code != "verification_open" || field != "freelancer_id" {
			t.Fatalf("second open case: %s %s", code, field)
		}

		e.must(200, e.call("GET", "/v1/freelancers/u-1/standing", nil)).decode(t, &st)
		if st.OpenVerification == nil || st.OpenVerification.ID != v.ID || st.OpenVerification.Overdue || len(st.Restrictions) != 0 {
			t.Fatalf("standing with open case %+v", st)
		}
		e.must(200, e.call("GET", "/v1/verifications/"+v.ID, nil))
		var list struct {
			Data []verificationJSON `json:"data"`
		}
		e.must(200, e.call("GET", "/v1/verifications?freelancer_id=u-1&status=awaiting_freelancer", nil)).decode(t, &list)
		if len(list.Data) != 1 || list.Data[0].ID != v.ID {
			t.Fatalf("list %+v", list)
		}

		var canceled verificationJSON
		e.must(200, e.call("POST", "/v1/verifications/"+v.ID+"/cancel", nil)).decode(t, &canceled)
		if canceled.Status != "canceled" {
			t.Fatalf("cancel gave %s", canceled.Status)
		}
		code, _ = e.must(409, e.call("POST", "/v1/verifications/"+v.ID+"/cancel", nil)).errorCode(t)
		if code != "illegal_transition" {
			t.Fatalf("second cancel: %s", code)
		}

		var events eventsJSON
		e.must(200, e.call("GET", "/v1/events?after=0", nil)).decode(t, &events)
		var types []string
		for _, ev := range events.Data {
			types = append(types, ev.Type)
		}
		if got := strings.Join(types, ","); got != "verification.created,verification.canceled" {
			t.Fatalf("events %s", got)
		}
		e.must(200, e.call("GET", fmt.Sprintf("/v1/events?after=%d", events.NextAfter), nil)).decode(t, &events)
		if len(events.Data) != 0 {
			t.Fatalf("events after the last: %+v", events)
		}
		if n, err := e.srv.Store.VerifyAudit(t.Context()); err != nil || n < 5 {
			t.Fatalf("audit after the journey: %d entries, %v", n, err)
		}
	})
}

func TestOverdueRestrictsAndAnnounces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
		var v verificationJSON
		e.must(201, e.call("POST", "/v1/verifications", openCase())).decode(t, &v)
		e.clock.Advance(7*24*time.Hour - time.Second)
		var st standingJSON
		e.must(200, e.call("GET", "/v1/freelancers/u-1/standing", nil)).decode(t, &st)
		if len(st.Restrictions) != 0 {
			t.Fatalf("restricted before the deadline: %+v", st)
		}
		e.clock.Advance(2 * time.Second)
		e.must(200, e.call("GET", "/v1/freelancers/u-1/standing", nil)).decode(t, &st)
		if !st.OpenVerification.Overdue || len(st.Restrictions) != 1 || st.Restrictions[0] != "submit_proposals" {
			t.Fatalf("after the deadline: %+v", st)
		}
		// Canceling an overdue case lifts the restriction and says so.
		e.must(200, e.call("POST", "/v1/verifications/"+v.ID+"/cancel", nil))
		e.must(200, e.call("GET", "/v1/freelancers/u-1/standing", nil)).decode(t, &st)
		if len(st.Restrictions) != 0 {
			t.Fatalf("after cancel: %+v", st)
		}
		var events eventsJSON
		e.must(200, e.call("GET", "/v1/events", nil)).decode(t, &events)
		if last := events.Data[len(events.Data)-1].Type; last != "standing.changed" {
			t.Fatalf("last event %s, want standing.changed", last)
		}
	})
}

func TestGraceDaysAndClaimSubset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
		body := openCase()
		body["claims"] = []string{"skill.go"}
		body["grace_days"] = 14
		body["methods"] = []string{"document_review"}
		var v verificationJSON
		e.must(201, e.call("POST", "/v1/verifications", body)).decode(t, &v)
		if !v.Deadline.Equal(t0.AddDate(0, 0, 14)) || len(v.Claims) != 1 || v.Claims[0] != "skill.go" {
			t.Fatalf("created %+v", v)
		}
	})
}

func TestIdempotentPost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
		first := e.must(201, e.call("POST", "/v1/verifications", openCase(), "Idempotency-Key", "open-u-1-a"))
		again := e.must(201, e.call("POST", "/v1/verifications", openCase(), "Idempotency-Key", "open-u-1-a"))
		if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		other := openCase()
		other["grace_days"] = 10
		code, field := e.must(422, e.call("POST", "/v1/verifications", other, "Idempotency-Key", "open-u-1-a")).errorCode(t)
		if code != "idempotency_key_reused" || field != "Idempotency-Key" {
			t.Fatalf("reused key: %s %s", code, field)
		}
		code, _ = e.must(400, e.call("POST", "/v1/verifications", openCase(), "Idempotency-Key", "has space")).errorCode(t)
		if code != "invalid_idempotency_key" {
			t.Fatalf("bad key: %s", code)
		}
		var events eventsJSON
		e.must(200, e.call("GET", "/v1/events", nil)).decode(t, &events)
		if len(events.Data) != 1 {
			t.Fatalf("%d events after a replayed POST, want 1", len(events.Data))
		}
	})
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	tests := []struct{ name, header string }{
		{"none", ""},
		{"not bearer", "Basic dXNlcjpwYXNz"},
		{"malformed", "Bearer nope"},
		{"unknown", "Bearer atk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/v1/freelancers/u-1/standing", "/v1/events"} {
				r := e.call("GET", path, nil, "Authorization", tt.header)
				if code, _ := e.must(401, r).errorCode(t); code != "unauthorized" {
					t.Fatalf("%s: code %s", path, code)
				}
			}
		})
	}
	e.must(200, e.call("GET", "/v1/openapi.json", nil, "Authorization", ""))
}

func TestErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
		var v verificationJSON
		e.must(201, e.call("POST", "/v1/verifications", openCase())).decode(t, &v)
		e.must(204, e.call("DELETE", "/v1/freelancers/u-1", nil))
		e.must(404, e.call("GET", "/v1/freelancers/u-1", nil))
		e.must(404, e.call("DELETE", "/v1/freelancers/u-1", nil))
		var got verificationJSON
		e.must(200, e.call("GET", "/v1/verifications/"+v.ID, nil)).decode(t, &got)
		if got.Status != "canceled" {
			t.Fatalf("open case after erasure is %s, want canceled", got.Status)
		}
		var feed eventsJSON
		raw := e.must(200, e.call("GET", "/v1/events", nil))
		raw.decode(t, &feed)
		if len(feed.Data) < 2 || strings.Contains(string(raw.Body), "checked once") {
			t.Fatalf("events after erasure still hold the reason's text, or vanished: %s", raw.Body)
		}
		emails, err := e.srv.Store.Emails(t.Context(), 10)
		if err != nil || len(emails) != 0 {
			t.Fatalf("emails after erasure: %d, %v", len(emails), err)
		}
		if r := get(t, v.PortalURL); r.StatusCode != http.StatusGone {
			t.Fatalf("portal after erasure: %d", r.StatusCode)
		}
		entries, _ := e.srv.Store.AuditEntries(t.Context(), 1)
		if entries[0].Action != "freelancer.erase" || strings.Contains(string(entries[0].Details), "Ana") {
			t.Fatalf("last audit entry %+v", entries[0])
		}
		// A new profile under the same id starts afresh.
		e.must(201, e.call("PUT", "/v1/freelancers/u-1", profile()))
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	if code, _ := e.must(404, e.call("GET", "/v1/nothing", nil)).errorCode(t); code != "not_found" {
		t.Fatal(code)
	}
	r := e.must(405, e.call("PATCH", "/v1/freelancers/u-1", nil))
	if code, _ := r.errorCode(t); code != "method_not_allowed" || r.Header.Get("Allow") == "" {
		t.Fatalf("405: %s allow %q", code, r.Header.Get("Allow"))
	}
	if code, _ := e.must(404, e.call("GET", "/v1/verifications/ver_nope", nil)).errorCode(t); code != "not_found" {
		t.Fatal(code)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := get(t, e.http.URL+path); r.StatusCode != 200 {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
	}
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r
}
