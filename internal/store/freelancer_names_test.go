package store_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// DisplayNames names every profile asked for that is not erased, however
// long the list (it is read in fixed-size batches).
func TestDisplayNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		want := map[string]string{}
		var ids []string
		mustTx(t, s, func(tx *store.Tx) error {
			for i := range 130 {
				f := &verification.Freelancer{ID: fmt.Sprintf("u-%d", i), DisplayName: fmt.Sprintf("Person %d", i),
					Email: fmt.Sprintf("p%d@example.com", i), Locale: "en", TimeZone: "UTC"}
				if _, err := tx.PutFreelancer(ctx, f, t0); err != nil {
					return err
				}
				ids, want[f.ID] = append(ids, f.ID), f.DisplayName
			}
			delete(want, "u-7")
			return tx.EraseFreelancer(ctx, "u-7", t0)
		})
		got, err := s.DisplayNames(ctx, append(ids, "u-none"))
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("got %d names (u-7: %q, u-129: %q), want %d without the erased one", len(got), got["u-7"], got["u-129"], len(want))
		}
		if none, err := s.DisplayNames(ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("no ids: %v %v", none, err)
		}
	})
}
