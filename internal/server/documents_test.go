package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/evidence"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// upload posts one file to the portal as a browser's form would, and
// returns the notice the page was sent back with.
func upload(t *testing.T, target, claim, filename string, data []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("claim", claim)
	if filename != "" || data != nil {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL.Query().Get("notice")
}

func TestDocumentsAsEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		ctx := context.Background()
		opened := seedCase(t, s, "u-170")
		portal := base + strings.TrimPrefix(opened.Link.URL, base)

		for _, tt := range []struct {
			name, claim, filename string
			data                  []byte
			notice                string
		}{
			{"an HTML page named .pdf", "", "id.pdf", []byte("<!DOCTYPE html><script>alert(1)</script>"), "document-type"},
			{"a file over 10 MB", "", "scan.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, evidence.MaxSize)...), "document-too-large"},
			{"an empty file", "", "empty.pdf", []byte{}, "document-empty"},
			{"no file", "", "", nil, "document-missing"},
			{"a claim the case does not have", "salary", "id.pdf", testPDF, "document-claim"},
			{"a PDF for the location", "location", `C:\Users\rahul\lease "2026".pdf`, testPDF, "document-added"},
		} {
			if got := upload(t, portal+"/documents", tt.claim, tt.filename, tt.data); got != tt.notice {
				t.Fatalf("%s: notice %q, want %q", tt.name, got, tt.notice)
			}
		}
		docs, err := s.Store.Documents(ctx, opened.Verification.ID)
		if err != nil || len(docs) != 1 {
			t.Fatalf("%d documents stored, %v; want only the PDF", len(docs), err)
		}
		doc := docs[0]
		if doc.Filename != "lease 2026.pdf" || doc.ContentType != "application/pdf" || doc.ClaimKey != "location" || doc.Size != int64(len(testPDF)) {
			t.Fatalf("stored %+v", doc)
		}
		var sealed []byte
		if err := storetest.RawDB(t, cfg).QueryRow("SELECT sealed FROM documents WHERE id = "+placeholder(cfg), doc.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, []byte("Catalog")) {
			t.Fatal("the database holds the document in the clear")
		}
		if _, page := fetch(t, portal); !strings.Contains(page, "lease 2026.pdf") {
			t.Fatal("the portal does not list the document")
		}

		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "ola@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		other := &http.Client{Jar: signIn(t, base, "ola@example.com", "correct horse battery")}
		supervisor := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}
		open := func(c *http.Client) (int, string, http.Header) {
			t.Helper()
			res, err := c.Get(base + "/agent/documents/" + doc.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(body), res.Header
		}
		if status, _, _ := open(agent); status != http.StatusForbidden {
			t.Fatalf("an agent not on the case opened its document: %d", status)
		}

		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.Workflow.JoinQueue(ctx, tx, "u-170"); err != nil {
				return err
			}
			_, err := s.Workflow.TakeNext(ctx, tx, maria.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, page := fetchWith(t, agent, base+"/agent"); !strings.Contains(page, "/agent/documents/"+doc.ID) {
			t.Fatal("the call page does not offer the document")
		}
		status, body, header := open(agent)
		if status != 200 || body != string(testPDF) || header.Get("Content-Type") != "application/pdf" ||
			header.Get("X-Content-Type-Options") != "nosniff" || header.Get("Cache-Control") != "no-store" {
			t.Fatalf("the agent in the call opening the document: %d %q %v", status, body, header)
		}
		if status, _, _ := open(other); status != http.StatusForbidden {
			t.Fatalf("another agent opened the document during the call: %d", status)
		}

		// After a negative decision the case waits for review: the reviewer
		// sees the document, the agent who decided no longer does.
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideCall(ctx, tx, maria.ID, opened.Verification.ID, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if status, _, _ := open(agent); status != http.StatusForbidden {
			t.Fatalf("the deciding agent opened the document during review: %d", status)
		}
		if _, page := fetchWith(t, supervisor, base+"/agent/reviews/"+opened.Verification.ID); !strings.Contains(page, "lease 2026.pdf") || !strings.Contains(page, "for Location") {
			t.Fatal("the review page does not offer the document")
		}
		if status, body, _ := open(supervisor); status != 200 || body != string(testPDF) {
			t.Fatalf("the reviewer opening the document: %d", status)
		}
		entries, _ := s.Store.AuditEntries(ctx, 1000)
		opens := 0
		for _, e := range entries {
			if e.Action == "document.open" {
				opens++
			}
		}
		if opens != 2 {
			t.Fatalf("%d document.open audit entries, want 2", opens)
		}
		if res, _ := http.Get(base + "/agent/documents/" + doc.ID); res.Request.URL.Path != "/login" {
			t.Fatalf("a document without signing in ended at %s", res.Request.URL)
		}

		// A freelancer removes a document; erasure removes the rest.
		second := seedCase(t, s, "u-171")
		portal2 := base + strings.TrimPrefix(second.Link.URL, base)
		if got := upload(t, portal2+"/documents", "", "card.png", []byte("\x89PNG\r\n\x1a\nrest")); got != "document-added" {
			t.Fatalf("uploading a PNG: %q", got)
		}
		docs, _ = s.Store.Documents(ctx, second.Verification.ID)
		if len(docs) != 1 || docs[0].ContentType != "image/png" {
			t.Fatalf("after a PNG: %+v", docs)
		}
		if res := postForm(t, http.DefaultClient, portal+"/documents/"+docs[0].ID+"/remove", nil, ""); res.Request.URL.Query().Get("notice") == "document-removed" {
			t.Fatal("one freelancer removed another's document")
		}
		if res := postForm(t, http.DefaultClient, portal2+"/documents/"+docs[0].ID+"/remove", nil, ""); res.Request.URL.Query().Get("notice") != "document-removed" {
			t.Fatalf("removing: %s", res.Request.URL)
		}
		if docs, _ = s.Store.Documents(ctx, second.Verification.ID); len(docs) != 0 {
			t.Fatal("the removed document is still stored")
		}
		err = s.Store.InTx(ctx, func(tx *store.Tx) error { return s.Workflow.EraseFreelancer(ctx, tx, "test", "u-170") })
		if err != nil {
			t.Fatal(err)
		}
		if docs, _ = s.Store.Documents(ctx, opened.Verification.ID); len(docs) != 0 {
			t.Fatal("erasure left the freelancer's documents")
		}
	})
}

// placeholder is the first bind parameter in the database's own dialect,
// for raw queries.
func placeholder(cfg store.Config) string {
	if cfg.DatabaseURL != "" {
		return "$1"
	}
	return "?"
}

func TestDocumentReviewInsteadOfACall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		supervisor := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}

		send := func(id string) (*store.Document, string) {
			t.Helper()
			opened := seedCase(t, s, id)
			portal := base + strings.TrimPrefix(opened.Link.URL, base)
			if res := postForm(t, http.DefaultClient, portal+"/documents/submit", nil, ""); res.Request.URL.Query().Get("notice") != "document-missing" {
				t.Fatalf("sending no documents: %s", res.Request.URL)
			}
			if _, page := fetch(t, portal); !strings.Contains(page, "No call at all?") {
				t.Fatal("the portal does not offer document review")
			}
			if got := upload(t, portal+"/documents", "location", "lease.pdf", testPDF); got != "document-added" {
				t.Fatalf("upload: %q", got)
			}
			if res := postForm(t, http.DefaultClient, portal+"/documents/submit", url.Values{"reason": {strings.Repeat("x", 501)}}, ""); res.Request.URL.Query().Get("notice") != "accommodation-too-long" {
				t.Fatalf("sending documents with an over-long note: %s", res.Request.URL)
			}
			if res := postForm(t, http.DefaultClient, portal+"/documents/submit", url.Values{"reason": {"I have no camera at all"}}, ""); res.Request.URL.Query().Get("notice") != "documents-sent" {
				t.Fatalf("sending documents: %s", res.Request.URL)
			}
			if _, page := fetch(t, portal); !strings.Contains(page, "Your documents are with our team") {
				t.Fatal("the portal does not say the documents are being read")
			}
			docs, _ := s.Store.Documents(ctx, opened.Verification.ID)
			return docs[0], opened.Verification.ID
		}

		// Verified from the documents alone.
		doc, id := send("u-200")
		if v, _ := s.Store.Verification(ctx, id); v.Status != "in_review" || v.Accommodation != verification.DocumentReview || restricted(t, s, "u-200") {
			t.Fatalf("after sending documents: %s %q", v.Status, v.Accommodation)
		}
		if _, page := fetchWith(t, supervisor, base+"/agent/reviews"); strings.Contains(page, id) {
			t.Fatal("an undecided document review is listed for second review")
		}
		if _, page := fetchWith(t, agent, base+"/agent/document-reviews"); !strings.Contains(page, "/agent/document-reviews/"+id) {
			t.Fatal("the document queue does not list the case")
		}
		if status, page := fetchWith(t, agent, base+"/agent/document-reviews/"+id); status != 200 || !strings.Contains(page, "/agent/documents/"+doc.ID) ||
			!strings.Contains(page, "I have no camera at all") {
			t.Fatalf("document review page: %d", status)
		}
		if res, _ := agent.Get(base + "/agent/documents/" + doc.ID); res.StatusCode != 200 {
			t.Fatalf("the agent reading the queue opening the document: %d", res.StatusCode)
		}
		res := postForm(t, agent, base+"/agent/document-reviews/"+id, url.Values{"decision": {"verified"}}, "")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("verified with no claim outcome: %d", res.StatusCode)
		}
		// Claims confirmed, but nobody said the ID matched or the documents are sound.
		res = postForm(t, agent, base+"/agent/document-reviews/"+id, url.Values{"outcome-location": {"confirmed"}, "decision": {"verified"}}, "")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("verified without the document steps: %d", res.StatusCode)
		}
		res = postForm(t, agent, base+"/agent/document-reviews/"+id, url.Values{"outcome-location": {"confirmed"}, "decision": {"verified"},
			"step-identity_document": {"matched"}, "step-documents_authentic": {"yes"}}, "")
		if res.Request.URL.Query().Get("notice") != "verified" {
			t.Fatalf("deciding verified ended at %s", res.Request.URL)
		}
		if v, _ := s.Store.Verification(ctx, id); v.Status != "verified" {
			t.Fatalf("after a positive document review: %s", v.Status)
		}
		if kinds := emailKinds(t, s); !slices.Contains(kinds, "result_verified") {
			t.Fatalf("no result email after a positive document review: %v", kinds)
		}
		if res, _ := agent.Get(base + "/agent/documents/" + doc.ID); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a document of a decided case opened: %d", res.StatusCode)
		}

		// Not verified waits for a second reviewer, as after a call.
		_, id = send("u-201")
		res = postForm(t, agent, base+"/agent/document-reviews/"+id, url.Values{"outcome-location": {"not_confirmed"},
			"note-location": {"the lease names another city"}, "decision": {"not_verified"}, "reason_code": {"claim_not_supported"}}, "")
		if res.Request.URL.Query().Get("notice") != "not_verified" {
			t.Fatalf("deciding not verified ended at %s", res.Request.URL)
		}
		if v, _ := s.Store.Verification(ctx, id); v.Status != "in_review" || restricted(t, s, "u-201") {
			t.Fatalf("after a negative document review: %s, restricted %v", v.Status, restricted(t, s, "u-201"))
		}
		if _, page := fetchWith(t, agent, base+"/agent/document-reviews"); strings.Contains(page, id) {
			t.Fatal("a decided case stays in the document queue")
		}
		if res := postForm(t, agent, base+"/agent/document-reviews/"+id, url.Values{"outcome-location": {"confirmed"}, "decision": {"verified"}}, ""); res.Request.URL.Query().Get("notice") != "gone" {
			t.Fatalf("deciding a decided case again: %s", res.Request.URL)
		}
		if _, page := fetchWith(t, supervisor, base+"/agent/reviews/"+id); !strings.Contains(page, "the lease names another city") {
			t.Fatal("the second reviewer does not see the document reviewer's note")
		}
		postForm(t, supervisor, base+"/agent/reviews/"+id, url.Values{"decision": {"confirm"}}, "")
		if v, _ := s.Store.Verification(ctx, id); v.Status != "not_verified" || !restricted(t, s, "u-201") {
			t.Fatalf("after the second review: %s", v.Status)
		}
		if kinds := emailKinds(t, s); !slices.Contains(kinds, "result_not_verified") {
			t.Fatalf("no result email after a confirmed negative: %v", kinds)
		}

		// A second review needs a first decision.
		_, id = send("u-202")
		sam, _ := s.Store.StaffByEmail(ctx, "sam@example.com")
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideReview(ctx, tx, sam, id, workflow.ReviewDecision{Choice: workflow.Confirm})
			return err
		})
		if !errors.Is(err, workflow.ErrNotDecided) {
			t.Fatalf("a second review before any decision: %v", err)
		}
	})
}

// postMultipart posts a multipart form with text fields and one file, and
// returns the notice the page was sent back with.
func postMultipart(t *testing.T, target string, fields map[string]string, filename string, data []byte) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL.Query().Get("notice")
}

func TestAppealWithADocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Now()
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		addStaff(t, s, "kim@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		sam, _ := s.Store.StaffByEmail(ctx, "sam@example.com")
		opened := decidedNegative(t, s, "u-210", maria)
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideReview(ctx, tx, sam, opened.Verification.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		portal := base + strings.TrimPrefix(opened.Link.URL, base)
		if _, page := fetch(t, portal); !strings.Contains(page, `data-test="appeal-file"`) {
			t.Fatal("the appeal form takes no document")
		}
		statement := map[string]string{"statement": "My lease shows the address; it was not looked at."}
		if got := postMultipart(t, portal+"/appeal", statement, "lease.pdf", []byte("<html>not a pdf</html>")); got != "document-type" {
			t.Fatalf("an appeal with a bad document: %q", got)
		}
		if _, err := s.Store.AppealOf(ctx, opened.Verification.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an appeal with a refused document was stored: %v", err)
		}
		if got := postMultipart(t, portal+"/appeal", statement, "lease.pdf", testPDF); got != "appealed" {
			t.Fatalf("an appeal with a document: %q", got)
		}
		appeal, err := s.Store.AppealOf(ctx, opened.Verification.ID)
		if err != nil || appeal.Statement != statement["statement"] {
			t.Fatalf("stored appeal %+v, %v", appeal, err)
		}
		docs, _ := s.Store.Documents(ctx, opened.Verification.ID)
		if len(docs) != 1 || docs[0].Filename != "lease.pdf" {
			t.Fatalf("appeal documents: %+v", docs)
		}

		// The supervisor deciding the appeal sees it; the one who reviewed does not.
		kim := &http.Client{Jar: signIn(t, base, "kim@example.com", "correct horse battery")}
		if _, page := fetchWith(t, kim, base+"/agent/appeals/"+appeal.ID); !strings.Contains(page, "/agent/documents/"+docs[0].ID) {
			t.Fatal("the appeal page does not offer the document")
		}
		if res, _ := kim.Get(base + "/agent/documents/" + docs[0].ID); res.StatusCode != 200 {
			t.Fatalf("the appeal's supervisor opening the document: %d", res.StatusCode)
		}
		reviewer := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}
		if res, _ := reviewer.Get(base + "/agent/documents/" + docs[0].ID); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the supervisor who took part opening the document: %d", res.StatusCode)
		}

		// Retention keeps the documents while the appeal is open.
		now = now.AddDate(0, 0, 40)
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.ApplyRetention(ctx, tx, workflow.DefaultRetention)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if docs, _ = s.Store.Documents(ctx, opened.Verification.ID); len(docs) != 1 {
			t.Fatal("retention deleted the documents of an open appeal")
		}
		kim = &http.Client{Jar: signIn(t, base, "kim@example.com", "correct horse battery")} // 40 days on, a new session
		res := postForm(t, kim, base+"/agent/appeals/"+appeal.ID, url.Values{"decision": {"uphold"}}, "")
		if res.Request.URL.Query().Get("notice") != "upheld" {
			t.Fatalf("upholding the appeal ended at %s", res.Request.URL)
		}
		if kinds := emailKinds(t, s); !slices.Contains(kinds, "appeal_upheld") {
			t.Fatalf("no email after an upheld appeal: %v", kinds)
		}
	})
}
