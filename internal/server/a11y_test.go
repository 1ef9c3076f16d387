package server_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The pages outside the call flow pass axe-core too, at phone size.
func TestBrowserOtherPagesAreAccessible(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	opened := seedCase(t, s, "u-60")
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")

	phone := browser(t, "freelancer")
	do(t, phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(opened.Link.URL))
	audit(t, phone, "portal start with nobody online")
	lease := filepath.Join(t.TempDir(), "lease.pdf")
	if err := os.WriteFile(lease, testPDF, 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, phone, chromedp.SetUploadFiles(byTest("document-file"), []string{lease}))
	click(t, phone, "document-upload")
	waitFor(t, phone, "the uploaded document", `!!document.querySelector('[data-test="document-remove"]')`)
	screenshot(t, phone, "freelancer-documents")
	audit(t, phone, "portal with a document")
	click(t, phone, "phone-handoff")
	waitFor(t, phone, "the hand-off page", `!!document.querySelector('img.qr')`)
	audit(t, phone, "phone hand-off page")
	do(t, phone, chromedp.Navigate(opened.Link.URL+"x"))
	audit(t, phone, "portal error page")

	staff := browser(t, "staff")
	do(t, staff, chromedp.Navigate(base+"/login"))
	typeInto(t, staff, "login-email", "maria@example.com")
	typeInto(t, staff, "login-password", "wrong password!!")
	click(t, staff, "login-submit")
	waitFor(t, staff, "the sign-in error", `!!document.getElementById('login-error')`)
	audit(t, staff, "failed sign-in")
	do(t, staff, chromedp.SetValue(byTest("login-password"), "correct horse battery"))
	click(t, staff, "login-submit")
	visible(t, staff, "go-online")
	do(t, staff, chromedp.Navigate(base+"/agent/hours"))
	screenshot(t, staff, "agent-3-hours")
	audit(t, staff, "working hours")

	maria, _ := s.Store.StaffByEmail(context.Background(), "maria@example.com")
	negative := decidedNegative(t, s, "u-61", maria)
	if err := s.Store.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := s.Workflow.AddDocument(context.Background(), tx, "u-61", "location", "lease.pdf", testPDF)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
	supervisor := browser(t, "supervisor")
	do(t, supervisor, chromedp.Navigate(base+"/login"))
	typeInto(t, supervisor, "login-email", "sam@example.com")
	typeInto(t, supervisor, "login-password", "correct horse battery")
	click(t, supervisor, "login-submit")
	visible(t, supervisor, "go-online")
	do(t, supervisor, chromedp.Navigate(base+"/agent/reviews"))
	audit(t, supervisor, "second reviews")
	do(t, supervisor, chromedp.Navigate(base+"/agent/reviews/"+negative.Verification.ID))
	screenshot(t, supervisor, "supervisor-1-review")
	audit(t, supervisor, "a second review")
	sent := seedCase(t, s, "u-62")
	if err := s.Store.InTx(context.Background(), func(tx *store.Tx) error {
		if _, err := s.Workflow.AddDocument(context.Background(), tx, "u-62", "location", "lease.pdf", testPDF); err != nil {
			return err
		}
		_, err := s.Workflow.SubmitDocuments(context.Background(), tx, "u-62", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	do(t, supervisor, chromedp.Navigate(base+"/agent/document-reviews"))
	audit(t, supervisor, "the document queue")
	do(t, supervisor, chromedp.Navigate(base+"/agent/document-reviews/"+sent.Verification.ID))
	screenshot(t, supervisor, "agent-4-document-review")
	audit(t, supervisor, "a document review")
	do(t, supervisor, chromedp.Navigate(base+"/agent/fairness"))
	screenshot(t, supervisor, "supervisor-2-fairness")
	audit(t, supervisor, "the fairness report")
}
