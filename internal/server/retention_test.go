package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	auditlog "github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

func TestRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := t0
		s := open(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		defer s.Close()
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		opened := decidedNegative(t, s, "u-180", maria)
		// The call's script names who helped the freelancer.
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.LatestCall(ctx, opened.Verification.ID)
			if err != nil {
				return err
			}
			return tx.SaveScript(ctx, c.ID, []byte(`{"helper_name": "Rita Lima", "helper_role": "sign_language"}`))
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.AddDocument(ctx, tx, "u-180", "", "lease.pdf", testPDF)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		documents := func() int {
			t.Helper()
			docs, err := s.Store.Documents(ctx, opened.Verification.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(docs)
		}
		apply := func() store.Purged {
			t.Helper()
			var p store.Purged
			err := s.Store.InTx(ctx, func(tx *store.Tx) error {
				var err error
				p, err = s.Workflow.ApplyRetention(ctx, tx, workflow.DefaultRetention)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		// The case is in review, not closed: a year on, nothing of it goes.
		now = now.AddDate(1, 0, 1)
		apply()
		if v, _ := s.Store.Verification(ctx, opened.Verification.ID); v.Reason.Explanation == "" || documents() != 1 {
			t.Fatal("an open case's reason or documents were removed")
		}
		// Closed now; a year after closing its free text is redacted.
		s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.Transition(ctx, tx, "test", opened.Verification.ID, "canceled")
			return err
		})
		// Documents go thirty days after the decision, and not before.
		now = now.AddDate(0, 0, 29)
		if apply(); documents() != 1 {
			t.Fatal("a document was deleted 29 days after the decision")
		}
		now = now.AddDate(0, 0, 2)
		if p := apply(); documents() != 0 || p.Documents != 1 {
			t.Fatalf("31 days after the decision: %d documents left, %+v", documents(), p)
		}
		entriesBefore, err := s.Store.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now = now.AddDate(1, 0, 1)
		p := apply()
		v, _ := s.Store.Verification(ctx, opened.Verification.ID)
		outcomes, _ := s.Store.ClaimOutcomes(ctx, v.ID)
		decisions, _ := s.Store.Decisions(ctx, v.ID)
		emails, _ := s.Store.Emails(ctx, 10)
		if v.Reason.Explanation != "" || outcomes[0].Note != "" || len(emails) != 0 || p.Cases != 1 {
			t.Fatalf("after a year: explanation %q, note %q, %d emails, %+v", v.Reason.Explanation, outcomes[0].Note, len(emails), p)
		}
		if v.Reason.Code == "" || decisions[0].ReasonCode == "" || v.Status != "canceled" {
			t.Fatal("retention removed what aggregates need")
		}
		// The event feed and the call's script held the same words: they go
		// too, and the events stay, numbered as they were.
		events, err := s.Store.Events(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		ofCase := 0
		for _, e := range events {
			if e.VerificationID != v.ID {
				continue
			}
			ofCase++
			if strings.Contains(string(e.Data), opened.Verification.Reason.Explanation) {
				t.Errorf("event %d (%s) still holds the reason's explanation: %s", e.Seq, e.Type, e.Data)
			}
		}
		if ofCase == 0 {
			t.Fatal("the case's events are gone; retention must keep them")
		}
		if c, err := s.Store.LatestCall(ctx, v.ID); err != nil || string(c.Script) != "{}" {
			t.Fatalf("the call's script after a year: %s, %v", c.Script, err)
		}
		// Two years on, old audit entries go and the chain still holds.
		if p.AuditEntries == 0 {
			t.Fatal("no audit entries older than two years were removed")
		}
		entriesAfter, err := s.Store.VerifyAudit(ctx)
		if err != nil || entriesAfter >= entriesBefore {
			t.Fatalf("audit after pruning: %d entries (was %d), %v", entriesAfter, entriesBefore, err)
		}
		db := storetest.RawDB(t, cfg)
		if _, err := db.Exec("UPDATE audit_log SET action = 'forged' WHERE seq = (SELECT MIN(seq) FROM audit_log)"); err != nil {
			t.Fatal(err)
		}
		var broken *auditlog.BrokenError
		if _, err := s.Store.VerifyAudit(ctx); !errors.As(err, &broken) {
			t.Fatalf("tampering after pruning not caught: %v", err)
		}
	})
}
