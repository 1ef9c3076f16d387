package notify

import (
	"fmt"
	"strings"
	"time"
)

// ResultNotice tells a freelancer how their verification or their appeal
// ended.
type ResultNotice struct {
	FreelancerName string
	PortalURL      string
	TimeZone       string
	// AppealUntil is the end of the appeal window after a confirmed negative.
	AppealUntil time.Time
}

type resultView struct {
	Name, PortalURL, AppealUntil string
}

func (n ResultNotice) view() resultView {
	v := resultView{Name: strings.TrimSpace(n.FreelancerName), PortalURL: n.PortalURL}
	if !n.AppealUntil.IsZero() {
		d := n.AppealUntil.In(location(n.TimeZone))
		v.AppealUntil = d.Format("Monday, 2 January 2006, 15:04") + " " + zoneLabel(d)
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
	m, err := render(kind, to, n.view())
	if err != nil {
		return Message{}, fmt.Errorf("%s email: %w", kind, err)
	}
	return m, nil
}
