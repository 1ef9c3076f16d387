package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// Secret returns the named secret, creating it with 32 random bytes the first
// time. Keeping secrets in the database lets every node of a PostgreSQL
// deployment sign and check the same portal links.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var value string
	err := s.queryRow(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("generate secret %s: %w", name, err)
		}
		err = s.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.exec(ctx, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
				name, hex.EncodeToString(fresh)); err != nil {
				return err
			}
			return tx.queryRow(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&value)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	key, err := hex.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("secret %s is damaged: %w", name, err)
	}
	return key, nil
}
