package workflow

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// Accommodate records the freelancer's request for another way to do the
// call, when the case's methods allow it. The reason is optional and theirs:
// it is shown to the agent, never to the marketplace.
func (w *Workflow) Accommodate(ctx context.Context, tx *store.Tx, freelancerID string, a verification.Accommodation, reason string) error {
	reason, err := accommodationReason(reason)
	if err != nil {
		return err
	}
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoOpenCase
	}
	if err != nil {
		return err
	}
	if a != "" && !slices.Contains(v.Accommodations(), a) {
		return &verification.RuleError{Field: "accommodation", Code: "not_offered", Message: "this verification cannot be done that way"}
	}
	if err := tx.SetAccommodation(ctx, v.ID, a, reason); err != nil {
		return err
	}
	if v.Status == verification.InCall {
		// The camera failed mid-call, say: the live check becomes what the
		// new way asks for (audio only reads a phrase), chosen afresh.
		before := v.Mode()
		v.Accommodation = a
		if after := v.Mode(); after != before {
			if err := w.rechallenge(ctx, tx, v); err != nil {
				return err
			}
		}
	}
	return tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.AccommodationSet, Target: v.ID,
		Details: map[string]string{"accommodation": string(a)}}, w.now())
}

// accommodationReason trims the freelancer's optional note to the agent and
// holds it to 500 characters.
func accommodationReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return "", &verification.FieldError{Field: "reason", Code: "too_long", Message: "at most 500 characters"}
	}
	return reason, nil
}

// rechallenge chooses a live call's challenges again for the case's mode.
func (w *Workflow) rechallenge(ctx context.Context, tx *store.Tx, v *verification.Verification) error {
	c, err := tx.LiveCall(ctx, v.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	challenges, err := verification.ChooseChallenges(v.Mode(), w.random())
	if err != nil {
		return err
	}
	return tx.SetCallChallenges(ctx, c.ID, challenges)
}
