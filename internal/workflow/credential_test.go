package workflow_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// withCredentials has wf verify digital credentials from one test issuer,
// which it returns. Its credentials name no status list: the workflow's
// clock is a test's own, and nothing is fetched.
func withCredentials(t testing.TB, wf *workflow.Workflow) *testwallet.Issuer {
	t.Helper()
	issuer, err := testwallet.NewIssuer("https://issuer.test")
	if err != nil {
		t.Fatal(err)
	}
	trust, err := issuer.Trust()
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// The wallet checks the request's certificate against the wall clock.
	signer, err := credential.RequestSigner(key, "attest.test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wf.Credentials = &credential.Service{BaseURL: "http://attest.test", Signer: signer, Now: wf.Now,
		Verifier: &sdjwt.Verifier{Trust: trust, Now: wf.Now}}
	return issuer
}

// present has a freelancer present, across devices, an identity credential
// from issuer stating the given and family names, as a phone wallet does:
// a request is started on the open case, signed, read and answered, the
// answer checked and recorded. A refusal to start is returned as an error.
func present(ctx context.Context, wf *workflow.Workflow, issuer *testwallet.Issuer, freelancerID, given, family string) (*workflow.CredentialAnswer, error) {
	var a *credential.Attempt
	err := wf.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		a, err = wf.StartCredentialAttempt(ctx, tx, freelancerID, credential.CrossDevice)
		return err
	})
	if err != nil {
		return nil, err
	}
	jwt, err := wf.Credentials.RequestObject(a)
	if err != nil {
		return nil, err
	}
	req, err := testwallet.ReadRequest(jwt)
	if err != nil {
		return nil, err
	}
	wl, err := testwallet.NewWallet()
	if err != nil {
		return nil, err
	}
	wl.Now = wf.Now
	issued, err := issuer.Issue(testwallet.Identity{GivenName: given, FamilyName: family, IssuedAt: wf.Now(), NoStatus: true}, wl.HolderKey())
	if err != nil {
		return nil, err
	}
	wl.Credential = issued.Credential
	token, err := wl.Present(req, req.ClientID)
	if err != nil {
		return nil, err
	}
	vp, _ := json.Marshal(token)
	stored, err := wf.Store.CredentialAttempt(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	result, refusal := wf.CheckCredential(ctx, stored, vp, "")
	var ans *workflow.CredentialAnswer
	err = wf.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		ans, err = wf.RecordCredential(ctx, tx, stored, result, refusal)
		return err
	})
	return ans, err
}

// identityProfile is a profile whose claims are a legal name and, when
// more is true, a location no credential confirms.
func identityProfile(id, name string, more bool) *verification.Freelancer {
	f := &verification.Freelancer{ID: id, DisplayName: name, Email: id + "@example.com", Locale: "en", TimeZone: "UTC",
		Claims: []verification.Claim{{Key: "legal_name", Label: "Legal name", Value: name, Kind: verification.KindIdentity}}}
	if more {
		f.Claims = append(f.Claims, verification.Claim{Key: "location", Label: "Location", Value: "Lisbon", Kind: verification.KindLocation})
	}
	return f
}

// The export holds the digital IDs presented on a case (what was asked,
// how each ended, what the credential said per claim), names a credential
// as who confirmed a claim, and holds none of a request's keys.
func TestExportHoldsDigitalIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newExportWorld(t, cfg)
		issuer := withCredentials(t, w.wf)
		w.do(func(tx *store.Tx) error {
			if _, err := w.wf.PutFreelancer(w.ctx, tx, "test", identityProfile("u-dc", "Ana Paula Souza", true)); err != nil {
				return err
			}
			_, err := w.wf.OpenVerification(w.ctx, tx, "test", verification.Request{FreelancerID: "u-dc",
				Reason: verification.Reason{Code: "new_account", Explanation: "New."}})
			return err
		})
		for _, name := range [][2]string{{"Ana", "Sousa"}, {"Ana Paula", "Souza"}} {
			w.now = w.now.Add(time.Minute) // the export lists requests in the order they were made
			if _, err := present(w.ctx, w.wf, issuer, "u-dc", name[0], name[1]); err != nil {
				t.Fatal(err)
			}
		}
		attempts, err := w.wf.Store.CredentialAttempts(w.ctx, w.openCase(t, "u-dc"))
		if err != nil || len(attempts) != 2 {
			t.Fatalf("attempts: %v %v", attempts, err)
		}
		e, err := w.wf.Export(w.ctx, "test", "u-dc")
		if err != nil {
			t.Fatal(err)
		}
		ids := e.Verifications[0].DigitalIDs
		if len(ids) != 2 || ids[0].Result != "mismatch" || ids[1].Result != "verified" || ids[1].AnsweredAt == nil ||
			strings.Join(ids[1].Asked, ",") != "given_name,family_name" || len(ids[1].Findings) != 1 ||
			ids[1].Findings[0].Claim != "legal_name" || !ids[1].Findings[0].Matched || ids[1].Findings[0].Issuer != "https://issuer.test" ||
			ids[1].Findings[0].CredentialType != "urn:eudi:pid:1" || len(ids[0].Findings) != 1 || ids[0].Findings[0].Matched {
			t.Fatalf("the export's digital IDs: %+v", ids)
		}
		var confirmedBy string
		for _, o := range e.Verifications[0].ClaimOutcomes {
			if o.Claim == "legal_name" {
				confirmedBy = o.By
			}
		}
		if confirmedBy != "digital credential" {
			t.Errorf("the legal name was confirmed by %q, want \"digital credential\"", confirmedBy)
		}
		file, _ := e.File()
		for _, a := range attempts {
			for _, secret := range []string{a.ID, a.Nonce, a.State} {
				if strings.Contains(string(file), secret) {
					t.Errorf("the export holds a request's key %q", secret)
				}
			}
		}
	})
}

// openCase is the id of the freelancer's open case.
func (w *exportWorld) openCase(t *testing.T, freelancerID string) string {
	t.Helper()
	v, err := w.wf.Store.OpenVerification(w.ctx, freelancerID)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// What a digital credential settles or confirms is nobody's decision: the
// fairness figures, overall and per agent, count only the agent's.
func TestFairnessCountsNoCredential(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newExportWorld(t, cfg)
		issuer := withCredentials(t, w.wf)
		start := w.now
		w.do(func(tx *store.Tx) error {
			for _, f := range []*verification.Freelancer{identityProfile("u-alone", "Ana Souza", false), identityProfile("u-call", "Rui Lima", true)} {
				if _, err := w.wf.PutFreelancer(w.ctx, tx, "test", f); err != nil {
					return err
				}
				if _, err := w.wf.OpenVerification(w.ctx, tx, "test", verification.Request{FreelancerID: f.ID,
					Reason: verification.Reason{Code: "new_account", Explanation: "New."}}); err != nil {
					return err
				}
			}
			return nil
		})
		// One case the credential settles alone; on the other it confirms
		// the legal name, and the agent decides the rest after a call.
		for _, p := range []struct{ id, given, family string }{{"u-alone", "Ana", "Souza"}, {"u-call", "Rui", "Lima"}} {
			ans, err := present(w.ctx, w.wf, issuer, p.id, p.given, p.family)
			if err != nil || ans.Result != "verified" {
				t.Fatalf("%s: %+v %v", p.id, ans, err)
			}
		}
		if v, _ := w.wf.Store.Verification(w.ctx, w.caseOf(t, "u-alone")); v.Status != verification.Verified {
			t.Fatalf("the case a credential confirms whole is %s, want verified", v.Status)
		}
		callCase := w.openCase(t, "u-call")
		w.do(func(tx *store.Tx) error {
			if _, err := w.wf.JoinQueue(w.ctx, tx, "u-call"); err != nil {
				return err
			}
			if _, err := w.wf.TakeNext(w.ctx, tx, w.agent.ID); err != nil {
				return err
			}
			if err := w.wf.RecordOutcome(w.ctx, tx, w.agent.ID, callCase, verification.ClaimOutcome{Key: "location",
				Outcome: verification.NotConfirmed, Note: "could not say"}); err != nil {
				return err
			}
			_, err := w.wf.DecideCall(w.ctx, tx, w.agent.ID, callCase, workflow.CallDecision{Decision: verification.DecideNotVerified,
				ReasonCode: "claim_not_supported"})
			return err
		})
		decisions, err := w.wf.Store.FairnessDecisions(w.ctx, start, w.now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(decisions) != 1 || decisions[0].AgentID != w.agent.ID || decisions[0].Passed {
			t.Fatalf("fairness decisions %+v, want only the agent's negative", decisions)
		}
		report := fairness.Analyze(decisions, fairness.DefaultAlpha)
		for _, a := range report.Agents {
			if a.Group != w.agent.ID {
				t.Errorf("the fairness report counts decisions of %q", a.Group)
			}
		}
	})
}

// caseOf is the id of the freelancer's latest case.
func (w *exportWorld) caseOf(t *testing.T, freelancerID string) string {
	t.Helper()
	list, err := w.wf.Store.Verifications(w.ctx, store.VerificationFilter{FreelancerID: freelancerID, Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("cases of %s: %v %v", freelancerID, list, err)
	}
	return list[0].ID
}
