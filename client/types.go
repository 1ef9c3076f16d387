package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is where a verification stands.
type Status string

// The statuses. The first five are open; Verified, NotVerified and Canceled
// are final. Overdue is not a status: an open case is overdue when the time
// is past its deadline.
const (
	AwaitingFreelancer Status = "awaiting_freelancer"
	Scheduled          Status = "scheduled"
	InQueue            Status = "in_queue"
	InCall             Status = "in_call"
	InReview           Status = "in_review"
	Verified           Status = "verified"
	NotVerified        Status = "not_verified"
	Canceled           Status = "canceled"
)

// ClaimKind selects the questions and the evidence that fit a claim.
type ClaimKind string

// The claim kinds.
const (
	KindIdentity   ClaimKind = "identity"
	KindLocation   ClaimKind = "location"
	KindSkill      ClaimKind = "skill"
	KindEducation  ClaimKind = "education"
	KindEmployment ClaimKind = "employment"
	KindOther      ClaimKind = "other"
)

// Method is a way a verification may be carried out.
type Method string

// The methods.
const (
	VideoCall      Method = "video_call"
	AudioCall      Method = "audio_call"
	DocumentReview Method = "document_review"
)

// EventType names a kind of change in the event feed and in webhooks.
type EventType string

// The event types.
const (
	EventVerificationCreated       EventType = "verification.created"
	EventVerificationScheduled     EventType = "verification.scheduled"
	EventVerificationCallStarted   EventType = "verification.call_started"
	EventVerificationInReview      EventType = "verification.in_review"
	EventVerificationVerified      EventType = "verification.verified"
	EventVerificationNotVerified   EventType = "verification.not_verified"
	EventVerificationOverdue       EventType = "verification.overdue"
	EventVerificationDeadlineMoved EventType = "verification.deadline_moved"
	EventVerificationCanceled      EventType = "verification.canceled"
	EventStandingChanged           EventType = "standing.changed"
	EventAppealCreated             EventType = "appeal.created"
	EventAppealResolved            EventType = "appeal.resolved"
)

// Claim is one statement on a profile that a verification can check.
type Claim struct {
	Key   string    `json:"key"`
	Label string    `json:"label"`
	Value string    `json:"value,omitempty"`
	Kind  ClaimKind `json:"kind,omitempty"`
}

// FreelancerInput is the profile snapshot PutFreelancer stores whole. It has
// no field for gender, age, race, religion, disability or a photo.
type FreelancerInput struct {
	DisplayName string  `json:"display_name"`
	Email       string  `json:"email"`
	Locale      string  `json:"locale"`   // BCP 47, such as "pt-BR"
	TimeZone    string  `json:"timezone"` // IANA, such as "America/Sao_Paulo"
	Claims      []Claim `json:"claims,omitempty"`
}

// Freelancer is a profile as attest keeps it.
type Freelancer struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email"`
	Locale      string    `json:"locale"`
	TimeZone    string    `json:"timezone"`
	Claims      []Claim   `json:"claims"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Standing answers "may this freelancer act?". Enforce Restrictions: it is
// non-empty only while an open verification is overdue, or after a
// not_verified decision a second reviewer confirmed.
type Standing struct {
	FreelancerID     string            `json:"freelancer_id"`
	Verified         bool              `json:"verified"`
	Restrictions     []string          `json:"restrictions"`
	OpenVerification *OpenVerification `json:"open_verification"`
}

// OpenVerification is the part of the open case the standing shows.
type OpenVerification struct {
	ID       string    `json:"id"`
	Status   Status    `json:"status"`
	Deadline time.Time `json:"deadline"`
	Overdue  bool      `json:"overdue"`
}

// PortalLink is a signed link to the freelancer's portal.
type PortalLink struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Reason says why a verification was opened. Explanation is shown to the
// freelancer word for word.
type Reason struct {
	Code        string `json:"code"`
	Explanation string `json:"explanation"`
}

// VerificationCreate opens a verification.
type VerificationCreate struct {
	FreelancerID string `json:"freelancer_id"`
	Reason       Reason `json:"reason"`
	// Claims are the keys of the profile's claims to check; empty means all.
	Claims []string `json:"claims,omitempty"`
	// Methods are the ways the case may be carried out; empty means the
	// operator's default.
	Methods []Method `json:"methods,omitempty"`
	// GraceDays, when positive, is the days before anything may be
	// restricted; zero means the operator's policy (7 days by default).
	GraceDays int `json:"grace_days,omitempty"`
}

// Verification is one verification case.
type Verification struct {
	ID           string    `json:"id"`
	FreelancerID string    `json:"freelancer_id"`
	Reason       Reason    `json:"reason"`
	Claims       []string  `json:"claims"`
	Methods      []Method  `json:"methods"`
	Status       Status    `json:"status"`
	Deadline     time.Time `json:"deadline"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// ClosedAt is when the case reached a final status; nil while open.
	ClosedAt *time.Time `json:"closed_at"`
	// ScheduledFor is the booked call's time while one is booked.
	ScheduledFor *time.Time `json:"scheduled_for"`
	// AppealUpheldAt is when an appeal overturned a confirmed not_verified.
	AppealUpheldAt *time.Time `json:"appeal_upheld_at"`
	// Accommodation is what the freelancer asked for instead of a video
	// call: "", "audio_only" or "document_review".
	Accommodation string `json:"accommodation"`
}

// VerificationCreated is a new verification with the portal link that was
// emailed to the freelancer, which the marketplace may show too.
type VerificationCreated struct {
	Verification
	PortalURL          string    `json:"portal_url"`
	PortalURLExpiresAt time.Time `json:"portal_url_expires_at"`
}

// VerificationFilter narrows ListVerifications; zero fields do not narrow.
type VerificationFilter struct {
	FreelancerID string
	Status       Status
	// Limit is the page size (1 to 100; zero means the server's default, 50).
	Limit int
}

// VerificationPage is one page of verifications, newest first.
type VerificationPage struct {
	Data []Verification `json:"data"`
	// NextCursor fetches the next page; nil on the last.
	NextCursor *string `json:"next_cursor"`
}

// Event is one numbered change.
type Event struct {
	Seq            int64     `json:"seq"`
	ID             string    `json:"id"`
	Type           EventType `json:"type"`
	CreatedAt      time.Time `json:"created_at"`
	FreelancerID   string    `json:"freelancer_id,omitempty"`
	VerificationID string    `json:"verification_id,omitempty"`
	// Data is the subject after the change: a Verification for
	// verification.* events, a Standing for standing.changed.
	Data json.RawMessage `json:"data"`
}

// Verification decodes Data of a verification.* event.
func (e *Event) Verification() (*Verification, error) {
	var v Verification
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return nil, fmt.Errorf("attest: event %s (%s): decode verification: %w", e.ID, e.Type, err)
	}
	return &v, nil
}

// Standing decodes Data of a standing.changed event.
func (e *Event) Standing() (*Standing, error) {
	var s Standing
	if err := json.Unmarshal(e.Data, &s); err != nil {
		return nil, fmt.Errorf("attest: event %s (%s): decode standing: %w", e.ID, e.Type, err)
	}
	return &s, nil
}

// EventPage is a slice of the feed, oldest first.
type EventPage struct {
	Data []Event `json:"data"`
	// NextAfter is the after to ask with next time; it equals the after
	// asked with when nothing new has happened.
	NextAfter int64 `json:"next_after"`
}

// Capacity is what the verification team can take on now.
type Capacity struct {
	AgentsOnline int `json:"agents_online"`
	QueueLength  int `json:"queue_length"`
	// EstimatedWaitSeconds is nil when nobody is online to estimate from.
	EstimatedWaitSeconds *int `json:"estimated_wait_seconds"`
	// NextFreeSlot is nil when no agent has working hours in the next 60 days.
	NextFreeSlot         *time.Time `json:"next_free_slot"`
	BookedShareNext7Days float64    `json:"booked_share_next_7_days"`
}
