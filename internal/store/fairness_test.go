package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// The fairness report's rows: first decisions only, in order, within the
// period, each with what attest knows about the case.
func TestFairnessDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := storetest.Open(t, cfg)
		ctx := context.Background()
		profiles := []*verification.Freelancer{
			{ID: "u-1", DisplayName: "Ana", Email: "ana@example.com", Locale: "pt-BR", TimeZone: "America/Sao_Paulo",
				Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Recife", Kind: verification.KindLocation},
					{Key: "go", Label: "Go", Value: "10 years", Kind: verification.KindSkill}, {Key: "misc", Label: "Misc", Value: "x"}}},
			{ID: "u-2", DisplayName: "Bo", Email: "bo@example.com", Locale: "en", TimeZone: "UTC",
				Claims: []verification.Claim{{Key: "degree", Label: "Degree", Value: "BSc", Kind: verification.KindEducation}}},
			{ID: "u-3", DisplayName: "Cy", Email: "cy@example.com", Locale: "de-DE", TimeZone: "Europe/Berlin",
				Claims: []verification.Claim{{Key: "degree", Label: "Degree", Value: "MSc", Kind: verification.KindEducation}}},
		}
		kase := func(id, freelancer, reason string, claims []string, acc verification.Accommodation, status verification.Status) *verification.Verification {
			return &verification.Verification{ID: id, FreelancerID: freelancer, Reason: verification.Reason{Code: reason, Explanation: "why"},
				Claims: claims, Methods: verification.Methods, Status: status, Deadline: t0.AddDate(0, 0, 7),
				CreatedAt: t0, UpdatedAt: t0, Accommodation: acc}
		}
		decide := func(tx *store.Tx, n int, vid, staff, stage string, d verification.Decision, reason string, at time.Time) error {
			return tx.InsertDecision(ctx, &store.DecisionRecord{ID: fmt.Sprintf("dec_%d", n), VerificationID: vid, StaffID: staff,
				Stage: stage, Decision: d, ReasonCode: reason, Note: "", DecidedAt: at})
		}
		mustTx(t, s, func(tx *store.Tx) error {
			for _, f := range profiles {
				if _, err := tx.PutFreelancer(ctx, f, t0.Add(-48*time.Hour)); err != nil {
					return err
				}
			}
			for _, v := range []*verification.Verification{
				kase("ver_1", "u-1", "random_check", []string{"location", "misc"}, verification.AudioOnly, verification.Verified),
				kase("ver_2", "u-2", "report", []string{"degree"}, "", verification.NotVerified),
				kase("ver_3", "u-3", "report", []string{"degree"}, verification.DocumentReview, verification.NotVerified),
			} {
				if err := tx.InsertVerification(ctx, v); err != nil {
					return err
				}
			}
			// Ana moves to her phone during the case; Bo used a code the
			// day before his case was opened, which does not count.
			for _, h := range []struct {
				code, freelancer string
				used             time.Time
			}{{"AAAA2222", "u-1", t0.Add(30 * time.Minute)}, {"BBBB3333", "u-2", t0.Add(-24 * time.Hour)}} {
				if err := tx.InsertHandoff(ctx, &store.Handoff{Code: h.code, FreelancerID: h.freelancer, CreatedAt: h.used.Add(-time.Minute),
					ExpiresAt: h.used.Add(time.Hour)}); err != nil {
					return err
				}
				if _, err := tx.SpendHandoff(ctx, h.code, h.used); err != nil {
					return err
				}
			}
			steps := []error{
				decide(tx, 1, "ver_1", "stf_a", "call", verification.DecideVerified, "", t0.Add(time.Hour)),
				decide(tx, 2, "ver_2", "stf_b", "call", verification.DecideNeedsDocuments, "", t0.Add(2*time.Hour)),
				decide(tx, 3, "ver_2", "stf_b", "documents", verification.DecideNotVerified, "document_unreadable", t0.Add(3*time.Hour)),
				decide(tx, 4, "ver_2", "stf_c", "review", verification.DecideNotVerified, "document_unreadable", t0.Add(4*time.Hour)),
				decide(tx, 6, "ver_3", "stf_a", "call", verification.DecideVerified, "", t0.Add(-time.Hour)), // before the period
				decide(tx, 5, "ver_3", "stf_a", "documents", verification.DecideNotVerified, "claim_not_supported", t0.Add(90*time.Minute)),
				decide(tx, 7, "ver_1", "stf_a", "call", verification.DecideVerified, "", t0.Add(10*24*time.Hour)), // at its end
			}
			for _, err := range steps {
				if err != nil {
					return err
				}
			}
			return tx.EraseFreelancer(ctx, "u-3", t0.Add(5*time.Hour))
		})

		got, err := s.FairnessDecisions(ctx, t0, t0.Add(10*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []fairness.Decision{
			{AgentID: "stf_a", Passed: true, At: t0.Add(time.Hour), CaseReason: "random_check",
				ClaimKinds: []verification.ClaimKind{verification.KindLocation, ""}, Method: verification.ModeAudio, Phone: true,
				Locale: "pt-BR", TimeZone: "America/Sao_Paulo", Country: "BR"},
			{AgentID: "stf_a", Passed: false, ReasonCode: "claim_not_supported", At: t0.Add(90 * time.Minute), CaseReason: "report",
				Method: verification.ModeDocuments, Locale: "und", TimeZone: "UTC"},
			{AgentID: "stf_b", Passed: false, ReasonCode: "document_unreadable", At: t0.Add(3 * time.Hour), CaseReason: "report",
				ClaimKinds: []verification.ClaimKind{verification.KindEducation}, Method: verification.ModeVideo,
				Locale: "en", TimeZone: "UTC"},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d decisions, want %d:\n%+v", len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if !g.At.Equal(w.At) || !slices.Equal(g.ClaimKinds, w.ClaimKinds) {
				t.Errorf("decision %d: got %+v\nwant %+v", i, g, w)
			}
			g.At, w.At, g.ClaimKinds, w.ClaimKinds = time.Time{}, time.Time{}, nil, nil
			if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
				t.Errorf("decision %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	})
}
