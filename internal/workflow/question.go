package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// MaxQuestionLen bounds a question template: a question an agent reads out
// in a three-minute call is one sentence.
const MaxQuestionLen = 300

// ErrLastQuestion refuses deleting a kind's only question: every claim in a
// call script gets at least one suggestion.
var ErrLastQuestion = &verification.RuleError{Field: "question", Code: "last_question",
	Message: "This is the only question for its kind of claim: add another before deleting it."}

// checkQuestion holds a question template to the rules the built-in ones
// follow: one sentence about the claim, never about the person. It returns
// the text trimmed.
func checkQuestion(text string) (string, error) {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" || len([]rune(text)) > MaxQuestionLen {
		return "", &verification.FieldError{Field: "text", Code: "length",
			Message: fmt.Sprintf("Write the question in 1 to %d characters.", MaxQuestionLen)}
	}
	if err := guard.CheckQuestion("text", text); err != nil {
		return "", err
	}
	return text, nil
}

// AddQuestion puts a new question last among its kind's and audits it.
func (w *Workflow) AddQuestion(ctx context.Context, tx *store.Tx, staffID string, kind verification.ClaimKind, text string) (*store.QuestionTemplate, error) {
	if !slices.Contains(verification.ClaimKinds, kind) {
		return nil, &verification.FieldError{Field: "kind", Code: "invalid", Message: "Choose a kind of claim."}
	}
	text, err := checkQuestion(text)
	if err != nil {
		return nil, err
	}
	siblings, err := tx.LockQuestionKind(ctx, kind)
	if err != nil {
		return nil, err
	}
	now := w.now()
	q := &store.QuestionTemplate{ID: store.NewID("qst", now), Kind: kind, Text: text, Position: 1, UpdatedBy: staffID, UpdatedAt: now}
	if n := len(siblings); n > 0 {
		q.Position = siblings[n-1].Position + 1
	}
	if err := tx.InsertQuestionTemplate(ctx, q); err != nil {
		return nil, err
	}
	return q, w.auditQuestion(ctx, tx, staffID, audit.QuestionAdd, q)
}

// EditQuestion rewords a question and audits the change.
func (w *Workflow) EditQuestion(ctx context.Context, tx *store.Tx, staffID, id, text string) (*store.QuestionTemplate, error) {
	text, err := checkQuestion(text)
	if err != nil {
		return nil, err
	}
	q, err := tx.QuestionTemplate(ctx, id)
	if err != nil {
		return nil, err
	}
	q.Text, q.UpdatedBy, q.UpdatedAt = text, staffID, w.now()
	if err := tx.UpdateQuestionTemplate(ctx, q); err != nil {
		return nil, err
	}
	return q, w.auditQuestion(ctx, tx, staffID, audit.QuestionEdit, q)
}

// MoveQuestion swaps a question with the one before it (up) or after it
// (down) in its kind; at either end it changes nothing. Positions are
// renumbered 1, 2, 3… as it goes, so gaps left by deletions close.
func (w *Workflow) MoveQuestion(ctx context.Context, tx *store.Tx, staffID, id string, up bool) error {
	q, err := tx.QuestionTemplate(ctx, id)
	if err != nil {
		return err
	}
	siblings, err := tx.LockQuestionKind(ctx, q.Kind)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(siblings, func(s *store.QuestionTemplate) bool { return s.ID == id })
	j := i + 1
	if up {
		j = i - 1
	}
	if i < 0 || j < 0 || j >= len(siblings) {
		return nil
	}
	siblings[i], siblings[j] = siblings[j], siblings[i]
	for n, s := range siblings {
		if s.Position != n+1 {
			if err := tx.SetQuestionPosition(ctx, s.ID, n+1); err != nil {
				return err
			}
		}
	}
	q.UpdatedBy, q.UpdatedAt = staffID, w.now()
	if err := tx.UpdateQuestionTemplate(ctx, q); err != nil {
		return err
	}
	action := audit.QuestionMoveDown
	if up {
		action = audit.QuestionMoveUp
	}
	return w.auditQuestion(ctx, tx, staffID, action, q)
}

// DeleteQuestion removes a question, unless it is its kind's last.
func (w *Workflow) DeleteQuestion(ctx context.Context, tx *store.Tx, staffID, id string) error {
	q, err := tx.QuestionTemplate(ctx, id)
	if err != nil {
		return err
	}
	siblings, err := tx.LockQuestionKind(ctx, q.Kind)
	if err != nil {
		return err
	}
	if len(siblings) <= 1 {
		return ErrLastQuestion
	}
	if err := tx.DeleteQuestionTemplate(ctx, id); err != nil {
		return err
	}
	return w.auditQuestion(ctx, tx, staffID, audit.QuestionDelete, q)
}

// auditQuestion records a change with the question's wording: templates hold
// no personal data, and the log then shows what agents were told to ask.
func (w *Workflow) auditQuestion(ctx context.Context, tx *store.Tx, staffID, action string, q *store.QuestionTemplate) error {
	return tx.Audit(ctx, audit.Record{Actor: staff.Actor(staffID), Action: action, Target: q.ID,
		Details: map[string]string{"kind": string(q.Kind), "text": q.Text}}, w.now())
}
