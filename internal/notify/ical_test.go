package notify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// What attest writes is read back by an independent iCalendar parser.
func TestInvitationParses(t *testing.T) {
	start := time.Date(2026, 10, 26, 9, 30, 0, 0, time.UTC)
	inv := Invitation{UID: "bk_06h3example@attest", Sequence: 2, Start: start, End: start.Add(10 * time.Minute),
		Stamp: start.Add(-48 * time.Hour), Summary: "Profile verification call",
		Description: "A short video call, about three minutes; a phone works too. Nothing is recorded; no webcam? use your phone.\nLink: https://verify.example.com/v/" + strings.Repeat("x", 120),
		URL:         "https://verify.example.com/v/tok", Organizer: "verify@example.com", Attendee: "rahul@example.com"}
	for _, canceled := range []bool{false, true} {
		inv.Canceled = canceled
		text := inv.ICS()
		for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
			if len(line) > 75 {
				t.Fatalf("line longer than 75 octets: %q", line)
			}
		}
		cal, err := ical.NewDecoder(bytes.NewBufferString(text)).Decode()
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, text)
		}
		if m := cal.Props.Get(ical.PropMethod); m == nil || m.Value != inv.Method() {
			t.Fatalf("method %v, want %s", m, inv.Method())
		}
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%d events", len(events))
		}
		ev := events[0]
		uid, _ := ev.Props.Text(ical.PropUID)
		seq := ev.Props.Get(ical.PropSequence).Value
		desc, _ := ev.Props.Text(ical.PropDescription)
		got, err := ev.DateTimeStart(time.UTC)
		if err != nil || !got.Equal(start) || uid != inv.UID || seq != "2" || desc != inv.Description {
			t.Fatalf("event start %v uid %q seq %q desc %q (%v)", got, uid, seq, desc, err)
		}
		status := ev.Props.Get(ical.PropStatus).Value
		if canceled != (status == "CANCELLED") {
			t.Fatalf("status %s for canceled=%v", status, canceled)
		}
	}
}

func TestCalendarPartInMessage(t *testing.T) {
	m := Message{From: "verify@example.com", To: "rahul@example.com", Subject: "Your call", Text: "hi",
		Calendar: Invitation{UID: "u", Start: time.Now(), End: time.Now(), Stamp: time.Now()}.ICS(), CalendarMethod: "REQUEST"}
	b, err := m.Bytes("id@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`Content-Type: text/calendar; charset=utf-8; method=REQUEST`)) {
		t.Fatalf("no calendar part:\n%s", b)
	}
}
