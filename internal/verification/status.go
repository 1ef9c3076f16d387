// Package verification is the case at the heart of attest: its statuses and
// the transitions between them, deadlines, and the standing a marketplace
// reads. It is pure: no clock, no I/O; callers pass the time in.
package verification

import (
	"fmt"
	"slices"
)

// Status is where a verification stands. The values are part of the public API.
type Status string

const (
	AwaitingFreelancer Status = "awaiting_freelancer"
	Scheduled          Status = "scheduled"
	InQueue            Status = "in_queue"
	InCall             Status = "in_call"
	AwaitingDocuments  Status = "awaiting_documents"
	InReview           Status = "in_review"
	Verified           Status = "verified"
	NotVerified        Status = "not_verified"
	Canceled           Status = "canceled"
)

// Statuses lists every status in the order a case usually moves through them.
var Statuses = []Status{AwaitingFreelancer, Scheduled, InQueue, InCall, AwaitingDocuments, InReview, Verified, NotVerified, Canceled}

// transitions is the only place that says which status may follow which.
//
// A missed appointment, a canceled booking and a freelancer who leaves the
// queue return the case to awaiting_freelancer. A call that needs documents
// waits in awaiting_documents for the freelancer to send them; sent
// documents (and a document review chosen instead of a call) go to
// in_review. A negative decision always passes through in_review: nobody is
// restricted on one person's word; a second reviewer may also send the case
// back to awaiting_freelancer for a new call with another agent.
//
// A case waiting for its call (awaiting_freelancer, scheduled, in_queue)
// may become verified without one: when a digital credential confirmed
// every claim (see CredentialRecord); the case's rules (CheckVerified)
// still hold it to every required step.
var transitions = map[Status][]Status{
	AwaitingFreelancer: {Scheduled, InQueue, InReview, Verified, Canceled},
	Scheduled:          {AwaitingFreelancer, InQueue, InCall, Verified, Canceled},
	InQueue:            {AwaitingFreelancer, InCall, Verified, Canceled},
	InCall:             {AwaitingDocuments, InReview, Verified, Canceled},
	AwaitingDocuments:  {InReview, Canceled},
	InReview:           {AwaitingFreelancer, Verified, NotVerified, Canceled},
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether a case in status s is still in progress.
func (s Status) Open() bool {
	_, ok := transitions[s]
	return ok
}

// WaitsOnFreelancer reports whether a case in status s waits for the
// freelancer to act (to book, to join the queue, to send documents) and is
// served by nobody: the only statuses in which a case can be overdue. A case
// in the queue, booked, in a call or in review is being served, and time
// the team takes never counts against the freelancer.
func (s Status) WaitsOnFreelancer() bool {
	return s == AwaitingFreelancer || s == AwaitingDocuments
}

// NeedsSlot reports whether a case in status s still needs an agent's time
// for a call: it counts in the backlog that deadlines respect.
func (s Status) NeedsSlot() bool {
	return s == AwaitingFreelancer || s == InQueue
}

// Decided reports whether s is a final decision about the freelancer.
func (s Status) Decided() bool { return s == Verified || s == NotVerified }

// CanBecome reports whether a case in status s may move to next.
func (s Status) CanBecome(next Status) bool {
	return slices.Contains(transitions[s], next)
}

// OpenStatuses lists the statuses of a case still in progress.
func OpenStatuses() []Status {
	var open []Status
	for _, s := range Statuses {
		if s.Open() {
			open = append(open, s)
		}
	}
	return open
}

// IllegalTransitionError says that a case cannot move from one status to another.
type IllegalTransitionError struct {
	From, To Status
}

func (e *IllegalTransitionError) Error() string {
	if !e.From.Open() {
		return fmt.Sprintf("verification is %s and can no longer change", e.From)
	}
	return fmt.Sprintf("verification cannot go from %s to %s", e.From, e.To)
}

// CheckTransition returns an *IllegalTransitionError unless from may become to.
func CheckTransition(from, to Status) error {
	if !from.CanBecome(to) {
		return &IllegalTransitionError{From: from, To: to}
	}
	return nil
}
