package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// The finding that opened the issue, walked again through the console and
// the portal: an agent who cannot check a claim asks for documents; the
// case waits for them (its own status, event, email and a fresh notice);
// what the freelancer sends goes to the document queue, not to a second
// review; the agent who asked cannot read them; someone else does. A
// negative there waits for a second reviewer, and only two people's
// negative restricts.
func TestDocumentsAskedInACall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		for _, email := range []string{"maria@example.com", "joao@example.com"} {
			addStaff(t, s, email, store.RoleAgent, "correct horse battery")
		}
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		addStaff(t, s, "kim@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")

		opened := seedCase(t, s, "u-300")
		id := opened.Verification.ID
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.Workflow.JoinQueue(ctx, tx, "u-300"); err != nil {
				return err
			}
			_, err := s.Workflow.TakeNext(ctx, tx, maria.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(5 * 24 * time.Hour) // the call comes late in the notice
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		joao := &http.Client{Jar: signIn(t, base, "joao@example.com", "correct horse battery")}
		sam := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}
		callBase := base + "/agent/calls/" + id
		recordCallSteps(t, agent, callBase)
		if code, body := postJSON(t, agent, callBase+"/outcome", map[string]any{"claim": "location", "outcome": "unable"}); code != 200 {
			t.Fatalf("outcome: %d %v", code, body)
		}
		if code, body := postJSON(t, agent, callBase+"/decision", map[string]any{"decision": "needs_documents"}); code != 400 {
			t.Fatalf("needs documents for no claim: %d %v", code, body)
		}
		code, body := postJSON(t, agent, callBase+"/decision", map[string]any{"decision": "needs_documents", "documents_for": []string{"location"}})
		if code != 200 || body["status"] != "awaiting_documents" {
			t.Fatalf("needs documents: %d %v", code, body)
		}
		v, _ := s.Store.Verification(ctx, id)
		if !slices.Equal(v.DocumentsFor, []string{"location"}) || v.Deadline.Before(now.Add(7*24*time.Hour)) {
			t.Fatalf("awaiting documents for %v until %v; want location, with the full notice from %v", v.DocumentsFor, v.Deadline, now)
		}
		types := eventTypes(t, s)
		if !slices.Contains(types, "verification.deadline_moved") || types[len(types)-1] != "verification.documents_requested" {
			t.Fatalf("events %v: want the deadline moved, then verification.documents_requested", types)
		}
		if !slices.Contains(emailKinds(t, s), "documents_requested") {
			t.Fatalf("emails %v: the freelancer is not asked for the documents", emailKinds(t, s))
		}

		// The portal: one document for the claim, then send.
		portal := base + opened.Link.URL[strings.Index(opened.Link.URL, "/v/"):]
		if n := upload(t, portal+"/documents", "location", "bill.pdf", testPDF); n != "document-added" {
			t.Fatalf("upload: %q", n)
		}
		res := postForm(t, http.DefaultClient, portal+"/documents/submit", url.Values{}, "")
		if v, _ := s.Store.Verification(ctx, id); v.Status != verification.InReview {
			t.Fatalf("after sending: %s (%s)", v.Status, res.Request.URL)
		}
		if _, page := fetchWith(t, sam, base+"/agent/reviews"); strings.Contains(page, id) {
			t.Fatal("documents nobody has read are listed for a second review")
		}
		if _, page := fetchWith(t, joao, base+"/agent/document-reviews"); !strings.Contains(page, id) {
			t.Fatal("the document queue does not list the documents")
		}

		// The agent who asked cannot read them; João can, and finds them
		// short: a first negative, which restricts nobody.
		form := url.Values{"outcome-location": {"not_confirmed"}, "decision": {"not_verified"}, "reason_code": {"claim_not_supported"}}
		if res := postForm(t, agent, base+"/agent/document-reviews/"+id, form, ""); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("the agent who asked reading the documents: %d", res.StatusCode)
		}
		if res := postForm(t, joao, base+"/agent/document-reviews/"+id, form, ""); notice(res) != "not_verified" {
			t.Fatalf("reading the documents ended at %s", res.Request.URL)
		}
		if restricted(t, s, "u-300") {
			t.Fatal("one person's negative restricts")
		}
		if _, page := fetchWith(t, sam, base+"/agent/reviews"); !strings.Contains(page, id) {
			t.Fatal("the negative on the documents does not wait for a second review")
		} else if strings.Contains(page, "<td>u-300</td>") || !strings.Contains(page, "<td>Rahul Mehta</td>") {
			t.Fatal("the review list names the freelancer by the marketplace's id, not by name")
		}

		// Sam confirms: now two people's negative, with its reasons
		// everywhere the marketplace looks.
		if res := postForm(t, sam, base+"/agent/reviews/"+id, url.Values{"decision": {"confirm"}}, ""); notice(res) != "confirmed" {
			t.Fatalf("confirming ended at %s", res.Request.URL)
		}
		st, err := s.Workflow.Standing(ctx, "u-300")
		if err != nil || len(st.Restrictions) == 0 || st.Statement == nil {
			t.Fatalf("standing after two negatives: %+v %v", st, err)
		}
		stmt := st.Statement
		if stmt.Basis != "decision" || stmt.ReasonCode != "claim_not_supported" || len(stmt.Claims) != 1 ||
			stmt.Claims[0].Key != "location" || stmt.Claims[0].Outcome != "not_confirmed" || stmt.RestrictedSince == nil ||
			len(stmt.NextSteps) != 1 || stmt.NextSteps[0].Action != "appeal" || stmt.NextSteps[0].Until == nil {
			t.Fatalf("statement of reasons: %+v", stmt)
		}
		events, _ := s.Store.Events(ctx, 0, 1000)
		var sawNegative, sawStanding bool
		for _, e := range events {
			var payload struct {
				Statement *verification.Statement `json:"statement"`
			}
			json.Unmarshal(e.Data, &payload)
			switch e.Type {
			case verification.EventNotVerified:
				sawNegative = payload.Statement != nil && payload.Statement.ReasonCode == "claim_not_supported"
			case verification.EventStandingChange:
				sawStanding = sawStanding || payload.Statement != nil && len(payload.Statement.Claims) == 1
			}
		}
		if !sawNegative || !sawStanding {
			t.Fatalf("the events carry the reasons: not_verified %v, standing.changed %v", sawNegative, sawStanding)
		}
		mail := lastEmail(t, s, "result_not_verified")
		for _, want := range []string{"Location", "sending proposals"} {
			if !strings.Contains(mail, want) {
				t.Fatalf("the result email does not name %q:\n%s", want, mail)
			}
		}
	})
}

// lastEmail is the text of the last email of a kind.
func lastEmail(t *testing.T, s *server.Server, kind string) string {
	t.Helper()
	emails, err := s.Store.Emails(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if e.Kind == kind {
			return e.Text
		}
	}
	t.Fatalf("no %s email", kind)
	return ""
}
