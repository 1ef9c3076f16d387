package verification

// EventType names a change the marketplace hears of. The values are part of
// the public API.
type EventType string

const (
	EventCreated        EventType = "verification.created"
	EventScheduled      EventType = "verification.scheduled"
	EventCallStarted    EventType = "verification.call_started"
	EventInReview       EventType = "verification.in_review"
	EventVerified       EventType = "verification.verified"
	EventNotVerified    EventType = "verification.not_verified"
	EventOverdue        EventType = "verification.overdue"
	EventDeadlineMoved  EventType = "verification.deadline_moved"
	EventCanceled       EventType = "verification.canceled"
	EventStandingChange EventType = "standing.changed"
	EventAppealCreated  EventType = "appeal.created"
	EventAppealResolved EventType = "appeal.resolved"
)

// EventTypes lists every event type.
var EventTypes = []EventType{
	EventCreated, EventScheduled, EventCallStarted, EventInReview, EventVerified,
	EventNotVerified, EventOverdue, EventDeadlineMoved, EventCanceled,
	EventStandingChange, EventAppealCreated, EventAppealResolved,
}

// EventFor is the event a move into status announces, if any. Moves back to
// awaiting_freelancer and into the queue are reported through the standing
// and the case itself rather than an event of their own.
func EventFor(s Status) (EventType, bool) {
	switch s {
	case Scheduled:
		return EventScheduled, true
	case InCall:
		return EventCallStarted, true
	case InReview:
		return EventInReview, true
	case Verified:
		return EventVerified, true
	case NotVerified:
		return EventNotVerified, true
	case Canceled:
		return EventCanceled, true
	}
	return "", false
}
