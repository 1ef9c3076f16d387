package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
)

// SetHours replaces a staff member's time zone and weekly hours.
func (w *Workflow) SetHours(ctx context.Context, tx *store.Tx, actor, staffID, timezone string, hours []schedule.Hours) error {
	loc, err := time.LoadLocation(timezone)
	if err != nil || timezone == "" || timezone == "Local" {
		return fmt.Errorf("time zone %q: want an IANA zone such as Europe/Berlin", timezone)
	}
	a := schedule.Availability{StaffID: staffID, Location: loc, Weekly: hours}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := tx.SetWeeklyHours(ctx, staffID, timezone, hours); err != nil {
		return err
	}
	if err := w.Rebalance(ctx, tx, "", notify.WhyHoursChanged); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.HoursSet, Target: staffID,
		Details: map[string]any{"timezone": timezone, "stretches": len(hours)}}, w.now())
}

// AddException records leave or an extra shift for a staff member.
func (w *Workflow) AddException(ctx context.Context, tx *store.Tx, actor, staffID string, e schedule.Exception) error {
	if !e.Start.Before(e.End) || e.End.Sub(e.Start) > 366*24*time.Hour {
		return fmt.Errorf("an exception must end after it starts, within a year")
	}
	now := w.now()
	e.ID = store.NewID("exc", now)
	if err := tx.AddException(ctx, staffID, e); err != nil {
		return err
	}
	if err := w.Rebalance(ctx, tx, "", notify.WhyHoursChanged); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.HoursExceptionAdd, Target: staffID,
		Details: map[string]any{"id": e.ID, "off": e.Off}}, now)
}

// DeleteException removes one of a staff member's exceptions.
func (w *Workflow) DeleteException(ctx context.Context, tx *store.Tx, actor, staffID, id string) error {
	if err := tx.DeleteException(ctx, staffID, id); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.HoursExceptionDelete, Target: staffID,
		Details: map[string]string{"id": id}}, w.now())
}
