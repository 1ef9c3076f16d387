package notify

import (
	"fmt"
	"strings"
	"time"
)

// BookingNotice is what a freelancer is told about a booked call.
type BookingNotice struct {
	FreelancerName string
	PortalURL      string
	Start          time.Time
	TimeZone       string
	// Changed marks a moved booking; Why explains a cancellation.
	Changed bool
	Why     string
	Now     time.Time
	// Invitation is attached to confirmations and cancellations.
	Invitation *Invitation
}

type bookingView struct {
	Name, PortalURL, When, WhenLong, Why, In string
	Changed                                  bool
}

func (n BookingNotice) view() bookingView {
	at := n.Start.In(location(n.TimeZone))
	in := "in " + timeLeft(n.Start.Sub(n.Now))
	if n.Start.Sub(n.Now) < 90*time.Minute {
		in = "in about an hour"
	}
	return bookingView{Name: strings.TrimSpace(n.FreelancerName), PortalURL: n.PortalURL, Changed: n.Changed, Why: n.Why,
		When:     at.Format("Monday 2 January, 15:04") + " " + zoneLabel(at),
		WhenLong: at.Format("Monday, 2 January 2006, at 15:04") + " " + zoneLabel(at), In: in}
}

func (n BookingNotice) compose(name, to string) (Message, error) {
	m, err := render(name, to, n.view())
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
