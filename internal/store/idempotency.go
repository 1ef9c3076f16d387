package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IdempotentResponse is the response first given to a POST with an
// Idempotency-Key, kept so that a retry gets the same answer.
type IdempotentResponse struct {
	RequestHash string
	Status      int
	Body        []byte
}

// ClaimIdempotencyKey reserves a key in the transaction that performs the
// request. When the key was already used it returns the stored response and
// ErrConflict. On PostgreSQL a concurrent retry blocks on the key's row until
// the first request commits, then sees its response.
func (t *Tx) ClaimIdempotencyKey(ctx context.Context, apiKeyID, key, requestHash string, at time.Time) (*IdempotentResponse, error) {
	res, err := t.exec(ctx, `INSERT INTO idempotency_keys (api_key_id, key, request_hash, status, response, created_at)
		VALUES (?, ?, ?, 0, '', ?) ON CONFLICT (api_key_id, key) DO NOTHING`, apiKeyID, key, requestHash, t.t(at))
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var prev IdempotentResponse
	var body string
	err = t.queryRow(ctx, "SELECT request_hash, status, response FROM idempotency_keys WHERE api_key_id = ? AND key = ?",
		apiKeyID, key).Scan(&prev.RequestHash, &prev.Status, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("idempotency key vanished while read")
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	prev.Body = []byte(body)
	return &prev, ErrConflict
}

// SaveIdempotentResponse stores the response of a request whose key this
// transaction claimed.
func (t *Tx) SaveIdempotentResponse(ctx context.Context, apiKeyID, key string, status int, body []byte) error {
	_, err := t.exec(ctx, "UPDATE idempotency_keys SET status = ?, response = ? WHERE api_key_id = ? AND key = ?",
		status, string(body), apiKeyID, key)
	if err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}
