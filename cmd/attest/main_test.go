package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// storeArgs are the command-line flags that select cfg's database.
func storeArgs(cfg store.Config) []string {
	if cfg.DatabaseURL != "" {
		return []string{"--db", cfg.DatabaseURL}
	}
	return []string{"--data", cfg.DataDir}
}

func attest(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestAPIKeyCreatePrintsTheKeyLast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		out, err := attest(t, "", append([]string{"apikey", "create", "--name", "backend"}, storeArgs(cfg)...)...)
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if last := lines[len(lines)-1]; !auth.LooksLikeAPIKey(last) {
			t.Fatalf("last line %q is not a key", last)
		}
	})
}

func TestStaffAdd(t *testing.T) {
	cfg := storetest.SQLite(t)
	args := append([]string{"staff", "add", "--email", "Maria@Example.com", "--role", "agent"}, storeArgs(cfg)...)
	if out, err := attest(t, "correct horse battery\n", args...); err != nil || !strings.Contains(out, "added maria@example.com as agent") {
		t.Fatalf("%v: %s", err, out)
	}
	if out, err := attest(t, "short\n", args...); err == nil {
		t.Fatalf("weak password accepted: %s", out)
	}
	bad := append([]string{"staff", "add", "--email", "x@example.com", "--role", "owner"}, storeArgs(cfg)...)
	if _, err := attest(t, "correct horse battery\n", bad...); err == nil {
		t.Fatal("unknown role accepted")
	}

	review := append([]string{"staff", "review", "--email", "maria@example.com"}, storeArgs(cfg)...)
	if out, err := attest(t, "", review...); err != nil || !strings.Contains(out, "maria@example.com may now give second reviews") {
		t.Fatalf("staff review: %v: %s", err, out)
	}
	if out, err := attest(t, "", append(review, "--withdraw")...); err != nil || !strings.Contains(out, "may no longer") {
		t.Fatalf("staff review --withdraw: %v: %s", err, out)
	}
	nobody := append([]string{"staff", "review", "--email", "nobody@example.com"}, storeArgs(cfg)...)
	if out, err := attest(t, "", nobody...); err == nil || !strings.Contains(err.Error(), "no active staff member") {
		t.Fatalf("staff review of nobody: %v: %s", err, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"migrate"}, {"apikey", "create", "--data", t.TempDir()}, {"migrate", "--data", "x", "extra"}, {"staff", "review", "--data", t.TempDir()}} {
		var ue usageError
		if _, err := attest(t, "", args...); err == nil || !asUsage(err, &ue) {
			t.Errorf("attest %v: %v, want a usage error", args, err)
		}
	}
}

func asUsage(err error, ue *usageError) bool {
	u, ok := err.(usageError)
	*ue = u
	return ok
}

// The audit chain catches an entry changed or deleted in the database itself.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	tampers := []struct {
		name, sql string
	}{
		{"changed", "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"},
		{"deleted", "DELETE FROM audit_log WHERE seq = 2"},
		{"deleted last", "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"},
	}
	for _, tamper := range tampers {
		t.Run(tamper.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				for _, name := range []string{"a", "b", "c"} {
					if out, err := attest(t, "", append([]string{"apikey", "create", "--name", name}, storeArgs(cfg)...)...); err != nil {
						t.Fatalf("%v: %s", err, out)
					}
				}
				verify := append([]string{"audit", "verify"}, storeArgs(cfg)...)
				if out, err := attest(t, "", verify...); err != nil || !strings.Contains(out, "intact: 3 entries") {
					t.Fatalf("before tampering: %v %s", err, out)
				}
				db := storetest.RawDB(t, cfg)
				if _, err := db.Exec(tamper.sql); err != nil {
					t.Fatal(err)
				}
				out, err := attest(t, "", verify...)
				if err == nil || !strings.Contains(out, "BROKEN") {
					t.Fatalf("tampering not caught: %v %s", err, out)
				}
			})
		})
	}
}

func TestMigrate(t *testing.T) {
	files, err := filepath.Glob("../../internal/store/migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("the migrations: %v %v", files, err)
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		out, err := attest(t, "", append([]string{"migrate"}, storeArgs(cfg)...)...)
		if err != nil || !strings.Contains(out, fmt.Sprintf("applied %d migration", len(files))) {
			t.Fatalf("%v: %s", err, out)
		}
		out, err = attest(t, "", append([]string{"migrate"}, storeArgs(cfg)...)...)
		if err != nil || !strings.Contains(out, "applied 0 migration") {
			t.Fatalf("second run: %v: %s", err, out)
		}
	})
}

// The demo's data make sense: a restricted freelancer, a verified one, an
// open case whose portal page opens.
func TestDemoData(t *testing.T) {
	h := httptest.NewUnstartedServer(nil)
	srv, err := server.Open(context.Background(), server.Config{Store: storetest.SQLite(t), Keys: keystest.Ring(), BaseURL: "http://" + h.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h.Config.Handler = srv.Handler()
	h.Start()
	defer h.Close()
	seed, err := seedDemo(context.Background(), srv)
	if err != nil {
		t.Fatal(err)
	}
	standing := func(id string) string {
		req, _ := http.NewRequest("GET", h.URL+"/v1/freelancers/"+id+"/standing", nil)
		req.Header.Set("Authorization", "Bearer "+seed.apiKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return b.String()
	}
	if s := standing("u-1004"); !strings.Contains(s, `"restrictions":["submit_proposals"]`) || !strings.Contains(s, `"overdue":true`) {
		t.Errorf("overdue freelancer: %s", s)
	}
	if s := standing("u-1003"); !strings.Contains(s, `"verified":true`) {
		t.Errorf("verified freelancer: %s", s)
	}
	if s := standing("u-1001"); !strings.Contains(s, `"restrictions":[]`) || !strings.Contains(s, `"awaiting_freelancer"`) {
		t.Errorf("open case: %s", s)
	}
	res, err := http.Get(seed.portalURL)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("portal link: %v %v", res, err)
	}
	res.Body.Close()
	if n, err := srv.Store.VerifyAudit(context.Background()); err != nil || n == 0 {
		t.Fatalf("audit after seeding: %d %v", n, err)
	}
}

func TestRelayIP(t *testing.T) {
	tests := []struct {
		flag, base, want string
		ok               bool
	}{
		{"203.0.113.7", "https://verify.example.com", "203.0.113.7", true},
		{"", "http://192.0.2.10:8080", "192.0.2.10", true},
		{"", "http://localhost:8080", "127.0.0.1", true},
		{"not-an-ip", "http://192.0.2.10", "", false},
		{"", "https://no-such-host.invalid", "", false},
	}
	for _, tt := range tests {
		ip, err := relayIP(tt.flag, tt.base)
		if (err == nil) != tt.ok || (tt.ok && ip.String() != tt.want) {
			t.Errorf("relayIP(%q, %q) = %v, %v; want %s ok=%v", tt.flag, tt.base, ip, err, tt.want, tt.ok)
		}
	}
}

func TestPortRange(t *testing.T) {
	tests := []struct {
		in       string
		min, max uint16
		ok       bool
	}{
		{"", 0, 0, true},
		{"49160-49200", 49160, 49200, true},
		{"50000-50000", 50000, 50000, true},
		{"49200-49160", 0, 0, false},
		{"80-90", 0, 0, false},
		{"49160", 0, 0, false},
		{"49160-70000", 0, 0, false},
		{"a-b", 0, 0, false},
	}
	for _, tt := range tests {
		lo, hi, err := portRange(tt.in)
		if (err == nil) != tt.ok || lo != tt.min || hi != tt.max {
			t.Errorf("portRange(%q) = %d, %d, %v; want %d, %d ok=%v", tt.in, lo, hi, err, tt.min, tt.max, tt.ok)
		}
	}
}
