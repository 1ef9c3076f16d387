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

// portalReader is a freelancer who reads the portal in one language and
// lives in one zone, with the words and dates their pages must show. The
// dates are written out: t0 is Saturday 24 October 2026, 22:00 UTC, 03:30
// the next day in Pune (IST) and 19:00 the same day in Recife (UTC-3).
type portalReader struct {
	lang, locale, zone string
	location, place    string // the location claim's label and value
	skill, skillValue  string // the skill claim's label and value
	words              map[string]string
	dates              map[string]string
	forbidden          map[string][]string
}

var portalReaders = []portalReader{
	{
		lang: "en", locale: "en-IN", zone: "Asia/Kolkata",
		location: "Location", place: "Pune, India", skill: "Skill", skillValue: "Go programming",
		words: map[string]string{
			"requested.title":     "Hello Rahul Mehta, please send documents to finish your verification",
			"requested.required":  "A document for each of these is required, not optional",
			"requested.none":      "No document yet",
			"requested.attached":  "Document added",
			"requested.reader":    "Your documents are read by someone other than the person you spoke with in the call.",
			"requested.missing":   "A document is still needed for: Skill. The documents you already added are kept",
			"documents.first":     "No new call is needed: your verification now waits for the documents asked for in your call.",
			"documents.sent":      "Your documents are with our team.",
			"overdue.passed":      "The deadline has passed.",
			"overdue.next_docs":   "To end the pause, send the documents asked for below; no new call is needed.",
			"overdue.next_call":   "To end the pause, join the queue below when someone is taking calls",
			"overdue.nobody":      "Nobody is taking calls right now.</strong> You do not need to wait on this page: come back to this link later.",
			"served":              "Nothing on your account is restricted while you wait for your call.",
			"reasons.decided":     "Two people reviewed your verification and could not confirm your profile.",
			"reasons.reason":      "What was shown, said or sent did not support one or more of the details on your profile.",
			"reasons.claims":      "What was not confirmed",
			"reasons.finding":     "<strong>Location</strong>: Pune, India <span class=\"finding\">— not confirmed</span>",
			"reasons.paused":      "What is paused",
			"reasons.until":       "They stay paused until an appeal is upheld",
			"reasons.appeal_open": "A supervisor who had no part in the decision is looking at your appeal.",
			"upheld.title":        "Your appeal was upheld",
			"upheld.not_verified": "This does not mark your profile as verified",
			"new_call.asked":      "A second reviewer asked for a new call.",
			"new_call.other":      "talk with another member of our team",
			"new_call.documents":  "The person who read your documents needs a short call to finish.",
			"restriction":         "sending proposals",
		},
		dates: map[string]string{
			"documents.deadline": "Wednesday 4 November 2026, 03:30 (IST)",
			"open.deadline":      "Sunday 1 November 2026, 03:30 (IST)",
			"decided":            "Sunday 25 October 2026, 03:30 (IST)",
			"appeal.until":       "Sunday 8 November 2026, 03:30 (IST)",
			"upheld":             "Monday 26 October 2026, 03:30 (IST)",
			"new_call.deadline":  "Tuesday 3 November 2026, 03:30 (IST)",
		},
		forbidden: map[string][]string{
			"overdue":      {"Nothing on your account is restricted before", "Nothing is restricted before", "the deadline moves"},
			"requested":    {`data-test="join-queue"`, `data-test="book-slot"`, `data-test="device-check"`, "Documents (optional)", "Several things, or the verification as a whole"},
			"not_verified": {"some actions on your account are paused", "Some actions on your account are paused"},
		},
	},
	{
		lang: "pt-BR", locale: "pt-BR", zone: "America/Sao_Paulo",
		location: "Localização", place: "Recife, Brasil", skill: "Habilidade", skillValue: "Programação em Go",
		words: map[string]string{
			"requested.title":     "Olá, Rahul Mehta, envie documentos para concluir sua verificação",
			"requested.required":  "Um documento para cada uma delas é obrigatório, não opcional",
			"requested.none":      "Nenhum documento ainda",
			"requested.attached":  "Documento adicionado",
			"requested.reader":    "Quem vai ler seus documentos é outra pessoa da equipe, não a que falou com você na chamada.",
			"requested.missing":   "Falta um documento para: Habilidade. Os documentos que você já adicionou continuam guardados",
			"documents.first":     "Não é preciso fazer outra chamada: sua verificação agora espera os documentos pedidos na sua chamada.",
			"documents.sent":      "Seus documentos estão com a nossa equipe.",
			"overdue.passed":      "O prazo terminou.",
			"overdue.next_docs":   "Para acabar com a pausa, envie abaixo os documentos pedidos; não é preciso fazer outra chamada.",
			"overdue.next_call":   "Para acabar com a pausa, entre na fila abaixo quando houver alguém atendendo",
			"overdue.nobody":      "Ninguém está atendendo agora.</strong> Você não precisa esperar nesta página: volte a este link mais tarde.",
			"served":              "Nada na sua conta fica restrito enquanto você espera pela sua chamada.",
			"reasons.decided":     "Duas pessoas analisaram sua verificação e não conseguiram confirmar seu perfil.",
			"reasons.reason":      "O que foi mostrado, dito ou enviado não comprovou uma ou mais informações do seu perfil.",
			"reasons.claims":      "O que não foi confirmado",
			"reasons.finding":     "<strong>Localização</strong>: Recife, Brasil <span class=\"finding\">— sem confirmação</span>",
			"reasons.paused":      "O que está pausado",
			"reasons.until":       "Elas continuam pausadas até que um recurso seja aceito",
			"reasons.appeal_open": "Um supervisor que não participou da decisão está analisando seu recurso.",
			"upheld.title":        "Seu recurso foi aceito",
			"upheld.not_verified": "Isso não marca seu perfil como verificado",
			"new_call.asked":      "Uma segunda pessoa revisou sua chamada e pediu uma nova.",
			"new_call.other":      "conversasse com outra pessoa da nossa equipe",
			"new_call.documents":  "A pessoa que leu seus documentos precisa de uma chamada rápida para concluir.",
			"restriction":         "enviar propostas",
		},
		dates: map[string]string{
			"documents.deadline": "terça-feira, 3 de novembro de 2026, às 19:00 (UTC-3)",
			"open.deadline":      "sábado, 31 de outubro de 2026, às 19:00 (UTC-3)",
			"decided":            "sábado, 24 de outubro de 2026, às 19:00 (UTC-3)",
			"appeal.until":       "sábado, 7 de novembro de 2026, às 19:00 (UTC-3)",
			"upheld":             "domingo, 25 de outubro de 2026, às 19:00 (UTC-3)",
			"new_call.deadline":  "segunda-feira, 2 de novembro de 2026, às 19:00 (UTC-3)",
		},
		forbidden: map[string][]string{
			"overdue":      {"Nada na sua conta será restrito antes", "Nada será restrito antes", "o prazo é adiado"},
			"requested":    {`data-test="join-queue"`, `data-test="book-slot"`, `data-test="device-check"`, "Documentos (opcional)", "Várias coisas, ou a verificação como um todo"},
			"not_verified": {"algumas ações na sua conta estão pausadas", "Algumas ações na sua conta estão pausadas"},
		},
	},
}

// sentence is a message with its placeholders filled, as the page shows it.
func (r portalReader) sentence(key string, args ...string) string {
	en := map[string]string{
		"documents.by":      "Please send them by <strong>{deadline}</strong>.",
		"overdue.since":     "Since {since}, these actions on your account are paused: <strong>sending proposals</strong>.",
		"reasons.since":     "Since {since}, these actions on your account are paused: <strong>sending proposals</strong>.",
		"reasons.appeal":    "you can <strong>appeal until {until}</strong>",
		"upheld.lifted":     "The pause on your account was lifted on {lifted}",
		"new_call.deadline": "This is a fresh start, with a new deadline: <strong>{deadline}</strong>. Nothing on your account is restricted before then.",
		"deadline.before":   "Nothing on your account is restricted before {deadline}.",
	}
	pt := map[string]string{
		"documents.by":      "Envie-os até <strong>{deadline}</strong>.",
		"overdue.since":     "Desde {since}, estas ações na sua conta estão pausadas: <strong>enviar propostas</strong>.",
		"reasons.since":     "Desde {since}, estas ações na sua conta estão pausadas: <strong>enviar propostas</strong>.",
		"reasons.appeal":    "pode <strong>recorrer até {until}</strong>",
		"upheld.lifted":     "A pausa na sua conta foi retirada em {lifted}",
		"new_call.deadline": "É um novo começo, com um novo prazo: <strong>{deadline}</strong>. Nada na sua conta será restrito antes disso.",
		"deadline.before":   "Nada na sua conta será restrito antes de {deadline}.",
	}
	text := en[key]
	if r.lang == "pt-BR" {
		text = pt[key]
	}
	for i := 0; i+1 < len(args); i += 2 {
		text = strings.ReplaceAll(text, "{"+args[i]+"}", args[i+1])
	}
	return text
}

// seedReader opens a case on a location and a skill for a freelancer who
// reads r's language in r's zone.
func seedReader(t *testing.T, s *server.Server, id string, r portalReader) *workflow.Opened {
	t.Helper()
	ctx := context.Background()
	var opened *workflow.Opened
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		f := &verification.Freelancer{ID: id, DisplayName: "Rahul Mehta", Email: id + "@example.com", Locale: r.locale, TimeZone: r.zone,
			Claims: []verification.Claim{
				{Key: "location", Label: r.location, Value: r.place, Kind: verification.KindLocation},
				{Key: "skill", Label: r.skill, Value: r.skillValue, Kind: verification.KindSkill},
			}}
		if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
			return err
		}
		var err error
		opened, err = s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: id,
			Reason: verification.Reason{Code: "location_mismatch", Explanation: "Sign-ins came from another country."}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

// endCall takes the freelancer's case into a call with agent, records
// outcomes, and ends it with d.
func endCall(t *testing.T, s *server.Server, freelancerID string, agent *store.Staff, outcomes []verification.ClaimOutcome, d workflow.CallDecision) {
	t.Helper()
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.Workflow.JoinQueue(ctx, tx, freelancerID); err != nil {
			return err
		}
		taken, err := s.Workflow.TakeNext(ctx, tx, agent.ID)
		if err != nil {
			return err
		}
		id := taken.Verification.ID
		for _, o := range outcomes {
			if err := s.Workflow.RecordOutcome(ctx, tx, agent.ID, id, o); err != nil {
				return err
			}
		}
		_, err = s.Workflow.DecideCall(ctx, tx, agent.ID, id, d)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// review records a second reviewer's choice on a case.
func review(t *testing.T, s *server.Server, reviewer *store.Staff, verificationID string, choice workflow.ReviewChoice) {
	t.Helper()
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := s.Workflow.DecideReview(ctx, tx, reviewer, verificationID, workflow.ReviewDecision{Choice: choice})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustShow fails for each of want the page lacks and each of never it has.
func mustShow(t *testing.T, what, page string, want []string, never []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s: the page lacks %q", what, w)
		}
	}
	for _, n := range never {
		if strings.Contains(page, n) {
			t.Errorf("%s: the page says %q", what, n)
		}
	}
	if t.Failed() {
		t.Logf("%s, the page:\n%s", what, page)
		t.FailNow()
	}
}

func notice(res *http.Response) string { return res.Request.URL.Query().Get("notice") }

// A call that asks for documents: the page names each claim, whether a
// document is there for it, that they are required and by when; it offers
// no queue and no booking; sending them short of one is refused beside the
// form with nothing lost; past the deadline it says what is paused since
// when and that sending them ends it.
func TestPortalDocumentsAsked(t *testing.T) {
	for i, r := range portalReaders {
		t.Run(r.lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				c := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
				ctx := context.Background()
				maria := staffMember(t, s, "maria@example.com", store.RoleAgent)
				id := "u-docs-" + r.lang
				opened := seedReader(t, s, id, r)
				portal := base + strings.TrimPrefix(opened.Link.URL, base)

				// The call, three days on, asks for documents for both claims.
				c.Add(3 * 24 * time.Hour)
				endCall(t, s, id, maria, []verification.ClaimOutcome{{Key: "location", Outcome: verification.Unable}},
					workflow.CallDecision{Decision: verification.DecideNeedsDocuments, DocumentsFor: []string{"location", "skill"}})
				v, _ := s.Store.Verification(ctx, opened.Verification.ID)
				if v.Status != verification.AwaitingDocuments || !v.Deadline.Equal(c.Now().Add(7*24*time.Hour)) {
					t.Fatalf("after the call: %s, deadline %v; want awaiting_documents with the full notice from the request", v.Status, v.Deadline)
				}

				status, page := fetch(t, portal)
				if status != 200 {
					t.Fatalf("the portal answers %d", status)
				}
				deadline := r.dates["documents.deadline"]
				mustShow(t, "awaiting documents", page, []string{
					r.words["requested.title"],
					"<strong>" + r.location + "</strong>: " + r.place,
					"<strong>" + r.skill + "</strong>: " + r.skillValue,
					r.words["requested.required"],
					r.sentence("documents.by", "deadline", deadline),
					r.sentence("deadline.before", "deadline", deadline),
					r.words["requested.none"],
					r.words["requested.reader"],
					`<option value="location" selected>`, `<option value="skill">`,
					`data-test="documents-submit"`,
				}, r.forbidden["requested"])
				if n := strings.Count(page, r.words["requested.none"]); n != 2 {
					t.Fatalf("%d claims shown without a document, want 2", n)
				}

				// Neither the queue nor a booking, whatever the form says.
				if res := postForm(t, http.DefaultClient, portal+"/queue", nil, ""); notice(res) != "documents-first" {
					t.Fatalf("joining the queue: %s", res.Request.URL)
				}
				_, page = fetch(t, portal+"?notice=documents-first")
				mustShow(t, "after trying the queue", page, []string{r.words["documents.first"]}, nil)
				if res := postForm(t, http.DefaultClient, portal+"/book", url.Values{"slot": {c.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}}, ""); notice(res) != "documents-first" {
					t.Fatalf("booking: %s", res.Request.URL)
				}
				if v, _ := s.Store.Verification(ctx, v.ID); v.Status != verification.AwaitingDocuments {
					t.Fatalf("the queue or a booking moved the case to %s", v.Status)
				}

				// A document for no claim asked for would not count: refused.
				if got := upload(t, portal+"/documents", "", "id.pdf", testPDF); got != "document-claim-asked" {
					t.Fatalf("a document for no claim: %q", got)
				}
				if got := upload(t, portal+"/documents", "location", "lease.pdf", testPDF); got != "document-added" {
					t.Fatalf("a document for the location: %q", got)
				}
				_, page = fetch(t, portal)
				mustShow(t, "one document added", page, []string{r.words["requested.attached"], "lease.pdf", `<option value="skill" selected>`}, nil)
				if n := strings.Count(page, r.words["requested.none"]); n != 1 {
					t.Fatalf("%d claims shown without a document after one was added, want 1", n)
				}

				// Sending them short of the skill's document is refused beside
				// the form, and the lease stays.
				res := postForm(t, http.DefaultClient, portal+"/documents/submit", nil, "")
				if notice(res) != "documents-incomplete" {
					t.Fatalf("sending without the skill's document: %s", res.Request.URL)
				}
				_, page = fetch(t, res.Request.URL.String())
				mustShow(t, "sending refused", page, []string{`data-test="documents-missing"`, r.words["requested.missing"], "lease.pdf"}, nil)
				if form := page[strings.Index(page, `class="send-documents"`):]; !strings.Contains(form[:strings.Index(form, "</form>")], r.words["requested.missing"]) {
					t.Fatal("the refusal is not shown beside the send button")
				}
				if docs, _ := s.Store.Documents(ctx, v.ID); len(docs) != 1 {
					t.Fatalf("%d documents after the refused send, want the lease kept", len(docs))
				}

				if i == 1 {
					// Past the deadline: what is paused, since when, and how it ends.
					c.Add(7*24*time.Hour + time.Hour)
					if !restricted(t, s, id) {
						t.Fatal("an overdue case waiting for documents restricts nothing")
					}
					_, page = fetch(t, portal)
					mustShow(t, "documents overdue", page, []string{
						r.words["overdue.passed"], r.sentence("overdue.since", "since", deadline), r.words["overdue.next_docs"],
					}, append(r.forbidden["overdue"], r.sentence("documents.by", "deadline", deadline)))
				}

				if got := upload(t, portal+"/documents", "skill", "certificate.png", []byte("\x89PNG\r\n\x1a\nrest")); got != "document-added" {
					t.Fatalf("a document for the skill: %q", got)
				}
				if res := postForm(t, http.DefaultClient, portal+"/documents/submit", nil, ""); notice(res) != "documents-sent" {
					t.Fatalf("sending both: %s", res.Request.URL)
				}
				if v, _ := s.Store.Verification(ctx, v.ID); v.Status != verification.InReview || restricted(t, s, id) {
					t.Fatalf("after sending: %s, restricted %v", v.Status, restricted(t, s, id))
				}
				_, page = fetch(t, portal)
				mustShow(t, "documents sent", page, []string{r.words["documents.sent"]}, []string{r.words["overdue.passed"]})
			})
		})
	}
}

// An overdue case names what is paused since the deadline and how to end
// it, and never promises in the same breath that nothing is restricted
// before a date already gone; in the queue nothing is restricted.
func TestPortalOverdueStatement(t *testing.T) {
	for _, r := range portalReaders {
		t.Run(r.lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				c := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
				id := "u-late-" + r.lang
				opened := seedReader(t, s, id, r)
				portal := base + strings.TrimPrefix(opened.Link.URL, base)
				deadline := r.dates["open.deadline"]
				_, page := fetch(t, portal)
				mustShow(t, "before the deadline", page, []string{r.sentence("deadline.before", "deadline", deadline)}, []string{r.words["overdue.passed"]})

				c.Add(opened.Verification.Deadline.Sub(t0) + time.Hour)
				_, page = fetch(t, portal)
				mustShow(t, "overdue", page, []string{
					r.words["overdue.passed"], r.sentence("overdue.since", "since", deadline), r.words["overdue.next_call"], r.words["overdue.nobody"],
				}, r.forbidden["overdue"])

				if res := postForm(t, http.DefaultClient, portal+"/queue", nil, ""); res.StatusCode != 200 || notice(res) != "" {
					t.Fatalf("joining the queue: %d %s", res.StatusCode, res.Request.URL)
				}
				if restricted(t, s, id) {
					t.Fatal("a freelancer in the queue is restricted")
				}
				_, page = fetch(t, portal)
				mustShow(t, "in the queue after the deadline", page, []string{r.words["served"]},
					append(r.forbidden["overdue"], r.words["overdue.passed"], r.words["restriction"], "submit_proposals"))
			})
		})
	}
}

// A confirmed negative shows the statement of reasons: the reason in plain
// words, each claim not confirmed with what was found, what is paused since
// when, and the appeal with its last day; an upheld appeal lifts the pause
// without calling the profile verified.
func TestPortalStatementOfReasons(t *testing.T) {
	for _, r := range portalReaders {
		t.Run(r.lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				c := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
				ctx := context.Background()
				maria := staffMember(t, s, "maria@example.com", store.RoleAgent)
				sam := staffMember(t, s, "sam@example.com", store.RoleSupervisor)
				kim := staffMember(t, s, "kim@example.com", store.RoleSupervisor)
				id := "u-no-" + r.lang
				opened := seedReader(t, s, id, r)
				portal := base + strings.TrimPrefix(opened.Link.URL, base)
				endCall(t, s, id, maria, []verification.ClaimOutcome{
					{Key: "location", Outcome: verification.NotConfirmed, Note: "could not name the neighbourhood"},
					{Key: "skill", Outcome: verification.Confirmed},
				}, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
				review(t, s, sam, opened.Verification.ID, workflow.Confirm)

				_, page := fetch(t, portal)
				want := []string{
					r.words["reasons.decided"], r.words["reasons.reason"], r.words["reasons.claims"], r.words["reasons.finding"],
					r.words["reasons.paused"], r.sentence("reasons.since", "since", r.dates["decided"]), r.words["reasons.until"],
					r.sentence("reasons.appeal", "until", r.dates["appeal.until"]), `data-test="appeal"`, `data-test="result"`,
				}
				mustShow(t, "not verified", page, want, append(r.forbidden["not_verified"], r.skillValue))

				if res := postForm(t, http.DefaultClient, portal+"/appeal", url.Values{"statement": {"The address is my studio."}}, ""); notice(res) != "appealed" {
					t.Fatalf("appealing: %s", res.Request.URL)
				}
				_, page = fetch(t, portal)
				mustShow(t, "appeal open", page, []string{r.words["reasons.appeal_open"], r.words["reasons.reason"], r.words["reasons.finding"],
					r.sentence("reasons.since", "since", r.dates["decided"])}, []string{`data-test="appeal"`})

				c.Add(24 * time.Hour)
				appeal, err := s.Store.AppealOf(ctx, opened.Verification.ID)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
					_, err := s.Workflow.DecideAppeal(ctx, tx, kim, appeal.ID, true, "")
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if st, _ := s.Workflow.Standing(ctx, id); len(st.Restrictions) != 0 || st.Verified {
					t.Fatalf("standing after an upheld appeal: %+v", st)
				}
				_, page = fetch(t, portal)
				mustShow(t, "appeal upheld", page, []string{r.words["upheld.title"], r.sentence("upheld.lifted", "lifted", r.dates["upheld"]), r.words["upheld.not_verified"]},
					[]string{"submit_proposals", r.words["restriction"], r.words["reasons.paused"], r.words["reasons.until"]})
			})
		})
	}
}

// A second reviewer who asks for a new call with another agent sends the
// case back to the freelancer: the page says so, kindly, with the new
// deadline, and the call can start again.
func TestPortalSentBackForANewCall(t *testing.T) {
	for _, r := range portalReaders {
		t.Run(r.lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				c := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
				ctx := context.Background()
				maria := staffMember(t, s, "maria@example.com", store.RoleAgent)
				sam := staffMember(t, s, "sam@example.com", store.RoleSupervisor)
				id := "u-again-" + r.lang
				opened := seedReader(t, s, id, r)
				portal := base + strings.TrimPrefix(opened.Link.URL, base)
				endCall(t, s, id, maria, []verification.ClaimOutcome{{Key: "location", Outcome: verification.NotConfirmed}},
					workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
				_, page := fetch(t, portal)
				mustShow(t, "in review", page, nil, []string{r.words["new_call.asked"]})

				c.Add(2 * 24 * time.Hour)
				review(t, s, sam, opened.Verification.ID, workflow.NewCall)
				v, _ := s.Store.Verification(ctx, opened.Verification.ID)
				if v.Status != verification.AwaitingFreelancer {
					t.Fatalf("after a new call was asked for: %s", v.Status)
				}
				_, page = fetch(t, portal)
				mustShow(t, "sent back for a new call", page, []string{
					r.words["new_call.asked"], r.words["new_call.other"],
					r.sentence("new_call.deadline", "deadline", r.dates["new_call.deadline"]),
					`data-test="device-check"`,
				}, append([]string{r.words["overdue.passed"]}, r.forbidden["not_verified"]...))

				// Once the new call is under way the note has done its work.
				if res := postForm(t, http.DefaultClient, portal+"/queue", nil, ""); res.StatusCode != 200 {
					t.Fatalf("joining the queue: %d", res.StatusCode)
				}
				_, page = fetch(t, portal)
				mustShow(t, "queued for the new call", page, []string{`data-test="queue-position"`}, []string{r.words["new_call.asked"]})
			})
		})
	}
}

// A reader of documents who finds they cannot settle the case sends it
// back for a call: the page says that the reader asked, not a second
// reviewer.
func TestPortalDocumentsNeedACall(t *testing.T) {
	for _, r := range portalReaders {
		t.Run(r.lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				c := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
				ctx := context.Background()
				maria := staffMember(t, s, "maria@example.com", store.RoleAgent)
				rui := staffMember(t, s, "rui@example.com", store.RoleAgent)
				id := "u-docs-call-" + r.lang
				opened := seedReader(t, s, id, r)
				portal := base + strings.TrimPrefix(opened.Link.URL, base)
				endCall(t, s, id, maria, []verification.ClaimOutcome{{Key: "location", Outcome: verification.Unable}},
					workflow.CallDecision{Decision: verification.DecideNeedsDocuments, DocumentsFor: []string{"location"}})
				if got := upload(t, portal+"/documents", "location", "lease.pdf", testPDF); got != "document-added" {
					t.Fatalf("a document for the location: %q", got)
				}
				if res := postForm(t, http.DefaultClient, portal+"/documents/submit", nil, ""); notice(res) == "documents-incomplete" {
					t.Fatalf("sending the documents: %s", res.Request.URL)
				}
				err := s.Store.InTx(ctx, func(tx *store.Tx) error {
					_, err := s.Workflow.DecideDocuments(ctx, tx, rui.ID, opened.Verification.ID, workflow.DocumentsDecision{
						Decision: verification.DecideNewCall, Outcomes: []verification.ClaimOutcome{{Key: "location", Outcome: verification.Unable}}})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				_, page := fetch(t, portal)
				mustShow(t, "documents need a call", page,
					[]string{r.words["new_call.documents"], `data-test="device-check"`},
					[]string{r.words["new_call.asked"], r.words["overdue.passed"]})
			})
		})
	}
}

// A new case opened while an earlier confirmed negative still restricts
// must not promise that nothing is restricted before its deadline: the page
// names what stays paused, and since when.
func TestPortalEarlierDecisionStillPaused(t *testing.T) {
	held := map[string]string{
		"en":    "Since {since}, these actions on your account are paused because of an earlier decision: sending proposals.",
		"pt-BR": "Desde {since}, estas ações na sua conta estão pausadas por causa de uma decisão anterior: enviar propostas.",
	}
	promise := map[string]string{"en": "Nothing on your account is restricted before", "pt-BR": "Nada na sua conta será restrito antes"}
	for _, r := range portalReaders {
		t.Run(r.lang, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				c := &clock{now: t0}
				s, base := openServed(t, server.Config{Store: cfg, Now: c.Now})
				maria := staffMember(t, s, "maria@example.com", store.RoleAgent)
				sam := staffMember(t, s, "sam@example.com", store.RoleSupervisor)
				id := "u-held-" + r.lang
				first := seedReader(t, s, id, r)
				endCall(t, s, id, maria, []verification.ClaimOutcome{{Key: "location", Outcome: verification.NotConfirmed}},
					workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
				review(t, s, sam, first.Verification.ID, workflow.Confirm)

				c.Add(24 * time.Hour)
				second := seedReader(t, s, id, r)
				if !restricted(t, s, id) {
					t.Fatal("the earlier negative no longer restricts once a new case is open")
				}
				_, page := fetch(t, base+strings.TrimPrefix(second.Link.URL, base))
				mustShow(t, "new case after a confirmed negative", page,
					[]string{strings.ReplaceAll(held[r.lang], "{since}", r.dates["decided"]), `data-test="device-check"`},
					[]string{promise[r.lang], r.words["overdue.passed"]})
			})
		})
	}
}
