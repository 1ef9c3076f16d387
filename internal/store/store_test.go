package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

var t0 = time.Date(2026, 3, 29, 0, 30, 0, 123456000, time.UTC)

func ana() *verification.Freelancer {
	return &verification.Freelancer{ID: "u-1", DisplayName: "Ana", Email: "ana@example.com", Locale: "pt-BR",
		TimeZone: "America/Sao_Paulo", Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Recife"}}}
}

func mustTx(t *testing.T, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		n, err := s.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d (err %v), want 0", n, err)
		}
	})
}

func TestFreelancerRoundTripAndErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		f := ana()
		mustTx(t, s, func(tx *store.Tx) error {
			created, err := tx.PutFreelancer(ctx, f, t0)
			if !created {
				t.Error("first put not reported as created")
			}
			return err
		})
		got, err := s.Freelancer(ctx, "u-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.DisplayName != "Ana" || len(got.Claims) != 1 || !got.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Fatalf("got %+v", got)
		}
		f.DisplayName = "Ana Souza"
		mustTx(t, s, func(tx *store.Tx) error {
			created, err := tx.PutFreelancer(ctx, f, t0.Add(time.Hour))
			if created {
				t.Error("update reported as created")
			}
			return err
		})
		mustTx(t, s, func(tx *store.Tx) error { return tx.EraseFreelancer(ctx, "u-1", t0.Add(2*time.Hour)) })
		if _, err := s.Freelancer(ctx, "u-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("erased freelancer still readable: %v", err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.EraseFreelancer(ctx, "u-1", t0) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second erasure: %v, want ErrNotFound", err)
		}
	})
}

func newCase(id string, status verification.Status, created time.Time) *verification.Verification {
	return &verification.Verification{ID: id, FreelancerID: "u-1", Reason: verification.Reason{Code: "r", Explanation: "why"},
		Claims: []string{"location"}, Methods: []verification.Method{verification.MethodVideoCall}, Status: status,
		Deadline: created.AddDate(0, 0, 7), CreatedAt: created, UpdatedAt: created}
}

func TestOneOpenVerificationAndStandingCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		mustTx(t, s, func(tx *store.Tx) error { _, err := tx.PutFreelancer(ctx, ana(), t0); return err })
		first := newCase(store.NewID("ver", t0), verification.AwaitingFreelancer, t0)
		mustTx(t, s, func(tx *store.Tx) error { return tx.InsertVerification(ctx, first) })
		second := newCase(store.NewID("ver", t0.Add(time.Second)), verification.AwaitingFreelancer, t0)
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertVerification(ctx, second) })
		if !errors.Is(err, store.ErrOpenExists) {
			t.Fatalf("second open case: %v, want ErrOpenExists", err)
		}
		// Close the first as verified; then a new one may open.
		mustTx(t, s, func(tx *store.Tx) error {
			v, err := tx.LockVerification(ctx, first.ID)
			if err != nil {
				return err
			}
			v.Status = verification.InReview
			if err := v.MoveTo(verification.Verified, t0.Add(time.Hour)); err != nil {
				return err
			}
			return tx.UpdateVerification(ctx, v)
		})
		mustTx(t, s, func(tx *store.Tx) error { return tx.InsertVerification(ctx, second) })
		cases, err := s.StandingCases(ctx, "u-1")
		if err != nil {
			t.Fatal(err)
		}
		if cases.Open == nil || cases.Open.ID != second.ID || cases.LatestDecided == nil || cases.LatestDecided.ID != first.ID {
			t.Fatalf("standing cases open=%v decided=%v", cases.Open, cases.LatestDecided)
		}
		if cases.LatestDecided.ClosedAt == nil {
			t.Fatal("closed_at not stored")
		}
	})
}

func TestVerificationPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		mustTx(t, s, func(tx *store.Tx) error { _, err := tx.PutFreelancer(ctx, ana(), t0); return err })
		var ids []string
		mustTx(t, s, func(tx *store.Tx) error {
			for i := range 7 {
				v := newCase(store.NewID("ver", t0.Add(time.Duration(i)*time.Second)), verification.Canceled, t0)
				ids = append(ids, v.ID)
				if err := tx.InsertVerification(ctx, v); err != nil {
					return err
				}
			}
			return nil
		})
		var seen []string
		after := ""
		for {
			list, err := s.Verifications(ctx, store.VerificationFilter{FreelancerID: "u-1", After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range list {
				seen = append(seen, v.ID)
			}
			if len(list) < 3 {
				break
			}
			after = list[len(list)-1].ID
		}
		if len(seen) != 7 || seen[0] != ids[6] || seen[6] != ids[0] {
			t.Fatalf("paged %v, want newest first of %v", seen, ids)
		}
	})
}

// Events are numbered without gaps in commit order, even when many
// transactions append at once.
func TestEventsAreGapFreeUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.AppendEvent(ctx, verification.EventCreated, "u-1", fmt.Sprint(i), map[string]int{"i": i}, t0)
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		events, err := s.Events(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range events {
			if e.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d", i, e.Seq)
			}
		}
		if len(events) != 40 {
			t.Fatalf("%d events, want 40", len(events))
		}
		tail, _ := s.Events(ctx, 38, 100)
		if len(tail) != 2 || tail[0].Seq != 39 {
			t.Fatalf("after=38 gave %v", tail)
		}
	})
}

func TestAuditChainHoldsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.InTx(ctx, func(tx *store.Tx) error {
					return tx.Audit(ctx, audit.Record{Actor: "system", Action: "test", Target: fmt.Sprint(i)}, t0)
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		n, err := s.VerifyAudit(ctx)
		if err != nil || n != 20 {
			t.Fatalf("verify: %d entries, %v", n, err)
		}
	})
}

func TestIdempotencyKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		mustTx(t, s, func(tx *store.Tx) error {
			prev, err := tx.ClaimIdempotencyKey(ctx, "key_1", "k", "hash-a", t0)
			if prev != nil || err != nil {
				t.Fatalf("first claim: %v %v", prev, err)
			}
			return tx.SaveIdempotentResponse(ctx, "key_1", "k", 201, []byte(`{"ok":true}`))
		})
		mustTx(t, s, func(tx *store.Tx) error {
			prev, err := tx.ClaimIdempotencyKey(ctx, "key_1", "k", "hash-b", t0)
			if !errors.Is(err, store.ErrConflict) || prev.Status != 201 || string(prev.Body) != `{"ok":true}` || prev.RequestHash != "hash-a" {
				t.Fatalf("second claim: %+v %v", prev, err)
			}
			// Another API key may use the same key string.
			prev, err = tx.ClaimIdempotencyKey(ctx, "key_2", "k", "hash-a", t0)
			if prev != nil || err != nil {
				t.Fatalf("other key: %v %v", prev, err)
			}
			return nil
		})
	})
}

func TestSessionsAndStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		st := &store.Staff{ID: "stf_1", Email: "maria@example.com", Name: "Maria", Role: store.RoleAgent, PasswordHash: "h", CreatedAt: t0}
		mustTx(t, s, func(tx *store.Tx) error {
			if _, err := tx.PutStaff(ctx, st); err != nil {
				return err
			}
			for _, id := range []string{"ses_1", "ses_2"} {
				err := tx.InsertSession(ctx, &store.Session{ID: id, TokenHash: "th-" + id, StaffID: "stf_1", CreatedAt: t0,
					ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0, IP: "127.0.0.1", UserAgent: "test"})
				if err != nil {
					return err
				}
			}
			return nil
		})
		got, sess, err := s.StaffSession(ctx, "th-ses_1", t0.Add(30*time.Minute))
		if err != nil || got.Email != "maria@example.com" || got.Role != store.RoleAgent || sess.ID != "ses_1" {
			t.Fatalf("live session: %+v %+v %v", got, sess, err)
		}
		if _, _, err := s.StaffSession(ctx, "th-ses_1", t0.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session: %v", err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.TouchSession(ctx, "ses_2", t0.Add(time.Minute)) })
		list, err := s.Sessions(ctx, "stf_1", t0)
		if err != nil || len(list) != 2 || list[0].ID != "ses_2" || !list[0].LastSeenAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("sessions, latest seen first: %+v %v", list, err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.DeleteSession(ctx, "th-ses_1") })
		if _, _, err := s.StaffSession(ctx, "th-ses_1", t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted session: %v", err)
		}
		mustTx(t, s, func(tx *store.Tx) error {
			if ok, err := tx.RevokeSession(ctx, "stf_other", "ses_2"); ok || err != nil {
				t.Errorf("revoked another staff member's session: %v %v", ok, err)
			}
			if ok, err := tx.RevokeSession(ctx, "stf_1", "ses_2"); !ok || err != nil {
				t.Errorf("revoke own session: %v %v", ok, err)
			}
			return nil
		})
		if list, _ := s.Sessions(ctx, "stf_1", t0); len(list) != 0 {
			t.Fatalf("sessions left: %+v", list)
		}
	})
}

func TestTOTPAndRecoveryCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		mustTx(t, s, func(tx *store.Tx) error {
			_, err := tx.PutStaff(ctx, &store.Staff{ID: "stf_1", Email: "maria@example.com", Role: store.RoleAgent, PasswordHash: "h", CreatedAt: t0})
			return err
		})
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.PutPendingTOTP(ctx, &store.TOTP{StaffID: "stf_1", Nonce: []byte("n1"), Sealed: []byte("s1"), CreatedAt: t0})
		})
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.PutPendingTOTP(ctx, &store.TOTP{StaffID: "stf_1", Nonce: []byte("n2"), Sealed: []byte("s2"), CreatedAt: t0})
		})
		got, err := s.TOTP(ctx, "stf_1")
		if err != nil || got.Enabled() || string(got.Sealed) != "s2" {
			t.Fatalf("pending: %+v %v", got, err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.ConfirmTOTP(ctx, "stf_1", 100, []string{"h1", "h2"}, t0) })
		// A confirmed secret is not replaced by a new enrolment.
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.PutPendingTOTP(ctx, &store.TOTP{StaffID: "stf_1", Nonce: []byte("n3"), Sealed: []byte("s3"), CreatedAt: t0})
		})
		got, err = s.TOTP(ctx, "stf_1")
		if err != nil || !got.Enabled() || string(got.Sealed) != "s2" || got.LastStep != 100 {
			t.Fatalf("confirmed: %+v %v", got, err)
		}
		mustTx(t, s, func(tx *store.Tx) error {
			for _, tc := range []struct {
				step int64
				ok   bool
			}{{100, false}, {99, false}, {101, true}, {101, false}} {
				if ok, err := tx.UseTOTPStep(ctx, "stf_1", tc.step); ok != tc.ok || err != nil {
					t.Errorf("step %d: got %v %v, want %v", tc.step, ok, err, tc.ok)
				}
			}
			for _, tc := range []struct {
				hash string
				ok   bool
			}{{"h1", true}, {"h1", false}, {"nope", false}} {
				if ok, err := tx.UseRecoveryCode(ctx, "stf_1", tc.hash, t0); ok != tc.ok || err != nil {
					t.Errorf("recovery code %s: got %v %v, want %v", tc.hash, ok, err, tc.ok)
				}
			}
			return nil
		})
		if n, err := s.RecoveryCodesLeft(ctx, "stf_1"); n != 1 || err != nil {
			t.Fatalf("codes left: %d %v", n, err)
		}
		mustTx(t, s, func(tx *store.Tx) error {
			if removed, err := tx.DeleteTOTP(ctx, "stf_1"); !removed || err != nil {
				t.Errorf("delete: %v %v", removed, err)
			}
			return nil
		})
		if _, err := s.TOTP(ctx, "stf_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetOIDCSubject(ctx, "stf_1", "sub-1") })
		mustTx(t, s, func(tx *store.Tx) error {
			if err := tx.SetOIDCSubject(ctx, "stf_1", "sub-2"); !errors.Is(err, store.ErrConflict) {
				t.Errorf("second subject: %v", err)
			}
			return nil
		})
		if sub, err := s.OIDCSubject(ctx, "stf_1"); sub != "sub-1" || err != nil {
			t.Fatalf("subject: %q %v", sub, err)
		}
	})
}

func TestSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, ctx := storetest.Open(t, cfg), context.Background()
		if _, err := s.Setting(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unset setting: %v", err)
		}
		mustTx(t, s, func(tx *store.Tx) error {
			if won, err := tx.AddSetting(ctx, "a", "1"); !won || err != nil {
				t.Fatalf("first AddSetting: %v %v", won, err)
			}
			if won, err := tx.AddSetting(ctx, "a", "2"); won || err != nil {
				t.Fatalf("second AddSetting: %v %v", won, err)
			}
			return nil
		})
		if v, err := s.Setting(ctx, "a"); v != "1" || err != nil {
			t.Fatalf("after AddSetting twice: %q %v", v, err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.PutSetting(ctx, "a", "3") })
		if v, _ := s.Setting(ctx, "a"); v != "3" {
			t.Fatalf("after PutSetting: %q", v)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.DeleteSetting(ctx, "a") })
		if _, err := s.Setting(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted setting: %v", err)
		}
	})
}

func TestNewIDSortsByTime(t *testing.T) {
	a := store.NewID("ver", t0)
	b := store.NewID("ver", t0.Add(time.Millisecond))
	if !(a < b) || len(a) != len("ver_")+26 {
		t.Fatalf("ids %s, %s", a, b)
	}
}

func TestAvailabilityRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		st := &store.Staff{ID: "stf_1", Email: "maria@example.com", Name: "Maria", Role: store.RoleAgent, PasswordHash: "h", CreatedAt: t0}
		leave := schedule.Exception{ID: "exc_1", Interval: schedule.Interval{Start: t0, End: t0.Add(48 * time.Hour)}, Off: true, Note: "leave"}
		mustTx(t, s, func(tx *store.Tx) error {
			if _, err := tx.PutStaff(ctx, st); err != nil {
				return err
			}
			hours := []schedule.Hours{{Day: time.Monday, Start: 540, End: 1020}, {Day: time.Tuesday, Start: 540, End: 720}}
			if err := tx.SetWeeklyHours(ctx, "stf_1", "Europe/Berlin", hours); err != nil {
				return err
			}
			return tx.AddException(ctx, "stf_1", leave)
		})
		a, err := s.Availability(ctx, "stf_1", t0)
		if err != nil {
			t.Fatal(err)
		}
		if a.Location.String() != "Europe/Berlin" || len(a.Weekly) != 2 || a.Weekly[1].End != 720 || len(a.Exceptions) != 1 ||
			!a.Exceptions[0].Off || !a.Exceptions[0].End.Equal(leave.End.Truncate(time.Microsecond)) {
			t.Fatalf("availability %+v", a)
		}
		if _, err := s.Availability(ctx, "stf_1", t0.Add(72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		all, _ := s.Availabilities(ctx, t0.Add(72*time.Hour))
		if len(all) != 1 || len(all[0].Exceptions) != 0 {
			t.Fatalf("past exceptions are not read: %+v", all)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.DeleteException(ctx, "stf_1", "exc_1") })
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteException(ctx, "stf_1", "exc_1") })
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}
