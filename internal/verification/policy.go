package verification

import "time"

// Policy holds the operator's settings that shape every case.
type Policy struct {
	// GraceDays is the least time a freelancer is given before anything is restricted.
	GraceDays int
	// SlotMargin is how long after the first free call slot the deadline falls
	// at the earliest, so that missing capacity never counts against anyone.
	SlotMargin time.Duration
	// Restrictions are the opaque names the marketplace enforces while a
	// freelancer is restricted.
	Restrictions []string
	// Methods are the ways a verification may be done when the request names none.
	Methods []Method
	// MaxGraceDays bounds what an API caller may ask for.
	MaxGraceDays int
	// SlotLength is how long a bookable call slot lasts.
	SlotLength time.Duration
}

// DefaultPolicy is DESIGN section 6.
func DefaultPolicy() Policy {
	return Policy{
		GraceDays:    7,
		SlotMargin:   48 * time.Hour,
		Restrictions: []string{"submit_proposals"},
		Methods:      []Method{MethodVideoCall, MethodAudioCall, MethodDocumentReview},
		MaxGraceDays: 90,
		SlotLength:   10 * time.Minute,
	}
}

// Deadline is when restrictions may start for a case opened at now:
// max(now + grace, first free slot + margin), rounded up to the next whole
// hour so that people read "05:00", not "04:26". A zero firstFreeSlot means
// the capacity is not known, and the grace alone counts. graceDays of zero
// means the policy's default.
func (p Policy) Deadline(now time.Time, graceDays int, firstFreeSlot time.Time) time.Time {
	if graceDays <= 0 {
		graceDays = p.GraceDays
	}
	deadline := now.AddDate(0, 0, graceDays)
	if !firstFreeSlot.IsZero() {
		if bySlot := firstFreeSlot.Add(p.SlotMargin); bySlot.After(deadline) {
			deadline = bySlot
		}
	}
	deadline = deadline.UTC()
	if hour := deadline.Truncate(time.Hour); hour.Before(deadline) {
		return hour.Add(time.Hour)
	}
	return deadline
}
