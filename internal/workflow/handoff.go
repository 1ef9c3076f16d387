package workflow

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
)

// HandoffLifetime is how long a phone hand-off code works.
const HandoffLifetime = 10 * time.Minute

// handoffAlphabet has no letters that read alike (no I, L, O, U), so a code
// can be typed from a screen without mistakes.
const handoffAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

// NewHandoff makes a short single-use code that moves the freelancer's side
// of the call to another device.
func (w *Workflow) NewHandoff(ctx context.Context, tx *store.Tx, freelancerID string) (*store.Handoff, error) {
	now := w.now()
	for range 5 {
		h := &store.Handoff{Code: randomCode(8), FreelancerID: freelancerID, CreatedAt: now, ExpiresAt: now.Add(HandoffLifetime)}
		err := tx.InsertHandoff(ctx, h)
		if errors.Is(err, store.ErrConflict) {
			continue // 40 random bits rarely collide; try another
		}
		if err != nil {
			return nil, err
		}
		return h, tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.HandoffCreate, Target: freelancerID}, now)
	}
	return nil, errors.New("could not find a free hand-off code")
}

// UseHandoff spends a code and returns a fresh portal link for the device
// that brought it.
func (w *Workflow) UseHandoff(ctx context.Context, tx *store.Tx, code string) (*PortalLink, error) {
	freelancerID, err := tx.SpendHandoff(ctx, code, w.now())
	if err != nil {
		return nil, err
	}
	return w.NewPortalLink(ctx, tx, freelancerActor(freelancerID)+":handoff", freelancerID)
}

// randomCode draws n characters uniformly from the alphabet: bytes past the
// largest multiple of its length are thrown away rather than folded in.
func randomCode(n int) string {
	limit := byte(256 / len(handoffAlphabet) * len(handoffAlphabet))
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(out) < n {
		rand.Read(buf)
		if buf[0] < limit {
			out = append(out, handoffAlphabet[int(buf[0])%len(handoffAlphabet)])
		}
	}
	return string(out)
}
