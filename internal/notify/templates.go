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

	"github.com/attest-dev/attest/internal/i18n"

	// Deadlines must be shown in the freelancer's own time zone even when
	// the service runs in a container without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// The templates hold the emails' shape; their words come from the
// catalogs of internal/i18n, through t (a message) and tn (a plural one),
// so a language is added without touching the templates or the logic.
//
//go:embed templates/*.tmpl
var templateFS embed.FS

// templateSet is every email's templates in one language.
type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templates holds a set per catalog: a template's functions are fixed when
// it is prepared, so each language has its own copy.
var templates = func() map[*i18n.Catalog]templateSet {
	master := templateSet{
		text: texttemplate.Must(texttemplate.New("").Option("missingkey=error").Funcs(textFuncs(i18n.English)).ParseFS(templateFS,
			"templates/*.subject.tmpl", "templates/*.txt.tmpl")),
		html: htmltemplate.Must(htmltemplate.New("").Option("missingkey=error").Funcs(htmlFuncs(i18n.English)).ParseFS(templateFS,
			"templates/*.html.tmpl")),
	}
	sets := map[*i18n.Catalog]templateSet{}
	for _, c := range i18n.All() {
		sets[c] = templateSet{
			text: texttemplate.Must(master.text.Clone()).Funcs(textFuncs(c)),
			html: htmltemplate.Must(master.html.Clone()).Funcs(htmlFuncs(c)),
		}
	}
	return sets
}()

func textFuncs(c *i18n.Catalog) texttemplate.FuncMap {
	return texttemplate.FuncMap{"t": c.Text, "tn": c.N, "lang": func() string { return c.Tag }}
}

func htmlFuncs(c *i18n.Catalog) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{"t": c.HTML, "tn": c.NHTML, "lang": func() string { return c.Tag }}
}

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
	// Locale is the freelancer's BCP 47 locale; it chooses the language
	// (i18n.Match), English when attest does not speak it.
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
	c := i18n.Match(inv.Locale)
	deadline := inv.Deadline.In(location(inv.TimeZone))
	view := inviteView{
		Name:         strings.TrimSpace(inv.FreelancerName),
		Reason:       strings.TrimSpace(inv.ReasonExplanation),
		Claims:       inv.Claims,
		DeadlineDate: dayMonth(c, deadline),
		Deadline:     longDate(c, deadline),
		PortalURL:    inv.PortalURL,
	}

	m, err := render(c, "invite", to, view)
	if err != nil {
		return Message{}, fmt.Errorf("invite: %w", err)
	}
	return m, nil
}

// render fills the subject, text and HTML templates named name.* with view,
// in the catalog's language.
func render(c *i18n.Catalog, name, to string, view any) (Message, error) {
	var subject, text, html bytes.Buffer
	set := templates[c]
	if err := set.text.ExecuteTemplate(&subject, name+".subject.tmpl", view); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	if err := set.text.ExecuteTemplate(&text, name+".txt.tmpl", view); err != nil {
		return Message{}, fmt.Errorf("text: %w", err)
	}
	if err := set.html.ExecuteTemplate(&html, name+".html.tmpl", view); err != nil {
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
	Locale         string
}

// TurnNearMessage composes the "it is almost your turn" email.
func TurnNearMessage(to string, n TurnNear) (Message, error) {
	c := i18n.Match(n.Locale)
	until := n.HoldUntil.In(location(n.TimeZone))
	m, err := render(c, "turn_near", to, struct{ Name, PortalURL, HoldUntil string }{
		strings.TrimSpace(n.FreelancerName), n.PortalURL, c.Date("date.time", until, zoneLabel(until))})
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

// longDate is a moment as the emails write it, in t's zone:
// "Wednesday, 2 December 2026, 17:00 UTC-3".
func longDate(c *i18n.Catalog, t time.Time) string {
	return c.Date("date.long_email", t, zoneLabel(t))
}

// dayMonth is a date as short as a subject wants it: "2 December".
func dayMonth(c *i18n.Catalog, t time.Time) string {
	return c.Date("date.day_month", t, "")
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
