package api_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/client"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

func TestJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		_, created, err := e.api.PutFreelancer(ctx, "u-1", ana())
		if err != nil || !created {
			t.Fatalf("first put: created %v, %v", created, err)
		}
		f, created, err := e.api.PutFreelancer(ctx, "u-1", ana())
		if err != nil || created || f.ID != "u-1" || len(f.Claims) != 2 || !f.CreatedAt.Equal(t0) {
			t.Fatalf("second put: %+v created %v, %v", f, created, err)
		}
		st, err := e.api.Standing(ctx, "u-1")
		ok(t, err)
		if st.Verified || len(st.Restrictions) != 0 || st.OpenVerification != nil {
			t.Fatalf("fresh standing %+v", st)
		}

		v, err := e.api.CreateVerification(ctx, newCase())
		ok(t, err)
		if v.Status != client.AwaitingFreelancer || !v.Deadline.Equal(t0.AddDate(0, 0, 7)) || len(v.Claims) != 2 {
			t.Fatalf("created %+v", v)
		}
		if !strings.HasPrefix(v.PortalURL, e.http.URL+"/v/") || v.PortalURLExpiresAt.Before(v.Deadline) {
			t.Fatalf("portal link %s until %v", v.PortalURL, v.PortalURLExpiresAt)
		}
		_, err = e.api.CreateVerification(ctx, newCase())
		wantError(t, err, 409, "verification_open", "freelancer_id")

		st, err = e.api.Standing(ctx, "u-1")
		ok(t, err)
		if st.OpenVerification == nil || st.OpenVerification.ID != v.ID || st.OpenVerification.Overdue || len(st.Restrictions) != 0 {
			t.Fatalf("standing with open case %+v", st)
		}
		got, err := e.api.GetVerification(ctx, v.ID)
		if err != nil || got.ID != v.ID || got.Reason.Code != "new_account_review" || got.ClosedAt != nil {
			t.Fatalf("get: %+v, %v", got, err)
		}
		list, err := e.api.ListVerifications(ctx, client.VerificationFilter{FreelancerID: "u-1", Status: client.AwaitingFreelancer}, "")
		if err != nil || len(list.Data) != 1 || list.Data[0].ID != v.ID || list.NextCursor != nil {
			t.Fatalf("list %+v, %v", list, err)
		}

		canceled, err := e.api.CancelVerification(ctx, v.ID)
		if err != nil || canceled.Status != client.Canceled || canceled.ClosedAt == nil {
			t.Fatalf("cancel gave %+v, %v", canceled, err)
		}
		_, err = e.api.CancelVerification(ctx, v.ID)
		wantError(t, err, 409, "illegal_transition", "status")

		events, err := e.api.Events(ctx, 0, 0)
		ok(t, err)
		var types []string
		for _, ev := range events.Data {
			types = append(types, string(ev.Type))
		}
		if got := strings.Join(types, ","); got != "verification.created,verification.canceled" {
			t.Fatalf("events %s", got)
		}
		if subject, err := events.Data[1].Verification(); err != nil || subject.Status != client.Canceled {
			t.Fatalf("the cancel event carries %+v, %v", subject, err)
		}
		events, err = e.api.Events(ctx, events.NextAfter, 0)
		if err != nil || len(events.Data) != 0 {
			t.Fatalf("events after the last: %+v, %v", events, err)
		}
		if n, err := e.srv.Store.VerifyAudit(t.Context()); err != nil || n < 5 {
			t.Fatalf("audit after the journey: %d entries, %v", n, err)
		}
	})
}

// Listing pages with the cursor, and the client's iterator walks the pages.
func TestListVerificationsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		var opened []string
		for i := range 5 {
			id := fmt.Sprintf("u-%d", i)
			_, _, err := e.api.PutFreelancer(ctx, id, ana())
			ok(t, err)
			c := newCase()
			c.FreelancerID = id
			v, err := e.api.CreateVerification(ctx, c)
			ok(t, err)
			opened = append(opened, v.ID)
			e.clock.Advance(time.Second)
		}
		first, err := e.api.ListVerifications(ctx, client.VerificationFilter{Limit: 2}, "")
		if err != nil || len(first.Data) != 2 || first.NextCursor == nil {
			t.Fatalf("first page %+v, %v", first, err)
		}
		var seen []string
		for v, err := range e.api.Verifications(ctx, client.VerificationFilter{Limit: 2}) {
			ok(t, err)
			seen = append(seen, v.ID)
		}
		slices.Reverse(opened)
		if !slices.Equal(seen, opened) {
			t.Fatalf("iterated %v, want the opened cases newest first %v", seen, opened)
		}
	})
}

func TestOverdueRestrictsAndAnnounces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		_, _, err := e.api.PutFreelancer(ctx, "u-1", ana())
		ok(t, err)
		v, err := e.api.CreateVerification(ctx, newCase())
		ok(t, err)
		e.clock.Advance(7*24*time.Hour - time.Second)
		st, err := e.api.Standing(ctx, "u-1")
		if err != nil || len(st.Restrictions) != 0 {
			t.Fatalf("restricted before the deadline: %+v, %v", st, err)
		}
		e.clock.Advance(2 * time.Second)
		st, err = e.api.Standing(ctx, "u-1")
		if err != nil || !st.OpenVerification.Overdue || len(st.Restrictions) != 1 || st.Restrictions[0] != "submit_proposals" {
			t.Fatalf("after the deadline: %+v, %v", st, err)
		}
		// Canceling an overdue case lifts the restriction and says so.
		_, err = e.api.CancelVerification(ctx, v.ID)
		ok(t, err)
		st, err = e.api.Standing(ctx, "u-1")
		if err != nil || len(st.Restrictions) != 0 {
			t.Fatalf("after cancel: %+v, %v", st, err)
		}
		events, err := e.api.Events(ctx, 0, 0)
		ok(t, err)
		last := events.Data[len(events.Data)-1]
		if last.Type != client.EventStandingChanged {
			t.Fatalf("last event %s, want standing.changed", last.Type)
		}
		if st, err := last.Standing(); err != nil || st.FreelancerID != "u-1" || len(st.Restrictions) != 0 {
			t.Fatalf("standing.changed carries %+v, %v", st, err)
		}
	})
}

func TestGraceDaysAndClaimSubset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		_, _, err := e.api.PutFreelancer(t.Context(), "u-1", ana())
		ok(t, err)
		c := newCase()
		c.Claims = []string{"skill.go"}
		c.GraceDays = 14
		c.Methods = []client.Method{client.DocumentReview}
		v, err := e.api.CreateVerification(t.Context(), c)
		ok(t, err)
		if !v.Deadline.Equal(t0.AddDate(0, 0, 14)) || len(v.Claims) != 1 || v.Claims[0] != "skill.go" ||
			len(v.Methods) != 1 || v.Methods[0] != client.DocumentReview {
			t.Fatalf("created %+v", v)
		}
	})
}

func TestIdempotentPost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		_, _, err := e.api.PutFreelancer(ctx, "u-1", ana())
		ok(t, err)
		var firstHeader, againHeader http.Header
		first, err := e.api.CreateVerification(ctx, newCase(), client.WithIdempotencyKey("open-u-1-a"), client.WithResponseHeader(&firstHeader))
		ok(t, err)
		again, err := e.api.CreateVerification(ctx, newCase(), client.WithIdempotencyKey("open-u-1-a"), client.WithResponseHeader(&againHeader))
		ok(t, err)
		if !reflect.DeepEqual(first, again) || firstHeader.Get("Idempotent-Replayed") != "" || againHeader.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%+v\n%+v", first, again)
		}
		other := newCase()
		other.GraceDays = 10
		_, err = e.api.CreateVerification(ctx, other, client.WithIdempotencyKey("open-u-1-a"))
		wantError(t, err, 422, "idempotency_key_reused", "Idempotency-Key")
		_, err = e.api.CreateVerification(ctx, newCase(), client.WithIdempotencyKey("has space"))
		wantError(t, err, 400, "invalid_idempotency_key", "Idempotency-Key")
		events, err := e.api.Events(ctx, 0, 0)
		if err != nil || len(events.Data) != 1 {
			t.Fatalf("%d events after a replayed POST, want 1 (%v)", len(events.Data), err)
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
	_, err := client.New(e.http.URL, "atk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").Standing(t.Context(), "u-1")
	wantError(t, err, 401, "unauthorized", "")
}

func TestErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		_, _, err := e.api.PutFreelancer(ctx, "u-1", ana())
		ok(t, err)
		v, err := e.api.CreateVerification(ctx, newCase())
		ok(t, err)
		ok(t, e.api.EraseFreelancer(ctx, "u-1"))
		_, err = e.api.GetFreelancer(ctx, "u-1")
		wantError(t, err, 404, "not_found", "")
		if err := e.api.EraseFreelancer(ctx, "u-1"); !client.IsNotFound(err) {
			t.Fatalf("second erasure: %v, want 404", err)
		}
		got, err := e.api.GetVerification(ctx, v.ID)
		if err != nil || got.Status != client.Canceled || got.Reason.Explanation != "" {
			t.Fatalf("open case after erasure is %+v (%v), want canceled without the explanation", got, err)
		}
		feed, err := e.api.Events(ctx, 0, 0)
		ok(t, err)
		if len(feed.Data) < 2 {
			t.Fatalf("events after erasure vanished: %+v", feed)
		}
		for _, ev := range feed.Data {
			if strings.Contains(string(ev.Data), "checked once") {
				t.Fatalf("event %s still holds the reason's text: %s", ev.Type, ev.Data)
			}
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
		if _, created, err := e.api.PutFreelancer(ctx, "u-1", ana()); err != nil || !created {
			t.Fatalf("put after erasure: created %v, %v", created, err)
		}
	})
}

func TestPortalLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		_, _, err := e.api.PutFreelancer(ctx, "u-1", ana())
		ok(t, err)
		link, err := e.api.CreatePortalLink(ctx, "u-1", client.WithIdempotencyKey("link-u-1"))
		if err != nil || !strings.HasPrefix(link.URL, e.http.URL+"/v/") || !link.ExpiresAt.After(t0) {
			t.Fatalf("link %+v, %v", link, err)
		}
		if r := get(t, link.URL); r.StatusCode != http.StatusOK {
			t.Fatalf("fresh link answers %d", r.StatusCode)
		}
		n, err := e.api.RevokePortalLinks(ctx, "u-1")
		if err != nil || n != 1 {
			t.Fatalf("revoked %d, %v; want 1", n, err)
		}
		if r := get(t, link.URL); r.StatusCode == http.StatusOK {
			t.Fatalf("revoked link still answers %d", r.StatusCode)
		}
		// Revoking ends the links there were; a link made afterwards works.
		fresh, err := e.api.CreatePortalLink(ctx, "u-1")
		ok(t, err)
		if r := get(t, fresh.URL); r.StatusCode != http.StatusOK {
			t.Fatalf("a link made after revoking answers %d", r.StatusCode)
		}
		_, err = e.api.CreatePortalLink(ctx, "u-404")
		wantError(t, err, 404, "not_found", "")
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
