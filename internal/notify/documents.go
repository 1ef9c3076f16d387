package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
)

// DocumentsRequest tells a freelancer that their call needs documents for
// some claims, and by when to send them.
type DocumentsRequest struct {
	FreelancerName string
	PortalURL      string
	// Claims are the claims documents are needed for, each a label with its
	// value, e.g. "Degree: BSc Computer Science".
	Claims   []string
	Deadline time.Time
	TimeZone string
	Locale   string
	// Now is when the email is composed, for "in 7 days".
	Now time.Time
}

type documentsRequestView struct {
	Name, PortalURL, Deadline, DeadlineDate, Left string
	Claims                                        []string
}

// DocumentsRequestedMessage composes the email that asks for documents.
func DocumentsRequestedMessage(to string, n DocumentsRequest) (Message, error) {
	c := i18n.Match(n.Locale)
	d := n.Deadline.In(location(n.TimeZone))
	m, err := render(c, "documents_requested", to, documentsRequestView{Name: strings.TrimSpace(n.FreelancerName),
		PortalURL: n.PortalURL, Deadline: longDate(c, d), DeadlineDate: dayMonth(c, d), Left: c.Duration(n.Deadline.Sub(n.Now)),
		Claims: n.Claims})
	if err != nil {
		return Message{}, fmt.Errorf("documents request: %w", err)
	}
	return m, nil
}

// Reasons is the statement of reasons of a negative decision as an email
// words it: the reason code (worded from the catalog, "reason.<code>"),
// the claims not confirmed with what was found ("outcome.<outcome>"), the
// restrictions and since when.
type Reasons struct {
	ReasonCode   string
	Claims       []Finding
	Restrictions []string
	Since        time.Time
}

// Finding is one claim not confirmed: its label and its outcome
// (not_confirmed, unable or not_checked).
type Finding struct {
	Label   string
	Outcome string
}

// reasonsView is Reasons worded in one language.
type reasonsView struct {
	Reason       string
	Claims       []findingView
	Restrictions string
	Since        string
}

type findingView struct{ Label, Outcome string }

func (r *Reasons) view(c *i18n.Catalog, loc *time.Location) *reasonsView {
	if r == nil {
		return nil
	}
	v := &reasonsView{Reason: c.Text("reason." + r.ReasonCode), Restrictions: c.Restrictions(r.Restrictions)}
	for _, f := range r.Claims {
		v.Claims = append(v.Claims, findingView{Label: f.Label, Outcome: c.Text("outcome." + f.Outcome)})
	}
	if !r.Since.IsZero() {
		v.Since = longDate(c, r.Since.In(loc))
	}
	return v
}
