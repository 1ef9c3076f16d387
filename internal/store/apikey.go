package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIKey is a marketplace's credential. Only its hash is stored; the key
// itself is shown once, when it is created.
type APIKey struct {
	ID        string
	Name      string
	Prefix    string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// InsertAPIKey stores a new key by its hash.
func (t *Tx) InsertAPIKey(ctx context.Context, k *APIKey, hash string) error {
	_, err := t.exec(ctx, "INSERT INTO api_keys (id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
		k.ID, k.Name, k.Prefix, hash, t.t(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert api key %s: %w", k.Name, err)
	}
	return nil
}

// APIKeyByHash finds a key that has not been revoked.
func (c conn) APIKeyByHash(ctx context.Context, hash string) (*APIKey, error) {
	var k APIKey
	err := c.queryRow(ctx, "SELECT id, name, prefix, created_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL", hash).
		Scan(&k.ID, &k.Name, &k.Prefix, timeCol{&k.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("look up api key: %w", err)
	}
	return &k, nil
}

// APIKeys lists every key, revoked ones included, newest first.
func (c conn) APIKeys(ctx context.Context) ([]*APIKey, error) {
	rows, err := c.query(ctx, "SELECT id, name, prefix, created_at, revoked_at FROM api_keys ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var list []*APIKey
	for rows.Next() {
		var k APIKey
		if err := rows.Scan(&k.ID, &k.Name, &k.Prefix, timeCol{&k.CreatedAt}, nullTimeCol{&k.RevokedAt}); err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		list = append(list, &k)
	}
	return list, rows.Err()
}

// RevokeAPIKey stops a key from working.
func (t *Tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", t.t(at), id)
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
