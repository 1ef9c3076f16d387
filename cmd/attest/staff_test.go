package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The CLI and the admin page make a change to a staff account through the
// same method, and the audit log names it alike: granting review rights is
// staff.review_granted and withdrawing them staff.review_withdrawn from
// either; adding an account is staff.put from either.
func TestCLIAndAdminPageAuditAlike(t *testing.T) {
	cfg := storetest.SQLite(t)
	srv, err := server.Open(context.Background(), server.Config{Store: cfg, Keys: keystest.Ring(), BaseURL: "http://attest.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := httptest.NewServer(srv.Handler())
	defer h.Close()
	args := storeArgs(cfg)
	const password = "correct horse battery"
	for _, who := range [][]string{{"admin@example.com", "admin"}, {"maria@example.com", "agent"}} {
		if out, err := attest(t, password+"\n", append([]string{"staff", "add", "--email", who[0], "--role", who[1]}, args...)...); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	post := func(path string, form url.Values) {
		t.Helper()
		res, err := admin.PostForm(h.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d at %s", path, res.StatusCode, res.Request.URL)
		}
	}
	post("/login", url.Values{"email": {"admin@example.com"}, "password": {password}})
	maria, err := srv.Store.StaffByEmail(context.Background(), "maria@example.com")
	if err != nil {
		t.Fatal(err)
	}

	lastAction := func() string {
		t.Helper()
		entries, err := srv.Store.AuditEntries(context.Background(), 1)
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit: %v %v", entries, err)
		}
		return entries[0].Actor + " " + entries[0].Action
	}
	steps := []struct {
		name string
		do   func()
		want string
	}{
		{"CLI grants", func() { attestOK(t, append([]string{"staff", "review", "--email", "maria@example.com"}, args...)...) },
			"cli " + audit.StaffReviewGranted},
		{"page withdraws", func() { post("/admin/staff/"+maria.ID+"/review", url.Values{}) }, "staff:… " + audit.StaffReviewWithdrawn},
		{"page grants", func() { post("/admin/staff/"+maria.ID+"/review", url.Values{"can_review": {"on"}}) },
			"staff:… " + audit.StaffReviewGranted},
		{"CLI withdraws", func() {
			attestOK(t, append([]string{"staff", "review", "--email", "maria@example.com", "--withdraw"}, args...)...)
		}, "cli " + audit.StaffReviewWithdrawn},
		{"page adds", func() {
			post("/admin/staff", url.Values{"email": {"ola@example.com"}, "role": {"agent"}, "password": {password}})
		}, "staff:… " + audit.StaffPut},
		{"CLI adds", func() {
			if out, err := attest(t, password+"\n", append([]string{"staff", "add", "--email", "sam@example.com", "--role", "agent"}, args...)...); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
		}, "cli " + audit.StaffPut},
	}
	for _, s := range steps {
		s.do()
		got := lastAction()
		if strings.HasPrefix(got, "staff:") {
			got = "staff:… " + strings.SplitN(got, " ", 2)[1]
		}
		if got != s.want {
			t.Errorf("%s: the audit log says %q, want %q", s.name, got, s.want)
		}
	}
	reviewers, _ := srv.Store.StaffWithRole(context.Background(), store.RoleAgent)
	if i := slices.IndexFunc(reviewers, func(st *store.Staff) bool { return st.Email == "maria@example.com" }); i < 0 || reviewers[i].CanReview {
		t.Error("maria still reviews after the CLI withdrew her rights")
	}
}

func attestOK(t *testing.T, args ...string) {
	t.Helper()
	if out, err := attest(t, "", args...); err != nil {
		t.Fatalf("attest %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
