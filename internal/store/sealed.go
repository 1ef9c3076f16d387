package store

import (
	"context"
	"fmt"

	"github.com/attest-dev/attest/internal/keys"
)

// SealedKind names a place where sealed values are kept.
type SealedKind string

// The sealed values attest keeps.
const (
	SealedDocument        SealedKind = "document"
	SealedTOTP            SealedKind = "totp_secret"
	SealedWebhookSecret   SealedKind = "webhook_secret"
	SealedWebhookPrevious SealedKind = "webhook_previous_secret"
)

// SealedKinds lists every kind, in the order a rotation re-seals them.
var SealedKinds = []SealedKind{SealedTOTP, SealedWebhookSecret, SealedWebhookPrevious, SealedDocument}

// sealedPlace is where a kind's values are: the table and its columns, and
// the condition a row must meet to hold one.
type sealedPlace struct{ table, id, keyID, nonce, data, present string }

var sealedPlaces = map[SealedKind]sealedPlace{
	SealedDocument:        {"documents", "id", "key_id", "nonce", "sealed", "1 = 1"},
	SealedTOTP:            {"staff_totp", "staff_id", "key_id", "nonce", "secret", "1 = 1"},
	SealedWebhookSecret:   {"webhook_endpoints", "id", "secret_key_id", "secret_nonce", "secret_sealed", "secret_sealed IS NOT NULL"},
	SealedWebhookPrevious: {"webhook_endpoints", "id", "previous_key_id", "previous_nonce", "previous_sealed", "previous_sealed IS NOT NULL"},
}

// SealedValue is one sealed value and the id of the master key it is
// sealed under ("" from before master keys).
type SealedValue struct {
	Kind SealedKind
	ID   string
	keys.Sealed
}

// SealedNotUnder returns up to limit values of a kind not sealed under
// keyID, those with ids after after, in id order.
func (c conn) SealedNotUnder(ctx context.Context, kind SealedKind, keyID, after string, limit int) ([]SealedValue, error) {
	p := sealedPlaces[kind]
	rows, err := c.query(ctx, `SELECT `+p.id+`, `+p.keyID+`, `+p.nonce+`, `+p.data+` FROM `+p.table+`
		WHERE `+p.present+` AND `+p.keyID+` <> ? AND `+p.id+` > ? ORDER BY `+p.id+` LIMIT ?`, keyID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list sealed %s: %w", kind, err)
	}
	defer rows.Close()
	var out []SealedValue
	for rows.Next() {
		v := SealedValue{Kind: kind}
		if err := rows.Scan(&v.ID, &v.KeyID, &v.Nonce, &v.Data); err != nil {
			return nil, fmt.Errorf("list sealed %s: %w", kind, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Reseal replaces a sealed value with the same value sealed again (under
// another key), unless it changed since it was read: it reports
// whether it replaced it. A value written meanwhile (a new TOTP enrolment)
// is newer than the re-sealing and is kept.
func (t *Tx) Reseal(ctx context.Context, v SealedValue, to keys.Sealed) (bool, error) {
	p := sealedPlaces[v.Kind]
	res, err := t.exec(ctx, `UPDATE `+p.table+` SET `+p.keyID+` = ?, `+p.nonce+` = ?, `+p.data+` = ?
		WHERE `+p.id+` = ? AND `+p.keyID+` = ? AND `+p.nonce+` = ?`, to.KeyID, to.Nonce, to.Data, v.ID, v.KeyID, v.Nonce)
	if err != nil {
		return false, fmt.Errorf("re-seal %s %s: %w", v.Kind, v.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SealedCounts counts the values of each kind by the master key they are
// sealed under.
func (c conn) SealedCounts(ctx context.Context) (map[SealedKind]map[string]int, error) {
	out := map[SealedKind]map[string]int{}
	for _, kind := range SealedKinds {
		p := sealedPlaces[kind]
		rows, err := c.query(ctx, `SELECT `+p.keyID+`, COUNT(*) FROM `+p.table+` WHERE `+p.present+` GROUP BY `+p.keyID)
		if err != nil {
			return nil, fmt.Errorf("count sealed %s: %w", kind, err)
		}
		out[kind] = map[string]int{}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count sealed %s: %w", kind, err)
			}
			out[kind][id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
