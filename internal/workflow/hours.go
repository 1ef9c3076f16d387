package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// SetHours replaces a staff member's time zone and weekly hours.
func (w *Workflow) SetHours(ctx context.Context, tx *store.Tx, actor, staffID, timezone string, hours []schedule.Hours) error {
	loc, err := time.LoadLocation(timezone)
	if err != nil || timezone == "" || timezone == "Local" {
		return &verification.FieldError{Field: "timezone", Code: "invalid_timezone",
			Message: fmt.Sprintf("time zone %q: want an IANA zone such as Europe/Berlin", timezone)}
	}
	a := schedule.Availability{StaffID: staffID, Location: loc, Weekly: hours}
	if err := a.Validate(); err != nil {
		return &verification.FieldError{Field: "hours", Code: "invalid_hours", Message: err.Error()}
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
	if !e.Start.Before(e.End) {
		return &verification.FieldError{Field: "to", Code: "end_before_start", Message: "an exception must end after it starts"}
	}
	if e.End.Sub(e.Start) > 366*24*time.Hour {
		return &verification.FieldError{Field: "to", Code: "too_long", Message: "an exception lasts a year at most"}
	}
	if len([]rune(e.Note)) > 200 {
		return &verification.FieldError{Field: "note", Code: "too_long", Message: "a note has 200 characters at most"}
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
