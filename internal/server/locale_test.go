package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// seedCaseIn opens a case for a freelancer who reads locale and lives in zone.
func seedCaseIn(t testing.TB, s *server.Server, id, locale, zone string) *workflow.Opened {
	t.Helper()
	ctx := context.Background()
	var opened *workflow.Opened
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		f := &verification.Freelancer{ID: id, DisplayName: "Ana Souza", Email: id + "@example.com", Locale: locale,
			TimeZone: zone, Claims: []verification.Claim{{Key: "location", Label: "Localização", Value: "Recife, Brasil"}}}
		if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
			return err
		}
		var err error
		opened, err = s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: id,
			Reason: verification.Reason{Code: "location_mismatch", Explanation: "Os acessos vieram de outro país."}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

// A freelancer whose profile says pt-BR gets the portal, its scripts' words,
// the booking days and the emails in Brazilian Portuguese, with dates in
// their zone; one whose language attest does not speak gets English.
func TestPortalAndEmailsFollowLocale(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	agentWithHours(t, s, "America/Sao_Paulo", 9*60, 17*60, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	opened := seedCaseIn(t, s, "u-300", "pt-BR", "America/Sao_Paulo")
	token := strings.TrimPrefix(opened.Link.URL, base)

	status, page := fetch(t, base+token)
	// t0 is Saturday 24 October 2026, 22:00 UTC; the deadline a week later
	// is 19:00 in São Paulo (UTC-3).
	for _, want := range []string{
		`<html lang="pt-BR">`,
		"Olá, Ana Souza, por favor verifique seu perfil",
		"Nada na sua conta será restrito antes de sábado, 31 de outubro de 2026, às 19:00 (UTC-3).",
		"Testar minha câmera e meu microfone",
		"seg, 26 out",                               // the booking days
		`"js.queue.next":"você é a próxima pessoa"`, // the scripts' words
	} {
		if !strings.Contains(page, want) {
			t.Errorf("pt-BR portal (%d) lacks %q", status, want)
		}
	}
	if strings.Contains(page, "Verify your profile") || strings.Contains(page, "Saturday") {
		t.Error("English left on the pt-BR portal")
	}

	res := postForm(t, http.DefaultClient, base+token+"/book", url.Values{"slot": {"2026-10-26T12:00:00Z"}}, "")
	if n := res.Request.URL.Query().Get("notice"); n != "booked" {
		t.Fatalf("booking: notice %q", n)
	}
	_, page = fetch(t, res.Request.URL.String())
	if !strings.Contains(page, "Sua chamada está marcada.") || !strings.Contains(page, "segunda-feira, 26 de outubro de 2026, às 09:00 (UTC-3)") {
		t.Errorf("after booking, the notice or the booked time is not in Portuguese:\n%s", page)
	}
	emails, err := s.Store.Emails(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]string{}
	for _, e := range emails {
		subjects[e.Kind] = e.Subject
	}
	if got, want := subjects["invite"], "Verifique seu perfil até 31 de outubro"; got != want {
		t.Errorf("invitation subject %q, want %q", got, want)
	}
	if got, want := subjects["booked"], "Sua chamada de verificação está marcada para segunda-feira, 26 de outubro, às 09:00 (UTC-3)"; got != want {
		t.Errorf("booking subject %q, want %q", got, want)
	}

	// A broken link names nobody; the browser's language is the best guess.
	req, _ := http.NewRequest("GET", opened.Link.URL+"x", nil)
	req.Header.Set("Accept-Language", "pt-BR,pt;q=0.9,en;q=0.8")
	broken, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(broken.Body)
	broken.Body.Close()
	if !strings.Contains(string(body), "Este link não funciona") {
		t.Errorf("a broken link, asked for in Portuguese, answers %d:\n%s", broken.StatusCode, body)
	}

	other := seedCaseIn(t, s, "u-301", "de-DE", "Europe/Berlin")
	_, page = fetch(t, other.Link.URL)
	if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Hello Ana Souza, please verify your profile") {
		t.Error("a locale without a catalog does not fall back to English")
	}
}

// The scripts read their words from the page's JSON block under the real
// Content-Security-Policy, and choose plural forms for the page's language.
func TestBrowserPortalScriptsInPortuguese(t *testing.T) {
	s, _ := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	opened := seedCaseIn(t, s, "u-310", "pt-BR", "America/Sao_Paulo")
	freelancer := browser(t, "freelancer")
	do(t, freelancer, chromedp.Navigate(opened.Link.URL))
	click(t, freelancer, "device-check")
	waitFor(t, freelancer, "the device check in Portuguese", `document.getElementById('check-status').textContent.includes('Tudo pronto')`)
	waitFor(t, freelancer, "the wait in Portuguese", `import('/static/js/ui.js').then((m) => m.describeWait(60) === 'cerca de 1 minuto' && m.describeWait(180) === 'cerca de 3 minutos')`)
	audit(t, freelancer, "portal in Portuguese")
}
