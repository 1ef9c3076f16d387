package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AppealStatus is where an appeal stands: open until it is upheld or
// rejected.
type AppealStatus string

// Appeal statuses.
const (
	AppealOpen     AppealStatus = "open"
	AppealUpheld   AppealStatus = "upheld"
	AppealRejected AppealStatus = "rejected"
)

// AppealStatuses are every appeal status, in the order the API documents them.
var AppealStatuses = []AppealStatus{AppealOpen, AppealUpheld, AppealRejected}

// Appeal is a freelancer's request to look again at a confirmed negative.
type Appeal struct {
	ID             string       `json:"id"`
	VerificationID string       `json:"verification_id"`
	FreelancerID   string       `json:"freelancer_id"`
	Statement      string       `json:"-"` // personal: kept out of events and webhooks
	Status         AppealStatus `json:"status"`
	CreatedAt      time.Time    `json:"created_at"`
	DecidedBy      string       `json:"-"`
	DecidedAt      *time.Time   `json:"decided_at"`
	Note           string       `json:"-"`
}

const appealColumns = "id, verification_id, freelancer_id, statement, status, created_at, decided_by, decided_at, note"

func scanAppeal(row interface{ Scan(...any) error }) (*Appeal, error) {
	var a Appeal
	err := row.Scan(&a.ID, &a.VerificationID, &a.FreelancerID, &a.Statement, &a.Status, timeCol{&a.CreatedAt}, &a.DecidedBy,
		nullTimeCol{&a.DecidedAt}, &a.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read appeal: %w", err)
	}
	return &a, nil
}

// InsertAppeal stores an appeal; a case has at most one.
func (t *Tx) InsertAppeal(ctx context.Context, a *Appeal) error {
	_, err := t.exec(ctx, "INSERT INTO appeals ("+appealColumns+") VALUES (?, ?, ?, ?, ?, ?, '', NULL, '')",
		a.ID, a.VerificationID, a.FreelancerID, a.Statement, string(a.Status), t.t(a.CreatedAt))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert appeal: %w", err)
	}
	return nil
}

// AppealOf returns a case's appeal.
func (c conn) AppealOf(ctx context.Context, verificationID string) (*Appeal, error) {
	return scanAppeal(c.queryRow(ctx, "SELECT "+appealColumns+" FROM appeals WHERE verification_id = ?", verificationID))
}

// Appeal returns one appeal.
func (c conn) Appeal(ctx context.Context, id string) (*Appeal, error) {
	return scanAppeal(c.queryRow(ctx, "SELECT "+appealColumns+" FROM appeals WHERE id = ?", id))
}

// OpenAppeals lists appeals waiting for a decision, oldest first.
func (c conn) OpenAppeals(ctx context.Context) ([]*Appeal, error) {
	rows, err := c.query(ctx, "SELECT "+appealColumns+" FROM appeals WHERE status = 'open' ORDER BY created_at")
	if err != nil {
		return nil, fmt.Errorf("list appeals: %w", err)
	}
	defer rows.Close()
	var list []*Appeal
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// DecideAppeal records an open appeal's outcome.
func (t *Tx) DecideAppeal(ctx context.Context, a *Appeal) error {
	res, err := t.exec(ctx, "UPDATE appeals SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'open'",
		string(a.Status), a.DecidedBy, t.nt(a.DecidedAt), a.Note, a.ID)
	if err != nil {
		return fmt.Errorf("decide appeal %s: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	return nil
}
