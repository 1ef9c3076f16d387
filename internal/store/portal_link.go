package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PortalLink is the server's record of a signed link, so that a link can be
// revoked before it expires.
type PortalLink struct {
	ID           string
	FreelancerID string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
}

// InsertPortalLink records a new link.
func (t *Tx) InsertPortalLink(ctx context.Context, l *PortalLink) error {
	_, err := t.exec(ctx, "INSERT INTO portal_links (id, freelancer_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		l.ID, l.FreelancerID, t.t(l.CreatedAt), t.t(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert portal link for %s: %w", l.FreelancerID, err)
	}
	return nil
}

// PortalLink returns a link's record.
func (c conn) PortalLink(ctx context.Context, id string) (*PortalLink, error) {
	l, err := scanPortalLink(c.queryRow(ctx, "SELECT "+portalLinkColumns+" FROM portal_links WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get portal link %s: %w", id, err)
	}
	return l, nil
}

const portalLinkColumns = "id, freelancer_id, created_at, expires_at, revoked_at"

func scanPortalLink(row interface{ Scan(...any) error }) (*PortalLink, error) {
	var l PortalLink
	err := row.Scan(&l.ID, &l.FreelancerID, timeCol{&l.CreatedAt}, timeCol{&l.ExpiresAt}, nullTimeCol{&l.RevokedAt})
	return &l, err
}

// RevokePortalLinks revokes every live link of a freelancer and says how many.
func (t *Tx) RevokePortalLinks(ctx context.Context, freelancerID string, at time.Time) (int64, error) {
	res, err := t.exec(ctx, "UPDATE portal_links SET revoked_at = ? WHERE freelancer_id = ? AND revoked_at IS NULL AND expires_at > ?",
		t.t(at), freelancerID, t.t(at))
	if err != nil {
		return 0, fmt.Errorf("revoke portal links of %s: %w", freelancerID, err)
	}
	return res.RowsAffected()
}
