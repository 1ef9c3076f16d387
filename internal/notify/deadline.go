package notify

import (
	"fmt"

	"github.com/attest-dev/attest/internal/i18n"
	"strings"
	"time"
)

// DeadlineNotice is what a freelancer is told about their deadline, before
// it (a reminder) or after it (overdue).
type DeadlineNotice struct {
	FreelancerName string
	PortalURL      string
	Deadline       time.Time
	TimeZone       string
	// Now is when the email is composed, for "in 3 days".
	Now    time.Time
	Locale string
	// Why explains a moved deadline; Outage is the time it gave back.
	Why    Why
	Outage time.Duration
	// Restrictions are what an overdue case pauses; DocumentsFor marks a
	// case that waits for documents rather than a call.
	Restrictions []string
	DocumentsFor bool
}

type deadlineView struct {
	Name, PortalURL, Deadline, DeadlineDate, Left, Why string
	Restrictions                                       string
	DocumentsFor                                       bool
}

func (n DeadlineNotice) view(c *i18n.Catalog) deadlineView {
	d := n.Deadline.In(location(n.TimeZone))
	return deadlineView{Name: strings.TrimSpace(n.FreelancerName), PortalURL: n.PortalURL,
		Deadline: longDate(c, d), DeadlineDate: dayMonth(c, d), Left: c.Duration(n.Deadline.Sub(n.Now)),
		Why: n.Why.text(c, d, n.Outage), Restrictions: c.Restrictions(n.Restrictions), DocumentsFor: n.DocumentsFor}
}

func (n DeadlineNotice) compose(name, to string) (Message, error) {
	c := i18n.Match(n.Locale)
	return render(c, name, to, n.view(c))
}

// DeadlineReminderMessage reminds a freelancer of a deadline ahead.
func DeadlineReminderMessage(to string, n DeadlineNotice) (Message, error) {
	m, err := n.compose("deadline_reminder", to)
	if err != nil {
		return Message{}, fmt.Errorf("deadline reminder: %w", err)
	}
	return m, nil
}

// OverdueMessage tells a freelancer their deadline passed and how to finish.
func OverdueMessage(to string, n DeadlineNotice) (Message, error) {
	m, err := n.compose("overdue", to)
	if err != nil {
		return Message{}, fmt.Errorf("overdue notice: %w", err)
	}
	return m, nil
}

// DeadlineMovedMessage tells a freelancer their deadline moved, and why.
func DeadlineMovedMessage(to string, n DeadlineNotice) (Message, error) {
	m, err := n.compose("deadline_moved", to)
	if err != nil {
		return Message{}, fmt.Errorf("deadline moved: %w", err)
	}
	return m, nil
}
