package notify

import (
	"fmt"

	"github.com/attest-dev/attest/internal/i18n"
	"strings"
	"time"
)

// BookingNotice is what a freelancer is told about a booked call.
type BookingNotice struct {
	FreelancerName string
	PortalURL      string
	Start          time.Time
	TimeZone       string
	Locale         string
	// Changed marks a moved booking; Why explains a cancellation or a
	// missed call, naming Deadline where it needs to.
	Changed  bool
	Why      Why
	Deadline time.Time
	Now      time.Time
	// Invitation is attached to confirmations and cancellations.
	Invitation *Invitation
}

type bookingView struct {
	Name, PortalURL, When, WhenLong, Why, In string
	Changed                                  bool
}

func (n BookingNotice) view(c *i18n.Catalog) bookingView {
	loc := location(n.TimeZone)
	at := n.Start.In(loc)
	in := c.Text("duration.in", "duration", c.Duration(n.Start.Sub(n.Now)))
	if n.Start.Sub(n.Now) < 90*time.Minute {
		in = c.Text("duration.in_about_an_hour")
	}
	return bookingView{Name: strings.TrimSpace(n.FreelancerName), PortalURL: n.PortalURL, Changed: n.Changed,
		Why:      n.Why.text(c, n.Deadline.In(loc), 0),
		When:     c.Date("date.short_email", at, zoneLabel(at)),
		WhenLong: c.Date("date.at_email", at, zoneLabel(at)), In: in}
}

func (n BookingNotice) compose(name, to string) (Message, error) {
	c := i18n.Match(n.Locale)
	m, err := render(c, name, to, n.view(c))
	if err != nil {
		return Message{}, fmt.Errorf("%s: %w", name, err)
	}
	if n.Invitation != nil {
		m.Calendar, m.CalendarMethod = n.Invitation.ICS(), n.Invitation.Method()
	}
	return m, nil
}

// BookedMessage confirms a booking, or its move, with the calendar invitation.
func BookedMessage(to string, n BookingNotice) (Message, error) { return n.compose("booked", to) }

// BookingCanceledMessage says a booking is off, with the calendar cancellation.
func BookingCanceledMessage(to string, n BookingNotice) (Message, error) {
	return n.compose("booking_canceled", to)
}

// CallReminderMessage reminds a freelancer of a booked call.
func CallReminderMessage(to string, n BookingNotice) (Message, error) {
	return n.compose("call_reminder", to)
}

// CallMissedMessage tells a freelancer who did not come that their slot was released.
func CallMissedMessage(to string, n BookingNotice) (Message, error) {
	return n.compose("call_missed", to)
}
