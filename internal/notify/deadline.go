package notify

import (
	"fmt"
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
	Now time.Time
	// Why explains a moved deadline.
	Why string
}

type deadlineView struct {
	Name, PortalURL, Deadline, DeadlineDate, Left, Why string
}

func (n DeadlineNotice) view() deadlineView {
	d := n.Deadline.In(location(n.TimeZone))
	return deadlineView{Name: strings.TrimSpace(n.FreelancerName), PortalURL: n.PortalURL,
		Deadline:     d.Format("Monday, 2 January 2006, 15:04") + " " + zoneLabel(d),
		DeadlineDate: d.Format("2 January"), Left: timeLeft(n.Deadline.Sub(n.Now)), Why: n.Why}
}

// timeLeft says a duration as people do: "3 days", "24 hours".
func timeLeft(d time.Duration) string {
	switch hours := int(d.Round(time.Hour).Hours()); {
	case hours >= 48:
		return fmt.Sprintf("%d days", (hours+12)/24)
	case hours > 1:
		return fmt.Sprintf("%d hours", hours)
	default:
		return "less than an hour"
	}
}

// DeadlineReminderMessage reminds a freelancer of a deadline ahead.
func DeadlineReminderMessage(to string, n DeadlineNotice) (Message, error) {
	m, err := render("deadline_reminder", to, n.view())
	if err != nil {
		return Message{}, fmt.Errorf("deadline reminder: %w", err)
	}
	return m, nil
}

// OverdueMessage tells a freelancer their deadline passed and how to finish.
func OverdueMessage(to string, n DeadlineNotice) (Message, error) {
	m, err := render("overdue", to, n.view())
	if err != nil {
		return Message{}, fmt.Errorf("overdue notice: %w", err)
	}
	return m, nil
}

// DeadlineMovedMessage tells a freelancer their deadline moved, and why.
func DeadlineMovedMessage(to string, n DeadlineNotice) (Message, error) {
	m, err := render("deadline_moved", to, n.view())
	if err != nil {
		return Message{}, fmt.Errorf("deadline moved: %w", err)
	}
	return m, nil
}
