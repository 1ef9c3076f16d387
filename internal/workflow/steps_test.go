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

// live stands, in the tables below, for the call's live check: one step for
// each of its challenges when recorded, one requirement for each when missing.
const live = "live"

// expand replaces live with the call's recorded challenges, as steps or as
// the requirements a refusal names.
func expand(list []string, call *store.Call, requirements bool) []string {
	var out []string
	for _, s := range list {
		if s != live {
			out = append(out, s)
			continue
		}
		for _, c := range call.Challenges {
			if requirements {
				out = append(out, "live check: "+c.Key)
			} else {
				out = append(out, "challenge_"+c.Key)
			}
		}
	}
	return out
}

// stillMissing is what a steps_missing refusal names.
func stillMissing(err error) []string {
	if err == nil {
		return nil
	}
	_, list, ok := strings.Cut(err.Error(), "still missing: ")
	if !ok {
		return []string{"(no list in " + err.Error() + ")"}
	}
	return strings.Split(list, ", ")
}

// A call ends verified only when every step its mode requires passed and
// every claim was confirmed: consent, the ID (on camera, or a document in
// its place; an audio-only call takes only the document) and each live-check
// challenge. Anything short of that is refused as steps_missing naming what
// lacks, and the call goes on as it was.
func TestVerifiedNeedsEveryRequiredStep(t *testing.T) {
	t.Parallel()
	const (
		consent  = verification.StepConsent
		identity = verification.StepIdentity
		document = verification.StepIdentityDocument
	)
	tests := []struct {
		name          string
		accommodation verification.Accommodation
		// steps are recorded in order, with their passing result unless
		// one follows "=".
		steps       []string
		unconfirmed []string // claims found unable to check; the rest confirmed
		missing     []string // nil: verified is allowed
	}{
		{"video call", "", []string{consent, identity, live}, nil, nil},
		{"video call, an ID document for the ID on camera", "", []string{consent, document, live}, nil, nil},
		{"video call without consent", "", []string{identity, live}, nil, []string{"consent"}},
		{"video call with consent refused", "", []string{consent + "=refused", identity, live}, nil, []string{"consent"}},
		{"video call without the ID", "", []string{consent, live}, nil, []string{"identity"}},
		{"video call, the ID did not match", "", []string{consent, identity + "=not_matched", live}, nil, []string{"identity"}},
		{"video call without the live check", "", []string{consent, identity}, nil, []string{live}},
		{"video call, a claim not confirmed", "", []string{consent, identity, live}, []string{"degree"}, []string{"claim: degree"}},
		{"video call, nothing recorded", "", nil, []string{"legal_name", "location", "degree"},
			[]string{"consent", "identity", live, "claim: legal_name", "claim: location", "claim: degree"}},
		{"audio call", verification.AudioOnly, []string{consent, document, live}, nil, nil},
		{"audio call, an ID on camera does not count", verification.AudioOnly, []string{consent, identity, live}, nil, []string{"identity"}},
		{"audio call without consent", verification.AudioOnly, []string{document, live}, nil, []string{"consent"}},
		{"audio call without the live check", verification.AudioOnly, []string{consent, document}, nil, []string{live}},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v := f.open(t)
				if tt.accommodation != "" {
					f.do(t, func(tx *store.Tx) error {
						return f.wf.Accommodate(f.ctx, tx, v.FreelancerID, tt.accommodation, "")
					})
				}
				taken, agent := f.call(t, v)
				f.do(t, func(tx *store.Tx) error {
					for _, step := range expand(tt.steps, taken.Call, false) {
						step, result, ok := strings.Cut(step, "=")
						if !ok {
							result = passing(step)
						}
						if err := f.showIfChallenge(tx, agent.ID, v.ID, step); err != nil {
							return err
						}
						if _, err := f.wf.RecordStep(f.ctx, tx, agent.ID, v.ID, step, result); err != nil {
							return err
						}
					}
					for _, key := range claimKeys {
						o := verification.ClaimOutcome{Key: key, Outcome: verification.Confirmed}
						if slices.Contains(tt.unconfirmed, key) {
							o.Outcome = verification.Unable
						}
						if err := f.wf.RecordOutcome(f.ctx, tx, agent.ID, v.ID, o); err != nil {
							return err
						}
					}
					return nil
				})
				decide := func(tx *store.Tx) error {
					_, err := f.wf.DecideCall(f.ctx, tx, agent.ID, v.ID, workflow.CallDecision{Decision: verification.DecideVerified})
					return err
				}
				if tt.missing == nil {
					f.do(t, decide)
					f.checkVerified(t, v.ID, agent.ID)
					return
				}
				err := f.refuses(t, verification.ErrStepsMissing, v.ID, decide)
				if want := expand(tt.missing, taken.Call, true); !slices.Equal(stillMissing(err), want) {
					t.Errorf("refused for lacking %q, want %q", stillMissing(err), want)
				}
				f.cancelIfOpen(t, v.ID)
			})
		}
	})
}

// checkVerified holds a verified case to its evidence: every step and
// outcome with who recorded it and when.
func (f *fixture) checkVerified(t *testing.T, id string, by ...string) {
	t.Helper()
	v := f.get(t, id)
	if v.Status != verification.Verified {
		t.Fatalf("the case is %s, want verified", v.Status)
	}
	ev, err := f.wf.Recorded(f.ctx, f.st, v)
	must(t, err)
	if missing := ev.Missing(v); len(missing) > 0 {
		t.Errorf("verified without %v", missing)
	}
	for _, r := range ev.Steps {
		if r.At.IsZero() || !slices.ContainsFunc(by, func(id string) bool { return r.By == "staff:"+id || r.By == "freelancer:"+id }) {
			t.Errorf("step %s recorded by %q at %v, want one of %v with a time", r.Step, r.By, r.At, by)
		}
	}
	for _, o := range ev.Outcomes {
		if o.RecordedAt.IsZero() || !slices.Contains(by, o.StaffID) {
			t.Errorf("claim %s recorded by %q at %v, want one of %v with a time", o.Key, o.StaffID, o.RecordedAt, by)
		}
	}
	if st := f.standing(t, v.FreelancerID); !st.Verified || len(st.Restrictions) > 0 {
		t.Errorf("standing after verified: %+v", st)
	}
}

// A document review (documents instead of any call) needs what stands in
// for the call: the freelancer's consent in sending them, an ID document
// that matched, and the reader's finding that the documents are authentic;
// and every claim confirmed.
func TestDocumentReviewNeedsEveryRequiredStep(t *testing.T) {
	t.Parallel()
	const (
		document  = verification.StepIdentityDocument
		authentic = verification.StepDocumentsAuthentic
	)
	tests := []struct {
		name        string
		steps       map[string]string
		unconfirmed []string
		missing     []string
	}{
		{"documents", map[string]string{document: "matched", authentic: "yes"}, nil, nil},
		{"without the ID document", map[string]string{authentic: "yes"}, nil, []string{"identity"}},
		{"the ID document did not match", map[string]string{document: "not_matched", authentic: "yes"}, nil, []string{"identity"}},
		{"without the authenticity check", map[string]string{document: "matched"}, nil, []string{authentic}},
		{"documents found altered", map[string]string{document: "matched", authentic: "no"}, nil, []string{authentic}},
		{"a claim not confirmed", map[string]string{document: "matched", authentic: "yes"}, []string{"location"}, []string{"claim: location"}},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v := f.documentReview(t)
				d := workflow.DocumentsDecision{Decision: verification.DecideVerified, Steps: tt.steps}
				for _, key := range claimKeys {
					o := verification.ClaimOutcome{Key: key, Outcome: verification.Confirmed}
					if slices.Contains(tt.unconfirmed, key) {
						o.Outcome = verification.Unable
					}
					d.Outcomes = append(d.Outcomes, o)
				}
				decide := func(tx *store.Tx) error {
					_, err := f.wf.DecideDocuments(f.ctx, tx, f.agent.ID, v.ID, d)
					return err
				}
				if tt.missing == nil {
					f.do(t, decide)
					f.checkVerified(t, v.ID, f.agent.ID, v.FreelancerID)
					return
				}
				err := f.refuses(t, verification.ErrStepsMissing, v.ID, decide)
				if !slices.Equal(stillMissing(err), tt.missing) {
					t.Errorf("refused for lacking %q, want %q", stillMissing(err), tt.missing)
				}
				f.cancelIfOpen(t, v.ID)
			})
		}
	})
}

// documentReview is a case whose freelancer sent a document for review
// instead of a call: in review, in the document queue.
func (f *fixture) documentReview(t *testing.T) *verification.Verification {
	t.Helper()
	v := f.open(t)
	var sent *verification.Verification
	f.do(t, func(tx *store.Tx) (err error) {
		if _, err = f.wf.AddDocument(f.ctx, tx, v.FreelancerID, "", "id.png", png1x1); err != nil {
			return err
		}
		sent, err = f.wf.SubmitDocuments(f.ctx, tx, v.FreelancerID, "")
		return err
	})
	if sent.Status != verification.InReview || f.get(t, v.ID).Mode() != verification.ModeDocuments {
		t.Fatalf("documents sent instead of a call: %s in mode %s", sent.Status, f.get(t, v.ID).Mode())
	}
	steps, err := f.st.Steps(f.ctx, v.ID)
	must(t, err)
	if len(steps) != 1 || steps[0].Step != verification.StepConsent || steps[0].By != "freelancer:"+v.FreelancerID {
		t.Fatalf("steps after sending documents: %+v, want the freelancer's consent", steps)
	}
	return f.get(t, v.ID)
}

// No way around the steps: whatever moves a case to verified — the
// transition every surface shares, a second reviewer's overturn — meets
// the same rule; a document review is not offered where the case's methods
// leave it out, nor sent without a document.
func TestNoWayAroundTheRequiredSteps(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)

		inCall := f.caseIn(t, verification.InCall)
		f.refuses(t, verification.ErrStepsMissing, inCall.ID, func(tx *store.Tx) error {
			_, err := f.wf.Transition(f.ctx, tx, "api:test", inCall.ID, verification.Verified)
			return err
		})
		f.cancelIfOpen(t, inCall.ID)

		// An overturn states what confirms each claim not confirmed…
		negative, _ := f.negative(t)
		f.refuses(t, "confirmation_missing", negative.ID, func(tx *store.Tx) error {
			_, err := f.wf.DecideReview(f.ctx, tx, f.sup, negative.ID, workflow.ReviewDecision{Choice: workflow.Overturn})
			return err
		})
		// …and cannot stand in for the live check nobody recorded.
		err := f.refuses(t, verification.ErrStepsMissing, negative.ID, func(tx *store.Tx) error {
			_, err := f.wf.DecideReview(f.ctx, tx, f.sup, negative.ID, workflow.ReviewDecision{Choice: workflow.Overturn,
				Confirmations: map[string]string{"location": "The lease sent shows the address.", "degree": "The diploma sent names it."}})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "live check: ") {
			t.Errorf("the overturn was refused with %v, want the live check named", err)
		}

		// Documents instead of a call, where the case does not offer it.
		videoOnly := f.openFor(t, verification.Request{FreelancerID: f.freelancer(t), Methods: []verification.Method{verification.MethodVideoCall},
			Reason: request("").Reason})
		f.do(t, func(tx *store.Tx) error {
			_, err := f.wf.AddDocument(f.ctx, tx, videoOnly.FreelancerID, "location", "lease.png", png1x1)
			return err
		})
		f.refuses(t, "not_offered", videoOnly.ID, func(tx *store.Tx) error {
			_, err := f.wf.SubmitDocuments(f.ctx, tx, videoOnly.FreelancerID, "")
			return err
		})
		nothing := f.open(t)
		f.refuses(t, "no_documents", nothing.ID, func(tx *store.Tx) error {
			_, err := f.wf.SubmitDocuments(f.ctx, tx, nothing.FreelancerID, "")
			return err
		})
	})
}
