package notify

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestMessageValidate(t *testing.T) {
	valid := Message{To: "ana@example.com", Subject: "Hello", Text: "Body"}
	tests := []struct {
		name    string
		edit    func(*Message)
		wantErr bool
	}{
		{"valid", func(m *Message) {}, false},
		{"valid with names", func(m *Message) { m.From = "Attest <no-reply@attest.test>"; m.To = "Ana Souza <ana@example.com>" }, false},
		{"empty to", func(m *Message) { m.To = "" }, true},
		{"to without at", func(m *Message) { m.To = "ana.example.com" }, true},
		{"two recipients", func(m *Message) { m.To = "ana@example.com, bob@example.com" }, true},
		{"to with injected bcc", func(m *Message) { m.To = "ana@example.com\r\nBcc: eve@example.com" }, true},
		{"to with bare LF", func(m *Message) { m.To = "ana@example.com\nBcc: eve@example.com" }, true},
		{"bad from", func(m *Message) { m.From = "not an address" }, true},
		{"from with injection", func(m *Message) { m.From = "a@b.test\r\nBcc: eve@example.com" }, true},
		{"empty subject", func(m *Message) { m.Subject = "" }, true},
		{"blank subject", func(m *Message) { m.Subject = "  " }, true},
		{"subject CRLF injection", func(m *Message) { m.Subject = "Hi\r\nBcc: eve@example.com" }, true},
		{"subject LF injection", func(m *Message) { m.Subject = "Hi\nBcc: eve@example.com" }, true},
		{"subject CR injection", func(m *Message) { m.Subject = "Hi\rBcc: eve@example.com" }, true},
		{"empty text", func(m *Message) { m.Text = "" }, true},
		{"html only", func(m *Message) { m.Text = ""; m.HTML = "<p>Hi</p>" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid
			tt.edit(&m)
			err := m.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate(%+v) = %v, want error: %v", m, err, tt.wantErr)
			}
		})
	}
}

func TestMessageBytes(t *testing.T) {
	m := Message{
		From:    "Attest Verificação <no-reply@attest.test>",
		To:      "Ana Souza <ana@example.com>",
		Subject: "Verificação do perfil até 2 de dezembro",
		Text:    "Olá Ana,\nlinha com acentuação e uma linha muito longa " + strings.Repeat("palavra ", 30) + "\n= sinal de igual\n",
		HTML:    "<p>Olá <b>Ana</b></p>\n<p>" + strings.Repeat("x", 200) + "</p>",
	}
	date := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	raw, err := m.Bytes("abc123@attest.test", date)
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	checkCRLF(t, raw)

	got := parseMessage(t, raw)
	wantHeader := map[string]string{
		"Date":         "Fri, 20 Nov 2026 09:30:00 +0000",
		"Message-Id":   "<abc123@attest.test>",
		"Mime-Version": "1.0",
	}
	for k, want := range wantHeader {
		if v := got.header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if got.subject != m.Subject {
		t.Errorf("decoded subject = %q, want %q", got.subject, m.Subject)
	}
	if raw := got.header.Get("Subject"); !isASCII(raw) || !strings.Contains(raw, "=?utf-8?q?") {
		t.Errorf("raw subject = %q, want RFC 2047 Q-encoded ASCII", raw)
	}
	if got.from.Name != "Attest Verificação" || got.from.Address != "no-reply@attest.test" {
		t.Errorf("from = %+v, want Attest Verificação <no-reply@attest.test>", got.from)
	}
	if got.to.Name != "Ana Souza" || got.to.Address != "ana@example.com" {
		t.Errorf("to = %+v, want Ana Souza <ana@example.com>", got.to)
	}
	// Quoted-printable turns LF into CRLF; compare in that form.
	if want := strings.ReplaceAll(m.Text, "\n", "\r\n"); got.text != want {
		t.Errorf("text part = %q, want %q", got.text, want)
	}
	if want := strings.ReplaceAll(m.HTML, "\n", "\r\n"); got.html != want {
		t.Errorf("html part = %q, want %q", got.html, want)
	}
}

func TestMessageBytesWithoutHTML(t *testing.T) {
	m := Message{From: "a@attest.test", To: "b@example.com", Subject: "Plain", Text: "Just text"}
	raw, err := m.Bytes("<id@attest.test>", time.Now())
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	got := parseMessage(t, raw)
	if got.parts != 1 || got.text != "Just text" || got.html != "" {
		t.Errorf("got %d parts, text %q, html %q; want 1 part, text %q, no html", got.parts, got.text, got.html, "Just text")
	}
	if v := got.header.Get("Message-Id"); v != "<id@attest.test>" {
		t.Errorf("Message-ID = %q, want <id@attest.test>", v)
	}
	if got.subject != "Plain" || got.header.Get("Subject") != "Plain" {
		t.Errorf("ASCII subject = %q, want it unencoded as %q", got.header.Get("Subject"), "Plain")
	}
}

func TestMessageBytesRejects(t *testing.T) {
	ok := Message{From: "a@attest.test", To: "b@example.com", Subject: "S", Text: "T"}
	tests := []struct {
		name string
		m    Message
		id   string
	}{
		{"no from", Message{To: "b@example.com", Subject: "S", Text: "T"}, "x@y"},
		{"invalid message", Message{From: "a@attest.test", To: "b@example.com", Subject: "S\r\nBcc: e@x", Text: "T"}, "x@y"},
		{"empty id", ok, ""},
		{"id with line break", ok, "x@y\r\nBcc: e@x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.m.Bytes(tt.id, time.Now()); err == nil {
				t.Errorf("Bytes(%q) of %+v succeeded, want an error", tt.id, tt.m)
			}
		})
	}
}

// parsedMessage is a message as a mail client would see it.
type parsedMessage struct {
	header  mail.Header
	from    *mail.Address
	to      *mail.Address
	subject string
	text    string
	html    string
	parts   int
}

// parseMessage decodes raw the long way round (raw parts, explicit
// quoted-printable) so the test checks the encoding and not just that
// mime/multipart can undo it.
func parseMessage(t *testing.T, raw []byte) parsedMessage {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	p := parsedMessage{header: msg.Header}
	if p.from, err = mail.ParseAddress(msg.Header.Get("From")); err != nil {
		t.Fatalf("From header %q: %v", msg.Header.Get("From"), err)
	}
	if p.to, err = mail.ParseAddress(msg.Header.Get("To")); err != nil {
		t.Fatalf("To header %q: %v", msg.Header.Get("To"), err)
	}
	var dec mime.WordDecoder
	if p.subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject %q: %v", msg.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		p.parts++
		if cte := part.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part Content-Transfer-Encoding = %q, want quoted-printable", cte)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatalf("decode part: %v", err)
		}
		switch ct := part.Header.Get("Content-Type"); ct {
		case "text/plain; charset=utf-8":
			p.text = string(body)
		case "text/html; charset=utf-8":
			p.html = string(body)
		default:
			t.Errorf("unexpected part Content-Type %q", ct)
		}
	}
	return p
}

// checkCRLF fails if raw has a bare LF or CR, or a line over 998 octets.
func checkCRLF(t *testing.T, raw []byte) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d is %d octets, want at most 998", i+1, len(line))
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
