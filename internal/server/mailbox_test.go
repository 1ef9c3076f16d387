package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/web"
)

const notSending = "mail is not being sent"

// Without --smtp and without --dev-mailbox, serve says at start that no
// mail goes out, and there is no mailbox to read the mail in, whoever asks.
func TestMailboxOffWithoutTheFlag(t *testing.T) {
	logs := &logBuffer{}
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Log: slog.New(slog.NewJSONHandler(logs, nil))})
	if !strings.Contains(logs.String(), notSending) || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("no warning that mail is not sent:\n%s", logs)
	}
	seedCase(t, s, "u-40")
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	page(t, admin, base+"/dev/mailbox", http.StatusNotFound)
	for _, r := range s.Routes() {
		if strings.Contains(r.Pattern, "/dev/mailbox") {
			t.Errorf("%s is served without --dev-mailbox", r.Pattern)
		}
	}
	if strings.Contains(page(t, admin, base+"/agent", http.StatusOK), `href="/dev/mailbox"`) {
		t.Error("the console links a mailbox that is not there")
	}
}

// With --smtp, or with --dev-mailbox, there is nothing to warn about.
func TestMailboxNoWarningWhenMailIsSentOrShown(t *testing.T) {
	for name, cfg := range map[string]server.Config{
		"smtp":        {SMTP: "smtp://127.0.0.1:2525?from=verify@attest.test&starttls=off"},
		"dev mailbox": {DevMailbox: true},
	} {
		t.Run(name, func(t *testing.T) {
			logs := &logBuffer{}
			cfg.Store, cfg.Log = storetest.SQLite(t), slog.New(slog.NewJSONHandler(logs, nil))
			s := open(t, cfg)
			defer s.Close()
			if strings.Contains(logs.String(), notSending) {
				t.Fatalf("warns that mail is not sent:\n%s", logs)
			}
		})
	}
}

// With --dev-mailbox, admins read the mail, portal links included; agents
// and supervisors may not.
func TestMailboxAdminsOnly(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), DevMailbox: true})
	stop, err := s.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	opened := seedCase(t, s, "u-41")
	waitSent(t, s)
	emails, err := s.Store.Emails(context.Background(), 1)
	if err != nil || len(emails) != 1 {
		t.Fatalf("emails %v, %v", emails, err)
	}
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	if list := page(t, admin, base+"/dev/mailbox", http.StatusOK); !strings.Contains(list, "/dev/mailbox/"+emails[0].ID) {
		t.Fatalf("the mailbox does not list the invitation:\n%.1500s", list)
	}
	if mail := page(t, admin, base+"/dev/mailbox/"+emails[0].ID, http.StatusOK); !strings.Contains(mail, opened.Link.URL) {
		t.Fatalf("the invitation does not show its portal link:\n%.1500s", mail)
	}
	for _, who := range []struct {
		email string
		role  store.Role
	}{{"agent@example.com", store.RoleAgent}, {"sup@example.com", store.RoleSupervisor}} {
		c := signedInAs(t, s, base, who.email, who.role)
		page(t, c, base+"/dev/mailbox", http.StatusForbidden)
		if body := page(t, c, base+"/dev/mailbox/"+emails[0].ID, http.StatusForbidden); strings.Contains(body, opened.Link.URL) {
			t.Fatalf("a %s sees the portal link", who.role)
		}
	}
	for _, r := range s.Routes() {
		if strings.Contains(r.Pattern, "/dev/mailbox") && r.Access != web.Admin {
			t.Errorf("%s is declared %s, want admin", r.Pattern, r.Access)
		}
	}
}
