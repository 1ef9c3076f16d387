package staff_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const password = "correct horse battery"

// Every change writes its audit entry, named by its constant, in the same
// transaction; a refused change writes nothing.
func TestEachChangeIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		st, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		now := t0
		a := &staff.Accounts{Keys: keystest.Ring(), Now: func() time.Time { return now }}
		var admin, agent *store.Staff
		put := func(email string, role store.Role) *store.Staff {
			t.Helper()
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				_, err := a.Put(ctx, tx, "test", email, "", role, password)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			s, err := st.StaffByEmail(ctx, staff.Email(email))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		admin, agent = put("admin@example.com", store.RoleAdmin), put("Maria@Example.com ", store.RoleAgent)
		if agent.Email != "maria@example.com" {
			t.Fatalf("email kept as %q", agent.Email)
		}
		var token, apiKeyID string
		steps := []struct {
			name   string
			change func(tx *store.Tx) error
			want   string // the action audited; "" when refused
			err    error
		}{
			{"put again", func(tx *store.Tx) error {
				_, err := a.Put(ctx, tx, "test", agent.Email, "", store.RoleAgent, password)
				return err
			}, audit.StaffPut, nil},
			{"weak password", func(tx *store.Tx) error {
				_, err := a.Put(ctx, tx, "test", "x@example.com", "", store.RoleAgent, "short")
				return err
			}, "", &staff.InputError{}},
			{"bad role", func(tx *store.Tx) error {
				_, err := a.Put(ctx, tx, "test", "x@example.com", "", "boss", password)
				return err
			}, "", &staff.InputError{}},
			{"role", func(tx *store.Tx) error {
				return a.SetRole(ctx, tx, staff.Actor(admin.ID), agent, store.RoleSupervisor)
			}, audit.StaffRoleChanged, nil},
			{"own role", func(tx *store.Tx) error { return a.SetRole(ctx, tx, staff.Actor(admin.ID), admin, store.RoleAgent) }, "", staff.ErrSelf},
			{"language", func(tx *store.Tx) error { return a.SetLanguage(ctx, tx, staff.Actor(agent.ID), agent, "pt-BR") }, audit.StaffLanguageChanged, nil},
			{"language the console does not speak", func(tx *store.Tx) error { return a.SetLanguage(ctx, tx, staff.Actor(agent.ID), agent, "xx") }, "", &staff.InputError{}},
			{"browser's language", func(tx *store.Tx) error { return a.SetLanguage(ctx, tx, staff.Actor(admin.ID), agent, "") }, audit.StaffLanguageChanged, nil},
			{"review granted", func(tx *store.Tx) error { return a.SetReviewRights(ctx, tx, "cli", agent, true) }, audit.StaffReviewGranted, nil},
			{"review withdrawn", func(tx *store.Tx) error { return a.SetReviewRights(ctx, tx, "cli", agent, false) }, audit.StaffReviewWithdrawn, nil},
			{"disable self", func(tx *store.Tx) error { return a.SetDisabled(ctx, tx, staff.Actor(admin.ID), admin, true) }, "", staff.ErrSelf},
			{"api key", func(tx *store.Tx) error {
				key, err := a.CreateAPIKey(ctx, tx, "test", "backend")
				if k, _ := tx.APIKeyByHash(ctx, auth.HashAPIKey(key)); k != nil {
					apiKeyID = k.ID
				}
				return err
			}, audit.APIKeyCreate, nil},
			{"api key without a name", func(tx *store.Tx) error { _, err := a.CreateAPIKey(ctx, tx, "test", " "); return err }, "", &staff.InputError{}},
			{"api key revoked", func(tx *store.Tx) error { return a.RevokeAPIKey(ctx, tx, "test", apiKeyID) }, audit.APIKeyRevoke, nil},
			{"sign-in", func(tx *store.Tx) (err error) {
				token, err = a.StartSession(ctx, tx, agent, staff.Client{IP: "192.0.2.1"}, map[string]string{"method": "password"})
				return err
			}, audit.StaffLogin, nil},
			{"sign-out", func(tx *store.Tx) error { return a.EndSession(ctx, tx, token, agent) }, audit.StaffLogout, nil},
			{"signed out everywhere", func(tx *store.Tx) error { return a.RevokeSessions(ctx, tx, "test", agent.ID) }, audit.StaffSessionsRevoked, nil},
			{"oidc", func(tx *store.Tx) error { return a.LinkOIDC(ctx, tx, agent.ID, "https://idp.example", "sub-1") }, audit.StaffOIDCLinked, nil},
			{"totp started", func(tx *store.Tx) error { return a.StartTOTP(ctx, tx, agent.ID) }, "", nil},
			{"totp wrong code", func(tx *store.Tx) error { _, err := a.ConfirmTOTP(ctx, tx, agent.ID, "000000x"); return err }, "", staff.ErrBadCode},
			{"totp confirmed", func(tx *store.Tx) error {
				p, err := tx.TOTP(ctx, agent.ID)
				if err != nil {
					return err
				}
				secret, err := a.TOTPSecret(p)
				if err != nil {
					return err
				}
				_, err = a.ConfirmTOTP(ctx, tx, agent.ID, auth.TOTPCode(secret, auth.TOTPStepAt(now)))
				return err
			}, audit.StaffTOTPEnrolled, nil},
			{"totp removed", func(tx *store.Tx) error { return a.RemoveTOTP(ctx, tx, staff.Actor(admin.ID), agent.ID) }, audit.StaffTOTPRemoved, nil},
		}
		for _, s := range steps {
			before, _ := st.AuditEntries(ctx, 1)
			err := st.InTx(ctx, s.change)
			switch want := s.err.(type) {
			case nil:
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
			case *staff.InputError:
				if !errors.As(err, &want) {
					t.Fatalf("%s: %v, want an InputError", s.name, err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("%s: %v, want %v", s.name, err, want)
				}
			}
			after, _ := st.AuditEntries(ctx, 1)
			switch {
			case s.want == "" && after[0].Seq != before[0].Seq:
				t.Errorf("%s: audited %s, want nothing", s.name, after[0].Action)
			case s.want != "" && (after[0].Seq == before[0].Seq || after[0].Action != s.want):
				t.Errorf("%s: last audit entry %s, want %s", s.name, after[0].Action, s.want)
			}
			now = now.Add(time.Minute)
		}
	})
}
