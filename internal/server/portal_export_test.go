package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// exportPerson opens a case for a freelancer whose words are their own and
// returns the portal path of its link.
func exportPerson(t *testing.T, s *server.Server, base, id, word, locale string) string {
	t.Helper()
	ctx := context.Background()
	var opened *workflow.Opened
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		f := &verification.Freelancer{ID: id, DisplayName: word + " Freelancer", Email: strings.ToLower(word) + "@example.com",
			Locale: locale, TimeZone: "UTC", Claims: []verification.Claim{{Key: "location", Label: "Location", Value: word + " Street 9"}}}
		if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
			return err
		}
		var err error
		opened, err = s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: id,
			Reason: verification.Reason{Code: "new_account", Explanation: "Because of the " + word + " invitations"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(opened.Link.URL, base)
}

// download fetches a portal export and returns its status, headers and body.
func download(t *testing.T, target string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

// The portal offers "Download my data": the export of the link's
// freelancer and of nobody else, audited as theirs. A revoked or expired
// link gets the usual refusal; after erasure the link is refused and the
// export (through the API) holds none of the erased words.
func TestPortalExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		c := &clock{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
		s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
		ctx := context.Background()
		ana := exportPerson(t, s, base, "u-810", "Quillfeather", "en")
		bob := exportPerson(t, s, base, "u-811", "Zanzibar", "pt-BR")
		anaWords := []string{"Quillfeather Freelancer", "quillfeather@example.com", "Quillfeather Street 9", "Because of the Quillfeather invitations"}
		bobWords := []string{"Zanzibar Freelancer", "zanzibar@example.com", "Zanzibar Street 9", "Because of the Zanzibar invitations", "u-811"}

		if _, page := fetch(t, base+ana); !strings.Contains(page, `href="`+ana+`/export"`) || !strings.Contains(page, "Download my data") {
			t.Errorf("the portal page does not offer the download")
		}
		if _, page := fetch(t, base+bob); !strings.Contains(page, "Baixar meus dados") {
			t.Errorf("the Portuguese portal page does not offer the download")
		}

		status, header, body := download(t, base+ana+"/export")
		if status != http.StatusOK || header.Get("Content-Disposition") != `attachment; filename="attest-export-u-810.json"` ||
			header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
			t.Fatalf("download: %d %v\n%.300s", status, header, body)
		}
		var doc struct {
			Format       string `json:"format"`
			FreelancerID string `json:"freelancer_id"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Format != workflow.ExportFormat || doc.FreelancerID != "u-810" {
			t.Errorf("the download is not u-810's export: %v %+v", err, doc)
		}
		for _, w := range anaWords {
			if !strings.Contains(body, w) {
				t.Errorf("the download lacks %q", w)
			}
		}
		for _, w := range append(bobWords, strings.TrimPrefix(ana, "/v/")) {
			if strings.Contains(body, w) {
				t.Errorf("the download holds %q", w)
			}
		}
		entries, err := s.Store.AuditEntries(ctx, 1)
		if err != nil || entries[0].Action != "freelancer.export" || entries[0].Actor != "freelancer:u-810" || entries[0].Target != "u-810" {
			t.Errorf("last audit entry %+v (%v), want the freelancer's export", entries, err)
		}

		// Another freelancer's link fetches their own export, never this one.
		_, _, other := download(t, base+bob+"/export")
		for _, w := range anaWords {
			if strings.Contains(other, w) {
				t.Errorf("u-811's download holds %q", w)
			}
		}
		if !strings.Contains(other, "Zanzibar Street 9") {
			t.Errorf("u-811's download lacks their own profile")
		}

		// A revoked link is refused like every portal page.
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.RevokePortalLinks(ctx, tx, "test", "u-811")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if status, _, body := download(t, base+bob+"/export"); status != http.StatusGone || !strings.Contains(body, `data-test="link-problem"`) {
			t.Errorf("revoked link: %d\n%.300s", status, body)
		}
		// So is an expired one.
		c.Add(120 * 24 * time.Hour)
		if status, _, body := download(t, base+ana+"/export"); status != http.StatusGone || !strings.Contains(body, `data-test="link-problem"`) {
			t.Errorf("expired link: %d\n%.300s", status, body)
		}
		c.Add(-120 * 24 * time.Hour)

		var key string
		if err := s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
			key, err = s.Staff.CreateAPIKey(ctx, tx, "test", "export")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("DELETE", base+"/v1/freelancers/u-810", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("erase: %v %v", res, err)
		}
		if status, _, body := download(t, base+ana+"/export"); status != http.StatusGone || !strings.Contains(body, `data-test="link-problem"`) {
			t.Errorf("export after erasure: %d\n%.300s", status, body)
		}
		req, _ = http.NewRequest("GET", base+"/v1/freelancers/u-810/export", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		remains, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !strings.Contains(string(remains), `"erased_at": "`) {
			t.Errorf("the API's export after erasure: %d\n%.300s", res.StatusCode, remains)
		}
		for _, w := range anaWords {
			if strings.Contains(string(remains), w) {
				t.Errorf("the export after erasure holds %q", w)
			}
		}
	})
}
