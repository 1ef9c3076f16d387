package server_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// staffPageSentences are, for each staff page, the keys of sentences it
// always shows: rendered in Portuguese, the page says them in Portuguese
// and never in English.
var staffPageSentences = []struct {
	path string
	keys []string
}{
	{"/agent", []string{"console.live_queue", "agent.next_freelancer_one_whose", "agent.open_verifications", "console.sign_out"}},
	{"/agent/document-reviews", []string{"document_reviews.freelancers_who_chose_send", "document_reviews.no_documents_wait_review"}},
	{"/agent/reviews", []string{"reviews.every_not_verified_waits", "reviews.nothing_waits_review", "reviews.no_appeal_waits"}},
	{"/agent/fairness", []string{"fairness.how_read_this_page", "fairness.pass_rate_by_agent", "fairness.download_as_csv"}},
	{"/agent/hours", []string{"hours.weekly_hours", "hours.save_hours", "hours.leave_extra_shifts", "hours.to"}},
	{"/admin/staff", []string{"admin_staff.add_someone_or_reset", "admin_staff.save_account", "admin_staff.staff_accounts"}},
	{"/admin/audit", []string{"admin_audit.every_staff_action_api", "admin_audit.verify_whole_chain", "word.action.staff.language"}},
	{"/account/security", []string{"security.two_step_sign", "security.with_two_step_sign", "security.language.label"}},
	{"/admin", []string{"admin_floor.right_now", "admin_floor.last_30_days_day", "admin_floor.overdue_verifications"}},
	{"/admin/webhooks", []string{"admin_webhooks.add_endpoint", "admin_webhooks.recent_deliveries"}},
	{"/admin/api-keys", []string{"admin_keys.make_key", "admin_keys.marketplace_s_services_call"}},
	{"/admin/questions", []string{"admin_questions.add_question", "admin_questions.kind_other", "word.claim_kind.location"}},
	{"/admin/policy", []string{"admin_policy.allowed_methods", "admin_policy.save_policy", "policy.retention_audit_days", "word.method.video_call", "word.method.document_review"}},
	{"/agent/no-such-page", []string{"console.error.not_found", "error.heading.404"}},
}

// A staff member whose account speaks Brazilian Portuguese reads every
// staff page in it, whatever the browser asks for; with no setting, the
// browser's language decides, before sign-in as after.
func TestStaffPagesInPortuguese(t *testing.T) {
	pt, en := i18n.StaffMatch("pt-BR"), i18n.StaffEnglish
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		seedCase(t, s, "u-840")
		admin := signedInAs(t, s, base, "ana@example.com", store.RoleAdmin)
		if lang := htmlLang(page(t, admin, base+"/agent", http.StatusOK)); lang != "en" {
			t.Fatalf("before choosing, the console speaks %q, want en (the client asks for no language)", lang)
		}
		res, _ := post(t, admin, base+"/account/language", url.Values{"language": {"pt-BR"}})
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/account/security" {
			t.Fatalf("choosing Portuguese ended at %s with %d", res.Request.URL, res.StatusCode)
		}
		for _, p := range staffPageSentences {
			want := http.StatusOK
			if strings.Contains(p.path, "no-such") {
				want = http.StatusNotFound
			}
			body := page(t, admin, base+p.path, want)
			if lang := htmlLang(body); lang != "pt-BR" {
				t.Errorf("%s: <html lang=%q>, want pt-BR", p.path, lang)
			}
			for _, key := range p.keys {
				if !strings.Contains(html.UnescapeString(body), pt.Text(key)) {
					t.Errorf("%s does not say %q in Portuguese (%q)", p.path, key, pt.Text(key))
				}
				if strings.Contains(html.UnescapeString(body), en.Text(key)) {
					t.Errorf("%s still says %q in English", p.path, en.Text(key))
				}
			}
		}
		if res, _ := post(t, admin, base+"/account/language", url.Values{"language": {"xx"}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("a language the console does not speak: %d, want 400", res.StatusCode)
		}

		// No setting: the browser's language, negotiated.
		addStaff(t, s, "rui@example.com", store.RoleAgent, adminPassword)
		agent := &http.Client{Jar: signIn(t, base, "rui@example.com", adminPassword)}
		for _, tt := range []struct{ accept, want string }{{"pt-BR,pt;q=0.9", "pt-BR"}, {"pt-PT", "pt-BR"}, {"de-DE, fr", "en"}, {"", "en"}} {
			if got := htmlLang(getIn(t, agent, base+"/agent", tt.accept)); got != tt.want {
				t.Errorf("Accept-Language %q: the console speaks %q, want %q", tt.accept, got, tt.want)
			}
			if got := htmlLang(getIn(t, http.DefaultClient, base+"/login", tt.accept)); got != tt.want {
				t.Errorf("Accept-Language %q: the sign-in page speaks %q, want %q", tt.accept, got, tt.want)
			}
		}
		// A setting wins over the browser.
		post(t, agent, base+"/account/language", url.Values{"language": {"en"}})
		if got := htmlLang(getIn(t, agent, base+"/agent", "pt-BR")); got != "en" {
			t.Errorf("an agent who chose English reads %q when the browser asks for pt-BR", got)
		}
		ctx := context.Background()
		if st, err := s.Store.StaffByEmail(ctx, "rui@example.com"); err != nil || st.Language != "en" {
			t.Errorf("the agent's language is %v (%v), want en", st, err)
		}
	})
}

// getIn fetches a page as a browser asking for a language does.
func getIn(t *testing.T, c *http.Client, target, acceptLanguage string) string {
	t.Helper()
	_, body := fetchIn(t, c, target, acceptLanguage)
	return body
}

// fetchIn is getIn with the answer's status.
func fetchIn(t *testing.T, c *http.Client, target, acceptLanguage string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", target, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// htmlLang is what a page's <html lang> says.
func htmlLang(page string) string {
	_, rest, ok := strings.Cut(page, `<html lang="`)
	if !ok {
		return ""
	}
	lang, _, _ := strings.Cut(rest, `"`)
	return lang
}

// An admin sets another staff member's language on the staff page: their
// pages then speak it, whatever their browser asks, and the change is
// audited; a language the console does not speak is refused with its code
// and field, and the setting stays as it was.
func TestAdminSetsStaffLanguage(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		admin := signedInAs(t, s, base, "ana@example.com", store.RoleAdmin)
		agent := signedInAs(t, s, base, "rui@example.com", store.RoleAgent)
		ctx := context.Background()
		rui, err := s.Store.StaffByEmail(ctx, "rui@example.com")
		if err != nil {
			t.Fatal(err)
		}
		target := base + "/admin/staff/" + rui.ID + "/language"

		res, _ := post(t, admin, target, url.Values{"language": {"pt-BR"}})
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/admin/staff" {
			t.Fatalf("setting pt-BR ended at %s with %d", res.Request.URL, res.StatusCode)
		}
		body := getIn(t, agent, base+"/agent", "en")
		if lang := htmlLang(body); lang != "pt-BR" {
			t.Errorf("after the admin chose pt-BR, the agent's console speaks %q", lang)
		}
		if !strings.Contains(html.UnescapeString(body), pt.Text("console.live_queue")) {
			t.Errorf("the agent's live queue does not say %q", pt.Text("console.live_queue"))
		}
		if lang := htmlLang(getIn(t, admin, base+"/agent", "")); lang != "en" {
			t.Errorf("the admin's own console speaks %q, want en: only the target's language changed", lang)
		}
		entries, err := s.Store.AuditEntries(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		audited := false
		for _, e := range entries {
			if e.Action == "staff.language" && e.Target == rui.ID && strings.Contains(string(e.Details), `"pt-BR"`) {
				audited = true
			}
		}
		if !audited {
			t.Errorf("no staff.language entry for %s with pt-BR in the audit log", rui.ID)
		}

		res, body = post(t, admin, target, url.Values{"language": {"xx"}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a language the console does not speak: %d, want 400", res.StatusCode)
		}
		if !strings.Contains(body, `data-code="invalid_language"`) || !strings.Contains(body, `data-field="language"`) {
			t.Errorf("the refusal does not carry its code and field:\n%.3000s", body)
		}
		if st, err := s.Store.StaffByEmail(ctx, "rui@example.com"); err != nil || st.Language != "pt-BR" {
			t.Errorf("after the refusal the agent's language is %v (%v), want pt-BR still", st.Language, err)
		}
		if lang := htmlLang(getIn(t, agent, base+"/agent", "en")); lang != "pt-BR" {
			t.Errorf("after the refusal the agent's console speaks %q, want pt-BR", lang)
		}
	})
}
