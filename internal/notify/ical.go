package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Invitation is a booked call as an iCalendar (RFC 5545) event. UID stays
// the same for the life of a booking and Sequence grows with each change,
// so that calendars update the event rather than add another.
type Invitation struct {
	UID         string
	Sequence    int
	Canceled    bool
	Start, End  time.Time
	Stamp       time.Time
	Summary     string
	Description string
	URL         string
	Organizer   string // an email address
	Attendee    string // an email address
}

// Method is the iTIP method: REQUEST for a booking or a change, CANCEL for a cancellation.
func (i Invitation) Method() string {
	if i.Canceled {
		return "CANCEL"
	}
	return "REQUEST"
}

// ICS renders the invitation as an iCalendar object with CRLF line endings,
// escaped text and lines folded at 75 octets.
func (i Invitation) ICS() string {
	status := "CONFIRMED"
	if i.Canceled {
		status = "CANCELLED"
	}
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//attest//verification calls//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:" + i.Method(),
		"BEGIN:VEVENT",
		"UID:" + escapeText(i.UID),
		fmt.Sprintf("SEQUENCE:%d", i.Sequence),
		"DTSTAMP:" + icsTime(i.Stamp),
		"DTSTART:" + icsTime(i.Start),
		"DTEND:" + icsTime(i.End),
		"SUMMARY:" + escapeText(i.Summary),
		"DESCRIPTION:" + escapeText(i.Description),
		"URL:" + i.URL,
		"STATUS:" + status,
		"ORGANIZER:mailto:" + i.Organizer,
		"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:" + i.Attendee,
	}
	if !i.Canceled {
		lines = append(lines, "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:"+escapeText(i.Summary), "TRIGGER:-PT10M", "END:VALARM")
	}
	lines = append(lines, "END:VEVENT", "END:VCALENDAR")
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(fold(l))
	}
	return b.String()
}

// icsTime is a UTC date-time: unambiguous in every calendar, which then
// shows it in its owner's zone.
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", "").Replace(s)
}

// fold breaks a content line into lines of at most 75 octets, continuing
// each with a space, without splitting a UTF-8 character.
func fold(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut] + "\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line + "\r\n")
	return b.String()
}
