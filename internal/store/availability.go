package store

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
)

// Availability returns one staff member's hours and exceptions ending after since.
func (c conn) Availability(ctx context.Context, staffID string, since time.Time) (schedule.Availability, error) {
	all, err := c.availabilities(ctx, since, "WHERE s.id = ?", staffID)
	if err != nil {
		return schedule.Availability{}, err
	}
	if len(all) == 0 {
		return schedule.Availability{}, ErrNotFound
	}
	return all[0], nil
}

// Availabilities returns the hours of every active staff member who has any.
func (c conn) Availabilities(ctx context.Context, since time.Time) ([]schedule.Availability, error) {
	all, err := c.availabilities(ctx, since, "WHERE s.disabled_at IS NULL")
	if err != nil {
		return nil, err
	}
	var out []schedule.Availability
	for _, a := range all {
		if len(a.Weekly) > 0 || len(a.Exceptions) > 0 {
			out = append(out, a)
		}
	}
	return out, nil
}

func (c conn) availabilities(ctx context.Context, since time.Time, where string, args ...any) ([]schedule.Availability, error) {
	rows, err := c.query(ctx, "SELECT s.id, s.timezone FROM staff AS s "+where+" ORDER BY s.id", args...)
	if err != nil {
		return nil, fmt.Errorf("read staff time zones: %w", err)
	}
	byID := map[string]*schedule.Availability{}
	var order []string
	for rows.Next() {
		var id, tz string
		if err := rows.Scan(&id, &tz); err != nil {
			rows.Close()
			return nil, err
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		byID[id] = &schedule.Availability{StaffID: id, Location: loc}
		order = append(order, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, nil
	}
	if err := c.readHours(ctx, byID); err != nil {
		return nil, err
	}
	if err := c.readExceptions(ctx, byID, since); err != nil {
		return nil, err
	}
	out := make([]schedule.Availability, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out, nil
}

func (c conn) readHours(ctx context.Context, byID map[string]*schedule.Availability) error {
	rows, err := c.query(ctx, "SELECT staff_id, weekday, start_min, end_min FROM staff_hours ORDER BY staff_id, weekday, start_min")
	if err != nil {
		return fmt.Errorf("read working hours: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var h schedule.Hours
		if err := rows.Scan(&id, &h.Day, &h.Start, &h.End); err != nil {
			return err
		}
		if a := byID[id]; a != nil {
			a.Weekly = append(a.Weekly, h)
		}
	}
	return rows.Err()
}

func (c conn) readExceptions(ctx context.Context, byID map[string]*schedule.Availability, since time.Time) error {
	rows, err := c.query(ctx, "SELECT id, staff_id, starts_at, ends_at, kind, note FROM staff_exceptions WHERE ends_at > ? ORDER BY starts_at", c.t(since))
	if err != nil {
		return fmt.Errorf("read exceptions to working hours: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e schedule.Exception
		var staffID, kind string
		if err := rows.Scan(&e.ID, &staffID, timeCol{&e.Start}, timeCol{&e.End}, &kind, &e.Note); err != nil {
			return err
		}
		e.Off = kind == "off"
		if a := byID[staffID]; a != nil {
			a.Exceptions = append(a.Exceptions, e)
		}
	}
	return rows.Err()
}

// SetWeeklyHours replaces a staff member's time zone and weekly hours.
func (t *Tx) SetWeeklyHours(ctx context.Context, staffID, timezone string, hours []schedule.Hours) error {
	res, err := t.exec(ctx, "UPDATE staff SET timezone = ? WHERE id = ?", timezone, staffID)
	if err != nil {
		return fmt.Errorf("set time zone of %s: %w", staffID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := t.exec(ctx, "DELETE FROM staff_hours WHERE staff_id = ?", staffID); err != nil {
		return fmt.Errorf("clear hours of %s: %w", staffID, err)
	}
	for _, h := range hours {
		_, err := t.exec(ctx, "INSERT INTO staff_hours (staff_id, weekday, start_min, end_min) VALUES (?, ?, ?, ?)",
			staffID, int(h.Day), int(h.Start), int(h.End))
		if err != nil {
			return fmt.Errorf("add hours of %s: %w", staffID, err)
		}
	}
	return nil
}

// AddException records leave or an extra shift.
func (t *Tx) AddException(ctx context.Context, staffID string, e schedule.Exception) error {
	kind := "extra"
	if e.Off {
		kind = "off"
	}
	_, err := t.exec(ctx, "INSERT INTO staff_exceptions (id, staff_id, starts_at, ends_at, kind, note) VALUES (?, ?, ?, ?, ?, ?)",
		e.ID, staffID, t.t(e.Start), t.t(e.End), kind, e.Note)
	if err != nil {
		return fmt.Errorf("add exception for %s: %w", staffID, err)
	}
	return nil
}

// DeleteException removes one of a staff member's exceptions.
func (t *Tx) DeleteException(ctx context.Context, staffID, id string) error {
	res, err := t.exec(ctx, "DELETE FROM staff_exceptions WHERE id = ? AND staff_id = ?", id, staffID)
	if err != nil {
		return fmt.Errorf("delete exception %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ActiveStaff lists active staff, for supervisors choosing whose hours to edit.
func (c conn) ActiveStaff(ctx context.Context) ([]*Staff, error) {
	return c.staffList(ctx, "WHERE disabled_at IS NULL ORDER BY name, email")
}
