package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CredentialOffer is one offer of a credential to a verified freelancer
// (OpenID4VCI, pre-authorized code): the code and, once redeemed, the
// access token are kept only as hashes.
type CredentialOffer struct {
	ID             string
	VerificationID string
	FreelancerID   string
	CodeHash       string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	RedeemedAt     *time.Time
	TokenHash      string
	TokenExpiresAt *time.Time
	IssuedAt       *time.Time
}

// IssuedCredential is a credential attest issued, by its status list index.
type IssuedCredential struct {
	StatusIndex    int64
	OfferID        string
	VerificationID string
	FreelancerID   string
	// HolderKey is the RFC 7638 thumbprint of the wallet key it is bound to.
	HolderKey string
	// KeyID names the issuer key that signed it (its RFC 7638
	// thumbprint); empty for credentials issued before keys were recorded.
	KeyID        string
	IssuedAt     time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
}

// ErrRedeemed is returned when an offer's code or its access token was
// used already: each buys one thing, once.
var ErrRedeemed = errors.New("credential offer already used")

const offerColumns = "id, verification_id, freelancer_id, code_hash, created_at, expires_at, redeemed_at, COALESCE(token_hash, ''), token_expires_at, issued_at"

func scanOffer(row interface{ Scan(...any) error }) (*CredentialOffer, error) {
	var o CredentialOffer
	err := row.Scan(&o.ID, &o.VerificationID, &o.FreelancerID, &o.CodeHash, timeCol{&o.CreatedAt}, timeCol{&o.ExpiresAt},
		nullTimeCol{&o.RedeemedAt}, &o.TokenHash, nullTimeCol{&o.TokenExpiresAt}, nullTimeCol{&o.IssuedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read credential offer: %w", err)
	}
	return &o, nil
}

// InsertCredentialOffer records a new offer.
func (t *Tx) InsertCredentialOffer(ctx context.Context, o *CredentialOffer) error {
	_, err := t.exec(ctx, `INSERT INTO credential_offers (id, verification_id, freelancer_id, code_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, o.ID, o.VerificationID, o.FreelancerID, o.CodeHash, t.t(o.CreatedAt), t.t(o.ExpiresAt))
	if err != nil {
		return fmt.Errorf("record credential offer for %s: %w", o.VerificationID, err)
	}
	return nil
}

// CredentialOfferByCode returns the offer of a pre-authorized code's hash.
func (c conn) CredentialOfferByCode(ctx context.Context, codeHash string) (*CredentialOffer, error) {
	return scanOffer(c.queryRow(ctx, "SELECT "+offerColumns+" FROM credential_offers WHERE code_hash = ?", codeHash))
}

// CredentialOfferByToken returns the offer an access token's hash was given for.
func (c conn) CredentialOfferByToken(ctx context.Context, tokenHash string) (*CredentialOffer, error) {
	return scanOffer(c.queryRow(ctx, "SELECT "+offerColumns+" FROM credential_offers WHERE token_hash = ?", tokenHash))
}

// RedeemCredentialOffer exchanges an offer's code for an access token,
// once: a second redemption is ErrRedeemed.
func (t *Tx) RedeemCredentialOffer(ctx context.Context, id, tokenHash string, tokenExpires, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE credential_offers SET redeemed_at = ?, token_hash = ?, token_expires_at = ?
		WHERE id = ? AND redeemed_at IS NULL`, t.t(at), tokenHash, t.t(tokenExpires), id)
	if err != nil {
		return fmt.Errorf("redeem credential offer %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrRedeemed
	}
	return nil
}

// NextStatusIndex allocates the next status list index. Indices are
// never given twice, whatever happens to the credentials they went to.
func (t *Tx) NextStatusIndex(ctx context.Context) (int64, error) {
	var next int64
	err := t.queryRow(ctx, "UPDATE counters SET value = value + 1 WHERE name = 'credential_status_next' RETURNING value").Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("allocate a status list index: %w", err)
	}
	return next - 1, nil
}

// InsertIssuedCredential records a credential issued on its offer, and
// marks the offer spent: an offer issues once (ErrRedeemed).
func (t *Tx) InsertIssuedCredential(ctx context.Context, c *IssuedCredential) error {
	res, err := t.exec(ctx, "UPDATE credential_offers SET issued_at = ? WHERE id = ? AND issued_at IS NULL", t.t(c.IssuedAt), c.OfferID)
	if err != nil {
		return fmt.Errorf("spend credential offer %s: %w", c.OfferID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrRedeemed
	}
	_, err = t.exec(ctx, `INSERT INTO issued_credentials (status_index, offer_id, verification_id, freelancer_id, holder_key, key_id, issued_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.StatusIndex, c.OfferID, c.VerificationID, c.FreelancerID, c.HolderKey, sql.NullString{String: c.KeyID, Valid: c.KeyID != ""},
		t.t(c.IssuedAt), t.t(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("record issued credential %d: %w", c.StatusIndex, err)
	}
	return t.bumpStatusRevision(ctx)
}

func (t *Tx) bumpStatusRevision(ctx context.Context) error {
	if _, err := t.exec(ctx, "UPDATE counters SET value = value + 1 WHERE name = 'credential_status_revision'"); err != nil {
		return fmt.Errorf("note a status list change: %w", err)
	}
	return nil
}

// RevokeIssuedCredentials revokes every valid credential issued to a
// freelancer and returns their status list indices.
func (t *Tx) RevokeIssuedCredentials(ctx context.Context, freelancerID, reason string, at time.Time) ([]int64, error) {
	rows, err := t.query(ctx, `UPDATE issued_credentials SET revoked_at = ?, revoke_reason = ?
		WHERE freelancer_id = ? AND revoked_at IS NULL RETURNING status_index`, t.t(at), reason, freelancerID)
	if err != nil {
		return nil, fmt.Errorf("revoke credentials of %s: %w", freelancerID, err)
	}
	indices, err := scanIndices(rows)
	if err != nil {
		return nil, fmt.Errorf("revoke credentials of %s: %w", freelancerID, err)
	}
	if len(indices) == 0 {
		return nil, nil
	}
	return indices, t.bumpStatusRevision(ctx)
}

// StatusListState is how far the status list has grown (the next index to
// be given) and its revision, which changes with every issue and revocation.
func (c conn) StatusListState(ctx context.Context) (next, revision int64, err error) {
	err = c.queryRow(ctx, `SELECT (SELECT value FROM counters WHERE name = 'credential_status_next'),
		(SELECT value FROM counters WHERE name = 'credential_status_revision')`).Scan(&next, &revision)
	if err != nil {
		return 0, 0, fmt.Errorf("read the status list's state: %w", err)
	}
	return next, revision, nil
}

// RevokedStatusIndices lists the status list indices of revoked credentials.
func (c conn) RevokedStatusIndices(ctx context.Context) ([]int64, error) {
	rows, err := c.query(ctx, "SELECT status_index FROM issued_credentials WHERE revoked_at IS NOT NULL ORDER BY status_index")
	if err != nil {
		return nil, fmt.Errorf("read revoked credentials: %w", err)
	}
	indices, err := scanIndices(rows)
	if err != nil {
		return nil, fmt.Errorf("read revoked credentials: %w", err)
	}
	return indices, nil
}

// IssuedCredentials lists the credentials issued to a freelancer, oldest first.
func (c conn) IssuedCredentials(ctx context.Context, freelancerID string) ([]IssuedCredential, error) {
	rows, err := c.query(ctx, `SELECT status_index, offer_id, verification_id, freelancer_id, holder_key, COALESCE(key_id, ''), issued_at, expires_at,
		revoked_at, revoke_reason FROM issued_credentials WHERE freelancer_id = ? ORDER BY status_index`, freelancerID)
	if err != nil {
		return nil, fmt.Errorf("read credentials issued to %s: %w", freelancerID, err)
	}
	defer rows.Close()
	var list []IssuedCredential
	for rows.Next() {
		var ic IssuedCredential
		if err := rows.Scan(&ic.StatusIndex, &ic.OfferID, &ic.VerificationID, &ic.FreelancerID, &ic.HolderKey, &ic.KeyID, timeCol{&ic.IssuedAt},
			timeCol{&ic.ExpiresAt}, nullTimeCol{&ic.RevokedAt}, &ic.RevokeReason); err != nil {
			return nil, fmt.Errorf("read credentials issued to %s: %w", freelancerID, err)
		}
		list = append(list, ic)
	}
	return list, rows.Err()
}

// KeepIssuerKey records an issuer key's public JWK, to be published until
// at least until: the expiry of the latest credential it signed. A key
// recorded already keeps the later of its time and until.
func (t *Tx) KeepIssuerKey(ctx context.Context, keyID, jwk string, until time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO issuer_keys (key_id, jwk, until) VALUES (?, ?, ?)
		ON CONFLICT (key_id) DO UPDATE SET until = excluded.until WHERE issuer_keys.until < excluded.until`, keyID, jwk, t.t(until))
	if err != nil {
		return fmt.Errorf("keep issuer key %s: %w", keyID, err)
	}
	return nil
}

// KeepIssuerKeyForUnattributed keeps an issuer key published until the
// latest credential whose signing key was not recorded expires (those
// issued before keys were recorded), if any is still valid at now. A
// node calls it for the keys its master keys give: one of them signed
// those credentials.
func (t *Tx) KeepIssuerKeyForUnattributed(ctx context.Context, keyID, jwk string, now time.Time) error {
	var until *time.Time
	err := t.queryRow(ctx, "SELECT MAX(expires_at) FROM issued_credentials WHERE key_id IS NULL AND expires_at > ?", t.t(now)).Scan(nullTimeCol{&until})
	if err != nil {
		return fmt.Errorf("read credentials issued before keys were recorded: %w", err)
	}
	if until == nil {
		return nil
	}
	return t.KeepIssuerKey(ctx, keyID, jwk, *until)
}

// PublishedIssuerKeys returns the public JWKs of the issuer keys that
// signed a credential still valid at now, by key id.
func (c conn) PublishedIssuerKeys(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := c.query(ctx, "SELECT jwk FROM issuer_keys WHERE until > ? ORDER BY key_id", c.t(now))
	if err != nil {
		return nil, fmt.Errorf("read issuer keys: %w", err)
	}
	defer rows.Close()
	var list []string
	for rows.Next() {
		var jwk string
		if err := rows.Scan(&jwk); err != nil {
			return nil, fmt.Errorf("read issuer keys: %w", err)
		}
		list = append(list, jwk)
	}
	return list, rows.Err()
}

type indexRows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanIndices(rows indexRows) ([]int64, error) {
	defer rows.Close()
	var list []int64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		list = append(list, i)
	}
	return list, rows.Err()
}
