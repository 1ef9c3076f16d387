package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The console's lists name freelancers by their display name, say why a
// case was opened in the marketplace's words rather than its code, and
// mark the cases that are overdue; the fairness page before any decision
// says so rather than "0.0 % of 0".
func TestConsoleListsInWords(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	ctx := context.Background()
	seedCase(t, s, "u-730")
	late := seedCase(t, s, "u-731")
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		v, err := tx.LockVerification(ctx, late.Verification.ID)
		if err != nil {
			return err
		}
		v.Deadline = time.Now().Add(-time.Hour)
		return tx.UpdateVerification(ctx, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	supervisor := signedInAs(t, s, base, "sam@example.com", store.RoleSupervisor)

	home := page(t, supervisor, base+"/agent", http.StatusOK)
	if n := strings.Count(home, `data-test="open-verification"`); n != 2 {
		t.Fatalf("%d open verifications listed, want 2", n)
	}
	if n := strings.Count(home, "<td>Rahul Mehta</td>"); n != 2 {
		t.Errorf("the list names %d freelancers by name, want 2", n)
	}
	if n := strings.Count(home, `data-test="overdue"`); n != 1 {
		t.Errorf("%d cases marked overdue, want 1", n)
	}
	for _, code := range []string{">u-730<", ">u-731<", "location_mismatch</", ">location_mismatch"} {
		if strings.Contains(home, code) {
			t.Errorf("the list shows the code %q", code)
		}
	}
	if !strings.Contains(home, "Sign-ins came from another country.") {
		t.Error("the list does not say why the cases were opened")
	}

	fair := page(t, supervisor, base+"/agent/fairness", http.StatusOK)
	if !strings.Contains(fair, "No decisions yet.") || strings.Contains(fair, " of 0") || strings.Contains(fair, "0.0 %") {
		t.Errorf("the fairness page without decisions:\n%s", fair)
	}
}
