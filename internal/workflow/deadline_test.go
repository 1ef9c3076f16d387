package workflow_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

func days(n int) *int { return &n }

// mondays are hours on Mondays only, from and to minutes after midnight
// UTC: a team small enough that a few cases fill a week.
func mondays(from, to schedule.Clock) []schedule.Hours {
	return []schedule.Hours{{Day: time.Monday, Start: from, End: to}}
}

// setHours replaces the fixture agent's weekly hours (none: capacity unknown).
func (f *fixture) setHours(t *testing.T, hours []schedule.Hours) {
	t.Helper()
	f.do(t, func(tx *store.Tx) error { return f.wf.SetHours(f.ctx, tx, "test", f.agent.ID, "UTC", hours) })
}

// A case's deadline is the latest of the minimum notice (or the longer
// grace the marketplace asks for) and the slot the backlog ahead of it
// leaves it plus the margin, on the next whole hour. grace_days lengthens
// the notice and never shortens it.
func TestDeadlinePolicy(t *testing.T) {
	t.Parallel()
	at := func(day, hour, min, sec int) time.Time { return time.Date(2026, 3, day, hour, min, sec, 0, time.UTC) }
	tests := []struct {
		name   string
		now    time.Time
		notice int              // the operator's minimum notice in days; 0 for the default 7
		hours  []schedule.Hours // the only agent's; none: capacity unknown
		ahead  int              // cases waiting for a call before this one
		grace  *int
		want   time.Time // or the refusal's code
		code   string
	}{
		{name: "the minimum notice", now: at(2, 7, 0, 0), want: at(9, 7, 0, 0)},
		{name: "rounded up to the next hour", now: at(2, 7, 26, 30), want: at(9, 8, 0, 0)},
		{name: "the operator's notice", now: at(2, 7, 0, 0), notice: 10, want: at(12, 7, 0, 0)},
		{name: "hours to spare leave the notice", now: at(2, 7, 0, 0), hours: weekdays(9, 17), ahead: 5, want: at(9, 7, 0, 0)},
		{name: "grace_days lengthens the notice", now: at(2, 7, 0, 0), grace: days(10), want: at(12, 7, 0, 0)},
		{name: "grace_days equal to the notice", now: at(2, 7, 0, 0), grace: days(7), want: at(9, 7, 0, 0)},
		{name: "grace_days shorter than the notice", now: at(2, 7, 0, 0), grace: days(3), code: "below_minimum_notice"},
		{name: "grace_days shorter than the operator's notice", now: at(2, 7, 0, 0), notice: 10, grace: days(8), code: "below_minimum_notice"},
		{name: "grace_days of none", now: at(2, 7, 0, 0), grace: days(0), code: "out_of_range"},
		{name: "grace_days past the maximum", now: at(2, 7, 0, 0), grace: days(91), code: "out_of_range"},
		// Mondays 09:00–10:00 are six calls a week: the seventh case's
		// slot is next Monday at 09:00, and its deadline two days later.
		{name: "a backlog within the notice", now: at(2, 7, 0, 0), hours: mondays(9*60, 10*60), ahead: 5, want: at(9, 7, 0, 0)},
		{name: "the backlog's slot plus the margin", now: at(2, 7, 0, 0), hours: mondays(9*60, 10*60), ahead: 6, want: at(11, 9, 0, 0)},
		{name: "the backlog's slot, rounded up", now: at(2, 7, 0, 0), hours: mondays(9*60+5, 10*60+5), ahead: 6, want: at(11, 10, 0, 0)},
		{name: "grace_days past the backlog", now: at(2, 7, 0, 0), hours: mondays(9*60, 10*60), ahead: 6, grace: days(10), want: at(12, 7, 0, 0)},
		{name: "grace_days within the backlog", now: at(2, 7, 0, 0), hours: mondays(9*60, 10*60), ahead: 6, grace: days(8), want: at(11, 9, 0, 0)},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		base, err := f.wf.CurrentPolicy(f.ctx)
		must(t, err)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.now = tt.now
				f.setHours(t, tt.hours)
				if tt.notice != 0 {
					p := base
					p.GraceDays = tt.notice
					f.do(t, func(tx *store.Tx) error { return f.wf.SetPolicy(f.ctx, tx, "admin:test", p) })
					defer f.do(t, func(tx *store.Tx) error { return f.wf.SetPolicy(f.ctx, tx, "admin:test", base) })
				}
				var opened []*verification.Verification
				defer func() {
					for _, v := range opened {
						f.cancelIfOpen(t, v.ID)
					}
				}()
				for range tt.ahead {
					opened = append(opened, f.open(t))
				}
				req := request(f.freelancer(t))
				req.GraceDays = tt.grace
				if tt.code != "" {
					f.refuses(t, tt.code, "", func(tx *store.Tx) error {
						_, err := f.wf.OpenVerification(f.ctx, tx, "api:test", req)
						return err
					})
					if _, err := f.st.OpenVerification(f.ctx, req.FreelancerID); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("a refused request left an open case: %v", err)
					}
					return
				}
				v := f.openFor(t, req)
				opened = append(opened, v)
				if !v.Deadline.Equal(tt.want) || !f.get(t, v.ID).Deadline.Equal(tt.want) {
					t.Errorf("deadline %v (stored %v), want %v", v.Deadline, f.get(t, v.ID).Deadline, tt.want)
				}
				if job, at := f.deadlineJob(t, v); !at.Equal(tt.want) {
					t.Errorf("the deadline's job runs at %v, want %v (%+v)", at, tt.want, job)
				}
			})
		}
	})
}

// A deadline never moves earlier: asking for documents, a deadline moved
// for lost capacity and more agent hours all leave a later deadline where
// it is; a deadline that moves later is announced, audited and emailed.
func TestDeadlineNeverMovesEarlier(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		t.Run("documents asked", func(t *testing.T) {
			tests := []struct {
				name  string
				grace *int
				after time.Duration // from opening to the call that asks
				moves bool
			}{
				{"late in the notice: the full notice again", nil, 5 * 24 * time.Hour, true},
				{"before a longer grace ends: the grace stays", days(30), 24 * time.Hour, false},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					f.now = monday
					req := request(f.freelancer(t))
					req.GraceDays = tt.grace
					v := f.openFor(t, req)
					defer f.cancelIfOpen(t, v.ID)
					f.now = f.now.Add(tt.after)
					taken, agent := f.call(t, v)
					seq := f.lastSeq(t)
					asked := f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideNeedsDocuments,
						DocumentsFor: []string{"degree"}})
					want := []verification.EventType{verification.EventDocsRequested}
					wantDeadline := v.Deadline
					if tt.moves {
						want = []verification.EventType{verification.EventDeadlineMoved, verification.EventDocsRequested}
						wantDeadline = f.now.Add(7 * 24 * time.Hour).Truncate(time.Hour).Add(time.Hour) // f.now is past the hour
					}
					if !asked.Deadline.Equal(wantDeadline) {
						t.Errorf("deadline %v after documents were asked, want %v (was %v)", asked.Deadline, wantDeadline, v.Deadline)
					}
					if got := eventTypes(f.events(t, seq)); !slices.Equal(got, want) {
						t.Errorf("events %v, want %v", got, want)
					}
				})
			}
		})

		t.Run("MoveDeadline", func(t *testing.T) {
			f.now = monday
			far := f.openFor(t, func() verification.Request { r := request(f.freelancer(t)); r.GraceDays = days(30); return r }())
			near := f.open(t)
			defer f.cancelIfOpen(t, far.ID)
			defer f.cancelIfOpen(t, near.ID)
			f.now = f.now.Add(6 * 24 * time.Hour)
			before := f.written(t, far.ID)
			f.do(t, func(tx *store.Tx) error {
				_, err := f.wf.MoveDeadline(f.ctx, tx, f.get(t, far.ID), "test")
				return err
			})
			if after := f.written(t, far.ID); after != before {
				t.Errorf("moving a deadline already later than a new case's wrote: before %+v, after %+v", before, after)
			}
			seq, audited := f.lastSeq(t), f.written(t, "").audit
			var moved *verification.Verification
			f.do(t, func(tx *store.Tx) (err error) {
				moved, err = f.wf.MoveDeadline(f.ctx, tx, f.get(t, near.ID), "test")
				return err
			})
			if want := f.now.Add(7 * 24 * time.Hour); !moved.Deadline.Equal(want) {
				t.Errorf("moved to %v, want the full notice from now, %v", moved.Deadline, want)
			}
			if got := eventTypes(f.events(t, seq)); !slices.Equal(got, []verification.EventType{verification.EventDeadlineMoved}) {
				t.Errorf("events %v, want verification.deadline_moved", got)
			}
			if actions := f.audited(t, audited); !slices.Contains(actions, "verification.deadline_moved "+near.ID) {
				t.Errorf("audit %v", actions)
			}
			// The old deadline's job is stale: it does nothing.
			f.now = near.Deadline.Add(time.Second)
			before = f.written(t, near.ID)
			if err := f.workDeadline(workflow.DeadlineArgs{VerificationID: near.ID, Deadline: near.Deadline}); err != nil {
				t.Fatal(err)
			}
			if after := f.written(t, near.ID); after != before {
				t.Errorf("the job of a deadline since moved wrote: before %+v, after %+v", before, after)
			}
		})

		t.Run("Rebalance", func(t *testing.T) {
			f.now = monday
			f.setHours(t, mondays(9*60, 10*60))
			var cases []*verification.Verification
			for range 12 {
				cases = append(cases, f.open(t))
			}
			deadlines := func() map[string]time.Time {
				m := map[string]time.Time{}
				for _, v := range cases {
					m[v.ID] = f.get(t, v.ID).Deadline
				}
				return m
			}
			opened := deadlines()
			if last := opened[cases[11].ID]; !last.After(cases[0].Deadline) {
				t.Fatalf("the twelfth case's deadline %v is not beyond the notice: the backlog does not count", last)
			}
			// More hours: nothing moves, least of all earlier.
			seq := f.lastSeq(t)
			f.setHours(t, weekdays(9, 17))
			if got := deadlines(); !maps(got, opened) {
				t.Errorf("more hours moved deadlines: %v, were %v", got, opened)
			}
			if got := eventTypes(f.events(t, seq)); slices.Contains(got, verification.EventDeadlineMoved) {
				t.Errorf("more hours announced %v", got)
			}
			// Fewer hours: the deadlines that no longer fit move later,
			// each announced and emailed; none moves earlier.
			seq = f.lastSeq(t)
			f.setHours(t, mondays(9*60, 9*60+30))
			moved := 0
			events := f.events(t, seq)
			for id, d := range deadlines() {
				switch {
				case d.Before(opened[id]):
					t.Errorf("%s: deadline moved earlier, from %v to %v", id, opened[id], d)
				case d.After(opened[id]):
					moved++
					if !slices.ContainsFunc(events, func(e store.Event) bool {
						return e.Type == verification.EventDeadlineMoved && e.VerificationID == id
					}) {
						t.Errorf("%s: deadline moved to %v without verification.deadline_moved", id, d)
					}
					if !slices.Contains(f.emailKinds(t, id), "deadline_moved") {
						t.Errorf("%s: deadline moved without telling the freelancer", id)
					}
				}
			}
			if moved == 0 {
				t.Error("half the hours went and no deadline moved")
			}
			for _, v := range cases {
				if slots, err := f.wf.BookableSlots(f.ctx, f.get(t, v.ID)); err != nil || len(slots) == 0 {
					t.Errorf("%s has no slot before its deadline: %v", v.ID, err)
				}
				f.cancelIfOpen(t, v.ID)
			}
		})
	})
}

func maps(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !b[k].Equal(v) {
			return false
		}
	}
	return true
}

// Overdue is only ever a case waiting on the freelancer (for them to book,
// queue or send documents) past its deadline: the deadline's job announces
// those, once, and restricts; a case queued, booked, in a call or in
// review is being served and is left alone. A job run early comes back at
// the deadline; a served case that returns to the freelancer after its
// deadline is announced then.
func TestOnlyCasesWaitingOnTheFreelancerBecomeOverdue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  verification.Status
		overdue bool
	}{
		// Cases that take the agent's call first, the queued one last: the
		// calls take from the queue.
		{verification.InCall, false},
		{verification.AwaitingDocuments, true},
		{verification.InReview, false},
		{verification.Scheduled, false},
		{verification.AwaitingFreelancer, true},
		{verification.InQueue, false},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		cases := map[verification.Status]*verification.Verification{}
		var last time.Time
		for _, tt := range tests {
			v := f.caseIn(t, tt.status)
			cases[tt.status] = v
			last = later(last, v.Deadline)
		}

		// Early: the job snoozes until just after the deadline, writing nothing.
		early := cases[verification.AwaitingFreelancer]
		f.now = early.Deadline.Add(-time.Minute)
		before := f.written(t, early.ID)
		var snooze *river.JobSnoozeError
		if err := f.runDeadline(t, early); !errors.As(err, &snooze) || snooze.Duration != time.Minute+time.Second {
			t.Errorf("a deadline job a minute early: %v, want to snooze a minute and a second", err)
		}
		if after := f.written(t, early.ID); after != before {
			t.Errorf("an early deadline job wrote: before %+v, after %+v", before, after)
		}

		f.now = last.Add(time.Second)
		for _, tt := range tests {
			t.Run(string(tt.status), func(t *testing.T) {
				v := cases[tt.status]
				seq := f.lastSeq(t)
				if err := f.runDeadline(t, v); err != nil {
					t.Fatal(err)
				}
				st := f.standing(t, v.FreelancerID)
				got := eventTypes(f.events(t, seq))
				if !tt.overdue {
					if len(got) > 0 || len(st.Restrictions) > 0 || st.OpenVerification.Overdue {
						t.Errorf("a case %s past its deadline: events %v, standing %+v; want nothing", tt.status, got, st)
					}
					return
				}
				want := []verification.EventType{verification.EventOverdue, verification.EventStandingChange}
				if !slices.Equal(got, want) || len(st.Restrictions) == 0 || !st.OpenVerification.Overdue {
					t.Errorf("a case %s past its deadline: events %v, standing %+v; want %v and restricted", tt.status, got, st, want)
				}
				if !slices.Contains(f.emailKinds(t, v.ID), "overdue") {
					t.Errorf("emails %v: the freelancer is not told", f.emailKinds(t, v.ID))
				}
				// Once: the job run again announces nothing.
				before := f.written(t, v.ID)
				if err := f.runDeadline(t, v); err != nil {
					t.Fatal(err)
				}
				if after := f.written(t, v.ID); after != before {
					t.Errorf("the deadline job run twice wrote: before %+v, after %+v", before, after)
				}
			})
		}

		// The queued freelancer leaves the queue after the deadline: overdue at once.
		queued := cases[verification.InQueue]
		seq := f.lastSeq(t)
		f.do(t, func(tx *store.Tx) error {
			return f.wf.LeaveQueue(f.ctx, tx, "freelancer:"+queued.FreelancerID, queued.FreelancerID)
		})
		want := []verification.EventType{verification.EventReturned, verification.EventOverdue, verification.EventStandingChange}
		if got := eventTypes(f.events(t, seq)); !slices.Equal(got, want) {
			t.Errorf("leaving the queue after the deadline: events %v, want %v", got, want)
		}
	})
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
