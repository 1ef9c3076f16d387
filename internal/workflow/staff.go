package workflow

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/mail"
	"strings"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/store"
)

// CreateAPIKey makes a marketplace key, stores only its hash and audits the
// creation. The key is returned once and never again.
func (w *Workflow) CreateAPIKey(ctx context.Context, tx *store.Tx, actor, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", fmt.Errorf("api key name must be 1 to 100 characters")
	}
	key, err := auth.NewAPIKey(rand.Reader)
	if err != nil {
		return "", err
	}
	now := w.now()
	k := &store.APIKey{ID: store.NewID("key", now), Name: name, Prefix: auth.APIKeyPrefix(key), CreatedAt: now}
	if err := tx.InsertAPIKey(ctx, k, auth.HashAPIKey(key)); err != nil {
		return "", err
	}
	return key, tx.Audit(ctx, audit.Record{Actor: actor, Action: "api_key.create", Target: k.ID,
		Details: map[string]string{"name": name, "prefix": k.Prefix}}, now)
}

// PutStaff creates a staff member, or updates the one with the same email,
// with an argon2id hash of the password.
func (w *Workflow) PutStaff(ctx context.Context, tx *store.Tx, actor, email, name string, role store.Role, password string) (created bool, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return false, fmt.Errorf("staff email %q is not an email address", email)
	}
	if !role.Valid() {
		return false, fmt.Errorf("role %q: must be agent, supervisor or admin", role)
	}
	if err := auth.CheckPasswordStrength(password); err != nil {
		return false, err
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	hash, err := auth.HashPassword(password, rand.Reader)
	if err != nil {
		return false, err
	}
	now := w.now()
	s := &store.Staff{ID: store.NewID("stf", now), Email: email, Name: name, Role: role, PasswordHash: hash, CreatedAt: now}
	if created, err = tx.PutStaff(ctx, s); err != nil {
		return false, err
	}
	details := map[string]any{"role": string(role)}
	if !created {
		// A new password is often set because the old one leaked: whoever
		// signed in with it is signed out.
		revoked, err := tx.RevokeSessions(ctx, s.ID)
		if err != nil {
			return false, err
		}
		details["sessions_revoked"] = revoked
	}
	return created, tx.Audit(ctx, audit.Record{Actor: actor, Action: "staff.put", Target: s.ID, Details: details}, now)
}

// SetReviewRights grants an agent the second review of negative decisions,
// or withdraws it. Supervisors and admins review by their role.
func (w *Workflow) SetReviewRights(ctx context.Context, tx *store.Tx, actor, email string, on bool) error {
	email = strings.ToLower(strings.TrimSpace(email))
	s, err := tx.SetReviewRights(ctx, email, on)
	if err != nil {
		return err
	}
	action := "staff.review_granted"
	if !on {
		action = "staff.review_withdrawn"
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: action, Target: s.ID}, w.now())
}
