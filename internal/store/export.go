package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/verification"
)

// FreelancerRecords is every row the database holds about one freelancer
// and their cases, read at one moment: what the export (GDPR Art. 15 and
// 20) is made from. Erasure (EraseFreelancer) is its counterpart: a table
// it clears or blanks is read here.
type FreelancerRecords struct {
	// Freelancer is the profile as stored: its fields are blank once erased.
	Freelancer *verification.Freelancer
	ErasedAt   *time.Time
	// Verifications are the cases, oldest first; the maps below hold each
	// case's rows by its id.
	Verifications []*verification.Verification
	Steps         map[string][]verification.StepRecord
	Outcomes      map[string][]verification.ClaimOutcome
	Decisions     map[string][]DecisionRecord
	// CredentialAttempts and CredentialEvidence are the requests for a
	// digital ID and what the credentials said, by case.
	CredentialAttempts map[string][]*CredentialAttempt
	CredentialEvidence map[string][]CredentialEvidence
	Calls              []*Call // with their scripts' notes
	Bookings           []*Booking
	Appeals            []*Appeal
	QueuePlaces        []queue.Entry
	// Documents hold their sealed content; only the workflow can open it.
	Documents   []*Document
	Events      []Event
	Emails      []*Email
	PortalLinks []*PortalLink
	Handoffs    []*Handoff
}

// FreelancerRecords reads everything held about a freelancer, erased or
// not, in one read-only transaction so that the rows agree with each other.
// A freelancer attest never saw is ErrNotFound.
func (s *Store) FreelancerRecords(ctx context.Context, id string) (*FreelancerRecords, error) {
	var rec *FreelancerRecords
	err := s.readSnapshot(ctx, func(c conn) error {
		var err error
		rec, err = c.freelancerRecords(ctx, id)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("read records of %s: %w", id, err)
	}
	return rec, err
}

// readSnapshot runs fn with reads that all see the database as of one
// moment: a read transaction in SQLite's WAL mode is one, and PostgreSQL's
// REPEATABLE READ keeps the first statement's snapshot to the end.
func (s *Store) readSnapshot(ctx context.Context, fn func(conn) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(conn{q: tx, pg: s.pg})
}

func (c conn) freelancerRecords(ctx context.Context, id string) (*FreelancerRecords, error) {
	rec := &FreelancerRecords{Steps: map[string][]verification.StepRecord{},
		Outcomes: map[string][]verification.ClaimOutcome{}, Decisions: map[string][]DecisionRecord{},
		CredentialAttempts: map[string][]*CredentialAttempt{}, CredentialEvidence: map[string][]CredentialEvidence{}}
	err := c.queryRow(ctx, "SELECT erased_at FROM freelancers WHERE id = ?", id).Scan(nullTimeCol{&rec.ErasedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if rec.Freelancer, err = scanFreelancer(c.queryRow(ctx, "SELECT "+freelancerColumns+" FROM freelancers WHERE id = ?", id)); err != nil {
		return nil, err
	}
	if err := c.caseRecords(ctx, id, rec); err != nil {
		return nil, err
	}
	if rec.Documents, err = c.freelancerDocuments(ctx, id); err != nil {
		return nil, err
	}
	reads := []struct {
		what, query string
		scan        func(*sql.Rows) error
	}{
		{"calls", "SELECT " + callColumns + " FROM calls WHERE verification_id IN (SELECT id FROM verifications WHERE freelancer_id = ?) ORDER BY started_at, id",
			func(rows *sql.Rows) error { return appendScanned(&rec.Calls, rows, scanCall) }},
		{"bookings", "SELECT " + bookingColumns + " FROM bookings WHERE freelancer_id = ? ORDER BY created_at, id",
			func(rows *sql.Rows) error { return appendScanned(&rec.Bookings, rows, scanBooking) }},
		{"appeals", "SELECT " + appealColumns + " FROM appeals WHERE freelancer_id = ? ORDER BY created_at, id",
			func(rows *sql.Rows) error { return appendScanned(&rec.Appeals, rows, scanAppeal) }},
		{"queue places", "SELECT " + queueColumns + " FROM queue_entries WHERE freelancer_id = ? ORDER BY joined_at",
			func(rows *sql.Rows) (err error) { rec.QueuePlaces, err = scanEntries(rows); return err }},
		{"events", "SELECT " + eventColumns + " FROM events WHERE freelancer_id = ? ORDER BY seq",
			func(rows *sql.Rows) error { return appendScanned(&rec.Events, rows, scanEvent) }},
		{"emails", "SELECT " + emailColumns + " FROM emails WHERE freelancer_id = ? ORDER BY created_at, id",
			func(rows *sql.Rows) error { return appendScanned(&rec.Emails, rows, scanEmail) }},
		{"portal links", "SELECT " + portalLinkColumns + " FROM portal_links WHERE freelancer_id = ? ORDER BY created_at, id",
			func(rows *sql.Rows) error { return appendScanned(&rec.PortalLinks, rows, scanPortalLink) }},
		{"hand-off codes", "SELECT code, freelancer_id, created_at, expires_at, used_at FROM handoff_codes WHERE freelancer_id = ? ORDER BY created_at, code",
			func(rows *sql.Rows) error { return appendScanned(&rec.Handoffs, rows, scanHandoff) }},
	}
	for _, r := range reads {
		rows, err := c.query(ctx, r.query, id)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", r.what, err)
		}
		err = r.scan(rows)
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", r.what, err)
		}
	}
	return rec, nil
}

// caseRecords reads the freelancer's cases and what was recorded on each.
func (c conn) caseRecords(ctx context.Context, id string, rec *FreelancerRecords) error {
	rows, err := c.query(ctx, "SELECT "+verificationColumns+" FROM verifications WHERE freelancer_id = ? ORDER BY created_at, id", id)
	if err != nil {
		return fmt.Errorf("read verifications: %w", err)
	}
	err = appendScanned(&rec.Verifications, rows, scanVerification)
	rows.Close()
	if err != nil {
		return fmt.Errorf("read verifications: %w", err)
	}
	for _, v := range rec.Verifications {
		if rec.Steps[v.ID], err = c.Steps(ctx, v.ID); err != nil {
			return err
		}
		if rec.Outcomes[v.ID], err = c.ClaimOutcomes(ctx, v.ID); err != nil {
			return err
		}
		if rec.Decisions[v.ID], err = c.Decisions(ctx, v.ID); err != nil {
			return err
		}
		if rec.CredentialAttempts[v.ID], err = c.CredentialAttempts(ctx, v.ID); err != nil {
			return err
		}
		if rec.CredentialEvidence[v.ID], err = c.CredentialEvidence(ctx, v.ID); err != nil {
			return err
		}
	}
	return nil
}

// freelancerDocuments reads each of the freelancer's documents whole, as
// Document does, oldest first.
func (c conn) freelancerDocuments(ctx context.Context, id string) ([]*Document, error) {
	rows, err := c.query(ctx, "SELECT id FROM documents WHERE freelancer_id = ? ORDER BY created_at, id", id)
	if err != nil {
		return nil, fmt.Errorf("list documents of %s: %w", id, err)
	}
	var ids []string
	err = appendScanned(&ids, rows, func(row interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("list documents of %s: %w", id, err)
	}
	list := make([]*Document, 0, len(ids))
	for _, docID := range ids {
		d, err := c.Document(ctx, docID)
		if err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, nil
}

// appendScanned scans every row with scan and appends the results to list.
func appendScanned[T any](list *[]T, rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) error {
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		*list = append(*list, v)
	}
	return rows.Err()
}

func scanHandoff(row interface{ Scan(...any) error }) (*Handoff, error) {
	var h Handoff
	err := row.Scan(&h.Code, &h.FreelancerID, timeCol{&h.CreatedAt}, timeCol{&h.ExpiresAt}, nullTimeCol{&h.UsedAt})
	return &h, err
}
