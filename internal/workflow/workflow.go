// Package workflow carries out every change to freelancers and
// verifications: each in the caller's transaction together with its events,
// its audit entry and the emails it sends, so that none of them is lost or
// written without the others.
package workflow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// Enqueuer adds durable jobs in a transaction, now or at a later time.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs) error
	InsertAtTx(ctx context.Context, tx *store.Tx, args river.JobArgs, at time.Time) error
}

// Workflow holds what every change needs.
type Workflow struct {
	Store *store.Store
	Jobs  Enqueuer
	// Policy is the base policy: the defaults and the settings that are
	// not edited at /admin/policy. Use CurrentPolicy for the one in force.
	Policy  verification.Policy
	Portal  *auth.PortalSigner
	BaseURL string
	Now     func() time.Time
	// LinkLifetime is how long a fresh portal link lasts at the least.
	LinkLifetime time.Duration
	// Estimator gives the expected wait for a place in the live queue.
	Estimator queue.Estimator
	// OnTaken, when set, is told how long each freelancer taken from the
	// live queue waited there, from joining to being taken. It is called
	// after the transaction commits, never for a take that is rolled back.
	OnTaken func(waited time.Duration)
	// OnDecision, when set, is told of every decision: stage "call" (an
	// agent ending a call) or "review" (a second reviewer). It is called
	// after the transaction commits, never for a decision that is rolled back.
	OnDecision func(stage string, d verification.Decision)
	// Keys are the master keys: they seal the documents freelancers
	// upload. Without them (a CLI tool) documents are refused.
	Keys *keys.Ring
	// PolicyCache, when set, keeps the policy in force between reads; it
	// is a pointer so that copies of a Workflow share it.
	PolicyCache *PolicyCache
	// Random is where each call's live-check challenges come from:
	// crypto/rand's Reader when nil. Tests set a seeded source; it must
	// then not be shared by goroutines, which a seeded source is not safe for.
	Random io.Reader
	// Credentials, when set, lets freelancers confirm claims with a
	// digital credential from their wallet (OpenID4VP, SD-JWT VC).
	Credentials *credential.Service
	// Issuer, when set, lets a verified freelancer take the result to
	// their wallet as a credential attest signs (OpenID4VCI, SD-JWT VC),
	// while the policy's IssueCredentials is on.
	Issuer *issuer.Service
}

// random is the source of the calls' challenges.
func (w *Workflow) random() io.Reader {
	if w.Random != nil {
		return w.Random
	}
	return rand.Reader
}

// decided reports a committed decision to OnDecision.
func (w *Workflow) decided(tx *store.Tx, stage string, d verification.Decision) {
	if w.OnDecision != nil {
		tx.AfterCommit(func() { w.OnDecision(stage, d) })
	}
}

// ErrUnknownFreelancer is returned when a verification names a profile that
// was never put, or was erased.
var ErrUnknownFreelancer = &verification.RuleError{Field: "freelancer_id", Code: "unknown_freelancer",
	Message: "no profile with this id: PUT /v1/freelancers/{id} first"}

func (w *Workflow) now() time.Time { return w.Now().UTC().Truncate(time.Microsecond) }

// PutFreelancer validates and stores a profile. The audit entry names the
// fields, never their values: the log outlives erasure.
func (w *Workflow) PutFreelancer(ctx context.Context, tx *store.Tx, actor string, f *verification.Freelancer) (created bool, err error) {
	if err := f.Validate(); err != nil {
		return false, err
	}
	if err := guard.CheckProfile(f); err != nil {
		return false, err
	}
	now := w.now()
	if created, err = tx.PutFreelancer(ctx, f, now); err != nil {
		return false, err
	}
	action := audit.FreelancerUpdate
	if created {
		action = audit.FreelancerCreate
	}
	return created, tx.Audit(ctx, audit.Record{Actor: actor, Action: action, Target: f.ID,
		Details: map[string]int{"claims": len(f.Claims)}}, now)
}

// EraseFreelancer cancels the freelancer's open case, if any, revokes the
// credentials attest issued them, and removes their personal data. Ids,
// statuses and counts stay for the aggregates.
func (w *Workflow) EraseFreelancer(ctx context.Context, tx *store.Tx, actor, id string) error {
	if _, err := tx.Freelancer(ctx, id); err != nil {
		return err
	}
	open, err := tx.OpenVerification(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if open != nil {
		if _, err := w.Transition(ctx, tx, actor, open.ID, verification.Canceled); err != nil {
			return fmt.Errorf("cancel open case before erasure: %w", err)
		}
	}
	if err := w.revokeCredentials(ctx, tx, actor, id, RevokedErased); err != nil {
		return err
	}
	now := w.now()
	if err := tx.EraseFreelancer(ctx, id, now); err != nil {
		return err
	}
	// Once committed, SQLite's log is folded in and emptied, so that the
	// erased words are not left in it either.
	tx.AfterCommit(func() { w.Store.Checkpoint(context.WithoutCancel(ctx)) })
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.FreelancerErase, Target: id}, now)
}

// PortalLink is a signed link to the freelancer portal.
type PortalLink struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewPortalLink signs and records a fresh link for the freelancer. It lasts
// at least LinkLifetime, and past the open case's deadline by the same margin
// so that the freelancer can still read a result and appeal.
func (w *Workflow) NewPortalLink(ctx context.Context, tx *store.Tx, actor, freelancerID string) (*PortalLink, error) {
	if _, err := tx.Freelancer(ctx, freelancerID); err != nil {
		return nil, err
	}
	now := w.now()
	expires := now.Add(w.LinkLifetime)
	if open, err := tx.OpenVerification(ctx, freelancerID); err == nil {
		if byDeadline := open.Deadline.Add(w.LinkLifetime); byDeadline.After(expires) {
			expires = byDeadline
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	link := &store.PortalLink{ID: store.NewID("pl", now), FreelancerID: freelancerID, CreatedAt: now,
		ExpiresAt: expires.Truncate(time.Second)}
	if err := tx.InsertPortalLink(ctx, link); err != nil {
		return nil, err
	}
	token := w.Portal.Sign(auth.PortalClaims{LinkID: link.ID, FreelancerID: freelancerID, Expires: link.ExpiresAt})
	if err := tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.PortalLinkCreate, Target: freelancerID,
		Details: map[string]string{"link_id": link.ID}}, now); err != nil {
		return nil, err
	}
	return &PortalLink{ID: link.ID, URL: w.BaseURL + "/v/" + token, ExpiresAt: link.ExpiresAt}, nil
}

// RevokePortalLinks revokes every live link of a freelancer.
func (w *Workflow) RevokePortalLinks(ctx context.Context, tx *store.Tx, actor, freelancerID string) (int64, error) {
	if _, err := tx.Freelancer(ctx, freelancerID); err != nil {
		return 0, err
	}
	now := w.now()
	n, err := tx.RevokePortalLinks(ctx, freelancerID, now)
	if err != nil {
		return 0, err
	}
	return n, tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.PortalLinkRevokeAll, Target: freelancerID,
		Details: map[string]int64{"revoked": n}}, now)
}

// Standing is the freelancer's standing now.
func (w *Workflow) Standing(ctx context.Context, freelancerID string) (verification.Standing, error) {
	cases, err := w.Store.StandingCases(ctx, freelancerID)
	if err != nil {
		return verification.Standing{}, err
	}
	p, err := w.CurrentPolicy(ctx)
	if err != nil {
		return verification.Standing{}, err
	}
	st := p.ComputeStanding(freelancerID, cases, w.Now())
	return st, w.explain(ctx, w.Store, &st, cases)
}

// standingChange remembers a standing before a change, to tell the
// marketplace afterwards when what it enforces has changed.
type standingChange struct {
	freelancerID string
	before       verification.Standing
}

func (w *Workflow) watchStanding(ctx context.Context, tx *store.Tx, freelancerID string) (*standingChange, error) {
	cases, err := tx.StandingCases(ctx, freelancerID)
	if err != nil {
		return nil, err
	}
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &standingChange{freelancerID, p.ComputeStanding(freelancerID, cases, w.Now())}, nil
}

// emit writes standing.changed when verified or the restrictions differ.
func (c *standingChange) emit(ctx context.Context, w *Workflow, tx *store.Tx) error {
	cases, err := tx.StandingCases(ctx, c.freelancerID)
	if err != nil {
		return err
	}
	p, err := w.policyIn(ctx, tx)
	if err != nil {
		return err
	}
	now := w.now()
	after := p.ComputeStanding(c.freelancerID, cases, now)
	if c.before.Verified && !after.Verified {
		// Whatever made the freelancer no longer verified (a later case
		// confirmed not_verified) takes back what attest issued them.
		if err := w.revokeCredentials(ctx, tx, "system", c.freelancerID, RevokedNotVerified); err != nil {
			return err
		}
	}
	if after.Verified == c.before.Verified && slices.Equal(after.Restrictions, c.before.Restrictions) {
		return nil
	}
	return w.announceStanding(ctx, tx, after, cases)
}

// announceStanding writes standing.changed with the standing and, while it
// restricts, its statement of reasons.
func (w *Workflow) announceStanding(ctx context.Context, tx *store.Tx, st verification.Standing, cases verification.Cases) error {
	if err := w.explain(ctx, tx, &st, cases); err != nil {
		return err
	}
	_, err := tx.AppendEvent(ctx, verification.EventStandingChange, st.FreelancerID, "", st, w.now())
	return err
}
