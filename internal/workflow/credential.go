package workflow

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ErrNoCredentialClaims is returned when a freelancer asks to present a
// digital credential for a case none of whose claims one can confirm, or
// when this attest verifies no credentials.
var ErrNoCredentialClaims = &verification.RuleError{Field: "claims", Code: "no_credential_claims",
	Message: "no digital credential is asked for on this verification now: none of its claims can be confirmed by one, or its identity step is done, or its call has started"}

// CredentialClaims is the claims of the freelancer's open case a digital
// credential can confirm; none when the case takes none now
// (Verification.TakesCredential).
func (w *Workflow) CredentialClaims(ctx context.Context, r caseReader, freelancerID string, v *verification.Verification) ([]verification.Claim, error) {
	if w.Credentials == nil || v == nil || !v.TakesCredential() {
		return nil, nil
	}
	f, err := r.Freelancer(ctx, freelancerID)
	if err != nil {
		return nil, err
	}
	return w.Credentials.Confirmable(f, v), nil
}

// CredentialOffer says whether the freelancer is offered "Use a digital
// ID" on the open case now (verification.OffersCredential), and whether a
// credential already bore their legal name on it.
func (w *Workflow) CredentialOffer(ctx context.Context, r credentialReader, freelancerID string, v *verification.Verification) (offered, matched bool, err error) {
	claims, err := w.CredentialClaims(ctx, r, freelancerID, v)
	if err != nil || len(claims) == 0 {
		return false, false, err
	}
	steps, err := r.Steps(ctx, v.ID)
	if err != nil {
		return false, false, err
	}
	matched = slices.ContainsFunc(steps, func(s verification.StepRecord) bool {
		return s.Step == verification.StepIdentityCredential && s.Passed()
	})
	return verification.OffersCredential(v, steps, claims), matched, nil
}

type credentialReader interface {
	caseReader
	Steps(ctx context.Context, verificationID string) ([]verification.StepRecord, error)
}

// StartCredentialAttempt opens a request for a digital credential on the
// freelancer's open case, by transport (credential.SameDevice or
// credential.CrossDevice).
func (w *Workflow) StartCredentialAttempt(ctx context.Context, tx *store.Tx, freelancerID, transport string) (*credential.Attempt, error) {
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoOpenCase
	}
	if err != nil {
		return nil, err
	}
	offered, _, err := w.CredentialOffer(ctx, tx, freelancerID, v)
	if err != nil {
		return nil, err
	}
	if !offered {
		return nil, ErrNoCredentialClaims
	}
	claims, err := w.CredentialClaims(ctx, tx, freelancerID, v)
	if err != nil {
		return nil, err
	}
	now := w.now()
	a, err := w.Credentials.NewAttempt(store.NewID("cra", now), transport, claims, nil)
	if err != nil {
		return nil, &verification.FieldError{Field: "transport", Code: "invalid", Message: err.Error()}
	}
	err = tx.InsertCredentialAttempt(ctx, &store.CredentialAttempt{ID: a.ID, VerificationID: v.ID, Transport: a.Transport,
		Nonce: a.Nonce, State: a.State, Query: credential.EncodeQuery(a.Query), CreatedAt: now, ExpiresAt: a.ExpiresAt})
	if err != nil {
		return nil, err
	}
	return a, tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.CredentialRequest, Target: v.ID,
		Details: map[string]string{"attempt_id": a.ID, "transport": transport}}, now)
}

// CredentialAttempt reads an attempt back as the credential package knows it.
func CredentialAttempt(a *store.CredentialAttempt) (*credential.Attempt, error) {
	q, err := credential.DecodeQuery(a.Query)
	if err != nil || len(q.Credentials) != 1 {
		return nil, errors.New("credential attempt " + a.ID + ": the query kept with it does not read")
	}
	return &credential.Attempt{ID: a.ID, Transport: a.Transport, Nonce: a.Nonce, State: a.State, Query: q, ExpiresAt: a.ExpiresAt}, nil
}

// CheckCredential verifies a wallet's answer to an attempt: the vp_token,
// or the error the wallet sent instead. It writes nothing and runs outside
// any transaction, since it may fetch a status list; RecordCredential then
// records what it found. A refusal is returned as a *sdjwt.Refusal.
func (w *Workflow) CheckCredential(ctx context.Context, stored *store.CredentialAttempt, vpToken []byte, walletError string) (*credential.Result, error) {
	if w.Credentials == nil {
		return nil, ErrNoCredentialClaims
	}
	if stored.AnsweredAt != nil {
		return nil, &sdjwt.Refusal{Code: credential.Replayed, Field: "state", Message: "this request was answered already"}
	}
	if walletError != "" {
		return nil, &sdjwt.Refusal{Code: credential.WalletError, Field: "error", Message: "the wallet answered " + walletError}
	}
	a, err := CredentialAttempt(stored)
	if err != nil {
		return nil, err
	}
	v, err := w.Store.Verification(ctx, stored.VerificationID)
	if err != nil {
		return nil, err
	}
	claims, err := w.CredentialClaims(ctx, w.Store, v.FreelancerID, v)
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, ErrNoCredentialClaims
	}
	presentation, err := credential.ParseVPToken(vpToken)
	if err != nil {
		return nil, err
	}
	return w.Credentials.Check(ctx, a, presentation, claims)
}

// CredentialAnswer is how an attempt ended.
type CredentialAnswer struct {
	// Result is "verified" (every claim asked matched), "mismatch" (the
	// credential is genuine but a value differs: staff will look) or
	// "refused" (Reason says why).
	Result string
	Reason sdjwt.Code
	// Verification is the case afterwards; verified when the credential
	// settled it.
	Verification *verification.Verification
}

// RecordCredential records how an attempt ended, in tx: a refusal with its
// reason; or the evidence of a verified credential per claim (issuer,
// type, time), the identity step and each claim it confirmed, and, when
// that settles the case, the verified decision. A presentation is
// accepted once: an attempt answered before, or a presentation accepted
// on another attempt, is refused as replayed.
func (w *Workflow) RecordCredential(ctx context.Context, tx *store.Tx, stored *store.CredentialAttempt, result *credential.Result, refusal error) (*CredentialAnswer, error) {
	now := w.now()
	v, err := tx.LockVerification(ctx, stored.VerificationID)
	if err != nil {
		return nil, err
	}
	if result != nil {
		if seen, err := tx.PresentationAccepted(ctx, result.Hash); err != nil || seen {
			if err != nil {
				return nil, err
			}
			result, refusal = nil, &sdjwt.Refusal{Code: credential.Replayed, Field: "vp_token", Message: "this presentation was accepted before"}
		}
	}
	ans := &CredentialAnswer{Verification: v}
	var hash string
	switch {
	case result == nil:
		ans.Result, ans.Reason = "refused", sdjwt.CodeOf(refusal)
		if ans.Reason == "" {
			return nil, refusal // not a refusal: a fault
		}
	default:
		hash, ans.Result = result.Hash, "verified"
		if slices.ContainsFunc(result.Findings, func(f verification.CredentialFinding) bool { return !f.Matched }) {
			ans.Result = "mismatch"
		}
	}
	if err := tx.AnswerCredentialAttempt(ctx, stored.ID, ans.Result, string(ans.Reason), hash, now); errors.Is(err, store.ErrAnswered) {
		return &CredentialAnswer{Result: "refused", Reason: credential.Replayed, Verification: v}, nil
	} else if err != nil {
		return nil, err
	}
	actor := freelancerActor(v.FreelancerID)
	if result != nil {
		if ans.Verification, err = w.recordFindings(ctx, tx, v, stored.ID, actor, result, now); err != nil {
			return nil, err
		}
	}
	return ans, tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.CredentialAnswer, Target: v.ID,
		Details: map[string]string{"attempt_id": stored.ID, "result": ans.Result, "reason": string(ans.Reason)}}, now)
}

// recordFindings records a verified credential's evidence on the case and
// what it settles (verification.RecordCredential).
func (w *Workflow) recordFindings(ctx context.Context, tx *store.Tx, v *verification.Verification, attemptID, actor string, r *credential.Result, now time.Time) (*verification.Verification, error) {
	f, err := tx.Freelancer(ctx, v.FreelancerID)
	if err != nil {
		return nil, err
	}
	kinds := map[string]verification.ClaimKind{}
	for _, c := range f.Claims {
		kinds[c.Key] = c.Kind
	}
	for _, fd := range r.Findings {
		err := tx.PutCredentialEvidence(ctx, store.CredentialEvidence{AttemptID: attemptID, VerificationID: v.ID, ClaimKey: fd.Claim,
			Matched: fd.Matched, Issuer: fd.Issuer, Type: fd.Type, VerifiedAt: now})
		if err != nil {
			return nil, err
		}
	}
	rec := verification.RecordCredential(v, actor, r.Findings, kinds, now)
	if _, err := w.putStep(ctx, tx, v, actor, rec.Step.Step, rec.Step.Result); err != nil {
		return nil, err
	}
	for _, o := range rec.Outcomes {
		if err := tx.PutClaimOutcome(ctx, v.ID, "", o, now); err != nil {
			return nil, err
		}
	}
	if !rec.Settles {
		return v, nil
	}
	if _, err := w.putStep(ctx, tx, v, actor, rec.Consent.Step, rec.Consent.Result); err != nil {
		return nil, err
	}
	return w.Transition(ctx, tx, actor, v.ID, verification.Verified)
}
