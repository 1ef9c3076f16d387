package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// staffPage is one staff page, or one state of a page, as the audit opens
// it: a new page is one line here.
type staffPage struct {
	name string
	// route is the pattern that serves the page, as registered
	// (TestEveryPageIsAudited holds every GET route to a row).
	route string
	// path is what the browser opens; {…} are filled in from the world
	// (staffWorld.fill).
	path string
	// as are who open it: "" is nobody signed in, else a person of the
	// world (staffWorld.people), one audit each.
	as []string
	// then brings the page to the state audited, when loading it is not
	// enough.
	then func(t *testing.T, ctx context.Context, w *staffWorld)
	// lang, when set, is the one language the page is written in, whatever
	// the staff's pages are offered in.
	lang string
}

var (
	anyStaff  = []string{"agent", "supervisor", "admin"}
	reviewers = []string{"supervisor", "admin"}
	adminOnly = []string{"admin"}
	nobody    = []string{""}
)

var staffPages = []staffPage{
	{name: "sign-in", route: "GET /login", path: "/login", as: nobody},
	{name: "sign-in refused", route: "POST /login", path: "/login", as: nobody, then: func(t *testing.T, ctx context.Context, w *staffWorld) {
		typeInto(t, ctx, "login-email", "ana@example.com")
		typeInto(t, ctx, "login-password", "not the password")
		click(t, ctx, "login-submit")
		waitFor(t, ctx, "the sign-in error", `!!document.getElementById('login-error')`)
	}},
	{name: "second step", route: "GET /login/code", path: "/login", as: nobody, then: func(t *testing.T, ctx context.Context, w *staffWorld) {
		typeInto(t, ctx, "login-email", "tia@example.com")
		typeInto(t, ctx, "login-password", adminPassword)
		click(t, ctx, "login-submit")
		waitFor(t, ctx, "the second step", `location.pathname === '/login/code'`)
	}},
	{name: "OIDC sign-in refused", route: "GET /login/oidc/callback", path: "/login/oidc/callback?state=x&code=y", as: nobody},
	// The API reference is written for the marketplace's developers, in English.
	{name: "API reference", route: "GET /docs", path: "/docs", as: nobody, lang: "en"},

	{name: "console", route: "GET /agent", path: "/agent", as: anyStaff},
	{name: "console online", route: "GET /agent", path: "/agent", as: []string{"agent"}, then: func(t *testing.T, ctx context.Context, w *staffWorld) {
		// Online stays online: the pass in the language before left the agent so.
		var online bool
		evaluate(t, ctx, `(() => { const el = document.querySelector('[data-test="go-away"]'); return document.readyState === 'complete' && !!el && el.offsetParent !== null; })()`, &online)
		if !online {
			click(t, ctx, "go-online")
		}
		visible(t, ctx, "go-away")
	}},
	{name: "call view", route: "GET /agent", path: "/agent", as: []string{"agent in a call"}},
	{name: "call view, a note refused", route: "POST /agent/calls/{id}/outcome", path: "/agent", as: []string{"agent in a call"},
		then: func(t *testing.T, ctx context.Context, w *staffWorld) {
			typeInto(t, ctx, "note-location", "Are you married?")
			click(t, ctx, "claim-location-confirmed")
			waitFor(t, ctx, "the refusal beside the claim", `document.querySelector('[data-test="claim-location-error"]').textContent !== ''`)
		}},
	{name: "call view, a decision refused", route: "POST /agent/calls/{id}/decision", path: "/agent", as: []string{"agent in a call"},
		then: func(t *testing.T, ctx context.Context, w *staffWorld) {
			choose(t, ctx, `label:has([data-test="decision-not-verified"])`)
			click(t, ctx, "decision-submit")
			waitFor(t, ctx, "the refusal", `document.getElementById('decision-error').textContent !== ''`)
		}},
	{name: "audio-only call view", route: "GET /agent", path: "/agent", as: []string{"agent in an audio-only call"}},
	{name: "document queue", route: "GET /agent/document-reviews", path: "/agent/document-reviews", as: anyStaff},
	{name: "document review", route: "GET /agent/document-reviews/{id}", path: "/agent/document-reviews/{documents}", as: anyStaff},
	{name: "document review refused", route: "POST /agent/document-reviews/{id}", path: "/agent/document-reviews/{documents}", as: []string{"agent"},
		then: func(t *testing.T, ctx context.Context, w *staffWorld) {
			choose(t, ctx, `label:has([data-test="decide-verified"])`)
			click(t, ctx, "document-decide")
			waitFor(t, ctx, "the form's problems", `!!document.querySelector('[data-test^="problem-"]')`)
		}},
	{name: "hours", route: "GET /agent/hours", path: "/agent/hours", as: anyStaff},
	{name: "security", route: "GET /account/security", path: "/account/security", as: anyStaff},
	{name: "two-step set-up", route: "POST /account/security/totp/start", path: "/account/security", as: []string{"agent"},
		then: func(t *testing.T, ctx context.Context, w *staffWorld) {
			// The audit in the language before may have started it already.
			var pending bool
			evaluate(t, ctx, `!!document.querySelector('[data-test="totp-secret"]')`, &pending)
			if !pending {
				click(t, ctx, "totp-start")
			}
			waitFor(t, ctx, "the secret", `!!document.querySelector('[data-test="totp-secret"]')`)
		}},
	{name: "staff page not found", route: "/agent/", path: "/agent/nowhere", as: anyStaff},
	{name: "account page not found", route: "/account/", path: "/account/nowhere", as: []string{"agent"}},
	{name: "review page not found", route: "/review/", path: "/review/nowhere", as: []string{"supervisor"}},
	{name: "dev page not found", route: "/dev/", path: "/dev/nowhere", as: adminOnly},
	{name: "admin page not found", route: "/admin/", path: "/admin/nowhere", as: adminOnly},
	{name: "admin page refused", route: "GET /admin", path: "/admin/api-keys", as: []string{"agent"}},

	{name: "second reviews", route: "GET /agent/reviews", path: "/agent/reviews", as: reviewers},
	{name: "second review", route: "GET /agent/reviews/{id}", path: "/agent/reviews/{review}", as: reviewers},
	{name: "appeal", route: "GET /agent/appeals/{id}", path: "/agent/appeals/{appeal}", as: reviewers},
	{name: "fairness", route: "GET /agent/fairness", path: "/agent/fairness", as: reviewers},
	{name: "floor", route: "GET /admin", path: "/admin", as: reviewers},

	{name: "webhooks", route: "GET /admin/webhooks", path: "/admin/webhooks", as: adminOnly},
	{name: "webhook added", route: "POST /admin/webhooks", path: "/admin/webhooks", as: adminOnly, then: func(t *testing.T, ctx context.Context, w *staffWorld) {
		typeInto(t, ctx, "webhook-url", w.receiver+"/more")
		click(t, ctx, "webhook-add")
		waitFor(t, ctx, "the new secret", `!!document.querySelector('[data-test="webhook-secret"]')`)
	}},
	{name: "webhook endpoint", route: "GET /admin/webhooks/{id}", path: "/admin/webhooks/{endpoint}", as: adminOnly},
	{name: "webhook delivery", route: "GET /admin/webhooks/deliveries/{id}", path: "/admin/webhooks/deliveries/{delivery}", as: adminOnly},
	{name: "API keys", route: "GET /admin/api-keys", path: "/admin/api-keys", as: adminOnly},
	{name: "staff", route: "GET /admin/staff", path: "/admin/staff", as: adminOnly},
	{name: "staff sessions", route: "GET /admin/staff/{id}/sessions", path: "/admin/staff/{staff}/sessions", as: adminOnly},
	{name: "questions", route: "GET /admin/questions", path: "/admin/questions", as: adminOnly},
	{name: "question refused", route: "POST /admin/questions", path: "/admin/questions", as: adminOnly, then: func(t *testing.T, ctx context.Context, w *staffWorld) {
		typeInto(t, ctx, "question-add-other", "How old are you?")
		do(t, ctx, chromedp.Submit(byTest("question-add-other")))
		waitFor(t, ctx, "the refusal", `!!document.querySelector('[data-test="question-error"]')`)
	}},
	{name: "policy", route: "GET /admin/policy", path: "/admin/policy", as: adminOnly},
	{name: "audit log", route: "GET /admin/audit", path: "/admin/audit?verify=1", as: adminOnly},
	{name: "mailbox", route: "GET /dev/mailbox", path: "/dev/mailbox", as: adminOnly},
	{name: "mail", route: "GET /dev/mailbox/{id}", path: "/dev/mailbox/{email}", as: adminOnly},
}

// portalPage is a freelancer's page beyond the states of caseStates (each
// of which is audited as it loads): reached from a state's page.
type portalPage struct {
	name, route string
	// on names the caseStates entry whose page it starts from.
	on   string
	then func(t *testing.T, ctx context.Context, st *stateCase)
}

var portalPages = []portalPage{
	{name: "device check", route: "GET /v/{token}", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		click(t, ctx, "device-check")
		visible(t, ctx, "local-video")
	}},
	{name: "phone hand-off", route: "POST /v/{token}/phone", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		click(t, ctx, "phone-handoff")
		waitFor(t, ctx, "the hand-off page", `!!document.querySelector('img.qr')`)
	}},
	{name: "hand-off code spent", route: "GET /p/{code}", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		navigate(t, ctx, st.base()+"/p/ABCDEFGH")
	}},
	{name: "link not valid", route: "GET /v/{token}", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		navigate(t, ctx, st.portal+"x")
	}},
	{name: "a document added", route: "GET /v/{token}", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := st.s.Workflow.AddDocument(ctx, tx, st.id, "location", "lease.pdf", testPDF)
			return err
		})
		navigate(t, ctx, st.portal)
	}},
	{name: "audio only", route: "POST /v/{token}/accommodation", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		postForm(t, http.DefaultClient, st.portal+"/accommodation", url.Values{"accommodation": {"audio_only"}}, "")
		navigate(t, ctx, st.portal)
		click(t, ctx, "device-check")
		waitFor(t, ctx, "the microphone check", `!document.getElementById('preview-box').hidden`)
	}},
	{name: "call joined", route: "GET /v/{token}", on: "in call", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		click(t, ctx, "join-call")
		waitFor(t, ctx, "the call joined", `!document.getElementById('call-area').hidden`)
	}},
	// The digital ID's card is audited open, its QR code drawn, where a
	// credential counts: the start page, the queue, the documents page.
	{name: "digital ID", route: "POST /v/{token}/credential", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		navigate(t, ctx, withLegalName(t, st))
		click(t, ctx, "credential-other-device")
		waitFor(t, ctx, "the digital ID's QR code", `!!document.querySelector('[data-test="credential-qr"]').getAttribute('src')`)
	}},
	{name: "digital ID in the queue", route: "GET /v/{token}", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		portal := withLegalName(t, st)
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := st.s.Workflow.JoinQueue(ctx, tx, st.id)
			return err
		})
		navigate(t, ctx, portal)
		visible(t, ctx, "digital-id")
	}},
	// Next in the queue with the permission held: the camera and
	// microphone made ready, with their preview, sentence and button.
	{name: "devices ready in the queue", route: "GET /v/{token}", on: "in queue", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		// Only while someone is taking calls: an agent online for this page.
		agent := st.agent(t)
		presence := func(p store.Presence) {
			st.inTx(t, func(ctx context.Context, tx *store.Tx) error { return st.s.Workflow.SetPresence(ctx, tx, agent.ID, p) })
		}
		presence(store.Online)
		t.Cleanup(func() { presence(store.Away) })
		navigate(t, ctx, st.portal)
		visible(t, ctx, "ready-box")
		waitFor(t, ctx, "the sentence", `document.querySelector('[data-test=ready-note]').textContent !== ''`)
	}},
	{name: "digital ID, documents asked", route: "GET /v/{token}", on: "awaiting", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		portal := withLegalName(t, st)
		endCall(t, st.s, st.id, st.agent(t), []verification.ClaimOutcome{{Key: "legal_name", Outcome: verification.Unable}},
			workflow.CallDecision{Decision: verification.DecideNeedsDocuments, DocumentsFor: []string{"legal_name"}})
		navigate(t, ctx, portal)
		visible(t, ctx, "digital-id")
	}},
	{name: "add to your wallet", route: "POST /v/{token}/wallet", on: "verified", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		click(t, ctx, "wallet-offer")
		waitFor(t, ctx, "the offer's QR code", `!!document.querySelector('[data-test="wallet-qr"]')`)
	}},
	{name: "appeal refused", route: "POST /v/{token}/appeal", on: "not verified", then: func(t *testing.T, ctx context.Context, st *stateCase) {
		do(t, ctx, chromedp.SetValue(byTest("appeal-statement"), " "))
		do(t, ctx, chromedp.Submit(byTest("appeal-statement")))
		waitFor(t, ctx, "the refusal", `location.search.includes('notice=')`)
	}},
}

// notPages are the GET routes that answer something other than a page,
// and why.
var notPages = map[string]string{
	"GET /v/{token}/ws":                            "the call's signaling socket",
	"GET /agent/ws":                                "the console's signaling socket",
	"GET /agent/open":                              "the live queue page's open verifications, which its script reads again (a part of GET /agent)",
	"GET /v/{token}/phone/{file}":                  "the hand-off QR code, an image on the hand-off page",
	"GET /v/{token}/export":                        "a download",
	"GET /agent/documents/{id}":                    "a document, as the freelancer sent it",
	"GET /agent/fairness.csv":                      "a download",
	"GET /admin/floor.json":                        "the floor page's figures",
	"GET /login/oidc":                              "a redirect to the identity provider",
	"GET /admin/staff/sessions":                    "the sessions page's form choosing whose, answered with a redirect",
	"GET /static/":                                 "styles and scripts",
	"GET /healthz":                                 "a status for load balancers",
	"GET /readyz":                                  "a status for load balancers",
	"GET /metrics":                                 "figures for Prometheus",
	"GET /{$}":                                     "a redirect to /login",
	"GET /v/{token}/credential/{id}":               "a digital ID request's outcome, polled by the portal's script (JSON)",
	"GET /credential/request/{id}":                 "the signed OpenID4VP request a wallet fetches (a JWT)",
	"GET /.well-known/openid-credential-issuer":    "issuer metadata for wallets (JSON)",
	"GET /.well-known/oauth-authorization-server":  "authorization server metadata for wallets (JSON)",
	"GET /.well-known/jwt-vc-issuer":               "the issuer's keys for verifiers (JSON)",
	"GET /credential-issuer/types/verified-claims": "the credential type's metadata (JSON)",
	"GET /credential-issuer/status/1":              "the Token Status List (a JWT)",
	"GET /credential-issuer/offer/{reference}":     "a credential offer by reference, fetched by a wallet from the QR code (JSON)",
}

// auditConfig is a server with every page there is: the dev mailbox and
// an OIDC provider (never asked: no row signs in through it) are on.
func auditConfig(data store.Config) server.Config {
	return server.Config{Store: data, Now: time.Now, DevMailbox: true,
		Webhooks: server.WebhookConfig{AllowPrivate: true, Poll: 50 * time.Millisecond},
		OIDC:     server.OIDCConfig{Issuer: "https://id.example.com", ClientID: "attest", Name: "Example ID"}}
}

// A page cannot escape the audit: every route a browser can GET is a row
// of staffPages, a state of caseStates or a row of portalPages (GET
// /v/{token}), or a route that answers no page, with the reason; and no row
// names a route that does not exist.
func TestEveryPageIsAudited(t *testing.T) {
	s := open(t, auditConfig(storetest.SQLite(t)))
	defer s.Close()
	audited := map[string]bool{"GET /v/{token}": true} // caseStates
	for _, p := range staffPages {
		audited[p.route] = true
	}
	for _, p := range portalPages {
		audited[p.route] = true
	}
	registered := map[string]bool{}
	for _, r := range s.Routes() {
		registered[r.Pattern] = true
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok {
			path = r.Pattern
		}
		if ok && method != http.MethodGet || strings.HasPrefix(path, "/v1/") { // the API answers JSON
			continue
		}
		if _, why := notPages[r.Pattern]; !audited[r.Pattern] && !why {
			t.Errorf("%s serves a page no row of staffPages or portalPages audits: add one (or, if it is no page, say why in notPages)", r.Pattern)
		}
	}
	for route := range audited {
		if !registered[route] {
			t.Errorf("a row audits %s, which is not a route", route)
		}
	}
	for route := range notPages {
		if !registered[route] {
			t.Errorf("notPages names %s, which is not a route", route)
		}
	}
}

// axe-core finds nothing, of any impact, on any page of attest, staff's
// or freelancer's, in any language each side is offered in; and every
// page says which language it is in.
func TestAccessibilityEveryPage(t *testing.T) {
	ctx := browser(t, "a11y")
	t.Run("freelancer", func(t *testing.T) { auditPortal(t, ctx) })
	t.Run("staff", func(t *testing.T) { auditStaff(t, ctx) })
}

// auditPortal audits every state of a case, and the pages reached from
// them, in every language a freelancer can read attest in (their
// profile's locale chooses it; pages that cannot tell whose they are
// follow the browser's).
func auditPortal(t *testing.T, ctx context.Context) {
	_, trust := issuers(t, 1) // the digital ID is offered where a claim takes one
	for _, c := range i18n.All() {
		i := slices.IndexFunc(portalReaders, func(r portalReader) bool { return r.lang == c.Tag })
		if i < 0 {
			t.Fatalf("no portalReader reads %s: add one, so that its pages are audited", c.Tag)
		}
		r := portalReaders[i]
		speak(t, ctx, c.Tag)
		for _, state := range caseStates {
			t.Run(c.Tag+"/"+state.name, func(t *testing.T) {
				clk := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: clk.Now,
					Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
				id := "u-a11y"
				opened := seedReader(t, s, id, r)
				st := &stateCase{s: s, clock: clk, id: id, opened: opened, portal: base + strings.TrimPrefix(opened.Link.URL, base)}
				query := state.reach(t, st)
				navigate(t, ctx, st.portal+query)
				// The queue page is audited once its socket's first "queue"
				// message has set what it shows (with nobody taking calls,
				// as here, the devices stay off: "devices ready in the
				// queue" audits them made ready).
				waitFor(t, ctx, "the page settled", `!document.getElementById('ready-box') || performance.getEntriesByName('attest:queue', 'mark').length > 0`)
				auditSizes(t, ctx, c.Tag, "freelancer-"+c.Tag+"-"+state.name, c == i18n.English)
				for _, p := range portalPages {
					if p.on != state.name {
						continue
					}
					t.Run(p.name, func(t *testing.T) {
						navigate(t, ctx, st.portal)
						p.then(t, ctx, st)
						auditSizes(t, ctx, c.Tag, "freelancer-"+c.Tag+"-"+p.name, c == i18n.English)
					})
				}
			})
		}
	}
}

// withLegalName cancels the case and opens another on the same profile,
// given a legal name, which a digital ID confirms; it returns the new
// case's portal link. The reader's profile has no claim a credential
// confirms, so that the states of caseStates read as they do without one.
func withLegalName(t *testing.T, st *stateCase) string {
	t.Helper()
	var opened *workflow.Opened
	st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
		if _, err := st.s.Workflow.Transition(ctx, tx, "test", st.opened.Verification.ID, verification.Canceled); err != nil {
			return err
		}
		f, err := tx.Freelancer(ctx, st.id)
		if err != nil {
			return err
		}
		if _, ok := f.Claim("legal_name"); !ok { // the pages of one state share their server
			f.Claims = append(f.Claims, verification.Claim{Key: "legal_name", Label: "Nome civil / Legal name", Value: "Rahul Mehta", Kind: verification.KindIdentity})
			if _, err := st.s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
				return err
			}
		}
		opened, err = st.s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: st.id,
			Reason: verification.Reason{Code: "identity_check", Explanation: "Your payout details changed."}})
		return err
	})
	st.opened = opened
	return st.base() + strings.TrimPrefix(opened.Link.URL, st.base())
}

// base is the server's address.
func (st *stateCase) base() string {
	u, _ := url.Parse(st.portal)
	return u.Scheme + "://" + u.Host
}

// auditStaff audits every staff page as each person who can open it, in
// every language the staff's pages are offered in.
func auditStaff(t *testing.T, ctx context.Context) {
	w := openStaffWorld(t)
	langs := staffLanguages(t, ctx, w.base)
	for _, lang := range langs {
		speak(t, ctx, lang)
		for _, p := range staffPages {
			if p.lang != "" && p.lang != lang {
				continue
			}
			for _, who := range p.as {
				name := lang + "/" + p.name
				if who != "" {
					name += "/" + who
				}
				t.Run(name, func(t *testing.T) {
					w.signIn(t, ctx, who)
					navigate(t, ctx, w.base+w.fill(p.path))
					if p.then != nil {
						p.then(t, ctx, w)
					}
					auditAll(t, ctx, lang, "staff-"+lang+"-"+strings.ReplaceAll(p.name+"-"+who, " ", "-"), lang == langs[0])
				})
			}
		}
	}
}

// staffLanguages are the languages the staff's pages are offered in: those
// of the catalogs whose tag the sign-in page answers in when the browser
// asks for it.
func staffLanguages(t *testing.T, ctx context.Context, base string) []string {
	t.Helper()
	var langs []string
	for _, c := range i18n.StaffAll() {
		speak(t, ctx, c.Tag)
		navigate(t, ctx, base+"/login")
		var lang string
		evaluate(t, ctx, `document.documentElement.lang`, &lang)
		if lang == c.Tag {
			langs = append(langs, c.Tag)
		}
	}
	if !slices.Contains(langs, i18n.English.Tag) {
		t.Fatalf("the staff's pages are offered in %v, not in English", langs)
	}
	t.Logf("the staff's pages are offered in %v", langs)
	return langs
}

// speak makes the browser ask for pages in the language tag, as a
// browser set to that language does (Accept-Language).
func speak(t testing.TB, ctx context.Context, tag string) {
	t.Helper()
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": tag}})
		return err
	}))
}

// auditAll fails on any finding of axe-core on the page, of whatever
// impact, and unless the page says it is in lang; it saves a screenshot
// when ATTEST_SCREENSHOTS names a directory. With walk it walks the page
// by keyboard too (keyboardWalk), which one language is enough for.
func auditAll(t *testing.T, ctx context.Context, lang, shot string, walk bool) {
	t.Helper()
	waitFor(t, ctx, "the page to load", `document.readyState === 'complete'`)
	var got string
	evaluate(t, ctx, `document.documentElement.lang`, &got)
	if got != lang {
		t.Errorf("the page says it is in %q, want %q", got, lang)
	}
	// axe-core checks only the ids ARIA refers to; a label's for, a
	// fragment link and the scripts need every id once too.
	var twice []string
	evaluate(t, ctx, `(() => { const seen = new Set(), twice = new Set();
		for (const el of document.querySelectorAll('[id]')) { (seen.has(el.id) ? twice : seen).add(el.id); }
		return [...twice]; })()`, &twice)
	if len(twice) > 0 {
		t.Errorf("ids used more than once: %v", twice)
	}
	// Nothing runs off the side: a long link or word wraps, at a laptop's
	// width and at a phone's (WCAG 1.4.10, reflow).
	var wide []string
	evaluate(t, ctx, `(() => { const w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= w + 1) return [];
		const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
		const out = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > w + 1 ||
			(el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible'));
		return out.length ? out.slice(-5).map(name) : ['the page']; })()`, &wide)
	if len(wide) > 0 {
		t.Errorf("the page is wider than the window (%s): %v", shot, wide)
	}
	screenshot(t, ctx, shot)
	for _, v := range violations(t, ctx, shot) {
		t.Errorf("%s violation %s (%s) at %v", v.Impact, v.ID, v.Help, v.Targets)
	}
	if walk {
		keyboardWalk(t, ctx)
		var first []string
		evaluate(t, ctx, `attestKeys.tabbable().slice(0, 1)`, &first)
		if len(first) == 0 || !strings.HasPrefix(first[0], "skip ") {
			t.Errorf("the first thing Tab reaches is %v, not the link that skips to the content", first)
		}
	}
}

// auditSizes is auditAll at a laptop's width and then at a phone's, as
// freelancers often open their link.
func auditSizes(t *testing.T, ctx context.Context, lang, shot string, walk bool) {
	t.Helper()
	auditAll(t, ctx, lang, shot, walk)
	resize(t, ctx, 390, 844)
	defer resize(t, ctx, 1280, 900)
	auditAll(t, ctx, lang, shot+"-phone", false)
}

// staffWorld is a server holding something for every staff page to show,
// and the people who open them.
type staffWorld struct {
	s        *server.Server
	base     string
	receiver string // where webhooks go
	// ids fill the paths' placeholders: {review}, {appeal}, …
	ids map[string]string
	// sessions are each person's session cookie, by who (staffPage.as).
	sessions map[string]*http.Cookie
}

// fill puts the world's ids into a path's placeholders.
func (w *staffWorld) fill(path string) string {
	for k, v := range w.ids {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// signIn puts who's session in the browser, and nobody's when who is "".
func (w *staffWorld) signIn(t *testing.T, ctx context.Context, who string) {
	t.Helper()
	cookie, ok := w.sessions[who]
	if who != "" && !ok {
		t.Fatalf("nobody in the world is %q", who)
	}
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{}); err != nil || cookie == nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: cookie.Name, Value: cookie.Value, URL: w.base})
		return err
	}))
}

// openStaffWorld seeds a server so that every staff page has something
// to show: a case in review, an appeal, documents to review, an agent in a
// call, a freelancer waiting, a webhook endpoint with a delivery, an API
// key and mail.
func openStaffWorld(t *testing.T) *staffWorld {
	t.Helper()
	ctx := context.Background()
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)
	s, base := openServed(t, auditConfig(storetest.SQLite(t)))
	stop, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	w := &staffWorld{s: s, base: base, receiver: hooks.URL, ids: map[string]string{}, sessions: map[string]*http.Cookie{}}
	people := map[string]struct {
		email string
		role  store.Role
	}{
		"agent": {"ana@example.com", store.RoleAgent}, "agent in a call": {"bea@example.com", store.RoleAgent},
		"agent in an audio-only call": {"cal@example.com", store.RoleAgent},
		"supervisor":                  {"sam@example.com", store.RoleSupervisor}, "admin": {"ada@example.com", store.RoleAdmin},
		"reviewer": {"rev@example.com", store.RoleSupervisor}, "two-step": {"tia@example.com", store.RoleAgent},
	}
	staff := map[string]*store.Staff{}
	for who, p := range people {
		addStaff(t, s, p.email, p.role, adminPassword)
		staff[who], _ = s.Store.StaffByEmail(ctx, p.email)
		jar := signIn(t, base, p.email, adminPassword)
		u, _ := url.Parse(base)
		for _, c := range jar.Cookies(u) {
			w.sessions[who] = c
		}
	}
	enrolTOTP(t, &http.Client{Jar: jarWith(t, base, w.sessions["two-step"])}, base, time.Now())
	w.ids["staff"] = staff["agent"].ID
	addEndpoint(t, s, hooks.URL+"/in")

	// A case in second review, and one whose confirmed negative is appealed.
	w.ids["review"] = decidedNegative(t, s, "u-review", staff["agent"]).Verification.ID
	appealed := decidedNegative(t, s, "u-appeal", staff["agent"])
	review(t, s, staff["reviewer"], appealed.Verification.ID, workflow.Confirm)
	postForm(t, http.DefaultClient, appealed.Link.URL+"/appeal", url.Values{"statement": {"The address is my studio."}}, "")
	appeal, err := s.Store.AppealOf(ctx, appealed.Verification.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.ids["appeal"] = appeal.ID
	// Documents sent for review instead of a call.
	sent := seedCase(t, s, "u-documents")
	inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.Workflow.AddDocument(ctx, tx, "u-documents", "location", "lease.pdf", testPDF); err != nil {
			return err
		}
		_, err := s.Workflow.SubmitDocuments(ctx, tx, "u-documents", "")
		return err
	})
	w.ids["documents"] = sent.Verification.ID
	// An agent in a call, one in an audio-only call, and a freelancer
	// waiting in the queue.
	seedCase(t, s, "u-call")
	audio := seedCase(t, s, "u-audio")
	postForm(t, http.DefaultClient, audio.Link.URL+"/accommodation", url.Values{"accommodation": {"audio_only"}}, "")
	seedCase(t, s, "u-waiting")
	inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		for id, who := range map[string]string{"u-call": "agent in a call", "u-audio": "agent in an audio-only call"} {
			if _, err := s.Workflow.JoinQueue(ctx, tx, id); err != nil {
				return err
			}
			if _, err := s.Workflow.TakeNext(ctx, tx, staff[who].ID); err != nil {
				return err
			}
		}
		_, err := s.Workflow.JoinQueue(ctx, tx, "u-waiting")
		return err
	})
	inTx(t, s, func(ctx context.Context, tx *store.Tx) error {
		_, err := s.Staff.CreateAPIKey(ctx, tx, "test", "marketplace")
		return err
	})
	emails, err := s.Store.Emails(ctx, 1)
	if err != nil || len(emails) == 0 {
		t.Fatalf("no email to show: %v", err)
	}
	w.ids["email"] = emails[0].ID
	eventually(t, "a webhook delivery", func() bool {
		eps, _ := s.Store.WebhookEndpoints(ctx, "", 1)
		if len(eps) == 0 {
			return false
		}
		list, _ := s.Store.WebhookDeliveries(ctx, store.DeliveryFilter{EndpointID: eps[0].ID, Limit: 1})
		if len(list) == 0 {
			return false
		}
		w.ids["endpoint"], w.ids["delivery"] = eps[0].ID, list[0].ID
		return true
	})
	return w
}

// jarWith is a cookie jar holding one cookie for base.
func jarWith(t *testing.T, base string, c *http.Cookie) http.CookieJar {
	t.Helper()
	jar := newClient().Jar
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{c})
	return jar
}

func inTx(t *testing.T, s *server.Server, f func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return f(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}
