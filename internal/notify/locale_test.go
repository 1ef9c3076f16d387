package notify

import (
	"strings"
	"testing"
	"time"
)

// A freelancer whose profile says pt-BR reads every part of the email in
// Brazilian Portuguese, dates included, in their own zone.
func TestInviteInBrazilianPortuguese(t *testing.T) {
	inv := testInvite()
	inv.Locale, inv.TimeZone = "pt-BR", "America/Sao_Paulo"
	m, err := InviteMessage("ana@example.com", inv)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Verifique seu perfil até 2 de dezembro"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	when := "quarta-feira, 2 de dezembro de 2026, às 17:00 (UTC-3)"
	for _, want := range []string{"Olá, Ana Souza,", "Nada na sua conta será restrito antes de " + when, "Você não precisa de webcam", "Equipe de verificação"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{`<html lang="pt-BR">`, "antes de <strong>" + when + "</strong>", "Começar a chamada de vídeo"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if strings.Contains(m.Text, "Hello") || strings.Contains(m.HTML, "Wednesday") {
		t.Errorf("English left in a Portuguese email:\n%s", m.Text)
	}
}

func TestEmailsInBrazilianPortuguese(t *testing.T) {
	deadline := time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)
	d := DeadlineNotice{FreelancerName: "Ana", PortalURL: "https://verify.example.com/v/tok", Deadline: deadline,
		TimeZone: "America/Sao_Paulo", Locale: "pt-BR", Now: deadline.Add(-72 * time.Hour), Outage: 3 * time.Hour, Why: WhyOutage}
	b := BookingNotice{FreelancerName: "Ana", PortalURL: "https://verify.example.com/v/tok", Start: deadline.Add(-24 * time.Hour),
		TimeZone: "America/Sao_Paulo", Locale: "pt-BR", Now: deadline.Add(-48 * time.Hour), Why: WhyTeamMissed, Deadline: deadline}
	tests := []struct {
		name    string
		compose func() (Message, error)
		subject string
		text    []string
	}{
		{"reminder", func() (Message, error) { return DeadlineReminderMessage("ana@example.com", d) },
			"Lembrete: verifique seu perfil até 1º de novembro",
			[]string{"domingo, 1º de novembro de 2026, às 12:00 (UTC-3), daqui a 3 dias"}},
		{"deadline moved", func() (Message, error) { return DeadlineMovedMessage("ana@example.com", d) },
			"Mais tempo: seu novo prazo de verificação é 1º de novembro",
			[]string{"fora do ar por cerca de 3 horas"}},
		{"booking canceled by the team", func() (Message, error) { return BookingCanceledMessage("ana@example.com", b) },
			"Sua chamada de verificação de sábado, 31 de outubro, às 12:00 (UTC-3) foi cancelada",
			[]string{"Seu prazo foi adiado para domingo, 1º de novembro de 2026, às 12:00 (UTC-3)"}},
		{"call reminder", func() (Message, error) { return CallReminderMessage("ana@example.com", b) },
			"Lembrete: sua chamada de verificação começa daqui a 24 horas",
			[]string{"sábado, 31 de outubro de 2026, às 12:00 (UTC-3)"}},
		{"result", func() (Message, error) {
			return ResultMessage(ResultVerified, "ana@example.com", ResultNotice{PortalURL: b.PortalURL, Locale: "pt"})
		},
			"Seu perfil está verificado",
			[]string{"Olá,\n", "Obrigado pelo seu tempo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.compose()
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, want := range tt.text {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
		})
	}
}
