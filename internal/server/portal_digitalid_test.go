package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// "Use a digital ID" is offered on every page where a credential still
// counts (verification.OffersCredential): the start page, a booked call's,
// the queue's before an agent takes the freelancer, and the documents
// page when documents are asked for the legal name; and nowhere else: not
// in a call, not when documents are asked for a claim no credential
// confirms, not once an ID was seen on camera, not in review or decided.
// Where the page offers it, a request can be started; where it does not,
// none can.
func TestDigitalIDOfferedWhereItCounts(t *testing.T) {
	_, trust := issuers(t, 1)
	inCall := func(t *testing.T, st *stateCase) *workflow.Taken {
		t.Helper()
		agent := st.agent(t)
		var taken *workflow.Taken
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := st.s.Workflow.JoinQueue(ctx, tx, st.id); err != nil {
				return err
			}
			var err error
			taken, err = st.s.Workflow.TakeNext(ctx, tx, agent.ID)
			return err
		})
		return taken
	}
	documentsFor := func(identitySeen bool, claims ...string) func(t *testing.T, st *stateCase) {
		return func(t *testing.T, st *stateCase) {
			taken := inCall(t, st)
			agent := st.agent(t)
			st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
				v := taken.Verification.ID
				if identitySeen {
					if _, err := st.s.Workflow.RecordStep(ctx, tx, agent.ID, v, verification.StepIdentity, "matched"); err != nil {
						return err
					}
				}
				for _, key := range claims {
					if err := st.s.Workflow.RecordOutcome(ctx, tx, agent.ID, v, verification.ClaimOutcome{Key: key, Outcome: verification.Unable}); err != nil {
						return err
					}
				}
				_, err := st.s.Workflow.DecideCall(ctx, tx, agent.ID, v, workflow.CallDecision{Decision: verification.DecideNeedsDocuments, DocumentsFor: claims})
				return err
			})
		}
	}
	states := []struct {
		name    string
		reach   func(t *testing.T, st *stateCase)
		offered bool
	}{
		{"awaiting", func(*testing.T, *stateCase) {}, true},
		{"booked", func(t *testing.T, st *stateCase) {
			agentWithHours(t, st.s, "UTC", 0, 24*60, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
			if n := st.book(t, 0); n != "booked" {
				t.Fatalf("booking: notice %q", n)
			}
		}, true},
		{"in queue", func(t *testing.T, st *stateCase) {
			st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
				_, err := st.s.Workflow.JoinQueue(ctx, tx, st.id)
				return err
			})
		}, true},
		{"in call", func(t *testing.T, st *stateCase) { inCall(t, st) }, false},
		{"documents asked for the legal name", documentsFor(false, "legal_name"), true},
		{"documents asked for the location", documentsFor(false, "location"), false},
		{"documents asked for the legal name, the ID seen on camera", documentsFor(true, "legal_name"), false},
		{"in review", func(t *testing.T, st *stateCase) {
			endCall(t, st.s, st.id, st.agent(t), []verification.ClaimOutcome{{Key: "location", Outcome: verification.NotConfirmed}},
				workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
		}, false},
	}
	for _, state := range states {
		t.Run(state.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				clk := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: clk.Now,
					Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
				id := "u-digital-id"
				opened := twoClaimCase(t, s, id)
				st := &stateCase{s: s, clock: clk, id: id, opened: opened, portal: base + strings.TrimPrefix(opened.Link.URL, base)}
				state.reach(t, st)
				status, page := fetch(t, st.portal)
				if status != http.StatusOK {
					t.Fatalf("the page answers %d", status)
				}
				if shown := strings.Contains(page, `data-test="credential-same-device"`); shown != state.offered {
					t.Errorf("the page offers a digital ID: %v, want %v", shown, state.offered)
				}
				res, err := http.PostForm(st.portal+"/credential", url.Values{"transport": {"cross_device"}})
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if started := res.StatusCode == http.StatusCreated; started != state.offered {
					t.Errorf("a request starts: %v (%s), want %v", started, res.Status, state.offered)
				}
			})
		})
	}
}

// twoClaimCase opens a case on a profile with a legal name, which a
// digital ID can confirm, and a location, which it cannot.
func twoClaimCase(t *testing.T, s *server.Server, id string) *workflow.Opened {
	t.Helper()
	return openCaseOf(t, s, &verification.Freelancer{ID: id, DisplayName: "José da Silva", Email: id + "@example.com", Locale: "en", TimeZone: "UTC",
		Claims: []verification.Claim{
			{Key: "legal_name", Label: "Legal name", Value: "José da Silva", Kind: verification.KindIdentity},
			{Key: "location", Label: "Location", Value: "Recife, Brazil", Kind: verification.KindLocation},
		}})
}
