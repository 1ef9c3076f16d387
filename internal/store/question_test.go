package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// texts lists one kind's question wordings in order.
func texts(list []*store.QuestionTemplate, kind verification.ClaimKind) []string {
	var out []string
	for _, q := range list {
		if q.Kind == kind {
			out = append(out, q.Text)
		}
	}
	return out
}

// The migration seeds the questions attest shipped with, question marks
// intact on both databases, so that existing installs see no change; they
// pass the guard that new and edited questions go through.
func TestQuestionTemplatesAreSeeded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		list, err := s.QuestionTemplates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 15 {
			t.Fatalf("%d seeded questions, want 15", len(list))
		}
		for _, k := range verification.ClaimKinds {
			if len(texts(list, k)) == 0 {
				t.Errorf("no seeded question for %s", k)
			}
		}
		want := []string{"Which city do you usually work from?", "How long have you worked from there?",
			"Roughly what time is it where you are now?"}
		if got := texts(list, verification.KindLocation); !slices.Equal(got, want) {
			t.Errorf("location questions %q, want %q", got, want)
		}
		for _, q := range list {
			if found := guard.Check(q.Text); found != nil {
				t.Errorf("built-in %s question %q trips the guard, so an admin could not save it unchanged: %v", q.Kind, q.Text, found)
			}
		}
		if q := list[0]; q.UpdatedBy != "" || q.UpdatedByName != "" || q.UpdatedAt.IsZero() {
			t.Errorf("a built-in question %+v, want no author and a time", q)
		}
	})
}

func TestQuestionTemplateChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		st := &store.Staff{ID: "stf_1", Email: "ada@example.com", Name: "Ada", Role: store.RoleAdmin, PasswordHash: "h", CreatedAt: t0}
		added := &store.QuestionTemplate{ID: "qst_1", Kind: verification.KindSkill, Text: "Which project are you proudest of?",
			Position: 4, UpdatedBy: st.ID, UpdatedAt: t0}
		mustTx(t, s, func(tx *store.Tx) error {
			if _, err := tx.PutStaff(ctx, st); err != nil {
				return err
			}
			return tx.InsertQuestionTemplate(ctx, added)
		})
		got, err := s.QuestionTemplate(ctx, "qst_1")
		if err != nil || got.Text != added.Text || got.Position != 4 || got.UpdatedByName != "Ada" || !got.UpdatedAt.Equal(t0) {
			t.Fatalf("read back %+v (%v), want %+v by Ada", got, err, added)
		}

		mustTx(t, s, func(tx *store.Tx) error {
			skill, err := tx.LockQuestionKind(ctx, verification.KindSkill)
			if err != nil {
				return err
			}
			if len(skill) != 4 || skill[3].ID != "qst_1" {
				t.Errorf("locked skill questions %d, the new one last: %+v", len(skill), skill[len(skill)-1])
			}
			added.Text, added.UpdatedAt = "Which project are you proudest of, and why?", t0.Add(1)
			if err := tx.UpdateQuestionTemplate(ctx, added); err != nil {
				return err
			}
			return tx.SetQuestionPosition(ctx, "qst_1", 0)
		})
		list, _ := s.QuestionTemplates(ctx)
		if skill := texts(list, verification.KindSkill); skill[0] != added.Text {
			t.Errorf("skill questions after moving the new one first: %q", skill)
		}

		mustTx(t, s, func(tx *store.Tx) error { return tx.DeleteQuestionTemplate(ctx, "qst_1") })
		if _, err := s.QuestionTemplate(ctx, "qst_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted question reads %v, want ErrNotFound", err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteQuestionTemplate(ctx, "qst_1") })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: %v, want ErrNotFound", err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateQuestionTemplate(ctx, added) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("editing a deleted question: %v, want ErrNotFound", err)
		}
	})
}
