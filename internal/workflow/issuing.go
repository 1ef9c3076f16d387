package workflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ErrNoWalletOffer is returned when a freelancer asks to add a result to
// their wallet and none can be offered: issuing is off, the latest
// decision is not verified, or a new case is open.
var ErrNoWalletOffer = &verification.RuleError{Field: "verification", Code: "no_credential_offer",
	Message: "no verified result can be offered to a wallet now"}

// Why a credential was revoked, as the issued_credentials row and the
// audit entry say.
const (
	RevokedNotVerified = "not_verified" // the freelancer is no longer verified
	RevokedErased      = "erased"       // the profile was erased
)

type issuingReader interface {
	caseReader
	StandingCases(ctx context.Context, freelancerID string) (verification.Cases, error)
}

// offerable returns the verified case a credential may be offered for
// now: issuing on, the freelancer's latest decision verified, no case
// open, the profile not erased. nil when there is none.
func (w *Workflow) offerable(ctx context.Context, r issuingReader, freelancerID string) (*verification.Verification, error) {
	if w.Issuer == nil {
		return nil, nil
	}
	p, err := w.policyIn(ctx, r)
	if err != nil || !p.IssueCredentials {
		return nil, err
	}
	cases, err := r.StandingCases(ctx, freelancerID)
	if err != nil {
		return nil, err
	}
	if cases.Open != nil || cases.LatestDecided == nil || cases.LatestDecided.Status != verification.Verified {
		return nil, nil
	}
	if _, err := r.Freelancer(ctx, freelancerID); errors.Is(err, store.ErrNotFound) {
		return nil, nil // erased
	} else if err != nil {
		return nil, err
	}
	return r.Verification(ctx, cases.LatestDecided.ID)
}

// OffersWallet reports whether the freelancer's page offers "Add to your
// wallet".
func (w *Workflow) OffersWallet(ctx context.Context, freelancerID string) (bool, error) {
	v, err := w.offerable(ctx, w.Store, freelancerID)
	return v != nil, err
}

// WalletOffer is a credential offer as the page shows it: one
// pre-authorized code, two ways (internal/issuer/offer.go).
type WalletOffer struct {
	// Link is the offer by value: the same-device link.
	Link string
	// ByReference is the offer by reference: the QR code's content.
	ByReference string
	ExpiresAt   time.Time
}

// OfferCredential makes a credential offer for the freelancer's verified
// result: a pre-authorized code (derived from a reference of 256 random
// bits, kept as a hash) bound to them and to that case, redeemable once
// within the issuer's offer lifetime.
func (w *Workflow) OfferCredential(ctx context.Context, tx *store.Tx, freelancerID string) (*WalletOffer, error) {
	v, err := w.offerable(ctx, tx, freelancerID)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, ErrNoWalletOffer
	}
	reference, code, err := w.Issuer.NewOfferReference()
	if err != nil {
		return nil, err
	}
	now := w.now()
	o := &store.CredentialOffer{ID: store.NewID("cro", now), VerificationID: v.ID, FreelancerID: freelancerID,
		CodeHash: issuer.Hash(code), CreatedAt: now, ExpiresAt: now.Add(w.Issuer.OfferLifetimeOrDefault())}
	if err := tx.InsertCredentialOffer(ctx, o); err != nil {
		return nil, err
	}
	err = tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.CredentialOffer, Target: v.ID,
		Details: map[string]string{"offer_id": o.ID}}, now)
	return &WalletOffer{Link: w.Issuer.OfferLink(code), ByReference: w.Issuer.OfferReferenceLink(reference), ExpiresAt: o.ExpiresAt}, err
}

// OfferByReference is the credential offer a reference stands for, as
// the offer endpoint serves it to a wallet: only while its code may still
// be redeemed (not yet, not expired, its case still offered); else an
// *issuer.Error, offer_not_found, which says no more to a guesser.
func (w *Workflow) OfferByReference(ctx context.Context, reference string) (map[string]any, error) {
	code, err := issuer.ParseOfferReference(reference)
	if err != nil {
		return nil, err
	}
	gone := &issuer.Error{Code: issuer.OfferNotFound, Status: http.StatusNotFound,
		Description: "no live offer has this reference: it may have expired or been used; ask for a new one on your verification page"}
	o, err := w.Store.CredentialOfferByCode(ctx, issuer.Hash(code))
	if errors.Is(err, store.ErrNotFound) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if o.RedeemedAt != nil || !w.now().Before(o.ExpiresAt) {
		return nil, gone
	}
	if err := w.stillOffered(ctx, w.Store, o, issuer.OfferNotFound); issuer.AsError(err) != nil {
		return nil, gone
	} else if err != nil {
		return nil, err
	}
	return w.Issuer.Offer(code), nil
}

// AccessToken is what the token endpoint returns for a pre-authorized code.
type AccessToken struct {
	Token     string
	ExpiresIn time.Duration
}

// RedeemOfferCode exchanges a pre-authorized code for an access token,
// once, within the offer's lifetime, while the case it was made for may
// still be offered. A refusal is an *issuer.Error (invalid_grant).
func (w *Workflow) RedeemOfferCode(ctx context.Context, tx *store.Tx, code string) (*AccessToken, error) {
	grant := func(why string) error {
		return &issuer.Error{Code: issuer.InvalidGrant, Description: why, Status: http.StatusBadRequest}
	}
	o, err := tx.CredentialOfferByCode(ctx, issuer.Hash(code))
	if errors.Is(err, store.ErrNotFound) {
		return nil, grant("the pre-authorized code is not one of this issuer's")
	}
	if err != nil {
		return nil, err
	}
	now := w.now()
	switch {
	case o.RedeemedAt != nil:
		return nil, grant("the pre-authorized code was used already")
	case !now.Before(o.ExpiresAt):
		return nil, grant("the pre-authorized code has expired: ask for a new offer on your verification page")
	}
	if err := w.stillOffered(ctx, tx, o, issuer.InvalidGrant); err != nil {
		return nil, err
	}
	token, err := w.Issuer.NewSecret()
	if err != nil {
		return nil, err
	}
	if err := tx.RedeemCredentialOffer(ctx, o.ID, issuer.Hash(token), now.Add(issuer.TokenLifetime), now); errors.Is(err, store.ErrRedeemed) {
		return nil, grant("the pre-authorized code was used already")
	} else if err != nil {
		return nil, err
	}
	return &AccessToken{Token: token, ExpiresIn: issuer.TokenLifetime}, nil
}

// stillOffered refuses, with code, an offer whose case may no longer be
// offered: issuing turned off, a later decision, a new case, an erased
// profile.
func (w *Workflow) stillOffered(ctx context.Context, r issuingReader, o *store.CredentialOffer, code string) error {
	v, err := w.offerable(ctx, r, o.FreelancerID)
	if err != nil {
		return err
	}
	if v == nil || v.ID != o.VerificationID {
		return &issuer.Error{Code: code, Description: "this verification can no longer be issued as a credential", Status: http.StatusBadRequest}
	}
	return nil
}

// IssueCredential issues the credential an access token buys, bound to
// the key its proof names: it checks the token (invalid_token), that the
// case may still be offered (credential_request_denied), the proof
// (invalid_proof, invalid_nonce), then allocates the next status list
// index, signs, and records the credential (never the credential itself).
func (w *Workflow) IssueCredential(ctx context.Context, tx *store.Tx, accessToken string, req *issuer.CredentialRequest) (string, error) {
	unauthorized := &issuer.Error{Code: issuer.InvalidToken, Description: "the access token is unknown, expired or spent", Status: http.StatusUnauthorized}
	o, err := tx.CredentialOfferByToken(ctx, issuer.Hash(accessToken))
	if errors.Is(err, store.ErrNotFound) {
		return "", unauthorized
	}
	if err != nil {
		return "", err
	}
	now := w.now()
	if o.IssuedAt != nil || o.TokenExpiresAt == nil || !now.Before(*o.TokenExpiresAt) {
		return "", unauthorized
	}
	if err := w.stillOffered(ctx, tx, o, issuer.RequestDenied); err != nil {
		return "", err
	}
	holder, err := w.Issuer.CheckProof(req.Proof)
	if err != nil {
		return "", err
	}
	st, err := w.statement(ctx, tx, o.VerificationID)
	if err != nil {
		return "", err
	}
	index, err := tx.NextStatusIndex(ctx)
	if err != nil {
		return "", err
	}
	issued, err := w.Issuer.Credential(*st, holder, index)
	if err != nil {
		return "", err
	}
	thumb, err := issuer.Thumbprint(holder)
	if err != nil {
		return "", err
	}
	keyID, jwk, err := w.Issuer.SigningKey()
	if err != nil {
		return "", err
	}
	err = tx.InsertIssuedCredential(ctx, &store.IssuedCredential{StatusIndex: index, OfferID: o.ID, VerificationID: o.VerificationID,
		FreelancerID: o.FreelancerID, HolderKey: thumb, KeyID: keyID, IssuedAt: now, ExpiresAt: issued.ExpiresAt})
	if errors.Is(err, store.ErrRedeemed) {
		return "", unauthorized
	}
	if err != nil {
		return "", err
	}
	// The key stays published until this credential expires, whatever
	// master keys the nodes hold by then.
	if err := tx.KeepIssuerKey(ctx, keyID, jwk, issued.ExpiresAt); err != nil {
		return "", err
	}
	err = tx.Audit(ctx, audit.Record{Actor: freelancerActor(o.FreelancerID), Action: audit.CredentialIssue, Target: o.VerificationID,
		Details: map[string]string{"offer_id": o.ID, "status_index": strconv.FormatInt(index, 10), "holder_key": thumb}}, now)
	return issued.Credential, err
}

// statement is what a credential says of a verified case: each of its
// claims confirmed, as the profile states it, and when it was verified.
func (w *Workflow) statement(ctx context.Context, tx *store.Tx, verificationID string) (*issuer.Statement, error) {
	v, err := tx.Verification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	f, err := tx.Freelancer(ctx, v.FreelancerID)
	if err != nil {
		return nil, err
	}
	ev, err := w.Recorded(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	st := &issuer.Statement{VerifiedAt: v.UpdatedAt}
	if v.ClosedAt != nil {
		st.VerifiedAt = *v.ClosedAt
	}
	for _, key := range v.Claims {
		o, ok := ev.Outcome(key)
		c, known := f.Claim(key)
		if ok && known && o.Outcome == verification.Confirmed {
			st.Claims = append(st.Claims, issuer.VerifiedClaim{Key: c.Key, Label: c.Label, Value: c.Value, Kind: string(c.Kind)})
		}
	}
	return st, nil
}

// revokeCredentials revokes every valid credential attest issued to a
// freelancer, in tx, with why, and audits it: the one place revocation
// happens. The status list shows it from the commit on.
func (w *Workflow) revokeCredentials(ctx context.Context, tx *store.Tx, actor, freelancerID, reason string) error {
	now := w.now()
	indices, err := tx.RevokeIssuedCredentials(ctx, freelancerID, reason, now)
	if err != nil || len(indices) == 0 {
		return err
	}
	list := make([]string, len(indices))
	for i, idx := range indices {
		list[i] = strconv.FormatInt(idx, 10)
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.CredentialRevoke, Target: freelancerID,
		Details: map[string]any{"reason": reason, "status_indices": list}}, now)
}

// IssuerMetadata is the SD-JWT VC issuer metadata with every key that
// verifies a credential attest issued and still valid: the keys of the
// master keys the node holds, and those of master keys rotated away, kept
// in the database until the last credential each signed expires. The
// status list is signed with the current key, published always.
func (w *Workflow) IssuerMetadata(ctx context.Context) (map[string]any, error) {
	stored, err := w.Store.PublishedIssuerKeys(ctx, w.now())
	if err != nil {
		return nil, err
	}
	earlier := make([]jose.JSONWebKey, 0, len(stored))
	for _, s := range stored {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON([]byte(s)); err != nil {
			return nil, fmt.Errorf("a kept issuer key: %w", err)
		}
		earlier = append(earlier, k)
	}
	return w.Issuer.JWTIssuerMetadata(earlier), nil
}

// KeepIssuerKeysForUnattributed keeps the keys of the master keys a node
// holds published for the credentials issued before keys were recorded
// with each credential: one of them signed those. Called as a node starts.
func (w *Workflow) KeepIssuerKeysForUnattributed(ctx context.Context) error {
	if w.Issuer == nil {
		return nil
	}
	return w.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, k := range w.Issuer.Published {
			b, err := k.MarshalJSON()
			if err != nil {
				return err
			}
			if err := tx.KeepIssuerKeyForUnattributed(ctx, k.KeyID, string(b), w.now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// StatusList is the signed status list of every credential issued, for
// publishing: signed again when it changed (any node's issue or
// revocation) or when half its validity has passed, else served as signed.
func (w *Workflow) StatusList(ctx context.Context) (token string, signedAt time.Time, err error) {
	next, revision, err := w.Store.StatusListState(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	return w.Issuer.SignedStatusList(revision, func() (int64, []int64, error) {
		revoked, err := w.Store.RevokedStatusIndices(ctx)
		return next, revoked, err
	})
}
