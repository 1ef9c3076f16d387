package server_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

func emailKinds(t *testing.T, s *server.Server) []string {
	t.Helper()
	emails, err := s.Store.Emails(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range emails {
		kinds = append(kinds, e.Kind)
	}
	slices.Sort(kinds)
	return kinds
}

func eventTypes(t *testing.T, s *server.Server) []string {
	t.Helper()
	events, err := s.Store.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events {
		types = append(types, string(e.Type))
	}
	return types
}

// Opening a case schedules reminders 72 h and 24 h before its deadline and
// a job at the deadline; at the deadline the marketplace hears
// verification.overdue and standing.changed once, and the freelancer is told.
func TestDeadlineRemindersAndOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := t0
		s := open(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		defer s.Close()
		opened := seedCase(t, s, "u-90")
		v := opened.Verification

		var scheduled []time.Time
		rows, err := storetest.RawDB(t, cfg).Query("SELECT scheduled_at FROM river_job WHERE kind = 'deadline' ORDER BY scheduled_at")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&at); err != nil {
				t.Fatal(err)
			}
			scheduled = append(scheduled, at.UTC())
		}
		rows.Close()
		want := []time.Time{v.Deadline.Add(-72 * time.Hour), v.Deadline.Add(-24 * time.Hour), v.Deadline}
		if len(scheduled) != 3 || !scheduled[0].Equal(want[0]) || !scheduled[1].Equal(want[1]) || !scheduled[2].Equal(want[2]) {
			t.Fatalf("deadline jobs at %v, want %v", scheduled, want)
		}

		see := func(args workflow.DeadlineArgs) {
			t.Helper()
			err := s.Store.InTx(context.Background(), func(tx *store.Tx) error { return s.Workflow.SeeDeadline(context.Background(), tx, args) })
			if err != nil {
				t.Fatal(err)
			}
		}
		now = v.Deadline.Add(-72 * time.Hour)
		see(workflow.DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline, Before: 72 * time.Hour})
		if got := emailKinds(t, s); !slices.Equal(got, []string{"deadline_reminder", "invite"}) {
			t.Fatalf("emails after the reminder: %v", got)
		}

		// A reminder that runs only after the deadline (an outage, say) is not sent.
		now = v.Deadline.Add(time.Minute)
		see(workflow.DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline, Before: 24 * time.Hour})
		if got := emailKinds(t, s); !slices.Equal(got, []string{"deadline_reminder", "invite"}) {
			t.Fatalf("a late reminder was sent: %v", got)
		}

		due := workflow.DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline}
		now = v.Deadline.Add(-time.Minute)
		// Run early: nothing yet, and the job asks to run again just after
		// the deadline, so that the announcement is never skipped.
		err = s.Store.InTx(context.Background(), func(tx *store.Tx) error { return s.Workflow.SeeDeadline(context.Background(), tx, due) })
		var early *workflow.TooEarlyError
		if !errors.As(err, &early) || !early.Until.After(v.Deadline) || len(eventTypes(t, s)) != 1 {
			t.Fatalf("a deadline job run early: %v, events %v", err, eventTypes(t, s))
		}
		now = v.Deadline.Add(time.Second)
		see(due)
		see(due) // a retry announces nothing twice
		types := eventTypes(t, s)
		if n := countOf(types, string(verification.EventOverdue)); n != 1 || types[len(types)-1] != string(verification.EventStandingChange) {
			t.Fatalf("events %v: want one verification.overdue followed by standing.changed", types)
		}
		if got := emailKinds(t, s); !slices.Equal(got, []string{"deadline_reminder", "invite", "overdue"}) {
			t.Fatalf("emails after the deadline: %v", got)
		}
		// A job for a deadline that has since moved does nothing.
		see(workflow.DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline.Add(-time.Hour)})
		if n := len(eventTypes(t, s)); n != len(types) {
			t.Fatalf("a stale job wrote events")
		}
	})
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// Time attest was down before a deadline is given back: the deadline moves
// by it instead of passing, and the freelancer is told why.
func TestOutageMovesTheDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := t0
		s := open(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		defer s.Close()
		ctx := context.Background()
		// The service has been up, minute by minute, since a day before the case…
		for m := t0.Add(-24 * time.Hour); m.Before(t0); m = m.Add(time.Minute) {
			s.Store.Beat(ctx, m)
		}
		opened := seedCase(t, s, "u-140")
		v := opened.Verification
		// …and up until the deadline, but for three hours on the last day.
		outage := schedule.Interval{Start: v.Deadline.Add(-10 * time.Hour), End: v.Deadline.Add(-7 * time.Hour)}
		for m := t0; m.Before(v.Deadline); m = m.Add(time.Minute) {
			if !(outage.Start.Compare(m) <= 0 && m.Before(outage.End)) {
				s.Store.Beat(ctx, m)
			}
		}
		now = v.Deadline.Add(time.Second)
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.Workflow.SeeDeadline(ctx, tx, workflow.DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Store.Verification(ctx, v.ID)
		if want := v.Deadline.Add(3 * time.Hour); !got.Deadline.Equal(want) {
			t.Fatalf("deadline %v, want moved by the three hours down to %v", got.Deadline, want)
		}
		types := eventTypes(t, s)
		if countOf(types, "verification.overdue") != 0 || types[len(types)-1] != "verification.deadline_moved" {
			t.Fatalf("events %v", types)
		}
		if kinds := emailKinds(t, s); !slices.Contains(kinds, "deadline_moved") {
			t.Fatalf("emails %v", kinds)
		}
	})
}
