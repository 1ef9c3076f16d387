// Package staff owns the people who work attest and the marketplace's keys:
// staff accounts and their roles and review rights, sign-in sessions, the
// TOTP second factor and its recovery codes, the link to an OIDC identity,
// and API keys. Each change is one method that writes its audit entry in
// the caller's transaction, so that the console, the admin pages and the
// CLI make the same change the same way and the audit log names it alike.
//
// The console parses forms and renders pages; the rules (a strong
// password, a valid role, an admin who may not lock themselves out, a new
// password signing the old sessions out) live here.
package staff

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
)

// SessionLifetime is how long a staff sign-in lasts.
const SessionLifetime = 12 * time.Hour

// RecoveryCodeCount is how many single-use recovery codes a second factor
// comes with.
const RecoveryCodeCount = 10

// Accounts makes every change to staff accounts and API keys.
type Accounts struct {
	// Keys seal TOTP secrets; nil in tools that touch no second factor.
	Keys *keys.Ring
	Now  func() time.Time
	// Rand makes tokens, secrets and codes; crypto/rand when nil.
	Rand io.Reader
}

func (a *Accounts) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Accounts) rand() io.Reader {
	if a.Rand == nil {
		return rand.Reader
	}
	return a.Rand
}

// Actor is how the audit log names a staff member who acts.
func Actor(staffID string) string { return "staff:" + staffID }

// ErrSelf refuses an admin changing their own role or access, which could
// leave nobody to undo it.
var ErrSelf = errors.New("you cannot change your own role or disable yourself: ask another admin")

// InputError is a value a person typed that the account cannot take: Field
// names the input ("email", "role", "password", "name"), Code says what is
// wrong with it, and Message says why in plain words.
type InputError struct{ Field, Code, Message string }

func (e *InputError) Error() string { return e.Message }

// Email is an email address as accounts are found by it: lower case,
// without surrounding space.
func Email(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Put creates a staff member, or updates the one with the same email, with
// an argon2id hash of the password. A new password signs the person out of
// every session: it is often set because the old one leaked.
func (a *Accounts) Put(ctx context.Context, tx *store.Tx, actor, email, name string, role store.Role, password string) (created bool, err error) {
	email = Email(email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return false, &InputError{"email", "invalid_email", fmt.Sprintf("%q is not an email address", email)}
	}
	if !role.Valid() {
		return false, &InputError{"role", "invalid_role", fmt.Sprintf("the role %q is not agent, supervisor or admin", role)}
	}
	if err := auth.CheckPasswordStrength(password); err != nil {
		code := "password_too_short"
		if errors.Is(err, auth.ErrPasswordTooLong) {
			code = "password_too_long"
		}
		return false, &InputError{"password", code, err.Error()}
	}
	if name = strings.TrimSpace(name); name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	hash, err := auth.HashPassword(password, a.rand())
	if err != nil {
		return false, err
	}
	now := a.now()
	s := &store.Staff{ID: store.NewID("stf", now), Email: email, Name: name, Role: role, PasswordHash: hash, CreatedAt: now}
	if created, err = tx.PutStaff(ctx, s); err != nil {
		return false, err
	}
	details := map[string]any{"role": string(role)}
	if !created {
		revoked, err := tx.RevokeSessions(ctx, s.ID)
		if err != nil {
			return false, err
		}
		details["sessions_revoked"] = revoked
	}
	return created, tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StaffPut, Target: s.ID, Details: details}, now)
}

// SetRole changes another staff member's role.
func (a *Accounts) SetRole(ctx context.Context, tx *store.Tx, actor string, target *store.Staff, role store.Role) error {
	if actor == Actor(target.ID) {
		return ErrSelf
	}
	if !role.Valid() {
		return &InputError{"role", "invalid_role", fmt.Sprintf("the role %q is not agent, supervisor or admin", role)}
	}
	if err := tx.SetStaffRole(ctx, target.ID, role); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StaffRoleChanged, Target: target.ID,
		Details: map[string]string{"role": string(role)}}, a.now())
}

// SetLanguage sets the language target's pages speak: the tag of a staff
// catalog, or "" for the browser's language. Staff set their own, and
// admins anyone's.
func (a *Accounts) SetLanguage(ctx context.Context, tx *store.Tx, actor string, target *store.Staff, language string) error {
	if language != "" && !slices.ContainsFunc(i18n.StaffAll(), func(c *i18n.Catalog) bool { return c.Tag == language }) {
		return &InputError{"language", "invalid_language", fmt.Sprintf("the console does not speak %q", language)}
	}
	if err := tx.SetStaffLanguage(ctx, target.ID, language); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StaffLanguageChanged, Target: target.ID,
		Details: map[string]string{"language": language}}, a.now())
}

// SetReviewRights grants an agent the second review of negative decisions,
// or withdraws it. Supervisors and admins review by their role.
func (a *Accounts) SetReviewRights(ctx context.Context, tx *store.Tx, actor string, target *store.Staff, on bool) error {
	if _, err := tx.SetReviewRights(ctx, target.Email, on); err != nil {
		return err
	}
	action := audit.StaffReviewGranted
	if !on {
		action = audit.StaffReviewWithdrawn
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: action, Target: target.ID}, a.now())
}

// SetDisabled disables another staff member's account, which signs them
// out everywhere, or enables it again.
func (a *Accounts) SetDisabled(ctx context.Context, tx *store.Tx, actor string, target *store.Staff, disabled bool) error {
	if actor == Actor(target.ID) {
		return ErrSelf
	}
	now := a.now()
	if err := tx.SetStaffDisabled(ctx, target.ID, disabled, now); err != nil {
		return err
	}
	action := audit.StaffEnabled
	if disabled {
		action = audit.StaffDisabled
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: action, Target: target.ID}, now)
}

// CreateAPIKey makes a marketplace key, stores only its hash and audits the
// creation. The key is returned once and never again.
func (a *Accounts) CreateAPIKey(ctx context.Context, tx *store.Tx, actor, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", &InputError{"name", "invalid_name", "give the key a name of 1 to 100 characters, such as the service that uses it"}
	}
	key, err := auth.NewAPIKey(a.rand())
	if err != nil {
		return "", err
	}
	now := a.now()
	k := &store.APIKey{ID: store.NewID("key", now), Name: name, Prefix: auth.APIKeyPrefix(key), CreatedAt: now}
	if err := tx.InsertAPIKey(ctx, k, auth.HashAPIKey(key)); err != nil {
		return "", err
	}
	return key, tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.APIKeyCreate, Target: k.ID,
		Details: map[string]string{"name": name, "prefix": k.Prefix}}, now)
}

// RevokeAPIKey revokes a key: requests made with it are refused from then on.
func (a *Accounts) RevokeAPIKey(ctx context.Context, tx *store.Tx, actor, id string) error {
	now := a.now()
	if err := tx.RevokeAPIKey(ctx, id, now); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.APIKeyRevoke, Target: id}, now)
}

// Client is where a sign-in comes from, as sessions record it.
type Client struct {
	IP        string
	UserAgent string
}

// StartSession signs st in: a new session whose token, returned once, is
// the cookie. how says, for the audit log, how they proved who they are.
func (a *Accounts) StartSession(ctx context.Context, tx *store.Tx, st *store.Staff, from Client, how map[string]string) (string, error) {
	token, err := auth.NewSessionToken(a.rand())
	if err != nil {
		return "", err
	}
	now := a.now().UTC()
	s := &store.Session{ID: store.NewID("ses", now), TokenHash: auth.HashSessionToken(token), StaffID: st.ID, CreatedAt: now,
		ExpiresAt: now.Add(SessionLifetime), LastSeenAt: now, IP: from.IP, UserAgent: truncate(from.UserAgent, 256)}
	if err := tx.InsertSession(ctx, s); err != nil {
		return "", err
	}
	details := map[string]string{"ip": from.IP, "session": s.ID}
	maps.Copy(details, how)
	return token, tx.Audit(ctx, audit.Record{Actor: Actor(st.ID), Action: audit.StaffLogin, Target: st.ID, Details: details}, now)
}

// EndSession signs out the session of a cookie's token; st is who it
// belonged to, nil when the session was unknown or had expired.
func (a *Accounts) EndSession(ctx context.Context, tx *store.Tx, token string, st *store.Staff) error {
	if err := tx.DeleteSession(ctx, auth.HashSessionToken(token)); err != nil {
		return err
	}
	if st == nil {
		return nil
	}
	return tx.Audit(ctx, audit.Record{Actor: Actor(st.ID), Action: audit.StaffLogout, Target: st.ID}, a.now())
}

// Seen notes that a session was used now. It is not audited: it only
// shows staff where they are signed in.
func (a *Accounts) Seen(ctx context.Context, tx *store.Tx, sessionID string) error {
	return tx.TouchSession(ctx, sessionID, a.now())
}

// RevokeSession ends one session of a staff member; the next request with
// its cookie is signed out. A session already gone is not an error.
func (a *Accounts) RevokeSession(ctx context.Context, tx *store.Tx, actor, staffID, sessionID string) error {
	revoked, err := tx.RevokeSession(ctx, staffID, sessionID)
	if err != nil || !revoked {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StaffSessionRevoked, Target: staffID,
		Details: map[string]string{"session": sessionID}}, a.now())
}

// RevokeSessions signs a staff member out everywhere, as when they leave
// or a laptop is stolen.
func (a *Accounts) RevokeSessions(ctx context.Context, tx *store.Tx, actor, staffID string) error {
	n, err := tx.RevokeSessions(ctx, staffID)
	if err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StaffSessionsRevoked, Target: staffID,
		Details: map[string]string{"count": strconv.FormatInt(n, 10)}}, a.now())
}

// LinkOIDC ties a staff member to the subject an OIDC provider vouched
// for, on their first sign-in through it. A subject linked to someone
// else is refused by the store's unique index.
func (a *Accounts) LinkOIDC(ctx context.Context, tx *store.Tx, staffID, issuer, subject string) error {
	if err := tx.SetOIDCSubject(ctx, staffID, subject); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: Actor(staffID), Action: audit.StaffOIDCLinked, Target: staffID,
		Details: map[string]string{"issuer": issuer}}, a.now())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
