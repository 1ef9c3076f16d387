package workflow_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// finding is a claim a statement names: key, label and outcome.
type finding = verification.ClaimFinding

// Every restriction comes with its statement of reasons (EU Regulation
// 2019/1150 Art. 4), in the standing and in the event that announces it:
// each claim not confirmed by label and outcome, the reason in plain words,
// the restrictions and since when, and what the freelancer can do next.
func TestRestrictionComesWithAStatement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		restrict func(t *testing.T, f *fixture) (*verification.Verification, verification.EventType)
		basis    string
		reason   string
		claims   []finding
		next     string
	}{
		{
			name: "a confirmed negative",
			restrict: func(t *testing.T, f *fixture) (*verification.Verification, verification.EventType) {
				v, _ := f.confirmed(t)
				return v, verification.EventNotVerified
			},
			basis: verification.BasisDecision, reason: "claim_not_supported", next: "appeal",
			// The call confirmed the name, found the location not
			// confirmed, and never came to the degree.
			claims: []finding{{Key: "location", Label: "Location", Outcome: "not_confirmed"}, {Key: "degree", Label: "Degree", Outcome: "not_checked"}},
		},
		{
			name: "a deadline passed waiting to book",
			restrict: func(t *testing.T, f *fixture) (*verification.Verification, verification.EventType) {
				v := f.open(t)
				f.now = v.Deadline.Add(time.Second)
				must(t, f.runDeadline(t, v))
				return v, verification.EventOverdue
			},
			basis: verification.BasisOverdue, reason: verification.ReasonOverdue, next: "book_call",
			claims: []finding{{Key: "legal_name", Label: "Legal name", Outcome: "not_checked"},
				{Key: "location", Label: "Location", Outcome: "not_checked"}, {Key: "degree", Label: "Degree", Outcome: "not_checked"}},
		},
		{
			name: "a deadline passed waiting for documents",
			restrict: func(t *testing.T, f *fixture) (*verification.Verification, verification.EventType) {
				v, _ := f.askDocuments(t, "degree")
				f.now = v.Deadline.Add(time.Second)
				must(t, f.runDeadline(t, v))
				return v, verification.EventOverdue
			},
			basis: verification.BasisOverdue, reason: verification.ReasonOverdue, next: "send_documents",
			claims: []finding{{Key: "degree", Label: "Degree", Outcome: "unable"}},
		},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		restrictions := verification.DefaultPolicy().Restrictions
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.now = monday
				seq := f.lastSeq(t)
				v, announcing := tt.restrict(t, f)
				defer f.cancelIfOpen(t, v.ID)
				st := f.standing(t, v.FreelancerID)
				if !slices.Equal(st.Restrictions, restrictions) {
					t.Fatalf("restrictions %v, want %v", st.Restrictions, restrictions)
				}
				f.checkStatement(t, "the standing's", st.Statement, v.ID, tt.basis, tt.reason, tt.claims, tt.next)

				// The events that announce it carry the same statement.
				var announced, standing *verification.Statement
				for _, e := range f.events(t, seq) {
					var payload struct {
						Statement *verification.Statement `json:"statement"`
					}
					must(t, json.Unmarshal(e.Data, &payload))
					switch {
					case e.Type == announcing && e.VerificationID == v.ID:
						announced = payload.Statement
					case e.Type == verification.EventStandingChange && e.FreelancerID == v.FreelancerID:
						standing = payload.Statement
					}
				}
				f.checkStatement(t, string(announcing)+"'s", announced, v.ID, tt.basis, tt.reason, tt.claims, tt.next)
				f.checkStatement(t, "standing.changed's", standing, v.ID, tt.basis, tt.reason, tt.claims, tt.next)
			})
		}
	})
}

func (f *fixture) checkStatement(t *testing.T, whose string, st *verification.Statement, id, basis, reason string, claims []finding, next string) {
	t.Helper()
	if st == nil {
		t.Errorf("%s statement of reasons is missing", whose)
		return
	}
	if st.VerificationID != id || st.Basis != basis || st.ReasonCode != reason || st.Reason == "" || st.Reason == reason {
		t.Errorf("%s statement: case %s, basis %q, reason %q (%q); want %s, %q, %q in plain words",
			whose, st.VerificationID, st.Basis, st.ReasonCode, st.Reason, id, basis, reason)
	}
	if !slices.Equal(st.Claims, claims) {
		t.Errorf("%s statement names the claims %+v, want %+v", whose, st.Claims, claims)
	}
	if !slices.Equal(st.Restrictions, verification.DefaultPolicy().Restrictions) || st.RestrictedSince == nil {
		t.Errorf("%s statement: restrictions %v since %v", whose, st.Restrictions, st.RestrictedSince)
	}
	if len(st.NextSteps) != 1 || st.NextSteps[0].Action != next {
		t.Errorf("%s statement: next steps %+v, want %s", whose, st.NextSteps, next)
	} else if next == "appeal" && st.NextSteps[0].Until == nil {
		t.Errorf("%s statement: an appeal without its last day", whose)
	}
}
