package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

// The document review form offers only what a reading of documents can
// decide (no reason only a call gives, and "needs a call"), and a form
// that comes back with a problem keeps every choice and note, with the
// problem in staff words beside the part it concerns.
func TestDocumentReviewForm(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	ctx := context.Background()
	agent := signedInAs(t, s, base, "maria@example.com", store.RoleAgent)
	opened := seedCase(t, s, "u-210")
	portal := opened.Link.URL
	if got := upload(t, portal+"/documents", "location", "lease.pdf", testPDF); got != "document-added" {
		t.Fatalf("upload: %q", got)
	}
	if res := postForm(t, http.DefaultClient, portal+"/documents/submit", nil, ""); res.Request.URL.Query().Get("notice") != "documents-sent" {
		t.Fatalf("sending documents: %s", res.Request.URL)
	}
	target := base + "/agent/document-reviews/" + opened.Verification.ID
	if list := page(t, agent, base+"/agent/document-reviews", http.StatusOK); !strings.Contains(list, "Sign-ins came from another country.") ||
		strings.Contains(list, "location_mismatch<") {
		t.Error("the document queue shows the case's reason code, not why it was opened")
	} else if !strings.Contains(list, "<td>Rahul Mehta</td>") || strings.Contains(list, "<td>u-210</td>") {
		t.Error("the document queue names the freelancer by the marketplace's id, not by name")
	}

	form := page(t, agent, target, http.StatusOK)
	for _, r := range verification.DocumentReasons() {
		if !strings.Contains(form, `<option value="`+r+`"`) {
			t.Errorf("the form does not offer the reason %s", r)
		}
	}
	for _, callOnly := range []string{"live_check_failed", "consent_refused", "left_before_finishing"} {
		if strings.Contains(form, callOnly) || strings.Contains(form, web.Word(i18n.StaffEnglish, "reason", callOnly)) {
			t.Errorf("the document review offers the call-only reason %s", callOnly)
		}
	}
	if !strings.Contains(form, `data-test="decide-new-call"`) {
		t.Error("the document review has no \"needs a call\" outcome")
	}

	tests := []struct {
		name    string
		sent    url.Values
		status  int
		problem string // the data-test of the problem's place
		says    string
		kept    []string
	}{
		{name: "not verified without a reason", status: http.StatusBadRequest, problem: "problem-reason",
			says: "Choose the reason for “Not verified”.",
			sent: url.Values{"step-identity_document": {"matched"}, "step-documents_authentic": {"no"},
				"outcome-location": {"not_confirmed"}, "note-location": {"the lease names another city"},
				"decision": {"not_verified"}, "note": {"Read twice."}},
			kept: []string{`value="matched" data-test="step-identity-document-matched" checked`,
				`value="no" data-test="step-documents-authentic-no" checked`,
				`value="not_confirmed" data-test="claim-location-not-confirmed" checked`,
				`value="the lease names another city"`, `value="not_verified" data-test="decide-not-verified" checked`,
				">Read twice.</textarea>"}},
		{name: "a note about the person", status: http.StatusUnprocessableEntity, problem: "problem-claim-location",
			says: "never about the person",
			sent: url.Values{"outcome-location": {"unable"}, "note-location": {"Are you married?"},
				"decision": {"not_verified"}, "reason_code": {"claim_not_supported"}},
			kept: []string{`value="unable" data-test="claim-location-unable" checked`, `value="Are you married?"`,
				`<option value="claim_not_supported" selected>`}},
		{name: "verified with steps missing", status: http.StatusUnprocessableEntity, problem: "problem-decision",
			says: "Verified needs first: ID matching the legal name, Documents examined, Location.",
			sent: url.Values{"outcome-location": {"unable"}, "decision": {"verified"}},
			kept: []string{`value="verified" required data-test="decide-verified" checked`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := post(t, agent, target, tt.sent)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%.800s", res.StatusCode, tt.status, body)
			}
			at := strings.Index(body, `data-test="`+tt.problem+`"`)
			if at < 0 || !strings.Contains(body[at:min(at+600, len(body))], tt.says) {
				t.Errorf("no %q at %s in:\n%s", tt.says, tt.problem, body)
			}
			for _, want := range tt.kept {
				if !strings.Contains(body, want) {
					t.Errorf("the form lost %s", want)
				}
			}
			for _, code := range []string{"reason_code:", "claim: location", "outcomes.location", "steps:"} {
				if strings.Contains(body, code) {
					t.Errorf("the page shows the code %q", code)
				}
			}
		})
	}

	res, _ := post(t, agent, target, url.Values{"outcome-location": {"unable"}, "note-location": {"The lease names nobody."},
		"decision": {"new_call"}})
	if res.Request.URL.Query().Get("notice") != "new_call" {
		t.Fatalf("needs a call ended at %s", res.Request.URL)
	}
	v, err := s.Store.Verification(ctx, opened.Verification.ID)
	if err != nil || v.Status != verification.AwaitingFreelancer || v.Accommodation != "" {
		t.Fatalf("after needs a call: %+v %v", v, err)
	}
}
