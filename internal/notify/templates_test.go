package notify

import (
	"strings"
	"testing"
	"time"
)

// deadline is 20:00 UTC, late enough that the date differs by zone.
var deadline = time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)

func testInvite() Invite {
	return Invite{
		FreelancerName:    "Ana Souza",
		ReasonExplanation: "Your profile says you are based in Lisbon, but recent logins came from another country.",
		Claims:            []string{"Location: Lisbon, Portugal", "Name: Ana Souza"},
		Deadline:          deadline,
		TimeZone:          "Europe/Lisbon",
		PortalURL:         "https://verify.attest.test/v/8f3c?lang=en",
		Locale:            "en",
	}
}

func TestInviteDeadlineInFreelancerTimeZone(t *testing.T) {
	tests := []struct {
		zone        string
		wantSubject string
		wantWhen    string
	}{
		{"Asia/Kolkata", "Please verify your profile by 3 December", "Thursday, 3 December 2026, 01:30 IST"},
		{"America/Sao_Paulo", "Please verify your profile by 2 December", "Wednesday, 2 December 2026, 17:00 UTC-3"},
		{"Europe/Lisbon", "Please verify your profile by 2 December", "Wednesday, 2 December 2026, 20:00 WET"},
		{"America/New_York", "Please verify your profile by 2 December", "Wednesday, 2 December 2026, 15:00 EST"},
		{"Australia/Adelaide", "Please verify your profile by 3 December", "Thursday, 3 December 2026, 06:30 ACDT"},
		{"", "Please verify your profile by 2 December", "Wednesday, 2 December 2026, 20:00 UTC"},
		{"Mars/Olympus_Mons", "Please verify your profile by 2 December", "Wednesday, 2 December 2026, 20:00 UTC"},
		{"Local", "Please verify your profile by 2 December", "Wednesday, 2 December 2026, 20:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			inv := testInvite()
			inv.TimeZone = tt.zone
			m, err := InviteMessage("ana@example.com", inv)
			if err != nil {
				t.Fatalf("InviteMessage: %v", err)
			}
			if m.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.wantSubject)
			}
			want := "Nothing on your account is restricted before " + tt.wantWhen
			if !strings.Contains(m.Text, want) {
				t.Errorf("text body does not contain %q:\n%s", want, m.Text)
			}
			wantHTML := "Nothing on your account is restricted before <strong>" + tt.wantWhen + "</strong>"
			if !strings.Contains(m.HTML, wantHTML) {
				t.Errorf("HTML body does not contain %q:\n%s", wantHTML, m.HTML)
			}
		})
	}
}

func TestInviteContent(t *testing.T) {
	inv := testInvite()
	m, err := InviteMessage("Ana Souza <ana@example.com>", inv)
	if err != nil {
		t.Fatalf("InviteMessage: %v", err)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if m.From != "" || m.To != "Ana Souza <ana@example.com>" {
		t.Errorf("From, To = %q, %q; want empty From for the sender and the given To", m.From, m.To)
	}
	want := []string{
		"Hello Ana Souza,",
		inv.ReasonExplanation,
		"- Location: Lisbon, Portugal\n- Name: Ana Souza\n",
		"short live video call, about three minutes, with a trained member",
		"You don't need a webcam: a phone works fine.",
		"Nothing is recorded.",
		"\n" + inv.PortalURL + "\n",
		"explains how to appeal",
	}
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			t.Errorf("text body does not contain %q:\n%s", w, m.Text)
		}
	}
	wantHTML := []string{
		"<p>Hello Ana Souza,</p>",
		"<li>Location: Lisbon, Portugal</li>",
		"<li>Name: Ana Souza</li>",
		"You don't need a webcam: a phone works fine.",
		`<a href="https://verify.attest.test/v/8f3c?lang=en" style=`,
		`>https://verify.attest.test/v/8f3c?lang=en</a>`,
		"Nothing is recorded.",
		"explains how to appeal",
	}
	for _, w := range wantHTML {
		if !strings.Contains(m.HTML, w) {
			t.Errorf("HTML body does not contain %q:\n%s", w, m.HTML)
		}
	}
}

func TestInviteWithoutName(t *testing.T) {
	inv := testInvite()
	inv.FreelancerName = "  "
	m, err := InviteMessage("ana@example.com", inv)
	if err != nil {
		t.Fatalf("InviteMessage: %v", err)
	}
	if !strings.HasPrefix(m.Text, "Hello,\n") {
		t.Errorf("text body starts %q, want %q", m.Text[:min(len(m.Text), 20)], "Hello,\n")
	}
	if !strings.Contains(m.HTML, "<p>Hello,</p>") {
		t.Errorf("HTML body does not greet with %q", "<p>Hello,</p>")
	}
}

func TestInviteEscapesHTML(t *testing.T) {
	inv := testInvite()
	inv.FreelancerName = `<script>alert("name")</script>`
	inv.ReasonExplanation = `Because <script>alert('reason')</script> & "quotes"`
	inv.Claims = []string{`Website: <a href="https://evil.test">x</a>`}
	m, err := InviteMessage("ana@example.com", inv)
	if err != nil {
		t.Fatalf("InviteMessage: %v", err)
	}
	for _, bad := range []string{"<script>", `<a href="https://evil.test">`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML body contains unescaped %q:\n%s", bad, m.HTML)
		}
	}
	for _, escaped := range []string{
		"&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;",
		"Because &lt;script&gt;alert(&#39;reason&#39;)&lt;/script&gt; &amp; &#34;quotes&#34;",
		"&lt;a href=&#34;https://evil.test&#34;&gt;x&lt;/a&gt;",
	} {
		if !strings.Contains(m.HTML, escaped) {
			t.Errorf("HTML body does not contain %q:\n%s", escaped, m.HTML)
		}
	}
	// The text part is plain text: it shows the reason verbatim.
	if !strings.Contains(m.Text, inv.ReasonExplanation) {
		t.Errorf("text body does not contain the reason verbatim %q", inv.ReasonExplanation)
	}
}

func TestInviteRejects(t *testing.T) {
	tests := []struct {
		name string
		to   string
		edit func(*Invite)
	}{
		{"bad address", "not an address", func(*Invite) {}},
		{"no reason", "ana@example.com", func(i *Invite) { i.ReasonExplanation = " " }},
		{"no claims", "ana@example.com", func(i *Invite) { i.Claims = nil }},
		{"no deadline", "ana@example.com", func(i *Invite) { i.Deadline = time.Time{} }},
		{"no portal url", "ana@example.com", func(i *Invite) { i.PortalURL = "" }},
		{"relative portal url", "ana@example.com", func(i *Invite) { i.PortalURL = "/v/8f3c" }},
		{"javascript portal url", "ana@example.com", func(i *Invite) { i.PortalURL = "javascript:alert(1)" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := testInvite()
			tt.edit(&inv)
			if m, err := InviteMessage(tt.to, inv); err == nil {
				t.Errorf("InviteMessage(%q, %+v) = %+v, want an error", tt.to, inv, m)
			}
		})
	}
}

// The invite must survive the trip through Bytes with both bodies intact.
func TestInviteBytesRoundTrip(t *testing.T) {
	m, err := InviteMessage("ana@example.com", testInvite())
	if err != nil {
		t.Fatalf("InviteMessage: %v", err)
	}
	m.From = "no-reply@attest.test"
	raw, err := m.Bytes("<x@attest.test>", deadline)
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	checkCRLF(t, raw)
	got := parseMessage(t, raw)
	if want := strings.ReplaceAll(m.Text, "\n", "\r\n"); got.text != want {
		t.Errorf("text part = %q, want %q", got.text, want)
	}
	if want := strings.ReplaceAll(m.HTML, "\n", "\r\n"); got.html != want {
		t.Errorf("html part = %q, want %q", got.html, want)
	}
}
