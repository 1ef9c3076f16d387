package rotation

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func master(t *testing.T) *keys.Master {
	t.Helper()
	m, err := keys.Parse(keys.New())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func must(t *testing.T, st *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := st.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// world is one of each sealed thing: a staff member's TOTP secret, a
// webhook endpoint's secret and a document, with their plain values.
type world struct {
	staffID, endpointID, documentID string
	totp, webhook, document         []byte
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// legacySeal seals as attest did before master keys: AES-256-GCM under a
// raw key, with the id as additional data.
func legacySeal(t *testing.T, key []byte, aad string, plain []byte) keys.Sealed {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := random(aead.NonceSize())
	return keys.Sealed{Nonce: nonce, Data: aead.Seal(nil, nonce, plain, []byte(aad))}
}

// addRows writes a staff member with a TOTP secret, a webhook endpoint and
// a case with a document, each sealed by seal (nil: the endpoint is left
// with only a salt, as before master keys).
func addRows(t *testing.T, st *store.Store, w *world, sealTOTP, sealDocument func(id string, plain []byte) keys.Sealed,
	sealWebhook func(id string, plain []byte) keys.Sealed, salt string) {
	ctx := context.Background()
	must(t, st, func(tx *store.Tx) error {
		if _, err := tx.PutStaff(ctx, &store.Staff{ID: w.staffID, Email: w.staffID + "@example.com", Name: "S", Role: store.RoleAdmin,
			PasswordHash: "x", CreatedAt: t0}); err != nil {
			return err
		}
		s := sealTOTP(w.staffID, w.totp)
		if err := tx.PutPendingTOTP(ctx, &store.TOTP{StaffID: w.staffID, KeyID: s.KeyID, Nonce: s.Nonce, Sealed: s.Data, CreatedAt: t0}); err != nil {
			return err
		}
		ep := &store.WebhookEndpoint{ID: w.endpointID, URL: "https://hooks.example/" + w.endpointID, Events: []string{"*"},
			Salt: salt, Status: store.EndpointEnabled, CreatedAt: t0, UpdatedAt: t0}
		if sealWebhook != nil {
			ep.Secret = sealWebhook(w.endpointID, w.webhook)
		}
		if err := tx.InsertWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		fid := "u-" + w.documentID
		if _, err := tx.PutFreelancer(ctx, &verification.Freelancer{ID: fid, DisplayName: "Ana", Email: fid + "@example.com",
			Locale: "en", TimeZone: "UTC"}, t0); err != nil {
			return err
		}
		vid := store.NewID("ver", t0)
		if err := tx.InsertVerification(ctx, &verification.Verification{ID: vid, FreelancerID: fid,
			Reason: verification.Reason{Code: "r", Explanation: "why"}, Claims: []string{"identity"},
			Methods: []verification.Method{verification.MethodVideoCall}, Status: verification.AwaitingFreelancer,
			Deadline: t0.AddDate(0, 0, 7), CreatedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		d := sealDocument(w.documentID, w.document)
		return tx.AddDocument(ctx, &store.Document{ID: w.documentID, VerificationID: vid, FreelancerID: fid, Filename: "id.pdf",
			ContentType: "application/pdf", Size: int64(len(w.document)), KeyID: d.KeyID, Nonce: d.Nonce, Sealed: d.Data, CreatedAt: t0})
	})
}

func newWorld(suffix string) *world {
	return &world{staffID: "stf_" + suffix, endpointID: "we_" + suffix, documentID: "doc_" + suffix,
		totp: random(20), webhook: random(32), document: []byte("%PDF-1.4 " + suffix)}
}

// opens checks that every value of w opens with ring to what was sealed.
func opens(t *testing.T, st *store.Store, ring *keys.Ring, w *world) {
	t.Helper()
	ctx := context.Background()
	totp, err := st.TOTP(ctx, w.staffID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ring.Open(keys.TOTPSecrets, w.staffID, keys.Sealed{KeyID: totp.KeyID, Nonce: totp.Nonce, Data: totp.Sealed})
	if err != nil || !bytes.Equal(got, w.totp) {
		t.Errorf("TOTP secret: %x %v", got, err)
	}
	ep, err := st.WebhookEndpoint(ctx, w.endpointID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = ring.Open(keys.WebhookSecrets, w.endpointID, ep.Secret); err != nil || !bytes.Equal(got, w.webhook) {
		t.Errorf("webhook secret: %x %v", got, err)
	}
	d, err := st.Document(ctx, w.documentID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = ring.Open(keys.Documents, w.documentID, keys.Sealed{KeyID: d.KeyID, Nonce: d.Nonce, Data: d.Sealed}); err != nil || !bytes.Equal(got, w.document) {
		t.Errorf("document: %q %v", got, err)
	}
}

// allUnder checks that every sealed value is under the master key id.
func allUnder(t *testing.T, st *store.Store, id string) {
	t.Helper()
	s, err := Read(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	for kind, byKey := range s.Sealed {
		for k, n := range byKey {
			if k != id {
				t.Errorf("%d %s under %q, want every one under %s", n, kind, k, id)
			}
		}
	}
}

func sealer(ring *keys.Ring, p keys.Purpose) func(string, []byte) keys.Sealed {
	return func(id string, plain []byte) keys.Sealed {
		s, err := ring.Seal(p, id, plain)
		if err != nil {
			panic(err)
		}
		return s
	}
}

// A database is tied to the master key it was set up with: a node given
// another one refuses to start.
func TestSetupRefusesAnotherKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		st, ctx := storetest.Open(t, cfg), context.Background()
		a := master(t)
		rep, err := Setup(ctx, st, keys.NewRing(a), t0)
		if err != nil || !rep.Adopted {
			t.Fatalf("first setup: %+v %v", rep, err)
		}
		if rep, err = Setup(ctx, st, keys.NewRing(a), t0); err != nil || rep.Adopted {
			t.Fatalf("second setup: %+v %v", rep, err)
		}
		var wrong *WrongKeyError
		if _, err := Setup(ctx, st, keys.NewRing(master(t)), t0); !errors.As(err, &wrong) {
			t.Fatalf("another key: %v, want WrongKeyError", err)
		}
	})
}

// A database from before master keys moves onto one without losing a
// thing: the marketplace's webhook secret does not change, TOTP secrets and
// documents open, links already sent work until they would have expired,
// and no key is left in the database in plain text.
func TestAdoptFromBeforeMasterKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		st, ctx := storetest.Open(t, cfg), context.Background()
		legacy := map[string][]byte{}
		must(t, st, func(tx *store.Tx) error {
			for _, name := range LegacyKeys {
				legacy[name] = random(32)
				if err := tx.PutSetting(ctx, name, hex.EncodeToString(legacy[name])); err != nil {
					return err
				}
			}
			return nil
		})
		documentKey := random(32)
		w := newWorld("old")
		salt := "00ff"
		w.webhook = legacyWebhookSecret(legacy["webhook_signing_key"], w.endpointID, salt)
		addRows(t, st, w,
			func(id string, plain []byte) keys.Sealed {
				return legacySeal(t, legacy["totp_seal_key"], "totp:"+id, plain)
			},
			func(id string, plain []byte) keys.Sealed { return legacySeal(t, documentKey, id, plain) },
			nil, salt)

		a := master(t)
		ring := keys.NewRing(a).WithLegacy(keys.Documents, documentKey)
		rep, err := Setup(ctx, st, ring, t0)
		if err != nil || !rep.Adopted || total(rep.Unopened) != 0 {
			t.Fatalf("setup: %+v %v", rep, err)
		}
		opens(t, st, keys.NewRing(a), w)
		allUnder(t, st, a.ID())

		raw := storetest.RawDB(t, cfg)
		rows, err := raw.Query("SELECT name, value FROM settings")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				t.Fatal(err)
			}
			for legacyName, k := range legacy {
				if strings.Contains(value, hex.EncodeToString(k)) {
					t.Errorf("setting %s still holds %s in plain text", name, legacyName)
				}
			}
		}
		s, err := Read(ctx, st)
		if err != nil || len(s.LegacyKeys) > 0 || !s.LegacyPortalUntil.Equal(t0.Add(DefaultGrace)) {
			t.Fatalf("status: %+v %v", s, err)
		}

		// Links signed with the old portal key verify for their lifetime.
		for _, tc := range []struct {
			at   time.Time
			want bool
		}{{t0.Add(time.Hour), true}, {t0.Add(DefaultGrace - time.Second), true}, {t0.Add(DefaultGrace), false}} {
			r := keys.NewRing(a)
			if _, err := Setup(ctx, st, r, tc.at); err != nil {
				t.Fatal(err)
			}
			accepted := false
			for _, k := range r.Older(keys.PortalLinks, tc.at) {
				accepted = accepted || bytes.Equal(k, legacy["portal_signing_key"])
			}
			if accepted != tc.want {
				t.Errorf("old portal key at %v: accepted %v, want %v", tc.at, accepted, tc.want)
			}
		}
		if s, _ := Read(ctx, st); !s.LegacyPortalUntil.IsZero() {
			t.Error("the old portal key is kept after links signed with it expired")
		}
	})
}

// A rotation re-seals everything under the new key; the old key's
// signatures verify for the grace period only; a node started with the old
// key alone is refused; what an old node sealed after the rotation is
// picked up by the next node started with both keys.
func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		st, ctx := storetest.Open(t, cfg), context.Background()
		a, b := master(t), master(t)
		if _, err := Setup(ctx, st, keys.NewRing(a), t0); err != nil {
			t.Fatal(err)
		}
		ringA := keys.NewRing(a)
		w := newWorld("one")
		addRows(t, st, w, sealer(ringA, keys.TOTPSecrets), sealer(ringA, keys.Documents), sealer(ringA, keys.WebhookSecrets), "")

		var wrong *WrongKeyError
		if _, err := Rotate(ctx, st, keys.NewRing(b), master(t), time.Hour, "test", t0); !errors.As(err, &wrong) {
			t.Fatalf("rotate from a key that is not the database's: %v", err)
		}
		if _, err := Rotate(ctx, st, keys.NewRing(a), a, time.Hour, "test", t0); !errors.As(err, &wrong) {
			t.Fatalf("rotate to the same key: %v", err)
		}
		at := t0.Add(time.Hour)
		n, err := Rotate(ctx, st, keys.NewRing(a), b, 24*time.Hour, "test", at)
		if err != nil || n != 3 {
			t.Fatalf("rotate: %d %v, want 3 re-sealed", n, err)
		}
		opens(t, st, keys.NewRing(b), w) // the new key alone opens everything
		allUnder(t, st, b.ID())
		if n, err := Rotate(ctx, st, keys.NewRing(a), b, 24*time.Hour, "test", at); err != nil || n != 0 {
			t.Fatalf("rotate again with the same keys: %d %v, want a no-op", n, err)
		}

		if _, err := Setup(ctx, st, keys.NewRing(a), at); !errors.As(err, &wrong) || !strings.Contains(err.Error(), "was replaced") {
			t.Fatalf("a node with the old key: %v", err)
		}
		rep, err := Setup(ctx, st, keys.NewRing(b), at)
		if err != nil || rep.PreviousMissingUntil == nil {
			t.Fatalf("a node with the new key alone is not warned: %+v %v", rep, err)
		}
		if _, err := Setup(ctx, st, &keys.Ring{Current: b, Previous: master(t)}, at); !errors.As(err, &wrong) {
			t.Fatalf("a previous key that is not the replaced one: %v", err)
		}

		// An old node still running seals a new enrolment under a.
		w2 := newWorld("two")
		addRows(t, st, w2, sealer(ringA, keys.TOTPSecrets), sealer(keys.NewRing(b), keys.Documents), sealer(keys.NewRing(b), keys.WebhookSecrets), "")
		both := &keys.Ring{Current: b, Previous: a}
		rep, err = Setup(ctx, st, both, at)
		if err != nil || rep.Resealed != 1 || rep.PreviousExpired {
			t.Fatalf("setup with both keys: %+v %v", rep, err)
		}
		allUnder(t, st, b.ID())
		opens(t, st, keys.NewRing(b), w2)

		for _, tc := range []struct {
			at   time.Time
			want int
		}{{at, 2}, {at.Add(24*time.Hour - time.Second), 2}, {at.Add(24 * time.Hour), 1}} {
			if got := 1 + len(both.Older(keys.PortalLinks, tc.at)); got != tc.want {
				t.Errorf("keys verifying portal links at %v: %d, want %d", tc.at, got, tc.want)
			}
		}
		if rep, _ := Setup(ctx, st, &keys.Ring{Current: b, Previous: a}, at.Add(25*time.Hour)); !rep.PreviousExpired {
			t.Error("a previous key past its grace period is not reported")
		}
	})
}

// A value written while a re-sealing runs (a new enrolment) is kept: the
// re-sealing does not put the old value back.
func TestResealKeepsNewerWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		st, ctx := storetest.Open(t, cfg), context.Background()
		a, b := master(t), master(t)
		ringA := keys.NewRing(a)
		w := newWorld("race")
		addRows(t, st, w, sealer(ringA, keys.TOTPSecrets), sealer(ringA, keys.Documents), sealer(ringA, keys.WebhookSecrets), "")
		old, err := st.SealedNotUnder(ctx, store.SealedTOTP, b.ID(), "", 10)
		if err != nil || len(old) != 1 {
			t.Fatalf("sealed TOTP values: %v %v", old, err)
		}
		newer := sealer(keys.NewRing(b), keys.TOTPSecrets)(w.staffID, []byte("newer"))
		must(t, st, func(tx *store.Tx) error {
			return tx.PutPendingTOTP(ctx, &store.TOTP{StaffID: w.staffID, KeyID: newer.KeyID, Nonce: newer.Nonce, Sealed: newer.Data, CreatedAt: t0})
		})
		resealed := sealer(keys.NewRing(b), keys.TOTPSecrets)(w.staffID, w.totp)
		must(t, st, func(tx *store.Tx) error {
			ok, err := tx.Reseal(ctx, old[0], resealed)
			if ok {
				t.Error("a stale re-sealing replaced a newer value")
			}
			return err
		})
		totp, _ := st.TOTP(ctx, w.staffID)
		if got, err := keys.NewRing(b).Open(keys.TOTPSecrets, w.staffID, keys.Sealed{KeyID: totp.KeyID, Nonce: totp.Nonce, Data: totp.Sealed}); string(got) != "newer" {
			t.Fatalf("TOTP secret after the race: %q %v", got, err)
		}
	})
}
