package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// invitation reads the calendar invitation of the newest email of a kind
// with an independent iCalendar parser.
func invitation(t *testing.T, s *server.Server, kind string) (method, uid, sequence string, start time.Time) {
	t.Helper()
	emails, err := s.Store.Emails(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if e.Kind != kind {
			continue
		}
		cal, err := ical.NewDecoder(bytes.NewBufferString(e.Calendar)).Decode()
		if err != nil {
			t.Fatalf("%s email's calendar does not parse: %v\n%s", kind, err, e.Calendar)
		}
		ev := cal.Events()[0]
		uid, _ = ev.Props.Text(ical.PropUID)
		start, _ = ev.DateTimeStart(time.UTC)
		return cal.Props.Get(ical.PropMethod).Value, uid, ev.Props.Get(ical.PropSequence).Value, start
	}
	t.Fatalf("no %s email", kind)
	return
}

func TestBookingRescheduleCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC) // Friday, 11:00 in Berlin
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		agentWithHours(t, s, "Europe/Berlin", 9*60, 17*60, weekdays...)
		opened := seedCase(t, s, "u-100") // Asia/Kolkata
		token := strings.TrimPrefix(opened.Link.URL, base)

		status, page := fetch(t, base+token)
		if status != 200 || !strings.Contains(page, `data-test="book-slot"`) || !strings.Contains(page, "Mon 30 Mar") {
			t.Fatalf("portal offers no slots: %d", status)
		}
		// Monday 30 March, 09:00 in Berlin (summer time since Sunday) is 07:00 UTC, 12:30 in Kolkata.
		monday := time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)
		_, page = fetch(t, base+token+"?day=2026-03-30")
		if !strings.Contains(page, `value="`+monday.Format(time.RFC3339)+`"`) {
			t.Fatal("Monday 09:00 Berlin is not offered")
		}
		book := func(at time.Time, token string) string {
			res := postForm(t, http.DefaultClient, base+token+"/book", url.Values{"slot": {at.Format(time.RFC3339)}}, "")
			return res.Request.URL.Query().Get("notice")
		}
		if n := book(monday, token); n != "booked" {
			t.Fatalf("booking: notice %q", n)
		}
		v, _ := s.Store.Verification(ctx, opened.Verification.ID)
		if v.Status != "scheduled" || v.ScheduledFor == nil || !v.ScheduledFor.Equal(monday) {
			t.Fatalf("after booking: %s at %v", v.Status, v.ScheduledFor)
		}
		method, uid, seq, start := invitation(t, s, "booked")
		if method != "REQUEST" || seq != "0" || !start.Equal(monday) || !strings.HasPrefix(uid, "bk_") {
			t.Fatalf("invitation %s %s %s %v", method, uid, seq, start)
		}
		_, page = fetch(t, base+token)
		if !strings.Contains(page, "Monday 30 March 2026, 12:30 (IST)") {
			t.Fatal("the booked time is not shown in the freelancer's zone")
		}

		// Another freelancer cannot have the same agent at the same time.
		other := seedCase(t, s, "u-101")
		if n := book(monday, strings.TrimPrefix(other.Link.URL, base)); n != "slot-taken" {
			t.Fatalf("double booking: notice %q", n)
		}

		// Moving keeps the calendar event and raises its sequence.
		now = now.Add(time.Hour)
		later := monday.Add(30 * time.Minute)
		if n := book(later, token); n != "moved" {
			t.Fatalf("moving: notice %q", n)
		}
		_, uid2, seq2, start2 := invitation(t, s, "booked")
		if uid2 != uid || seq2 != "1" || !start2.Equal(later) {
			t.Fatalf("moved invitation %s %s %v, want uid %s sequence 1", uid2, seq2, start2, uid)
		}
		b, _ := s.Store.LiveBooking(ctx, opened.Verification.ID)
		see := func(a workflow.CallReminderArgs) {
			t.Helper()
			if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return s.Workflow.RemindCall(ctx, tx, a) }); err != nil {
				t.Fatal(err)
			}
		}
		see(workflow.CallReminderArgs{BookingID: b.ID, Start: monday, Before: time.Hour}) // the old time: nothing
		if kinds := emailKinds(t, s); strings.Contains(strings.Join(kinds, ","), "call_reminder") {
			t.Fatalf("a reminder for the old time was sent: %v", kinds)
		}
		see(workflow.CallReminderArgs{BookingID: b.ID, Start: later, Before: time.Hour})
		if kinds := emailKinds(t, s); !strings.Contains(strings.Join(kinds, ","), "call_reminder") {
			t.Fatalf("no reminder: %v", kinds)
		}

		// Cancelling sends the calendar cancellation and frees the slot.
		now = now.Add(time.Hour)
		res := postForm(t, http.DefaultClient, base+token+"/book/cancel", url.Values{}, "")
		if n := res.Request.URL.Query().Get("notice"); n != "booking-canceled" {
			t.Fatalf("cancel: notice %q", n)
		}
		method, uid3, seq3, _ := invitation(t, s, "booking_canceled")
		if method != "CANCEL" || uid3 != uid || seq3 != "2" {
			t.Fatalf("cancellation %s %s %s", method, uid3, seq3)
		}
		v, _ = s.Store.Verification(ctx, opened.Verification.ID)
		if v.Status != "awaiting_freelancer" || v.ScheduledFor != nil {
			t.Fatalf("after cancel: %s %v", v.Status, v.ScheduledFor)
		}
		if n := book(monday, strings.TrimPrefix(other.Link.URL, base)); n != "booked" {
			t.Fatalf("the freed slot: notice %q", n)
		}

		// The marketplace cancels a booked case: the booking goes with it.
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.Transition(ctx, tx, "test", other.Verification.ID, "canceled")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Store.LiveBooking(ctx, other.Verification.ID); err == nil {
			t.Fatal("a canceled case kept its booking")
		}
		var reminders int
		storetest.RawDB(t, cfg).QueryRow("SELECT COUNT(*) FROM river_job WHERE kind = 'call_reminder'").Scan(&reminders)
		if reminders < 4 {
			t.Fatalf("%d call reminders scheduled, want 24 h and 1 h before each booking", reminders)
		}
	})
}

// A freelancer books a time with the mouse: pick a day, pick a time, book;
// the page then shows the booked time. Audited with axe-core at phone size.
func TestBrowserBooking(t *testing.T) {
	runBrowserBooking(t, browser(t, "freelancer"))
}

// runBrowserBooking is the booking in the browser tab the caller started.
func runBrowserBooking(t testing.TB, phone context.Context) {
	s, _ := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now})
	ctx := context.Background()
	agentWithHours(t, s, "UTC", 8*60, 20*60, everyDay...)
	opened := seedCase(t, s, "u-110")
	resize(t, phone, 390, 844)
	navigate(t, phone, opened.Link.URL)
	audit(t, phone, "portal with times to book")
	clickCSS(t, phone, `.days a.day:nth-child(2)`)
	waitFor(t, phone, "the second day's times", `document.querySelector('.days a.day:nth-child(2)').getAttribute('aria-current') === 'date'`)
	screenshotAt(t, phone, "freelancer-6-booking", "#book-title")
	choose(t, phone, `label.slot:nth-of-type(3)`)
	click(t, phone, "book-slot")
	waitFor(t, phone, "the booked time", `document.getElementById('booked-title') !== null`)
	screenshotAt(t, phone, "freelancer-7-booked", "#booked-title")
	audit(t, phone, "portal with a booked call")
	v, _ := s.Store.Verification(ctx, opened.Verification.ID)
	if v.Status != "scheduled" || v.ScheduledFor == nil {
		t.Fatalf("after booking in the browser: %s %v", v.Status, v.ScheduledFor)
	}
}

// Capacity counts bookings: with one slot a week, once it is booked the
// next free slot is a week later and the week is fully booked.
func TestCapacityCountsBookings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC) // a Friday
		s := open(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		defer s.Close()
		ctx := context.Background()
		agentWithHours(t, s, "UTC", 9*60, 9*60+10, time.Monday)
		monday := time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC)
		c, err := s.Workflow.Capacity(ctx)
		if err != nil || c.NextFreeSlot == nil || !c.NextFreeSlot.Equal(monday) || c.BookedShareNext7Days != 0 {
			t.Fatalf("before booking: %+v %v", c, err)
		}
		seedCase(t, s, "u-130")
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.Book(ctx, tx, "u-130", monday)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c, _ = s.Workflow.Capacity(ctx)
		if c.NextFreeSlot == nil || !c.NextFreeSlot.Equal(monday.AddDate(0, 0, 7)) || c.BookedShareNext7Days != 1 {
			t.Fatalf("after booking the only slot: next %v, booked share %v", c.NextFreeSlot, c.BookedShareNext7Days)
		}
	})
}
