package workflow

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ShownChallenge is a live-check challenge as the freelancer's page shows
// it, in the freelancer's language.
type ShownChallenge struct {
	Key string
	// Text is the whole request, as plain text.
	Text string
	// Phrase is, for a phrase to read aloud, its words as the freelancer
	// reads them (a part of Text); empty for a gesture.
	Phrase string
	// Lang is the language of Text, a catalog's tag.
	Lang    string
	ShownAt *time.Time
}

// WordChallenge words a challenge in the language of a freelancer's locale.
func WordChallenge(locale string, ch verification.Challenge) ShownChallenge {
	c := i18n.Match(locale)
	s := ShownChallenge{Key: ch.Key, Text: c.ChallengeText(ch.Key, ch.Words), Lang: c.Tag, ShownAt: ch.ShownAt}
	if len(ch.Words) > 0 {
		s.Phrase = c.Phrase(ch.Words)
	}
	return s
}

// ShowChallenge shows one challenge of the agent's call on the freelancer's
// page. The freelancer's page holds no challenge until the agent asks for
// it, so that nobody has time to prepare an answer; the first showing is
// recorded with the call and in the audit log. The caller sends the words
// returned to the page (call.Service.ShowChallenge).
func (w *Workflow) ShowChallenge(ctx context.Context, tx *store.Tx, agentID, verificationID, key string) (*ShownChallenge, error) {
	c, v, err := w.agentCall(ctx, tx, agentID, verificationID)
	if err != nil {
		return nil, err
	}
	now := w.now()
	challenges, first, err := verification.ShowChallenge(verification.CallChallenges(v.Mode(), c.ID, c.Challenges), key, now)
	if err != nil {
		return nil, err
	}
	if first {
		if err := tx.SetCallChallenges(ctx, c.ID, challenges); err != nil {
			return nil, err
		}
		err := tx.Audit(ctx, audit.Record{Actor: staff.Actor(agentID), Action: audit.ChallengeShow, Target: v.ID,
			Details: map[string]string{"call": c.ID, "challenge": key}}, now)
		if err != nil {
			return nil, err
		}
	}
	ch := challenges[slices.IndexFunc(challenges, func(c verification.Challenge) bool { return c.Key == key })]
	f, err := tx.Freelancer(ctx, v.FreelancerID)
	if err != nil {
		return nil, err
	}
	shown := WordChallenge(f.Locale, ch)
	return &shown, nil
}

// ShownChallenges are the challenges of a case's live call shown so far,
// oldest first, worded for its freelancer: what their page shows again
// after a reload.
// None when the case is not in a call.
func (w *Workflow) ShownChallenges(ctx context.Context, verificationID string) ([]ShownChallenge, error) {
	c, err := w.Store.LiveCall(ctx, verificationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := w.Store.Verification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	var shown []ShownChallenge
	var locale string
	for _, ch := range verification.CallChallenges(v.Mode(), c.ID, c.Challenges) {
		if ch.ShownAt == nil {
			continue
		}
		if locale == "" {
			f, err := w.Store.Freelancer(ctx, v.FreelancerID)
			if err != nil {
				return nil, err
			}
			locale = f.Locale
		}
		shown = append(shown, WordChallenge(locale, ch))
	}
	// Oldest first: the page shows the last it gets, the one asked for last.
	slices.SortStableFunc(shown, func(a, b ShownChallenge) int { return a.ShownAt.Compare(*b.ShownAt) })
	return shown, nil
}
