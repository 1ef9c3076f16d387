package store_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// No row is the base policy; a stored policy comes back as it was put,
// and what the row does not name comes from the base.
func TestPolicyRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		base := verification.DefaultPolicy()
		got, err := s.Policy(ctx, base)
		if err != nil || got.UpdatedBy != "" || got.Policy.GraceDays != 7 || !slices.Equal(got.Policy.Restrictions, base.Restrictions) {
			t.Fatalf("without a row: %+v %v", got, err)
		}
		p := base
		p.GraceDays, p.Restrictions = 12, []string{"submit_proposals", "withdraw"}
		p.Methods = []verification.Method{verification.MethodDocumentReview}
		p.DeadlineReminders, p.CallReminders = []time.Duration{48 * time.Hour, 90 * time.Minute}, []time.Duration{}
		p.AppealWindow = 30 * verification.Day
		p.Retention = verification.Retention{Documents: 10 * verification.Day, PersonalData: 400 * verification.Day, Audit: 1000 * verification.Day}
		mustTx(t, s, func(tx *store.Tx) error { return tx.PutPolicy(ctx, p, "staff:1", t0) })
		base.SlotLength = 15 * time.Minute // not stored: always the base's
		got, err = s.Policy(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		want := p
		want.SlotLength = 15 * time.Minute
		if !reflect.DeepEqual(got.Policy, want) || got.UpdatedBy != "staff:1" || !got.UpdatedAt.Equal(t0) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
		}
		if _, err := storetest.RawDB(t, cfg).Exec(`UPDATE policy SET value = '{"grace_days": 9}'`); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Policy(ctx, base)
		if got.Policy.GraceDays != 9 || !slices.Equal(got.Policy.DeadlineReminders, base.DeadlineReminders) || got.Policy.AppealWindow != base.AppealWindow {
			t.Fatalf("a partial row: %+v", got.Policy)
		}
	})
}
