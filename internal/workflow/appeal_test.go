package workflow_test

import (
	"slices"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

func (f *fixture) appeal(freelancerID string) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		_, err := f.wf.Appeal(f.ctx, tx, freelancerID, "I showed my diploma; the degree is mine.")
		return err
	}
}

// A confirmed negative may be appealed within the appeal window the
// decision was made with, and no later; a case that is not a confirmed
// negative may not be appealed at all.
func TestAppealWithinTheWindowOnly(t *testing.T) {
	t.Parallel()
	window := verification.DefaultPolicy().AppealWindow
	tests := []struct {
		name  string
		after time.Duration // from the confirmation
		code  string
	}{
		{"at once", 0, ""},
		{"on the window's last day", window - time.Minute, ""},
		{"as the window closes", window, "not_appealable"},
		{"after the window", window + 24*time.Hour, "not_appealable"},
	}
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.now = monday
				v, _ := f.confirmed(t)
				if v.AppealUntil == nil || !v.AppealUntil.Equal(v.ClosedAt.Add(window)) {
					t.Fatalf("appeal until %v, want %v after the decision at %v", v.AppealUntil, window, v.ClosedAt)
				}
				f.now = v.ClosedAt.Add(tt.after)
				if tt.code != "" {
					f.refuses(t, tt.code, v.ID, f.appeal(v.FreelancerID))
					return
				}
				seq := f.lastSeq(t)
				f.do(t, f.appeal(v.FreelancerID))
				if got := eventTypes(f.events(t, seq)); !slices.Equal(got, []verification.EventType{verification.EventAppealCreated}) {
					t.Errorf("events %v, want appeal.created", got)
				}
			})
		}

		// A longer window set later leaves the decision's own.
		f.now = monday
		v, _ := f.confirmed(t)
		p, err := f.wf.CurrentPolicy(f.ctx)
		must(t, err)
		p.AppealWindow = 2 * window
		f.do(t, func(tx *store.Tx) error { return f.wf.SetPolicy(f.ctx, tx, "admin:test", p) })
		f.now = v.ClosedAt.Add(window + time.Hour)
		f.refuses(t, "not_appealable", v.ID, f.appeal(v.FreelancerID))

		// Nothing to appeal: a case in review, a case verified.
		for _, status := range []verification.Status{verification.InReview, verification.Verified} {
			other := f.caseIn(t, status)
			f.refuses(t, "not_appealable", other.ID, f.appeal(other.FreelancerID))
		}
	})
}

// A decision is appealed once: a second appeal is refused, whether the
// first is open or decided.
func TestAppealOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, _ := f.confirmed(t)
		f.do(t, f.appeal(v.FreelancerID))
		f.refuses(t, "not_appealable", v.ID, f.appeal(v.FreelancerID))
		a, err := f.st.AppealOf(f.ctx, v.ID)
		must(t, err)
		f.do(t, func(tx *store.Tx) error {
			_, err := f.wf.DecideAppeal(f.ctx, tx, f.second, a.ID, false, "")
			return err
		})
		f.refuses(t, "not_appealable", v.ID, f.appeal(v.FreelancerID))
	})
}

// An appeal is decided by a supervisor who took no part in the case:
// neither the agent who decided it nor the reviewer who confirmed it.
// Upholding lifts the restriction at once, without calling anyone verified.
func TestAppealDecidedByOneWhoTookNoPart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v, agent := f.confirmed(t)
		f.do(t, f.appeal(v.FreelancerID))
		a, err := f.st.AppealOf(f.ctx, v.ID)
		must(t, err)
		decide := func(by *store.Staff, uphold bool) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				_, err := f.wf.DecideAppeal(f.ctx, tx, by, a.ID, uphold, "")
				return err
			}
		}
		admin := f.addStaff(t, "admin", store.RoleAdmin)
		f.refuses(t, "not_a_reviewer", v.ID, decide(f.withReviewRights(t, f.addStaff(t, "reviewing-agent", store.RoleAgent)), true))
		f.refuses(t, "not_a_reviewer", v.ID, decide(agent, true))
		f.refuses(t, "own_decision", v.ID, decide(f.sup, true))
		if st := f.standing(t, v.FreelancerID); len(st.Restrictions) == 0 {
			t.Fatalf("refused appeal decisions lifted the restriction: %+v", st)
		}

		seq := f.lastSeq(t)
		f.do(t, decide(admin, true))
		want := []verification.EventType{verification.EventAppealResolved, verification.EventStandingChange}
		if got := eventTypes(f.events(t, seq)); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		if st := f.standing(t, v.FreelancerID); len(st.Restrictions) > 0 || st.Verified || st.Statement != nil {
			t.Errorf("standing after an upheld appeal: %+v; want unrestricted, not verified, no statement", st)
		}
		f.refuses(t, "appeal_decided", v.ID, decide(f.second, false))
	})
}
