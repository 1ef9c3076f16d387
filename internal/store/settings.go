package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Settings are named values kept for the whole deployment, every node
// alike: which master key the database belongs to, for example. No key is
// kept here in plain text (see internal/keys/rotation).

// Setting returns a setting's value, or ErrNotFound.
func (c conn) Setting(ctx context.Context, name string) (string, error) {
	var value string
	err := c.queryRow(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	return value, nil
}

// PutSetting sets a setting.
func (t *Tx) PutSetting(ctx context.Context, name, value string) error {
	_, err := t.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", name, err)
	}
	return nil
}

// AddSetting sets a setting that does not exist yet and reports whether it
// did; a setting that exists is left as it is. Nodes starting at once agree
// through it on who sets a value first.
func (t *Tx) AddSetting(ctx context.Context, name, value string) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value)
	if err != nil {
		return false, fmt.Errorf("write setting %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteSetting removes a setting, if it exists.
func (t *Tx) DeleteSetting(ctx context.Context, name string) error {
	if _, err := t.exec(ctx, "DELETE FROM settings WHERE name = ?", name); err != nil {
		return fmt.Errorf("delete setting %s: %w", name, err)
	}
	return nil
}
