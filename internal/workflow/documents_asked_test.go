package workflow_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// askDocuments is a call that confirmed the identity and the location,
// recorded every step, and asked documents for the claims named: the case
// awaits them.
func (f *fixture) askDocuments(t *testing.T, claimsAsked ...string) (*verification.Verification, *store.Staff) {
	t.Helper()
	taken, agent := f.call(t, f.open(t))
	steps := append([]string{verification.StepConsent, verification.StepIdentity}, liveSteps(taken.Call)...)
	outcomes := map[string]verification.Outcome{}
	for _, key := range claimKeys {
		outcomes[key] = verification.Confirmed
		if slices.Contains(claimsAsked, key) {
			outcomes[key] = verification.Unable
		}
	}
	f.record(t, agent.ID, taken.Verification.ID, steps, outcomes)
	v := f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideNeedsDocuments,
		DocumentsFor: claimsAsked})
	if v.Status != verification.AwaitingDocuments || !slices.Equal(v.DocumentsFor, claimsAsked) {
		t.Fatalf("documents asked: %s for %v, want awaiting_documents for %v", v.Status, v.DocumentsFor, claimsAsked)
	}
	return v, agent
}

func (f *fixture) upload(t *testing.T, v *verification.Verification, claim string) {
	t.Helper()
	f.do(t, func(tx *store.Tx) error {
		_, err := f.wf.AddDocument(f.ctx, tx, v.FreelancerID, claim, claim+".png", png1x1)
		return err
	})
}

// While a case awaits the documents a call asked for, a document is taken
// only for one of the claims named: any other would not count toward them.
func TestUploadsOnlyForTheClaimsAsked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		claim string
		code  string
	}{
		{"degree", ""},
		{"location", "not_asked"},
		{"", "not_asked"},
		{"shoe_size", "unknown_claim"},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, _ := f.askDocuments(t, "degree")
		for _, tt := range tests {
			t.Run("claim "+tt.claim, func(t *testing.T) {
				add := func(tx *store.Tx) error {
					_, err := f.wf.AddDocument(f.ctx, tx, v.FreelancerID, tt.claim, "lease.png", png1x1)
					return err
				}
				if tt.code != "" {
					f.refuses(t, tt.code, v.ID, add)
					return
				}
				before := f.written(t, v.ID).documents
				f.do(t, add)
				if after := f.written(t, v.ID).documents; after != before+1 {
					t.Errorf("%d documents after an upload, want %d", after, before+1)
				}
			})
		}
		// Before any call asked for documents, any claim, or none, is taken.
		open := f.open(t)
		f.upload(t, open, "location")
		f.upload(t, open, "")
	})
}

// The documents asked for are sent only when each claim named has one;
// then the case goes to the document queue, not to a second review.
func TestSubmitNeedsADocumentForEachClaimAsked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, _ := f.askDocuments(t, "location", "degree")
		submit := func(tx *store.Tx) error {
			_, err := f.wf.SubmitDocuments(f.ctx, tx, v.FreelancerID, "")
			return err
		}
		for _, tt := range []struct {
			upload  string
			missing string
		}{
			{"", "location, degree"},
			{"degree", "location"},
		} {
			if tt.upload != "" {
				f.upload(t, v, tt.upload)
			}
			err := f.refuses(t, workflow.ErrDocumentsMissing, v.ID, submit)
			if err == nil || !strings.HasSuffix(err.Error(), ": "+tt.missing) {
				t.Errorf("refused with %v, want the claims %s named", err, tt.missing)
			}
		}
		f.upload(t, v, "location")
		seq := f.lastSeq(t)
		f.do(t, submit)
		if got := eventTypes(f.events(t, seq)); !slices.Equal(got, []verification.EventType{verification.EventInReview}) {
			t.Errorf("events %v, want verification.in_review", got)
		}
		if !f.inQueue(t, v.ID, "documents") || f.inQueue(t, v.ID, "reviews") {
			t.Errorf("sent documents: in the document queue %v, in the second reviews %v; want true, false",
				f.inQueue(t, v.ID, "documents"), f.inQueue(t, v.ID, "reviews"))
		}
	})
}

// inQueue reports whether the case waits in the document queue
// ("documents") or for a second review ("reviews").
func (f *fixture) inQueue(t *testing.T, id, which string) bool {
	t.Helper()
	list, err := f.st.DocumentReviews(f.ctx, 1000)
	if which == "reviews" {
		list, err = f.st.SecondReviews(f.ctx, 1000)
	}
	must(t, err)
	return slices.ContainsFunc(list, func(v *verification.Verification) bool { return v.ID == id })
}

// Documents a call asked for are read by someone who took no part in the
// case, who records an outcome for each claim asked; verified counts the
// call's steps with the reading, and a negative waits for a second reviewer
// as after a call.
func TestDecideDocuments(t *testing.T) {
	t.Parallel()
	degree := func(o verification.Outcome) []verification.ClaimOutcome {
		return []verification.ClaimOutcome{{Key: "degree", Outcome: o}}
	}
	tests := []struct {
		name    string
		byAgent bool // the agent who asked reads
		d       workflow.DocumentsDecision
		code    string
		want    verification.Status
	}{
		{name: "verified", d: workflow.DocumentsDecision{Decision: verification.DecideVerified, Outcomes: degree(verification.Confirmed)},
			want: verification.Verified},
		{name: "read by the agent who asked", byAgent: true,
			d: workflow.DocumentsDecision{Decision: verification.DecideVerified, Outcomes: degree(verification.Confirmed)}, code: "own_decision"},
		{name: "no outcome for the claim asked", d: workflow.DocumentsDecision{Decision: verification.DecideVerified},
			code: "outcome_missing"},
		{name: "verified with the claim still unconfirmed",
			d: workflow.DocumentsDecision{Decision: verification.DecideVerified, Outcomes: degree(verification.Unable)}, code: verification.ErrStepsMissing},
		{name: "a step no reading records",
			d: workflow.DocumentsDecision{Decision: verification.DecideVerified, Outcomes: degree(verification.Confirmed),
				Steps: map[string]string{verification.StepConsent: "given"}}, code: "unknown_step"},
		{name: "needs documents again", d: workflow.DocumentsDecision{Decision: verification.DecideNeedsDocuments,
			Outcomes: degree(verification.Unable)}, code: "invalid"},
		{name: "not verified without a reason", d: workflow.DocumentsDecision{Decision: verification.DecideNotVerified,
			Outcomes: degree(verification.NotConfirmed)}, code: "required"},
		{name: "not verified", d: workflow.DocumentsDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported",
			Outcomes: degree(verification.NotConfirmed)}, want: verification.InReview},
		{name: "not verified for a reason only a call gives", d: workflow.DocumentsDecision{Decision: verification.DecideNotVerified,
			ReasonCode: "live_check_failed", Outcomes: degree(verification.NotConfirmed)}, code: "required"},
		{name: "needs a call", d: workflow.DocumentsDecision{Decision: verification.DecideNewCall, Outcomes: degree(verification.Unable)},
			want: verification.AwaitingFreelancer},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		reader := f.addStaff(t, "reader", store.RoleAgent)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v, agent := f.askDocuments(t, "degree")
				defer f.cancelIfOpen(t, v.ID)
				f.upload(t, v, "degree")
				f.do(t, func(tx *store.Tx) error {
					_, err := f.wf.SubmitDocuments(f.ctx, tx, v.FreelancerID, "")
					return err
				})
				by := reader
				if tt.byAgent {
					by = agent
				}
				decide := func(tx *store.Tx) error {
					_, err := f.wf.DecideDocuments(f.ctx, tx, by.ID, v.ID, tt.d)
					return err
				}
				if tt.code != "" {
					f.refuses(t, tt.code, v.ID, decide)
					return
				}
				f.do(t, decide)
				got := f.get(t, v.ID)
				if got.Status != tt.want {
					t.Fatalf("after the reading: %s, want %s", got.Status, tt.want)
				}
				if tt.want == verification.Verified {
					f.checkVerified(t, v.ID, agent.ID, reader.ID)
					return
				}
				if tt.want == verification.AwaitingFreelancer {
					f.checkSentForCall(t, v, reader)
					return
				}
				// A negative on the documents: a second review, no restriction.
				if f.inQueue(t, v.ID, "documents") || !f.inQueue(t, v.ID, "reviews") {
					t.Errorf("a negative reading: in the document queue %v, in the second reviews %v; want false, true",
						f.inQueue(t, v.ID, "documents"), f.inQueue(t, v.ID, "reviews"))
				}
				if st := f.standing(t, v.FreelancerID); len(st.Restrictions) > 0 {
					t.Errorf("one reader's negative restricts: %+v", st)
				}
				f.refuses(t, "not_in_document_review", v.ID, decide)
				reviewer := f.withReviewRights(t, reader)
				f.refuses(t, "own_decision", v.ID, func(tx *store.Tx) error {
					_, err := f.wf.DecideReview(f.ctx, tx, reviewer, v.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
					return err
				})
			})
		}
	})
}

// checkSentForCall checks a case a reader of documents sent back for a
// call: out of both queues, nothing restricted, the freelancer told with
// the full notice again, and the reader kept out of the new call.
func (f *fixture) checkSentForCall(t *testing.T, before *verification.Verification, reader *store.Staff) {
	t.Helper()
	got := f.get(t, before.ID)
	if got.Accommodation == verification.DocumentReview || got.Mode() != verification.ModeVideo {
		t.Errorf("a case sent for a call is still worked as %s (%s)", got.Mode(), got.Accommodation)
	}
	if f.inQueue(t, got.ID, "documents") || f.inQueue(t, got.ID, "reviews") {
		t.Errorf("a case sent for a call waits in a staff queue")
	}
	if st := f.standing(t, got.FreelancerID); len(st.Restrictions) > 0 {
		t.Errorf("asking for a call restricts: %+v", st)
	}
	if got.Deadline.Before(before.Deadline) {
		t.Errorf("the deadline went back from %v to %v", before.Deadline, got.Deadline)
	}
	if kinds := f.emailKinds(t, got.ID); !slices.Contains(kinds, "new_call") {
		t.Errorf("emails about the case %v, want the new call's", kinds)
	}
	decisions, err := f.st.Decisions(f.ctx, got.ID)
	must(t, err)
	if by := workflow.SentBack(got, decisions); by != "documents" {
		t.Errorf("the portal sees the case as sent back for a call by %q, want by the documents' reader: %+v", by, decisions)
	}
	took, err := f.wf.TookPart(f.ctx, got, reader.ID)
	must(t, err)
	if !took {
		t.Errorf("the reader who asked for the call could take it")
	}
}

// A case whose freelancer sent documents instead of a call, which its
// reader cannot settle on them, goes back for a call: worked as a video
// call from then on, never read again as documents alone by the same rule.
func TestDocumentReviewNeedsACall(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v := f.documentReview(t)
		reader := f.addStaff(t, "reader", store.RoleAgent)
		f.refuses(t, "required", v.ID, func(tx *store.Tx) error {
			_, err := f.wf.DecideDocuments(f.ctx, tx, reader.ID, v.ID, workflow.DocumentsDecision{
				Decision: verification.DecideNotVerified, ReasonCode: "consent_refused"})
			return err
		})
		f.do(t, func(tx *store.Tx) error {
			_, err := f.wf.DecideDocuments(f.ctx, tx, reader.ID, v.ID, workflow.DocumentsDecision{Decision: verification.DecideNewCall,
				Note: "The lease does not show the name."})
			return err
		})
		f.checkSentForCall(t, v, reader)
	})
}
