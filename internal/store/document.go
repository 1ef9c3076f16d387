package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// Document is a file a freelancer gave as evidence. Sealed and Nonce hold it
// encrypted under the master key named KeyID (internal/keys); the store
// never sees the plain text.
type Document struct {
	ID             string
	VerificationID string
	FreelancerID   string
	ClaimKey       string // the claim it supports, or "" for the case as a whole
	Filename       string
	ContentType    string
	Size           int64 // of the plain file
	CreatedAt      time.Time
	KeyID          string
	Nonce, Sealed  []byte
}

// AddDocument stores a sealed document.
func (t *Tx) AddDocument(ctx context.Context, d *Document) error {
	_, err := t.exec(ctx, `INSERT INTO documents (id, verification_id, freelancer_id, claim_key, filename, content_type, size, key_id, nonce, sealed, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.VerificationID, d.FreelancerID, d.ClaimKey, d.Filename, d.ContentType, d.Size, d.KeyID, d.Nonce, d.Sealed, t.t(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("add document to %s: %w", d.VerificationID, err)
	}
	return nil
}

// Documents lists a case's documents, oldest first, without their content.
func (c conn) Documents(ctx context.Context, verificationID string) ([]*Document, error) {
	rows, err := c.query(ctx, `SELECT id, verification_id, freelancer_id, claim_key, filename, content_type, size, created_at
		FROM documents WHERE verification_id = ? ORDER BY created_at, id`, verificationID)
	if err != nil {
		return nil, fmt.Errorf("list documents of %s: %w", verificationID, err)
	}
	defer rows.Close()
	var list []*Document
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.VerificationID, &d.FreelancerID, &d.ClaimKey, &d.Filename, &d.ContentType, &d.Size, timeCol{&d.CreatedAt}); err != nil {
			return nil, fmt.Errorf("list documents of %s: %w", verificationID, err)
		}
		list = append(list, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents of %s: %w", verificationID, err)
	}
	return list, nil
}

// Document reads one document with its sealed content.
func (c conn) Document(ctx context.Context, id string) (*Document, error) {
	var d Document
	err := c.queryRow(ctx, `SELECT id, verification_id, freelancer_id, claim_key, filename, content_type, size, created_at, key_id, nonce, sealed
		FROM documents WHERE id = ?`, id).
		Scan(&d.ID, &d.VerificationID, &d.FreelancerID, &d.ClaimKey, &d.Filename, &d.ContentType, &d.Size, timeCol{&d.CreatedAt}, &d.KeyID, &d.Nonce, &d.Sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", id, err)
	}
	return &d, nil
}

// DeleteDocument removes one of a freelancer's documents from an open case.
func (t *Tx) DeleteDocument(ctx context.Context, freelancerID, id string) error {
	res, err := t.exec(ctx, "DELETE FROM documents WHERE id = ? AND freelancer_id = ?", id, freelancerID)
	if err != nil {
		return fmt.Errorf("delete document %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DocumentReviews lists the cases whose documents wait for an agent: sent
// for document review instead of a call, or asked for by a call; earliest
// deadline first.
func (c conn) DocumentReviews(ctx context.Context, limit int) ([]*verification.Verification, error) {
	return c.reviewQueue(ctx, "<>", limit)
}

// SecondReviews lists the cases whose negative decision waits for a second
// reviewer, earliest deadline first.
func (c conn) SecondReviews(ctx context.Context, limit int) ([]*verification.Verification, error) {
	return c.reviewQueue(ctx, "=", limit)
}

// reviewQueue lists in_review cases by whether their latest decision is a
// negative (a second review) or not (a first reading of documents).
func (c conn) reviewQueue(ctx context.Context, negative string, limit int) ([]*verification.Verification, error) {
	rows, err := c.query(ctx, "SELECT "+verificationColumns+` FROM verifications AS v WHERE status = 'in_review' AND
		COALESCE((SELECT d.decision FROM decisions AS d WHERE d.verification_id = v.id ORDER BY d.decided_at DESC, d.id DESC LIMIT 1), '') `+
		negative+` 'not_verified' ORDER BY deadline, id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list cases in review: %w", err)
	}
	defer rows.Close()
	var list []*verification.Verification
	for rows.Next() {
		v, err := scanVerification(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases in review: %w", err)
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases in review: %w", err)
	}
	return list, nil
}
