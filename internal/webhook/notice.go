package webhook

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"text/template"
	"time"

	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
)

// The admins' email is for staff, who read English like the rest of the
// staff pages; it is not in the freelancers' message catalogs.
const (
	disabledSubject = "attest stopped sending webhooks to {{.URL}}"
	disabledText    = `Hello,

attest has disabled the webhook endpoint {{.URL}} ({{.ID}}) because every
delivery to it failed since {{.Since}}, through more than three days of retries.
The last attempt: {{.Last}}.

Events are no longer sent there, so the marketplace may be missing changes
to freelancers' verifications and standing. Once the endpoint works again,
enable it and replay what it missed:

{{.AdminURL}}

Until then the marketplace can read every change from GET /v1/events.
`
	disabledHTML = `<p>Hello,</p>
<p>attest has disabled the webhook endpoint <code>{{.URL}}</code> ({{.ID}}) because every
delivery to it failed since {{.Since}}, through more than three days of retries.
The last attempt: {{.Last}}.</p>
<p>Events are no longer sent there, so the marketplace may be missing changes to
freelancers' verifications and standing. Once the endpoint works again, enable it
and replay what it missed:</p>
<p><a href="{{.AdminURL}}">{{.AdminURL}}</a></p>
<p>Until then the marketplace can read every change from <code>GET /v1/events</code>.</p>
`
)

var (
	disabledSubjectTmpl = template.Must(template.New("subject").Parse(disabledSubject))
	disabledTextTmpl    = template.Must(template.New("text").Parse(disabledText))
	disabledHTMLTmpl    = htmltemplate.Must(htmltemplate.New("html").Parse(disabledHTML))
)

type disabledView struct {
	ID, URL, Since, Last, AdminURL string
}

// EmailAdmins returns an OnDisabled hook that emails every admin, through
// the same durable email jobs as every other message.
func EmailAdmins(q *jobs.Queue, baseURL string, now func() time.Time) func(context.Context, *store.Tx, *store.WebhookEndpoint, string) error {
	return func(ctx context.Context, tx *store.Tx, ep *store.WebhookEndpoint, last string) error {
		admins, err := tx.StaffWithRole(ctx, store.RoleAdmin)
		if err != nil {
			return err
		}
		view := disabledView{ID: ep.ID, URL: ep.URL, Last: last, AdminURL: baseURL + "/admin/webhooks/" + ep.ID}
		if ep.FailingSince != nil {
			view.Since = ep.FailingSince.UTC().Format("Monday 2 January 2006, 15:04 UTC")
		}
		for _, admin := range admins {
			if err := queueEmail(ctx, tx, q, admin.Email, view, now()); err != nil {
				return err
			}
		}
		return nil
	}
}

func queueEmail(ctx context.Context, tx *store.Tx, q *jobs.Queue, to string, view disabledView, now time.Time) error {
	var subject, text, html bytes.Buffer
	if err := disabledSubjectTmpl.Execute(&subject, view); err != nil {
		return fmt.Errorf("webhook disabled email: %w", err)
	}
	if err := disabledTextTmpl.Execute(&text, view); err != nil {
		return fmt.Errorf("webhook disabled email: %w", err)
	}
	if err := disabledHTMLTmpl.Execute(&html, view); err != nil {
		return fmt.Errorf("webhook disabled email: %w", err)
	}
	msg := notify.Message{To: to, Subject: subject.String(), Text: text.String(), HTML: html.String()}
	if err := msg.Validate(); err != nil {
		return fmt.Errorf("webhook disabled email to %s: %w", to, err)
	}
	e := &store.Email{ID: store.NewID("em", now), Kind: "webhook_disabled", To: msg.To, Subject: msg.Subject,
		Text: msg.Text, HTML: msg.HTML, CreatedAt: now}
	if err := tx.InsertEmail(ctx, e); err != nil {
		return err
	}
	return q.InsertTx(ctx, tx, notify.SendEmailArgs{EmailID: e.ID})
}
