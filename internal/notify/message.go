// Package notify composes the emails attest sends and delivers them over SMTP.
package notify

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is one email to one recipient.
//
// From may be empty: the sender fills in its configured default.
type Message struct {
	From    string
	To      string
	Subject string
	Text    string
	HTML    string
	// Calendar, when set, is an iCalendar invitation (see Invitation),
	// sent as a text/calendar part that mail programs offer to add.
	Calendar       string
	CalendarMethod string
}

// Validate reports whether m can be sent. It rejects anything that could
// smuggle extra headers or recipients into the message, because Subject and
// To end up verbatim in the header block.
func (m Message) Validate() error {
	if m.From != "" {
		if _, err := parseAddress(m.From); err != nil {
			return fmt.Errorf("from: %w", err)
		}
	}
	if _, err := parseAddress(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return errors.New("subject is empty")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("subject contains a line break")
	}
	if strings.TrimSpace(m.Text) == "" {
		return errors.New("text body is empty")
	}
	return nil
}

// parseAddress parses a single address. net/mail accepts a bare "Name <a@b>"
// but not lists; the extra line-break check is cheap insurance against a
// parser change letting a folded header through.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("address %q contains a line break", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", s, err)
	}
	return a, nil
}

// Bytes renders m as an RFC 5322 message with CRLF line endings: a
// multipart/alternative body holding a quoted-printable text/plain part and,
// when m.HTML is set, a text/html part. messageID is used with or without
// its angle brackets. From must be set by now.
func (m Message) Bytes(messageID string, date time.Time) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.From == "" {
		return nil, errors.New("from is empty")
	}
	messageID = strings.TrimSuffix(strings.TrimPrefix(messageID, "<"), ">")
	if messageID == "" || strings.ContainsAny(messageID, "<>\r\n \t") {
		return nil, fmt.Errorf("invalid message id %q", messageID)
	}
	from, _ := parseAddress(m.From) // checked by Validate
	to, _ := parseAddress(m.To)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := writeTextPart(mw, "text/plain", m.Text); err != nil {
		return nil, err
	}
	if m.HTML != "" {
		if err := writeTextPart(mw, "text/html", m.HTML); err != nil {
			return nil, err
		}
	}
	if m.Calendar != "" {
		if err := writePart(mw, "text/calendar", map[string]string{"charset": "utf-8", "method": m.CalendarMethod}, m.Calendar); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("close multipart body: %w", err)
	}

	var b bytes.Buffer
	// Re-rendering the parsed addresses (rather than copying the input)
	// gives RFC 2047 encoding of non-ASCII display names for free.
	header := [][2]string{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", m.Subject)},
		{"Date", date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + messageID + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()})},
	}
	for _, h := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// writeTextPart adds one quoted-printable UTF-8 part to mw. Quoted-printable
// keeps the body 7-bit clean and its lines short whatever the content, so no
// relay has to re-encode it.
func writeTextPart(mw *multipart.Writer, mediaType, content string) error {
	return writePart(mw, mediaType, map[string]string{"charset": "utf-8"}, content)
}

func writePart(mw *multipart.Writer, mediaType string, params map[string]string, content string) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mediaType, params))
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := mw.CreatePart(h)
	if err != nil {
		return fmt.Errorf("create %s part: %w", mediaType, err)
	}
	qw := quotedprintable.NewWriter(pw)
	if _, err := qw.Write([]byte(content)); err != nil {
		return fmt.Errorf("encode %s part: %w", mediaType, err)
	}
	if err := qw.Close(); err != nil {
		return fmt.Errorf("encode %s part: %w", mediaType, err)
	}
	return nil
}
