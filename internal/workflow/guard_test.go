package workflow_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// Every free text staff write, and every claim and reason the marketplace
// sends, goes through the guard: a protected characteristic is refused
// with the field and the category named, and nothing is written.
func TestGuardOnEveryText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		inCall, agent := f.call(t, f.open(t))
		inReview, _ := f.negative(t)
		notVerified, _ := f.confirmed(t)
		f.do(t, f.appeal(notVerified.FreelancerID))
		appeal, err := f.st.AppealOf(f.ctx, notVerified.ID)
		must(t, err)
		another := f.freelancer(t)

		tests := []struct {
			name, id, field, category string
			fn                        func(tx *store.Tx) error
		}{
			{"claim outcome note", inCall.Verification.ID, "note", "age", func(tx *store.Tx) error {
				return f.wf.RecordOutcome(f.ctx, tx, agent.ID, inCall.Verification.ID, verification.ClaimOutcome{
					Key: "location", Outcome: verification.Confirmed, Note: "Barely out of high school, but knows the street"})
			}},
			{"call decision note", inCall.Verification.ID, "note", "origin", func(tx *store.Tx) error {
				_, err := f.wf.DecideCall(f.ctx, tx, agent.ID, inCall.Verification.ID, workflow.CallDecision{
					Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported", Note: "Where is he originally from? Unclear."})
				return err
			}},
			{"review note", inReview.ID, "note", "health", func(tx *store.Tx) error {
				_, err := f.wf.DecideReview(f.ctx, tx, f.second, inReview.ID, workflow.ReviewDecision{
					Choice: workflow.Confirm, Note: "Mentioned chemotherapy; the agent was right"})
				return err
			}},
			{"review confirmation", inReview.ID, "confirmations.location", "sexuality", func(tx *store.Tx) error {
				_, err := f.wf.DecideReview(f.ctx, tx, f.second, inReview.ID, workflow.ReviewDecision{
					Choice: workflow.Overturn, Confirmations: map[string]string{"location": "Her boyfriend confirmed the address"}})
				return err
			}},
			{"appeal decision note", notVerified.ID, "note", "family", func(tx *store.Tx) error {
				_, err := f.wf.DecideAppeal(f.ctx, tx, f.second, appeal.ID, false, "Are you married? She would not say")
				return err
			}},
			{"question template", "", "text", "language", func(tx *store.Tx) error {
				_, err := f.wf.AddQuestion(f.ctx, tx, f.sup.ID, verification.KindLocation, "What is your mother tongue?")
				return err
			}},
			{"claim key", "", "claims[1].key", "gender", func(tx *store.Tx) error {
				p := &verification.Freelancer{ID: "f-guard", DisplayName: "Ana", Email: "ana@freelancer.test", Locale: "en", TimeZone: "UTC",
					Claims: []verification.Claim{claims[1], {Key: "gender", Label: "Gender", Value: "female"}}}
				_, err := f.wf.PutFreelancer(f.ctx, tx, "test", p)
				return err
			}},
			{"reason explanation", "", "reason.explanation", "age", func(tx *store.Tx) error {
				req := request(another)
				req.Reason.Explanation = "women over 50 are checked more often"
				_, err := f.wf.OpenVerification(f.ctx, tx, "api:test", req)
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := f.refuses(t, guard.Code, tt.id, tt.fn)
				var rule *verification.RuleError
				if !errors.As(err, &rule) {
					t.Fatalf("got %v, want a RuleError", err)
				}
				if rule.Field != tt.field || !strings.Contains(rule.Message, guard.CategoryName(tt.category)) {
					t.Errorf("refused %s with %q, want field %s and the category %q named", rule.Field, rule.Message,
						tt.field, guard.CategoryName(tt.category))
				}
			})
		}

		// A location is a claim attest verifies: it is kept.
		f.do(t, func(tx *store.Tx) error {
			p := &verification.Freelancer{ID: "f-recife", DisplayName: "Ana", Email: "ana@freelancer.test", Locale: "pt-BR",
				TimeZone: "America/Recife", Claims: []verification.Claim{
					{Key: "location", Label: "Localização", Value: "Recife, Brasil", Kind: verification.KindLocation}}}
			_, err := f.wf.PutFreelancer(f.ctx, tx, "test", p)
			return err
		})
	})
}
