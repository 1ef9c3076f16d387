package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// QuestionTemplate is a question the call script suggests asking about every
// claim of one kind. Admins manage them; the built-in ones are seeded by
// migration 0017.
type QuestionTemplate struct {
	ID       string
	Kind     verification.ClaimKind
	Text     string
	Position int // order within its kind, lowest first
	// UpdatedBy is the staff id of whoever last changed the question, empty
	// for a built-in question nobody has changed; UpdatedByName is their name
	// when the account still exists.
	UpdatedBy     string
	UpdatedByName string
	UpdatedAt     time.Time
}

const questionColumns = `q.id, q.kind, q.text, q.position, q.updated_by, COALESCE(s.name, ''), q.updated_at
	FROM question_templates q LEFT JOIN staff s ON s.id = q.updated_by`

func scanQuestion(row interface{ Scan(...any) error }) (*QuestionTemplate, error) {
	var q QuestionTemplate
	var kind string
	err := row.Scan(&q.ID, &kind, &q.Text, &q.Position, &q.UpdatedBy, &q.UpdatedByName, timeCol{&q.UpdatedAt})
	q.Kind = verification.ClaimKind(kind)
	return &q, err
}

// QuestionTemplates lists every question, by kind and then in order: one
// query serves a whole call script or the admin page.
func (c conn) QuestionTemplates(ctx context.Context) ([]*QuestionTemplate, error) {
	return c.questions(ctx, "SELECT "+questionColumns+" ORDER BY q.kind, q.position, q.id")
}

// QuestionTemplate reads one question.
func (c conn) QuestionTemplate(ctx context.Context, id string) (*QuestionTemplate, error) {
	q, err := scanQuestion(c.queryRow(ctx, "SELECT "+questionColumns+" WHERE q.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read question %s: %w", id, err)
	}
	return q, nil
}

// LockQuestionKind lists one kind's questions in order, for changing them in
// this transaction. On PostgreSQL the rows stay locked until it ends, so two
// admins cannot both delete the last two questions of a kind, nor interleave
// reorderings; SQLite has one writer at a time anyway.
func (t *Tx) LockQuestionKind(ctx context.Context, kind verification.ClaimKind) ([]*QuestionTemplate, error) {
	query := "SELECT " + questionColumns + " WHERE q.kind = ? ORDER BY q.position, q.id"
	if t.pg {
		query += " FOR UPDATE OF q"
	}
	return t.questions(ctx, query, string(kind))
}

func (c conn) questions(ctx context.Context, query string, args ...any) ([]*QuestionTemplate, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	defer rows.Close()
	var list []*QuestionTemplate
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("list questions: %w", err)
		}
		list = append(list, q)
	}
	return list, rows.Err()
}

// InsertQuestionTemplate stores a new question.
func (t *Tx) InsertQuestionTemplate(ctx context.Context, q *QuestionTemplate) error {
	_, err := t.exec(ctx, `INSERT INTO question_templates (id, kind, text, position, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, q.ID, string(q.Kind), q.Text, q.Position, q.UpdatedBy, t.t(q.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert question %s: %w", q.ID, err)
	}
	return nil
}

// UpdateQuestionTemplate writes a question's text and who changed it when.
func (t *Tx) UpdateQuestionTemplate(ctx context.Context, q *QuestionTemplate) error {
	res, err := t.exec(ctx, "UPDATE question_templates SET text = ?, updated_by = ?, updated_at = ? WHERE id = ?",
		q.Text, q.UpdatedBy, t.t(q.UpdatedAt), q.ID)
	if err != nil {
		return fmt.Errorf("update question %s: %w", q.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetQuestionPosition moves a question within its kind. It leaves who
// changed it alone: moving one question shifts its neighbour too.
func (t *Tx) SetQuestionPosition(ctx context.Context, id string, position int) error {
	if _, err := t.exec(ctx, "UPDATE question_templates SET position = ? WHERE id = ?", position, id); err != nil {
		return fmt.Errorf("move question %s: %w", id, err)
	}
	return nil
}

// DeleteQuestionTemplate removes a question.
func (t *Tx) DeleteQuestionTemplate(ctx context.Context, id string) error {
	res, err := t.exec(ctx, "DELETE FROM question_templates WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete question %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
