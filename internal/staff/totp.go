package staff

import (
	"cmp"
	"context"
	"errors"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
)

// ErrBadCode is a second-factor code that is wrong, or was used already.
var ErrBadCode = errors.New("the code is not right, or was used already")

// StartTOTP makes a new secret for a staff member to scan, replacing an
// enrolment not confirmed yet. It is not asked for at sign-in until a
// first code confirms it (ConfirmTOTP), so it is not audited.
func (a *Accounts) StartTOTP(ctx context.Context, tx *store.Tx, staffID string) error {
	secret, err := auth.NewTOTPSecret(a.rand())
	if err != nil {
		return err
	}
	sealed, err := a.Keys.Seal(keys.TOTPSecrets, staffID, secret)
	if err != nil {
		return err
	}
	return tx.PutPendingTOTP(ctx, &store.TOTP{StaffID: staffID, KeyID: sealed.KeyID, Nonce: sealed.Nonce, Sealed: sealed.Data,
		CreatedAt: a.now()})
}

// TOTPSecret opens a staff member's TOTP secret, sealed bound to its
// owner: moved to another staff member's row, it does not open.
func (a *Accounts) TOTPSecret(t *store.TOTP) ([]byte, error) {
	return a.Keys.Open(keys.TOTPSecrets, t.StaffID, keys.Sealed{KeyID: t.KeyID, Nonce: t.Nonce, Data: t.Sealed})
}

// ConfirmTOTP turns a pending secret on once the staff member proves their
// app makes its codes, and returns their recovery codes, shown this once.
// A wrong code is ErrBadCode; with nothing pending it is store.ErrNotFound.
func (a *Accounts) ConfirmTOTP(ctx context.Context, tx *store.Tx, staffID, code string) ([]string, error) {
	t, err := tx.TOTP(ctx, staffID)
	if err != nil {
		return nil, err
	}
	if t.Enabled() {
		return nil, store.ErrNotFound
	}
	secret, err := a.TOTPSecret(t)
	if err != nil {
		return nil, err
	}
	now := a.now()
	step, ok := auth.CheckTOTP(secret, code, now, 0)
	if !ok {
		return nil, ErrBadCode
	}
	var codes, hashes []string
	for range RecoveryCodeCount {
		code, err := auth.NewRecoveryCode(a.rand())
		if err != nil {
			return nil, err
		}
		codes, hashes = append(codes, code), append(hashes, auth.HashRecoveryCode(code))
	}
	if err := tx.ConfirmTOTP(ctx, staffID, step, hashes, now); err != nil {
		return nil, err
	}
	return codes, tx.Audit(ctx, audit.Record{Actor: Actor(staffID), Action: audit.StaffTOTPEnrolled, Target: staffID}, now)
}

// UseSecondFactor accepts a current TOTP code not used before, or an
// unspent recovery code (audited: the person may have lost their phone),
// and says which it was: "totp" or "recovery_code". Anything else, a
// disabled account or one without a second factor included, is ErrBadCode.
func (a *Accounts) UseSecondFactor(ctx context.Context, tx *store.Tx, staffID, code string) (*store.Staff, string, error) {
	st, err := tx.StaffByID(ctx, staffID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && st.DisabledAt != nil) {
		return nil, "", ErrBadCode
	}
	if err != nil {
		return nil, "", err
	}
	t, err := tx.TOTP(ctx, staffID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !t.Enabled()) || code == "" {
		return nil, "", ErrBadCode
	}
	if err != nil {
		return nil, "", err
	}
	secret, err := a.TOTPSecret(t)
	if err != nil {
		return nil, "", err
	}
	now := a.now()
	if step, ok := auth.CheckTOTP(secret, code, now, t.LastStep); ok {
		if used, err := tx.UseTOTPStep(ctx, staffID, step); err != nil || !used {
			return nil, "", cmp.Or(err, ErrBadCode)
		}
		return st, "totp", nil
	}
	if used, err := tx.UseRecoveryCode(ctx, staffID, auth.HashRecoveryCode(code), now); err != nil || !used {
		return nil, "", cmp.Or(err, ErrBadCode)
	}
	return st, "recovery_code", tx.Audit(ctx, audit.Record{Actor: Actor(staffID), Action: audit.StaffRecoveryCodeUsed, Target: staffID}, now)
}

// RemoveTOTP turns a staff member's second factor off: by themselves (the
// console asks for a current code first) or by an admin, for one who lost
// both their phone and their recovery codes.
func (a *Accounts) RemoveTOTP(ctx context.Context, tx *store.Tx, actor, staffID string) error {
	removed, err := tx.DeleteTOTP(ctx, staffID)
	if err != nil || !removed {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.StaffTOTPRemoved, Target: staffID}, a.now())
}
