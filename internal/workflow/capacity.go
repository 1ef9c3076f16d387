package workflow

import (
	"context"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
)

// slotHorizon is how far ahead attest looks for a free slot.
const slotHorizon = 60 * 24 * time.Hour

// Capacity is what the team can take on: GET /v1/capacity.
type Capacity struct {
	AgentsOnline         int        `json:"agents_online"`
	QueueLength          int        `json:"queue_length"`
	EstimatedWaitSeconds *int       `json:"estimated_wait_seconds"`
	NextFreeSlot         *time.Time `json:"next_free_slot"`
	BookedShareNext7Days float64    `json:"booked_share_next_7_days"`
}

// availabilityReader reads agents' hours and bookings, in or out of a transaction.
type availabilityReader interface {
	Availabilities(ctx context.Context, since time.Time) ([]schedule.Availability, error)
	BookedSlots(ctx context.Context, from, to time.Time) (map[string][]schedule.Interval, error)
}

// Capacity reports the live queue and the bookable time ahead.
func (w *Workflow) Capacity(ctx context.Context) (Capacity, error) {
	now := w.now()
	outlook, err := w.Outlook(ctx)
	if err != nil {
		return Capacity{}, err
	}
	entries, err := w.Store.Queue(ctx)
	if err != nil {
		return Capacity{}, err
	}
	c := Capacity{AgentsOnline: outlook.Online, QueueLength: len(entries)}
	if wait, ok := outlook.Wait(len(entries) + 1); ok {
		secs := int(wait.Seconds())
		c.EstimatedWaitSeconds = &secs
	}
	all, err := w.Store.Availabilities(ctx, now)
	if err != nil {
		return Capacity{}, err
	}
	week := now.Add(7 * 24 * time.Hour)
	booked, err := w.Store.BookedSlots(ctx, now, now.Add(slotHorizon))
	if err != nil {
		return Capacity{}, err
	}
	// The same search the deadlines use, on the bookings just read.
	bookedIn := func(time.Time, time.Time) (map[string][]schedule.Interval, error) { return booked, nil }
	first, err := schedule.FreeStarts(all, bookedIn, now, 1, w.Policy.SlotLength, slotHorizon)
	if err != nil {
		return Capacity{}, err
	}
	if len(first) > 0 {
		c.NextFreeSlot = &first[0]
	}
	c.BookedShareNext7Days = bookedShare(all, booked, now, week, w.Policy.SlotLength)
	return c, nil
}

// bookedShare is the part of the slot time between from and to that is
// booked: how full the calendar is.
func bookedShare(all []schedule.Availability, booked map[string][]schedule.Interval, from, to time.Time, length time.Duration) float64 {
	var free, total int
	for _, a := range all {
		total += len(a.FreeSlots(from, to, length, nil))
		free += len(a.FreeSlots(from, to, length, booked[a.StaffID]))
	}
	if total == 0 {
		return 0
	}
	return float64(total-free) / float64(total)
}
