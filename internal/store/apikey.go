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
