package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// exported is the part of an export this test reads.
type exported struct {
	Format        string           `json:"format"`
	FreelancerID  string           `json:"freelancer_id"`
	ErasedAt      *string          `json:"erased_at"`
	Profile       *json.RawMessage `json:"profile"`
	Verifications []struct {
		ID     string `json:"id"`
		Reason struct {
			Explanation string `json:"explanation"`
		} `json:"reason"`
	} `json:"verifications"`
	Emails      []struct{ Kind, To, Text string } `json:"emails"`
	PortalLinks []map[string]any                  `json:"portal_links"`
	Events      []json.RawMessage                 `json:"events"`
}

// GET /v1/freelancers/{id}/export is a file holding the profile, the case,
// the emails and the links (without their tokens), audited; an erased
// freelancer's is what remains, and an id never seen is 404.
func TestExportFreelancer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := t.Context()
		_, _, err := e.api.PutFreelancer(ctx, "u-1", ana())
		ok(t, err)
		v, err := e.api.CreateVerification(ctx, newCase())
		ok(t, err)
		token := v.PortalURL[strings.LastIndex(v.PortalURL, "/")+1:]

		r := e.must(http.StatusOK, e.call("GET", "/v1/freelancers/u-1/export", nil))
		if got := r.Header.Get("Content-Disposition"); got != `attachment; filename="attest-export-u-1.json"` {
			t.Errorf("Content-Disposition %q", got)
		}
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		var x exported
		r.decode(t, &x)
		if x.Format != "attest.freelancer-export.v1" || x.FreelancerID != "u-1" || x.ErasedAt != nil || x.Profile == nil ||
			!strings.Contains(string(*x.Profile), "Recife, Brazil") {
			t.Errorf("export header and profile: %s", r.Body)
		}
		if len(x.Verifications) != 1 || x.Verifications[0].ID != v.ID || x.Verifications[0].Reason.Explanation == "" {
			t.Errorf("verifications: %+v", x.Verifications)
		}
		if len(x.Emails) != 1 || x.Emails[0].Kind != "invite" || x.Emails[0].To != "ana@example.com" ||
			!strings.Contains(x.Emails[0].Text, "Ana Souza") {
			t.Errorf("emails: %+v", x.Emails)
		}
		if len(x.PortalLinks) != 1 || len(x.Events) == 0 {
			t.Errorf("%d portal links, %d events; want 1 and some", len(x.PortalLinks), len(x.Events))
		}
		if strings.Contains(string(r.Body), token) {
			t.Errorf("the export holds the portal link's token")
		}
		entries, err := e.srv.Store.AuditEntries(ctx, 1)
		ok(t, err)
		if a := entries[0]; a.Action != "freelancer.export" || a.Target != "u-1" || !strings.HasPrefix(a.Actor, "api_key:") {
			t.Errorf("last audit entry %+v, want freelancer.export of u-1 by the API key", a)
		}

		// The client hands over the same document.
		raw, err := e.api.ExportFreelancer(ctx, "u-1")
		if err != nil || !json.Valid(raw) || !strings.Contains(string(raw), `"attest.freelancer-export.v1"`) {
			t.Errorf("client export: %.200s, %v", raw, err)
		}

		ok(t, e.api.EraseFreelancer(ctx, "u-1"))
		r = e.must(http.StatusOK, e.call("GET", "/v1/freelancers/u-1/export", nil))
		x = exported{}
		r.decode(t, &x)
		if x.ErasedAt == nil || x.Profile != nil || len(x.Verifications) != 1 || len(x.Emails) != 0 || len(x.PortalLinks) != 0 {
			t.Errorf("after erasure: %s", r.Body)
		}
		for _, s := range []string{"Ana Souza", "ana@example.com", "Recife, Brazil", "checked once"} {
			if strings.Contains(string(r.Body), s) {
				t.Errorf("the export after erasure holds %q", s)
			}
		}

		code, field := e.must(http.StatusNotFound, e.call("GET", "/v1/freelancers/u-404/export", nil)).errorCode(t)
		if code != "not_found" || field != "" {
			t.Errorf("unknown freelancer: %s on %q, want not_found", code, field)
		}
		code, field = e.must(http.StatusBadRequest, e.call("GET", "/v1/freelancers/-bad/export", nil)).errorCode(t)
		if code != "invalid" || field != "id" {
			t.Errorf("malformed id: %s on %q, want invalid on id", code, field)
		}
		e.must(http.StatusBadRequest, e.call("GET", "/v1/freelancers/u-1/export?format=csv", nil))
	})
}

// An export of a whole history (a document, a call with its notes, a
// second review, an appeal decided, a phone hand-off) meets the document's
// schema in every part.
func TestExportOfAWholeHistoryMeetsTheSpec(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := t.Context()
	_, _, err := e.api.PutFreelancer(ctx, "u-1", ana())
	ok(t, err)
	v, err := e.api.CreateVerification(ctx, newCase())
	ok(t, err)
	staff := func(email string, role store.Role) *store.Staff {
		var s *store.Staff
		ok(t, e.srv.Store.InTx(ctx, func(tx *store.Tx) (err error) {
			if _, err = e.srv.Staff.Put(ctx, tx, "test", email, "", role, "correct horse battery"); err != nil {
				return err
			}
			s, err = tx.StaffByEmail(ctx, email)
			return err
		}))
		return s
	}
	agent, sup, other := staff("agent@example.com", store.RoleAgent), staff("sup@example.com", store.RoleSupervisor),
		staff("other@example.com", store.RoleSupervisor)
	wf := e.srv.Workflow
	ok(t, e.srv.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := wf.AddDocument(ctx, tx, "u-1", "location", "lease.pdf", []byte("%PDF-1.4\n% lease\n")); err != nil {
			return err
		}
		if _, err := wf.NewHandoff(ctx, tx, "u-1"); err != nil {
			return err
		}
		if _, err := wf.JoinQueue(ctx, tx, "u-1"); err != nil {
			return err
		}
		taken, err := wf.TakeNext(ctx, tx, agent.ID)
		if err != nil {
			return err
		}
		if _, err := wf.RecordStep(ctx, tx, agent.ID, v.ID, verification.StepConsent, "given"); err != nil {
			return err
		}
		// A challenge shown and done: the call's live check has a time and a result.
		key := taken.Call.Challenges[0].Key
		if _, err := wf.ShowChallenge(ctx, tx, agent.ID, v.ID, key); err != nil {
			return err
		}
		if _, err := wf.RecordStep(ctx, tx, agent.ID, v.ID, verification.ChallengeStep(key), "done"); err != nil {
			return err
		}
		if err := wf.RecordOutcome(ctx, tx, agent.ID, v.ID, verification.ClaimOutcome{Key: "location",
			Outcome: verification.NotConfirmed, Note: "the city was not named"}); err != nil {
			return err
		}
		if err := wf.SaveScript(ctx, tx, agent.ID, v.ID, json.RawMessage(`{"helper": "none"}`)); err != nil {
			return err
		}
		_, err = wf.DecideCall(ctx, tx, agent.ID, v.ID, workflow.CallDecision{Decision: verification.DecideNotVerified,
			ReasonCode: "claim_not_supported", Note: "no city"})
		return err
	}))
	ok(t, e.srv.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := wf.DecideReview(ctx, tx, sup, v.ID, workflow.ReviewDecision{Choice: workflow.Confirm}); err != nil {
			return err
		}
		a, err := wf.Appeal(ctx, tx, "u-1", "I named it.")
		if err != nil {
			return err
		}
		_, err = wf.DecideAppeal(ctx, tx, other, a.ID, true, "upheld")
		return err
	}))
	r := e.must(http.StatusOK, e.call("GET", "/v1/freelancers/u-1/export", nil))
	var x struct {
		Verifications []struct {
			Documents []struct {
				Content *string `json:"content_base64"`
			} `json:"documents"`
			Calls         []json.RawMessage `json:"calls"`
			Steps         []json.RawMessage `json:"steps"`
			ClaimOutcomes []json.RawMessage `json:"claim_outcomes"`
			Decisions     []json.RawMessage `json:"decisions"`
			Appeal        *json.RawMessage  `json:"appeal"`
		} `json:"verifications"`
		PhoneHandoffs []json.RawMessage `json:"phone_handoffs"`
	}
	r.decode(t, &x)
	c := x.Verifications[0]
	if len(c.Documents) != 1 || c.Documents[0].Content == nil || len(c.Calls) != 1 || len(c.Steps) != 2 ||
		len(c.ClaimOutcomes) != 1 || len(c.Decisions) != 2 || c.Appeal == nil || len(x.PhoneHandoffs) != 1 {
		t.Errorf("the export lacks part of the history: %s", r.Body)
	}
}
