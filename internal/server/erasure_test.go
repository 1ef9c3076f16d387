package server_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// After DELETE /v1/freelancers/{id} nothing the freelancer wrote or was
// written about them is left anywhere: not in a table (appeal statements,
// notes, stored API answers, events, emails, documents), and on SQLite not
// in a free page or the write-ahead log either — the test reads the files.
func TestErasureLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		sam, _ := s.Store.StaffByEmail(ctx, "sam@example.com")
		var key string
		s.Store.InTx(ctx, func(tx *store.Tx) (err error) { key, err = s.Staff.CreateAPIKey(ctx, tx, "test", "erase"); return })
		api := func(method, path, body, idem string) int {
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			if idem != "" {
				req.Header.Set("Idempotency-Key", idem)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		secrets := []string{"Zenobia Quillfeather", "zenobia.quill@example.com", "Quillfeather Lane 42",
			"Because of the Quillfeather invitations", "the Quillfeather neighbourhood was not named",
			"Quillfeather appeal statement", "Quillfeather review note"}
		if code := api("PUT", "/v1/freelancers/u-900", `{"display_name": "`+secrets[0]+`", "email": "`+secrets[1]+`", "locale": "en",
			"timezone": "UTC", "claims": [{"key": "location", "label": "Location", "value": "`+secrets[2]+`"}]}`, ""); code != 201 {
			t.Fatalf("put: %d", code)
		}
		if code := api("POST", "/v1/verifications", `{"freelancer_id": "u-900", "reason": {"code": "new_account", "explanation": "`+secrets[3]+`"}}`, "idem-900"); code != 201 {
			t.Fatalf("open: %d", code)
		}
		// A call with a note, a negative confirmed with a note, an appeal.
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.Workflow.JoinQueue(ctx, tx, "u-900"); err != nil {
				return err
			}
			taken, err := s.Workflow.TakeNext(ctx, tx, maria.ID)
			if err != nil {
				return err
			}
			id := taken.Verification.ID
			if err := s.Workflow.RecordOutcome(ctx, tx, maria.ID, id, verification.ClaimOutcome{Key: "location", Outcome: verification.NotConfirmed, Note: secrets[4]}); err != nil {
				return err
			}
			if _, err := s.Workflow.DecideCall(ctx, tx, maria.ID, id, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported", Note: secrets[4]}); err != nil {
				return err
			}
			if _, err := s.Workflow.DecideReview(ctx, tx, sam, id, workflow.ReviewDecision{Choice: workflow.Confirm, Note: secrets[6]}); err != nil {
				return err
			}
			_, err = s.Workflow.Appeal(ctx, tx, "u-900", secrets[5])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if code := api("DELETE", "/v1/freelancers/u-900", "", ""); code != 204 {
			t.Fatalf("erase: %d", code)
		}
		if cfg.DatabaseURL != "" {
			assertNoRowHolds(t, cfg, secrets)
			return
		}
		s.Close()
		for _, name := range []string{"attest.db", "attest.db-wal"} {
			data, err := os.ReadFile(filepath.Join(cfg.DataDir, name))
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range secrets {
				if bytes.Contains(data, []byte(secret)) {
					t.Errorf("%s still holds %q after the erasure", name, secret)
				}
			}
		}
		if info, err := os.Stat(filepath.Join(cfg.DataDir, "attest.db")); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("the database file's mode: %v %v, want 0600", info.Mode(), err)
		}
	})
}

// assertNoRowHolds reads every row of every table of the test schema as
// text and fails for each secret one still holds.
func assertNoRowHolds(t *testing.T, cfg store.Config, secrets []string) {
	t.Helper()
	db := storetest.RawDB(t, cfg)
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 20 {
		t.Fatalf("found only %d tables", len(tables))
	}
	for _, table := range tables {
		for _, secret := range secrets {
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM "`+table+`" AS r WHERE row_to_json(r)::text LIKE '%' || $1 || '%'`, secret).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				t.Errorf("table %s still holds %q in %d rows after the erasure", table, secret, n)
			}
		}
	}
}
