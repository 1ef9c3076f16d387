package verification

// EventType names a change the marketplace hears of. The values are part of
// the public API.
type EventType string

const (
	EventCreated        EventType = "verification.created"
	EventScheduled      EventType = "verification.scheduled"
	EventQueued         EventType = "verification.queued"
	EventCallStarted    EventType = "verification.call_started"
	EventDocsRequested  EventType = "verification.documents_requested"
	EventReturned       EventType = "verification.returned"
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
	EventCreated, EventScheduled, EventQueued, EventCallStarted, EventDocsRequested, EventReturned, EventInReview, EventVerified,
	EventNotVerified, EventOverdue, EventDeadlineMoved, EventCanceled,
	EventStandingChange, EventAppealCreated, EventAppealResolved,
}

// EventFor is the event a move into status announces. Every status has
// one, so that a marketplace following the feed never holds a stale status.
func EventFor(s Status) EventType {
	switch s {
	case AwaitingFreelancer:
		return EventReturned
	case Scheduled:
		return EventScheduled
	case InQueue:
		return EventQueued
	case InCall:
		return EventCallStarted
	case AwaitingDocuments:
		return EventDocsRequested
	case InReview:
		return EventInReview
	case Verified:
		return EventVerified
	case NotVerified:
		return EventNotVerified
	case Canceled:
		return EventCanceled
	}
	panic("verification: no event for status " + string(s))
}
