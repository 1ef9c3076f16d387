package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	// Deadlines must be shown in the freelancer's own time zone even when
	// the service runs in a container without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// The wording lives in templates, not in Go code, so translations can be
// added as more files later without touching the logic.
//
//go:embed templates/*.tmpl
var templateFS embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Option("missingkey=error").ParseFS(templateFS,
		"templates/*.subject.tmpl", "templates/*.txt.tmpl"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Option("missingkey=error").ParseFS(templateFS,
		"templates/*.html.tmpl"))
)

// Invite is what a freelancer is told when a verification is opened.
type Invite struct {
	FreelancerName string
	// ReasonExplanation is shown verbatim: why this profile was picked.
	ReasonExplanation string
	// Claims are the profile entries to be checked, each a label with its
	// value, e.g. "Location: Lisbon, Portugal".
	Claims   []string
	Deadline time.Time
	// TimeZone is the freelancer's IANA zone, e.g. "Asia/Kolkata". Empty
	// or unknown falls back to UTC.
	TimeZone  string
	PortalURL string
	// Locale is accepted for the future; only English exists for now and
	// it is ignored.
	Locale string
}

// inviteView is the data the invite templates see, already formatted.
type inviteView struct {
	Name         string
	Reason       string
	Claims       []string
	DeadlineDate string // "2 December", for the subject
	Deadline     string // "Wednesday, 2 December 2026, 17:30 IST"
	PortalURL    string
}

// InviteMessage composes the email sent to address to when a verification
// is opened. From is left empty for the sender to fill.
func InviteMessage(to string, inv Invite) (Message, error) {
	if err := inv.validate(); err != nil {
		return Message{}, fmt.Errorf("invite: %w", err)
	}
	deadline := inv.Deadline.In(location(inv.TimeZone))
	view := inviteView{
		Name:         strings.TrimSpace(inv.FreelancerName),
		Reason:       strings.TrimSpace(inv.ReasonExplanation),
		Claims:       inv.Claims,
		DeadlineDate: deadline.Format("2 January"),
		Deadline:     deadline.Format("Monday, 2 January 2006, 15:04") + " " + zoneLabel(deadline),
		PortalURL:    inv.PortalURL,
	}

	m, err := render("invite", to, view)
	if err != nil {
		return Message{}, fmt.Errorf("invite: %w", err)
	}
	return m, nil
}

// render fills the subject, text and HTML templates named name.* with view.
func render(name, to string, view any) (Message, error) {
	var subject, text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&subject, name+".subject.tmpl", view); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	if err := textTemplates.ExecuteTemplate(&text, name+".txt.tmpl", view); err != nil {
		return Message{}, fmt.Errorf("text: %w", err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html.tmpl", view); err != nil {
		return Message{}, fmt.Errorf("html: %w", err)
	}
	m := Message{To: to, Subject: strings.TrimSpace(subject.String()), Text: text.String(), HTML: html.String()}
	return m, m.Validate()
}

// TurnNear tells a freelancer whose queue page is closed that their turn is near.
type TurnNear struct {
	FreelancerName string
	PortalURL      string
	HoldUntil      time.Time
	TimeZone       string
}

// TurnNearMessage composes the "it is almost your turn" email.
func TurnNearMessage(to string, n TurnNear) (Message, error) {
	until := n.HoldUntil.In(location(n.TimeZone))
	m, err := render("turn_near", to, struct{ Name, PortalURL, HoldUntil string }{
		strings.TrimSpace(n.FreelancerName), n.PortalURL, until.Format("15:04") + " " + zoneLabel(until)})
	if err != nil {
		return Message{}, fmt.Errorf("turn near: %w", err)
	}
	return m, nil
}

// validate refuses an invite that would leave the freelancer guessing: an
// email without a reason, a list of what is checked, a deadline or a
// working link is not one we want to send.
func (inv Invite) validate() error {
	if strings.TrimSpace(inv.ReasonExplanation) == "" {
		return errors.New("reason explanation is empty")
	}
	if len(inv.Claims) == 0 {
		return errors.New("no claims to check")
	}
	if inv.Deadline.IsZero() {
		return errors.New("deadline is not set")
	}
	u, err := url.Parse(inv.PortalURL)
	if err != nil {
		return fmt.Errorf("portal url: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("portal url %q is not an absolute http(s) URL", inv.PortalURL)
	}
	return nil
}

// location loads an IANA zone. "Local" is refused too: the server's zone
// says nothing about where the freelancer is.
func location(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// zoneLabel names t's zone the way people read it. The tz database has no
// abbreviation for many zones (America/Sao_Paulo is just "-03"), and a bare
// "-03" after a time is easy to misread, so those become "UTC-3".
func zoneLabel(t time.Time) string {
	name, offset := t.Zone()
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	if offset == 0 {
		return "UTC"
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	h, m := offset/3600, offset%3600/60
	if m == 0 {
		return fmt.Sprintf("UTC%s%d", sign, h)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
}
