package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// staffErrorPage checks what a staff error page must be: the status, a rendered
// HTML page with the console's heading and the staff's sentence, never Go's
// plain text.
func staffErrorPage(t *testing.T, c *http.Client, method, target string, form url.Values, status int, heading, sentence string) string {
	t.Helper()
	var res *http.Response
	var body string
	if method == http.MethodPost {
		res, body = post(t, c, target, form)
	} else {
		var err error
		if res, err = c.Get(target); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body = string(b)
	}
	if res.StatusCode != status {
		t.Errorf("%s %s: %d, want %d\n%.400s", method, target, res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s %s: Content-Type %q, want a page", method, target, ct)
	}
	for _, want := range []string{"<!doctype html>", "<h1>" + heading + "</h1>", sentence} {
		if !strings.Contains(body, want) {
			t.Errorf("%s %s lacks %q:\n%.1200s", method, target, want, body)
		}
	}
	for _, plain := range []string{"404 page not found", "Forbidden\n", "Method Not Allowed"} {
		if strings.Contains(body, plain) {
			t.Errorf("%s %s answers Go's plain %q", method, target, plain)
		}
	}
	return body
}

// Refusals and unknown paths of the staff side answer with the console's
// rendered error page: a role that may not open a page gets 403, a path
// that names nothing 404, each in staff words with the navigation;
// someone signed out is sent to sign in, as on every staff page.
func TestStaffErrorPages(t *testing.T) {
	// With the development mailbox on, /dev/ is a staff area too.
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), DevMailbox: true})
	agent := signedInAs(t, s, base, "maria@example.com", store.RoleAgent)
	supervisor := signedInAs(t, s, base, "sam@example.com", store.RoleSupervisor)
	admin := signedInAs(t, s, base, "ada@example.com", store.RoleAdmin)
	const (
		forbidden = "Your role may not open this page."
		nothing   = "There is nothing at this address"
	)

	t.Run("a role that may not open the page", func(t *testing.T) {
		for _, path := range []string{"/agent/fairness", "/agent/reviews", "/admin", "/admin/staff", "/admin/audit"} {
			body := staffErrorPage(t, agent, http.MethodGet, base+path, nil, http.StatusForbidden, "Not for your role", forbidden)
			if !strings.Contains(body, `href="/agent">Live queue</a>`) {
				t.Errorf("%s: the 403 page has no navigation", path)
			}
		}
		staffErrorPage(t, supervisor, http.MethodGet, base+"/admin/api-keys", nil, http.StatusForbidden, "Not for your role", forbidden)
	})

	t.Run("a path that names nothing", func(t *testing.T) {
		for _, c := range []struct {
			who    string
			client *http.Client
		}{{"agent", agent}, {"supervisor", supervisor}, {"admin", admin}} {
			for _, path := range []string{"/agent/nope", "/agent/reviews/x0", "/admin/nope", "/admin/webhooks/nope/deeper",
				"/review/nope", "/account/nope", "/dev/nope"} {
				if c.who != "admin" && path == "/admin/webhooks/nope/deeper" || c.who == "agent" && path == "/agent/reviews/x0" {
					continue // a page their role may not open: 403, above
				}
				staffErrorPage(t, c.client, http.MethodGet, base+path, nil, http.StatusNotFound, "Not found", nothing)
			}
		}
		staffErrorPage(t, admin, http.MethodPost, base+"/agent/nope", url.Values{}, http.StatusNotFound, "Not found", nothing)
	})

	t.Run("signed out", func(t *testing.T) {
		for _, path := range []string{"/agent/nope", "/admin/nope", "/review/nope", "/agent/fairness"} {
			status, location, _ := request(t, caller{name: "anonymous"}, http.MethodGet, base+path, "")
			if status != http.StatusSeeOther || location != "/login?next="+url.QueryEscape(path) {
				t.Errorf("%s signed out: %d %q, want a redirect to sign in", path, status, location)
			}
		}
	})

	t.Run("the admin area's refusals", func(t *testing.T) {
		staffErrorPage(t, admin, http.MethodGet, base+"/admin/staff/nope/sessions", nil, http.StatusNotFound, "Not found", nothing)
		staffErrorPage(t, admin, http.MethodPost, base+"/admin/questions/x0/delete", url.Values{}, http.StatusNotFound, "Not found", nothing)
		staffErrorPage(t, admin, http.MethodPost, base+"/admin/webhooks/x0/enable", url.Values{}, http.StatusNotFound, "Not found", nothing)
		me, err := s.Store.StaffByEmail(context.Background(), "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		staffErrorPage(t, admin, http.MethodPost, base+"/admin/staff/"+me.ID+"/disable", url.Values{}, http.StatusConflict,
			"Staff", "You cannot change your own role or disable yourself")
		maria, err := s.Store.StaffByEmail(context.Background(), "maria@example.com")
		if err != nil {
			t.Fatal(err)
		}
		staffErrorPage(t, admin, http.MethodPost, base+"/admin/staff/"+maria.ID+"/role", url.Values{"role": {"boss"}},
			http.StatusBadRequest, "Staff", "account was not changed")
	})

	t.Run("the console's own bad requests", func(t *testing.T) {
		staffErrorPage(t, supervisor, http.MethodGet, base+"/agent/fairness?period=someday", nil, http.StatusBadRequest,
			"That could not be read", "Choose a quarter that has begun")
		staffErrorPage(t, agent, http.MethodPost, base+"/agent/presence", url.Values{"status": {"asleep"}}, http.StatusBadRequest,
			"That could not be read", "Choose to go online or away.")
	})
}
