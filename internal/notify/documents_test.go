package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
)

// The deadline of these tests: Wednesday 2 December 2026, 17:00 in São Paulo.
var (
	docsDeadline = time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)
	docsWhen     = map[string]string{
		"en":    "Wednesday, 2 December 2026, 17:00 UTC-3",
		"pt-BR": "quarta-feira, 2 de dezembro de 2026, às 17:00 (UTC-3)",
	}
)

// checkContains fails for each want the text or the HTML lacks, and for
// a placeholder left unfilled.
func checkContains(t *testing.T, m Message, text, html []string) {
	t.Helper()
	for _, want := range text {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range html {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	for _, s := range []string{m.Subject, m.Text, m.HTML} {
		if strings.Contains(s, "{") || strings.Contains(s, "email.") || strings.Contains(s, "reason.") || strings.Contains(s, "outcome.") {
			t.Errorf("a placeholder or a key is left in:\n%s", s)
		}
	}
}

func TestDocumentsRequestedMessage(t *testing.T) {
	n := DocumentsRequest{FreelancerName: "Ana Souza", PortalURL: "https://verify.example.com/v/tok",
		Claims:   []string{"Degree: BSc Computer Science", "Employer: Acme <Ltda>"},
		Deadline: docsDeadline, TimeZone: "America/Sao_Paulo", Now: docsDeadline.Add(-7 * 24 * time.Hour)}
	tests := []struct {
		locale, subject string
		text            []string
	}{
		{"en", "Please send documents to finish your verification by 2 December", []string{
			"Hello Ana Souza,", "needed documents to confirm", "a photo or a scan (JPEG, PNG or PDF)", "for each of them",
			"Please send them by " + docsWhen["en"] + ", 7 days from now", "Nothing on your account is restricted before then",
			"someone other than the person you spoke with"}},
		{"pt-BR", "Envie documentos até 2 de dezembro para concluir sua verificação", []string{
			"Olá, Ana Souza,", "precisou de documentos para confirmar", "uma foto ou uma digitalização (JPEG, PNG ou PDF)",
			"para cada uma delas", "Envie os documentos até " + docsWhen["pt-BR"] + ", daqui a 7 dias",
			"Nada na sua conta será restrito antes disso", "outra pessoa da equipe, não a que falou com você"}},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			n.Locale = tt.locale
			m, err := DocumentsRequestedMessage("ana@example.com", n)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			text := append(tt.text, "- Degree: BSc Computer Science\n", "- Employer: Acme <Ltda>\n", n.PortalURL)
			html := []string{`<html lang="` + tt.locale + `">`, "<li>Degree: BSc Computer Science</li>",
				"<li>Employer: Acme &lt;Ltda&gt;</li>", "<strong>" + docsWhen[tt.locale] + "</strong>",
				`href="https://verify.example.com/v/tok"`, i18n.Match(tt.locale).Text("email.button.send_documents")}
			checkContains(t, m, text, html)
		})
	}
}

func testReasons() *Reasons {
	return &Reasons{ReasonCode: "claim_not_supported",
		Claims: []Finding{{Label: "Degree", Outcome: "not_confirmed"}, {Label: "Location", Outcome: "unable"},
			{Label: "Employer", Outcome: "not_checked"}},
		Restrictions: []string{"submit_proposals", "receive_payments"},
		Since:        docsDeadline}
}

func TestResultNotVerifiedStatesReasons(t *testing.T) {
	n := ResultNotice{FreelancerName: "Ana", PortalURL: "https://verify.example.com/v/tok", TimeZone: "America/Sao_Paulo",
		AppealUntil: docsDeadline.Add(14 * 24 * time.Hour), Reasons: testReasons()}
	tests := []struct {
		locale string
		text   []string
		html   []string
	}{
		{"en", []string{
			"Two people looked at your verification and could not confirm your profile.\n",
			"Why\nWhat was shown, said or sent did not support one or more of the details on your profile.\n",
			"What was not confirmed\n- Degree: not confirmed\n- Location: could not be checked\n- Employer: not checked\n",
			"What is paused\nSince " + docsWhen["en"] + ", these actions on your account are paused: sending proposals, receive payments.",
			"What you can do\nIf you think this is wrong, you can appeal until Wednesday, 16 December 2026, 17:00 UTC-3",
		}, []string{
			"<li>Degree: not confirmed</li>", "<li>Location: could not be checked</li>",
			"paused: <strong>sending proposals, receive payments</strong>.", "<strong>appeal until Wednesday, 16 December 2026, 17:00 UTC-3</strong>",
		}},
		{"pt-BR", []string{
			"Duas pessoas analisaram sua verificação e não conseguiram confirmar seu perfil.\n",
			"O motivo\nO que foi mostrado, dito ou enviado não comprovou uma ou mais informações do seu perfil.\n",
			"O que não foi confirmado\n- Degree: sem confirmação\n- Location: não foi possível verificar\n- Employer: não chegamos a verificar\n",
			"O que está pausado\nDesde " + docsWhen["pt-BR"] + ", estas ações na sua conta estão pausadas: enviar propostas, receive payments.",
			"O que você pode fazer\nSe você acha que isso está errado, pode recorrer até quarta-feira, 16 de dezembro de 2026, às 17:00 (UTC-3)",
		}, []string{
			"<li>Degree: sem confirmação</li>", "pausadas: <strong>enviar propostas, receive payments</strong>.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			n.Locale = tt.locale
			m, err := ResultMessage(ResultNotVerified, "ana@example.com", n)
			if err != nil {
				t.Fatal(err)
			}
			checkContains(t, m, tt.text, tt.html)
			if old := i18n.Match(tt.locale).Text("email.result_not_verified.body"); strings.Contains(m.Text, old) {
				t.Errorf("the vague body is left in a statement of reasons:\n%s", m.Text)
			}
		})
	}
}

// Every reason code and outcome a statement may carry reads as words in
// every language, never as its key.
func TestReasonWords(t *testing.T) {
	codes := []string{"identity_not_matched", "claim_not_supported", "live_check_failed", "consent_refused",
		"left_before_finishing", "overdue"}
	for _, c := range i18n.All() {
		for _, code := range codes {
			r := &Reasons{ReasonCode: code}
			if v := r.view(c, time.UTC); !c.Has("reason."+code) || strings.Contains(v.Reason, "reason.") || v.Reason == "" {
				t.Errorf("%s: reason %q reads %q", c.Tag, code, v.Reason)
			}
		}
		for _, o := range []string{"not_confirmed", "unable", "not_checked"} {
			if !c.Has("outcome." + o) {
				t.Errorf("%s: outcome %q has no words", c.Tag, o)
			}
		}
	}
	if got := i18n.English.Text("reason.identity_not_matched"); !strings.Contains(got, "did not match the legal name") {
		t.Errorf("identity_not_matched reads %q", got)
	}
}

func TestResultNotVerifiedWithoutSinceOrRestrictions(t *testing.T) {
	r := testReasons()
	r.Since = time.Time{}
	n := ResultNotice{PortalURL: "https://verify.example.com/v/tok", AppealUntil: docsDeadline, Reasons: r}
	m, err := ResultMessage(ResultNotVerified, "ana@example.com", n)
	if err != nil {
		t.Fatal(err)
	}
	checkContains(t, m, []string{"Hello,\n", "What is paused\nThese actions on your account are paused: sending proposals, receive payments."}, nil)
	if strings.Contains(m.Text, "Since") {
		t.Errorf("a since without a date:\n%s", m.Text)
	}
	r.Restrictions = nil
	m, err = ResultMessage(ResultNotVerified, "ana@example.com", n)
	if err != nil {
		t.Fatal(err)
	}
	checkContains(t, m, []string{"Nothing on your account is paused because of this decision."}, nil)
}

// Without a statement of reasons the email still goes out, as before.
func TestResultNotVerifiedWithoutReasons(t *testing.T) {
	for _, locale := range []string{"en", "pt-BR"} {
		c := i18n.Match(locale)
		n := ResultNotice{FreelancerName: "Ana", PortalURL: "https://verify.example.com/v/tok", Locale: locale, AppealUntil: docsDeadline}
		m, err := ResultMessage(ResultNotVerified, "ana@example.com", n)
		if err != nil {
			t.Fatal(err)
		}
		checkContains(t, m, []string{c.Text("email.result_not_verified.body"), c.Text("email.result_not_verified.appeal", "until", longDate(c, docsDeadline))},
			[]string{string(c.HTML("email.result_not_verified.body"))})
		for _, absent := range []string{c.Text("email.result_not_verified.why"), c.Text("email.result_not_verified.paused_title")} {
			if strings.Contains(m.Text, absent+"\n") {
				t.Errorf("%s: %q without reasons:\n%s", locale, absent, m.Text)
			}
		}
	}
}

func TestOverdueNamesRestrictionsAndWayToFinish(t *testing.T) {
	n := DeadlineNotice{FreelancerName: "Ana", PortalURL: "https://verify.example.com/v/tok", Deadline: docsDeadline,
		TimeZone: "America/Sao_Paulo", Now: docsDeadline.Add(time.Hour), Restrictions: []string{"submit_proposals"}}
	tests := []struct {
		locale    string
		documents bool
		text      []string
		html      []string
	}{
		{"en", false, []string{
			"The deadline to verify your profile, " + docsWhen["en"] + ", has passed. Because of that, these actions on your account are paused: sending proposals.",
			"a live call of about three minutes"},
			[]string{"paused: <strong>sending proposals</strong>.", "Finish my verification"}},
		{"en", true, []string{
			"these actions on your account are paused: sending proposals.",
			"send the documents we asked for during your call", "no new call is needed", "The pause ends as soon as you send them."},
			[]string{"Send my documents"}},
		{"pt-BR", false, []string{
			"O prazo para verificar seu perfil, " + docsWhen["pt-BR"] + ", terminou. Por isso, estas ações na sua conta estão pausadas: enviar propostas.",
			"uma chamada ao vivo de cerca de três minutos"},
			[]string{"pausadas: <strong>enviar propostas</strong>.", "Concluir minha verificação"}},
		{"pt-BR", true, []string{
			"estas ações na sua conta estão pausadas: enviar propostas.",
			"envie pela página os documentos que pedimos durante a sua chamada", "não é preciso fazer outra chamada"},
			[]string{"Enviar meus documentos"}},
	}
	for _, tt := range tests {
		n.Locale, n.DocumentsFor = tt.locale, tt.documents
		m, err := OverdueMessage("ana@example.com", n)
		if err != nil {
			t.Fatal(err)
		}
		checkContains(t, m, tt.text, tt.html)
		c := i18n.Match(tt.locale)
		call := c.Text("email.overdue.finish_call")
		if tt.documents == strings.Contains(m.Text, call) {
			t.Errorf("%s documents=%v: the way to finish is wrong:\n%s", tt.locale, tt.documents, m.Text)
		}
	}
	// Restrictions unknown: the email still says actions are paused.
	n.Restrictions, n.DocumentsFor, n.Locale = nil, false, "en"
	m, err := OverdueMessage("ana@example.com", n)
	if err != nil {
		t.Fatal(err)
	}
	checkContains(t, m, []string{"has passed. Because of that, some actions on your account are paused."}, nil)
}

// A moved deadline names its reason and the new deadline in every language,
// and reads as one explanation, not two.
func TestDeadlineMovedWhy(t *testing.T) {
	n := DeadlineNotice{FreelancerName: "Ana", PortalURL: "https://verify.example.com/v/tok", Deadline: docsDeadline,
		TimeZone: "America/Sao_Paulo", Now: docsDeadline.Add(-10 * 24 * time.Hour)}
	tests := []struct {
		why    Why
		locale string
		want   string
	}{
		{WhyBacklog, "en", "The calls ahead of yours fill our team's hours until your deadline, so we moved your deadline to " + docsWhen["en"] + ". That is down to our capacity, not to you."},
		{WhyBacklog, "pt-BR", "por isso adiamos seu prazo para " + docsWhen["pt-BR"] + ". Isso se deve à nossa capacidade, não a você."},
		{WhyNewCall, "en", "A second reviewer looked at your call and asked for a new call with another member of our team, so we moved your deadline to " + docsWhen["en"] + "."},
		{WhyNewCall, "pt-BR", "Uma segunda pessoa analisou sua chamada e pediu uma nova, com outra pessoa da nossa equipe, por isso adiamos seu prazo para " + docsWhen["pt-BR"] + "."},
		{WhyDocumentsNeedCall, "en", "The person who read your documents found that they cannot settle every detail on their own and asked for a short call with a member of our team, so we moved your deadline to " + docsWhen["en"] + "."},
		{WhyDocumentsNeedCall, "pt-BR", "A pessoa que analisou seus documentos viu que eles não bastam, sozinhos, para confirmar todas as informações e pediu uma chamada rápida com alguém da nossa equipe, por isso adiamos seu prazo para " + docsWhen["pt-BR"] + "."},
		{WhyHoursChanged, "en", "Our team's hours for calls have changed, so we moved your deadline to " + docsWhen["en"] + "."},
		{WhyHoursChanged, "pt-BR", "Os horários de atendimento da nossa equipe mudaram, por isso adiamos seu prazo para " + docsWhen["pt-BR"] + "."},
		{WhyOutage, "en", "That time should not count against you, so we moved your deadline. Nothing on your account is restricted before " + docsWhen["en"] + "."},
	}
	for _, tt := range tests {
		n.Why, n.Locale, n.Outage = tt.why, tt.locale, 3*time.Hour
		m, err := DeadlineMovedMessage("ana@example.com", n)
		if err != nil {
			t.Fatal(err)
		}
		checkContains(t, m, []string{tt.want, n.PortalURL}, nil)
		c := i18n.Match(tt.locale)
		if tt.why != WhyOutage && strings.Contains(m.Text, c.Text("why.outage", "duration", c.Minutes(n.Outage))) {
			t.Errorf("%s %s: the outage's words in another reason:\n%s", tt.locale, tt.why, m.Text)
		}
		if strings.Contains(m.Text, "should not count") || strings.Contains(m.Text, "não deve contar") {
			if tt.why != WhyOutage {
				t.Errorf("%s %s: says the time should not count against you:\n%s", tt.locale, tt.why, m.Text)
			}
		}
	}
}
