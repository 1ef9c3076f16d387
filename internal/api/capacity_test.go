package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The deadline respects capacity: with the only agent on leave for twelve
// days, a new case's deadline is the first free slot plus two days, not the
// seven-day grace, and GET /v1/capacity shows that slot.
func TestDeadlineRespectsCapacity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		ctx := context.Background()
		c, err := e.api.Capacity(ctx)
		ok(t, err)
		if c.NextFreeSlot != nil || c.EstimatedWaitSeconds != nil || c.QueueLength != 0 || c.AgentsOnline != 0 {
			t.Fatalf("capacity with nobody: %+v", c)
		}

		err = e.srv.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := e.srv.Staff.Put(ctx, tx, "test", "maria@example.com", "Maria", store.RoleAgent, "correct horse battery"); err != nil {
				return err
			}
			st, _ := tx.StaffByEmail(ctx, "maria@example.com")
			var week []schedule.Hours
			for d := time.Monday; d <= time.Friday; d++ {
				week = append(week, schedule.Hours{Day: d, Start: 9 * 60, End: 17 * 60})
			}
			if err := tx.SetWeeklyHours(ctx, st.ID, "Europe/Berlin", week); err != nil {
				return err
			}
			leave := schedule.Interval{Start: t0, End: t0.AddDate(0, 0, 12)}
			return tx.AddException(ctx, st.ID, schedule.Exception{ID: "exc_leave", Interval: leave, Off: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		// t0 is Friday 27 March 2026, 10:00 UTC; the leave ends on Wednesday
		// 8 April at 12:00 in Berlin (10:00 UTC), inside working hours.
		wantSlot := time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)
		c, err = e.api.Capacity(ctx)
		ok(t, err)
		if c.NextFreeSlot == nil || !c.NextFreeSlot.Equal(wantSlot) || c.BookedShareNext7Days != 0 {
			t.Fatalf("capacity: %+v, want next free slot %v", c, wantSlot)
		}
		_, _, err = e.api.PutFreelancer(ctx, "u-1", ana())
		ok(t, err)
		v, err := e.api.CreateVerification(ctx, newCase())
		ok(t, err)
		if want := wantSlot.Add(48 * time.Hour); !v.Deadline.Equal(want) {
			t.Fatalf("deadline %v, want the first free slot plus two days, %v", v.Deadline, want)
		}
	})
}
