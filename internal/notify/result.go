package notify

import (
	"fmt"

	"github.com/attest-dev/attest/internal/i18n"
	"strings"
	"time"
)

// ResultNotice tells a freelancer how their verification or their appeal
// ended.
type ResultNotice struct {
	FreelancerName string
	PortalURL      string
	TimeZone       string
	Locale         string
	// AppealUntil is the end of the appeal window after a confirmed negative.
	AppealUntil time.Time
	// Reasons is the statement of reasons of a confirmed negative.
	Reasons *Reasons
}

type resultView struct {
	Name, PortalURL, AppealUntil string
	Reasons                      *reasonsView
}

func (n ResultNotice) view(c *i18n.Catalog) resultView {
	v := resultView{Name: strings.TrimSpace(n.FreelancerName), PortalURL: n.PortalURL,
		Reasons: n.Reasons.view(c, location(n.TimeZone))}
	if !n.AppealUntil.IsZero() {
		v.AppealUntil = longDate(c, n.AppealUntil.In(location(n.TimeZone)))
	}
	return v
}

// Result kinds, one template each.
const (
	ResultVerified       = "result_verified"
	ResultNotVerified    = "result_not_verified"
	ResultAppealUpheld   = "appeal_upheld"
	ResultAppealRejected = "appeal_rejected"
)

// ResultMessage composes the email of one result kind.
func ResultMessage(kind, to string, n ResultNotice) (Message, error) {
	c := i18n.Match(n.Locale)
	m, err := render(c, kind, to, n.view(c))
	if err != nil {
		return Message{}, fmt.Errorf("%s email: %w", kind, err)
	}
	return m, nil
}
