// Package rotation keeps the database in step with the master keys a node
// is given: it records which master key the database belongs to, refuses a
// node started with another, moves a database from before master keys onto
// one, and rotates to a new master key, re-sealing what is sealed.
//
// The database records (in settings):
//
//	master_key_id              the id of the master key that signs and seals
//	previous_master_key_id     the id of the one it replaced, and
//	previous_master_key_until  until when that one's signatures verify
//	legacy_portal_key[_until]  the portal-link key from before master keys,
//	                           sealed, verifying links sent before the move
package rotation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
)

// Settings rows.
const (
	settingCurrent       = "master_key_id"
	settingPrevious      = "previous_master_key_id"
	settingPreviousUntil = "previous_master_key_until"
	settingLegacyPortal  = "legacy_portal_key"
	settingLegacyUntil   = "legacy_portal_key_until"
)

// LegacyKeys are the settings that held keys in plain text before master
// keys; the move onto a master key deletes them.
var LegacyKeys = []string{"portal_signing_key", "webhook_signing_key", "totp_seal_key", "staff_ticket_key", "turn_secret"}

// DefaultGrace is how long the replaced master key's signatures verify: as
// long as a portal link lives, so that every link sent before a rotation
// works until it would have expired anyway.
const DefaultGrace = 30 * 24 * time.Hour

// WrongKeyError is a node started with a master key that is not the
// database's.
type WrongKeyError struct{ Message string }

func (e *WrongKeyError) Error() string { return e.Message }

// Report says what Setup found and did, for the node's log.
type Report struct {
	// Adopted is set when the database was moved onto a master key: its
	// plain-text keys were sealed or dropped.
	Adopted bool
	// Resealed counts values moved from an older key to the current one.
	Resealed int
	// Unopened counts values sealed under a key this node was not given.
	Unopened map[store.SealedKind]int
	// PreviousExpired is set when a previous master key was given whose
	// grace period is over: it opens what is sealed, but verifies nothing.
	PreviousExpired bool
	// PreviousUntil is set when a previous master key still verifies in
	// the database's view but this node was not given it.
	PreviousMissingUntil *time.Time
}

// Setup checks the ring against the database before a node serves:
//
//   - a database without a master key is moved onto the ring's current one
//     (see adopt);
//   - a current key that is not the database's is refused, and so is a
//     previous key that is not the one the current key replaced;
//   - the ring learns until when the previous key verifies, and the
//     portal-link key from before master keys while links signed with it
//     live;
//   - values sealed under the previous key (or, given legacy document key,
//     before master keys) are re-sealed under the current one.
func Setup(ctx context.Context, st *store.Store, ring *keys.Ring, now time.Time) (*Report, error) {
	rep := &Report{Unopened: map[store.SealedKind]int{}}
	recorded, err := st.Setting(ctx, settingCurrent)
	if errors.Is(err, store.ErrNotFound) {
		err = st.InTx(ctx, func(tx *store.Tx) error {
			won, err := tx.AddSetting(ctx, settingCurrent, ring.Current.ID())
			if err != nil || !won {
				return err // another node moved it first
			}
			rep.Adopted = true
			return adopt(ctx, tx, ring, now)
		})
		if err == nil {
			recorded, err = st.Setting(ctx, settingCurrent)
		}
	}
	if err != nil {
		return nil, err
	}
	previous, until, err := previousKey(ctx, st)
	if err != nil {
		return nil, err
	}
	if recorded != ring.Current.ID() {
		if ring.Current.ID() == previous {
			return nil, &WrongKeyError{fmt.Sprintf("master key %s was replaced by master key %s; start with the new key, "+
				"and give this one as the previous master key until %s", previous, recorded, until.Format(time.RFC3339))}
		}
		return nil, &WrongKeyError{fmt.Sprintf("the master key given (id %s) is not this database's (id %s): "+
			"give the key the database was set up with", ring.Current.ID(), recorded)}
	}
	switch {
	case ring.Previous != nil && ring.Previous.ID() != previous:
		return nil, &WrongKeyError{fmt.Sprintf("the previous master key given (id %s) is not the one master key %s replaced (%s)",
			ring.Previous.ID(), recorded, orNone(previous))}
	case ring.Previous != nil:
		ring.PreviousUntil = until
		rep.PreviousExpired = !now.Before(until)
	case previous != "" && now.Before(until):
		rep.PreviousMissingUntil = &until
	}
	if err := loadLegacyPortal(ctx, st, ring, now); err != nil {
		return nil, err
	}
	rep.Resealed, err = reseal(ctx, st, ring, rep.Unopened)
	return rep, err
}

// adopt moves a database from before master keys onto the ring's current
// key, in the transaction that records it:
//
//   - the portal-link key is sealed and kept, to verify the links already
//     sent until they expire (links live 30 days);
//   - each webhook endpoint's secret, which the marketplace holds, is made
//     once more from the old webhook key and sealed: it does not change;
//   - TOTP secrets are opened with the old sealing key and sealed again;
//   - the plain-text keys are deleted.
//
// Documents were sealed with --document-key, never with a key in the
// database: Setup re-seals them when that key is given once more.
func adopt(ctx context.Context, tx *store.Tx, ring *keys.Ring, now time.Time) error {
	legacy := map[string][]byte{}
	for _, name := range LegacyKeys {
		v, err := tx.Setting(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if legacy[name], err = hex.DecodeString(v); err != nil {
			return fmt.Errorf("setting %s is damaged: %w", name, err)
		}
	}
	if k := legacy["portal_signing_key"]; k != nil {
		sealed, err := ring.Seal(keys.PortalLinks, settingLegacyPortal, k)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingLegacyPortal, encodeSealed(sealed)); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingLegacyUntil, now.Add(DefaultGrace).UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	endpoints, err := tx.WebhookEndpointsUnsealed(ctx)
	if err != nil {
		return err
	}
	for _, ep := range endpoints {
		k := legacy["webhook_signing_key"]
		if k == nil {
			return fmt.Errorf("webhook endpoint %s has a secret made from a key the database no longer holds", ep.ID)
		}
		sealed, err := ring.Seal(keys.WebhookSecrets, ep.ID, legacyWebhookSecret(k, ep.ID, ep.Salt))
		if err != nil {
			return err
		}
		if err := tx.SetWebhookSecret(ctx, ep.ID, sealed, nil, nil, ep.UpdatedAt); err != nil {
			return err
		}
	}
	if k := legacy["totp_seal_key"]; k != nil {
		old := keys.NewRing(ring.Current).WithLegacy(keys.TOTPSecrets, k)
		if _, err := resealKind(ctx, tx, old, store.SealedTOTP, nil); err != nil {
			return err
		}
	}
	for _, name := range LegacyKeys {
		if err := tx.DeleteSetting(ctx, name); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.KeysAdopt, Target: ring.Current.ID(),
		Details: map[string]any{"webhook_endpoints": len(endpoints)}}, now)
}

// Rotate makes next the master key: from now on it signs and seals, and
// the current key's signatures verify for grace more. Everything sealed is
// re-sealed under next. The ring must hold the database's current key, and
// its previous key if anything is still sealed under that.
//
// Rotate records the change first and re-seals after, in batches: if it
// stops half-way, running it again with the same keys, or starting a node
// with next and the old key as previous, finishes the re-sealing.
func Rotate(ctx context.Context, st *store.Store, ring *keys.Ring, next *keys.Master, grace time.Duration, actor string, now time.Time) (int, error) {
	recorded, err := st.Setting(ctx, settingCurrent)
	if err != nil {
		return 0, fmt.Errorf("read the database's master key: %w", err)
	}
	previous, _, err := previousKey(ctx, st)
	if err != nil {
		return 0, err
	}
	if recorded == next.ID() && previous == ring.Current.ID() {
		// Rotated already; finish re-sealing what a stopped run left.
		after := &keys.Ring{Current: next, Previous: ring.Current, PreviousUntil: now}
		return reseal(ctx, st, after, map[store.SealedKind]int{})
	}
	if recorded != ring.Current.ID() {
		return 0, &WrongKeyError{fmt.Sprintf("the master key given (id %s) is not this database's (id %s)", ring.Current.ID(), recorded)}
	}
	if next.ID() == ring.Current.ID() {
		return 0, &WrongKeyError{"the new master key is the current one: make a new key with `attest keys new`"}
	}
	if ring.Previous != nil && ring.Previous.ID() != previous {
		return 0, &WrongKeyError{fmt.Sprintf("the previous master key given (id %s) is not the one master key %s replaced (%s)",
			ring.Previous.ID(), recorded, orNone(previous))}
	}
	// Whatever is still under the previous key is moved first: after the
	// rotation that key is forgotten.
	unopened := map[store.SealedKind]int{}
	if _, err := reseal(ctx, st, ring, unopened); err != nil {
		return 0, err
	}
	if n := total(unopened); n > 0 {
		return 0, fmt.Errorf("%d sealed values are under a master key other than the current one (%s); "+
			"give that key as the previous master key so they can be re-sealed first", n, describe(unopened))
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutSetting(ctx, settingCurrent, next.ID()); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingPrevious, ring.Current.ID()); err != nil {
			return err
		}
		until := now.Add(grace).UTC()
		if err := tx.PutSetting(ctx, settingPreviousUntil, until.Format(time.RFC3339)); err != nil {
			return err
		}
		if v, err := tx.Setting(ctx, settingLegacyPortal); err == nil {
			k, err := openSealed(ring, v)
			if err != nil {
				return err
			}
			sealed, err := keys.NewRing(next).Seal(keys.PortalLinks, settingLegacyPortal, k)
			if err != nil {
				return err
			}
			if err := tx.PutSetting(ctx, settingLegacyPortal, encodeSealed(sealed)); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.KeysRotate, Target: next.ID(),
			Details: map[string]any{"previous": ring.Current.ID(), "previous_verifies_until": until.Format(time.RFC3339)}}, now)
	})
	if err != nil {
		return 0, err
	}
	after := &keys.Ring{Current: next, Previous: ring.Current, PreviousUntil: now.Add(grace)}
	return reseal(ctx, st, after, map[store.SealedKind]int{})
}

// Status is what the database says of its master keys, for `attest keys status`.
type Status struct {
	Current       string
	Previous      string
	PreviousUntil time.Time
	// LegacyPortalUntil is when portal links from before master keys stop
	// working (zero if there are none).
	LegacyPortalUntil time.Time
	// Sealed counts sealed values by kind and by the id of the master key
	// they are under ("" before master keys).
	Sealed map[store.SealedKind]map[string]int
	// LegacyKeys lists plain-text keys still in the database: there are
	// some only before the first start with a master key.
	LegacyKeys []string
}

// Read reads the database's key status.
func Read(ctx context.Context, st *store.Store) (*Status, error) {
	s := &Status{}
	var err error
	if s.Current, err = st.Setting(ctx, settingCurrent); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if s.Previous, s.PreviousUntil, err = previousKey(ctx, st); err != nil {
		return nil, err
	}
	if v, err := st.Setting(ctx, settingLegacyUntil); err == nil {
		s.LegacyPortalUntil, _ = time.Parse(time.RFC3339, v)
	}
	for _, name := range LegacyKeys {
		if _, err := st.Setting(ctx, name); err == nil {
			s.LegacyKeys = append(s.LegacyKeys, name)
		}
	}
	s.Sealed, err = st.SealedCounts(ctx)
	return s, err
}

// reseal moves every value not sealed under the ring's current key that the
// ring can open to the current key, kind by kind, in batches of its own
// transactions; it counts in unopened what it cannot open.
func reseal(ctx context.Context, st *store.Store, ring *keys.Ring, unopened map[store.SealedKind]int) (int, error) {
	done := 0
	for _, kind := range store.SealedKinds {
		after := ""
		for {
			var batch int
			err := st.InTx(ctx, func(tx *store.Tx) error {
				var err error
				batch, after, err = resealBatch(ctx, tx, ring, kind, after, unopened, &done)
				return err
			})
			if err != nil {
				return done, err
			}
			if batch < resealBatchSize {
				break
			}
		}
	}
	return done, nil
}

// resealBatchSize bounds a re-sealing transaction: documents are up to 10 MB.
const resealBatchSize = 20

func resealBatch(ctx context.Context, tx *store.Tx, ring *keys.Ring, kind store.SealedKind, after string,
	unopened map[store.SealedKind]int, done *int) (int, string, error) {
	values, err := tx.SealedNotUnder(ctx, kind, ring.Current.ID(), after, resealBatchSize)
	if err != nil {
		return 0, after, err
	}
	for _, v := range values {
		after = v.ID
		plain, err := ring.Open(purposes[kind], v.ID, v.Sealed)
		if err != nil {
			unopened[kind]++
			continue
		}
		sealed, err := ring.Seal(purposes[kind], v.ID, plain)
		if err != nil {
			return 0, after, err
		}
		ok, err := tx.Reseal(ctx, v, sealed)
		if err != nil {
			return 0, after, err
		}
		if ok {
			*done++
		}
	}
	return len(values), after, nil
}

// resealKind re-seals every value of one kind in one transaction.
func resealKind(ctx context.Context, tx *store.Tx, ring *keys.Ring, kind store.SealedKind, unopened map[store.SealedKind]int) (int, error) {
	if unopened == nil {
		unopened = map[store.SealedKind]int{}
	}
	done, after := 0, ""
	for {
		n, last, err := resealBatch(ctx, tx, ring, kind, after, unopened, &done)
		if err != nil {
			return done, err
		}
		if n < resealBatchSize {
			if unopened[kind] > 0 {
				return done, fmt.Errorf("%d %s values could not be opened with the old key", unopened[kind], kind)
			}
			return done, nil
		}
		after = last
	}
}

// purposes are the key purposes of the sealed kinds.
var purposes = map[store.SealedKind]keys.Purpose{
	store.SealedDocument:        keys.Documents,
	store.SealedTOTP:            keys.TOTPSecrets,
	store.SealedWebhookSecret:   keys.WebhookSecrets,
	store.SealedWebhookPrevious: keys.WebhookSecrets,
}

func previousKey(ctx context.Context, st interface {
	Setting(context.Context, string) (string, error)
}) (string, time.Time, error) {
	id, err := st.Setting(ctx, settingPrevious)
	if errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	v, err := st.Setting(ctx, settingPreviousUntil)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("previous master key: %w", err)
	}
	until, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("setting %s is damaged: %w", settingPreviousUntil, err)
	}
	return id, until, nil
}

// loadLegacyPortal gives the ring the portal-link key from before master
// keys while links signed with it live, and forgets it after.
func loadLegacyPortal(ctx context.Context, st *store.Store, ring *keys.Ring, now time.Time) error {
	v, err := st.Setting(ctx, settingLegacyPortal)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := st.Setting(ctx, settingLegacyUntil)
	if err != nil {
		return err
	}
	until, err := time.Parse(time.RFC3339, u)
	if err != nil {
		return fmt.Errorf("setting %s is damaged: %w", settingLegacyUntil, err)
	}
	if !now.Before(until) {
		return st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.DeleteSetting(ctx, settingLegacyPortal); err != nil {
				return err
			}
			return tx.DeleteSetting(ctx, settingLegacyUntil)
		})
	}
	k, err := openSealed(ring, v)
	if err != nil {
		return err
	}
	ring.Retire(keys.PortalLinks, k, until)
	return nil
}

// legacyWebhookSecret is an endpoint's signing secret as it was made before
// master keys: HMAC-SHA256 of the endpoint's id and salt under the webhook
// key that lived in the database.
func legacyWebhookSecret(key []byte, endpointID, salt string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("attest webhook secret\x00" + endpointID + "\x00" + salt))
	return mac.Sum(nil)
}

// encodeSealed writes a sealed setting as key id, nonce and data, joined by dots.
func encodeSealed(s keys.Sealed) string {
	return s.KeyID + "." + hex.EncodeToString(s.Nonce) + "." + hex.EncodeToString(s.Data)
}

func openSealed(ring *keys.Ring, v string) ([]byte, error) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("setting %s is damaged", settingLegacyPortal)
	}
	nonce, err1 := hex.DecodeString(parts[1])
	data, err2 := hex.DecodeString(parts[2])
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("setting %s is damaged: %w", settingLegacyPortal, err)
	}
	return ring.Open(keys.PortalLinks, settingLegacyPortal, keys.Sealed{KeyID: parts[0], Nonce: nonce, Data: data})
}

func total(m map[store.SealedKind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func describe(m map[store.SealedKind]int) string {
	var parts []string
	for _, kind := range store.SealedKinds {
		if m[kind] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[kind], kind))
		}
	}
	return strings.Join(parts, ", ")
}

func orNone(id string) string {
	if id == "" {
		return "none: no rotation is recorded"
	}
	return "id " + id
}
