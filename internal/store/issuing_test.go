package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// An issuer key is published until the latest credential it signed
// expires, never shorter when an earlier one is recorded after; a key
// kept for credentials whose signing key was not recorded lives as long
// as the latest of those, and is not kept when none is valid.
func TestIssuerKeysPublishedWhileTheirCredentialsLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		mustTx(t, s, func(tx *store.Tx) error { _, err := tx.PutFreelancer(ctx, ana(), t0); return err })
		v := newCase(store.NewID("ver", t0), verification.Verified, t0)
		mustTx(t, s, func(tx *store.Tx) error { return tx.InsertVerification(ctx, v) })
		year := 365 * 24 * time.Hour
		issue := func(n int64, keyID string, expires time.Time) {
			t.Helper()
			o := &store.CredentialOffer{ID: store.NewID("cro", t0), VerificationID: v.ID, FreelancerID: "u-1",
				CodeHash: string(rune('a' + n)), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			mustTx(t, s, func(tx *store.Tx) error {
				if err := tx.InsertCredentialOffer(ctx, o); err != nil {
					return err
				}
				return tx.InsertIssuedCredential(ctx, &store.IssuedCredential{StatusIndex: n, OfferID: o.ID, VerificationID: v.ID,
					FreelancerID: "u-1", HolderKey: "h", KeyID: keyID, IssuedAt: t0, ExpiresAt: expires})
			})
		}
		keep := func(keyID string, until time.Time) {
			t.Helper()
			mustTx(t, s, func(tx *store.Tx) error { return tx.KeepIssuerKey(ctx, keyID, `{"kid":"`+keyID+`"}`, until) })
		}
		publishedAt := func(at time.Time) []string {
			t.Helper()
			list, err := s.PublishedIssuerKeys(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return list
		}

		keep("k1", t0.Add(year))
		keep("k1", t0.Add(time.Hour)) // an earlier expiry does not shorten it
		if got := publishedAt(t0.Add(year - time.Second)); !slices.Equal(got, []string{`{"kid":"k1"}`}) {
			t.Fatalf("before the last credential expires: %v", got)
		}
		if got := publishedAt(t0.Add(year)); len(got) != 0 {
			t.Fatalf("once it expired: %v", got)
		}

		// Credentials from before key ids were recorded.
		mustTx(t, s, func(tx *store.Tx) error { return tx.KeepIssuerKeyForUnattributed(ctx, "k2", `{"kid":"k2"}`, t0) })
		if got := publishedAt(t0); len(got) != 1 {
			t.Fatalf("k2 kept with no unattributed credential: %v", got)
		}
		issue(0, "", t0.Add(2*year))
		issue(1, "k3", t0.Add(3*year))
		mustTx(t, s, func(tx *store.Tx) error { return tx.KeepIssuerKeyForUnattributed(ctx, "k2", `{"kid":"k2"}`, t0) })
		if got := publishedAt(t0.Add(2*year - time.Second)); !slices.Contains(got, `{"kid":"k2"}`) {
			t.Fatalf("k2 while an unattributed credential lives: %v", got)
		}
		if got := publishedAt(t0.Add(2 * year)); slices.Contains(got, `{"kid":"k2"}`) {
			t.Fatalf("k2 after the unattributed credential expired: %v", got)
		}
		list, err := s.IssuedCredentials(ctx, "u-1")
		if err != nil || len(list) != 2 || list[0].KeyID != "" || list[1].KeyID != "k3" {
			t.Fatalf("issued %+v %v", list, err)
		}
	})
}
