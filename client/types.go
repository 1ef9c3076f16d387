package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is where a verification stands.
type Status string

// The statuses. The first six are open; Verified, NotVerified and Canceled
// are final. A case moves:
//
//   - AwaitingFreelancer → Scheduled, InQueue, InReview (documents sent
//     instead of a call) or Canceled;
//   - Scheduled → AwaitingFreelancer (the booking was canceled or missed),
//     InQueue, InCall or Canceled;
//   - InQueue → AwaitingFreelancer (the freelancer left the queue), InCall
//     or Canceled;
//   - InCall → AwaitingDocuments, InReview, Verified or Canceled;
//   - AwaitingDocuments → InReview (the documents were sent) or Canceled;
//   - InReview → AwaitingFreelancer (a second reviewer sent the case back
//     for a new call with another agent), Verified, NotVerified or Canceled.
//
// Every move has its event. Overdue is not a status: an open case is overdue
// when the time is past its deadline while it waits on the freelancer, in
// AwaitingFreelancer or AwaitingDocuments; nobody is overdue while in the
// queue, booked, in a call or in review.
const (
	AwaitingFreelancer Status = "awaiting_freelancer"
	Scheduled          Status = "scheduled"
	InQueue            Status = "in_queue"
	InCall             Status = "in_call"
	// AwaitingDocuments: the call asked the freelancer for documents for
	// the claims in Verification.DocumentsFor.
	AwaitingDocuments Status = "awaiting_documents"
	InReview          Status = "in_review"
	Verified          Status = "verified"
	// NotVerified is a negative decision a second reviewer confirmed.
	NotVerified Status = "not_verified"
	Canceled    Status = "canceled"
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

// The event types. verification.* events carry the verification after the
// change ([Event.Verification]), and every status change has its event;
// standing.changed carries the standing ([Event.Standing]); appeal.* carry
// the appeal.
const (
	EventVerificationCreated     EventType = "verification.created"
	EventVerificationScheduled   EventType = "verification.scheduled"
	EventVerificationQueued      EventType = "verification.queued"
	EventVerificationCallStarted EventType = "verification.call_started"
	// EventVerificationDocumentsRequested: the call asked for documents for
	// the claims in DocumentsFor; the case is AwaitingDocuments.
	EventVerificationDocumentsRequested EventType = "verification.documents_requested"
	// EventVerificationReturned: the case is back in AwaitingFreelancer: a
	// booking was canceled or missed, the freelancer left the queue, or a
	// second reviewer sent it back for a new call with another agent.
	EventVerificationReturned EventType = "verification.returned"
	EventVerificationInReview EventType = "verification.in_review"
	EventVerificationVerified EventType = "verification.verified"
	// EventVerificationNotVerified: a negative decision a second reviewer
	// confirmed; the verification carries its Statement.
	EventVerificationNotVerified EventType = "verification.not_verified"
	// EventVerificationOverdue: the deadline of an open case passed while
	// it waited on the freelancer; the verification carries its Statement.
	EventVerificationOverdue EventType = "verification.overdue"
	// EventVerificationDeadlineMoved: the deadline moved later because the
	// team's capacity would not serve the case before it.
	EventVerificationDeadlineMoved EventType = "verification.deadline_moved"
	EventVerificationCanceled      EventType = "verification.canceled"
	// EventStandingChanged: the restrictions or the verified flag changed;
	// the standing carries its Statement while it restricts.
	EventStandingChanged EventType = "standing.changed"
	EventAppealCreated   EventType = "appeal.created"
	EventAppealResolved  EventType = "appeal.resolved"
)

// EveryEventType, as a webhook endpoint's only event type, subscribes it to
// every type, those added later included.
const EveryEventType EventType = "*"

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
// not_verified decision a second reviewer confirmed and no appeal overturned.
type Standing struct {
	FreelancerID string `json:"freelancer_id"`
	// Verified is true only when the latest decision is verified. An
	// upheld appeal lifts a restriction but does not make anyone verified:
	// only confirmed claims do.
	Verified     bool     `json:"verified"`
	Restrictions []string `json:"restrictions"`
	// OpenVerification is the open case, nil when there is none.
	OpenVerification *OpenVerification `json:"open_verification"`
	// Statement gives the reasons for the restrictions: non-nil exactly
	// while Restrictions is non-empty.
	Statement *Statement `json:"statement"`
}

// OpenVerification is the part of the open case the standing shows.
type OpenVerification struct {
	ID       string    `json:"id"`
	Status   Status    `json:"status"`
	Deadline time.Time `json:"deadline"`
	// Overdue is true while the time is past the deadline and the case
	// waits on the freelancer (AwaitingFreelancer or AwaitingDocuments).
	Overdue bool `json:"overdue"`
}

// Statement is the statement of reasons (EU Regulation 2019/1150, Art. 4)
// of a negative decision or a restriction: which claims were not
// confirmed, the reason in plain words, what is restricted since when, and
// what the freelancer can do next and by when. The freelancer reads the same
// facts in their language on their page and by email.
type Statement struct {
	VerificationID string `json:"verification_id"`
	// Basis is what the restriction rests on: BasisDecision or BasisOverdue.
	Basis Basis `json:"basis"`
	// ReasonCode is the decision's reason code (ReasonIdentityNotMatched,
	// ReasonClaimNotSupported, ReasonLiveCheckFailed, ReasonConsentRefused,
	// ReasonLeftBeforeFinishing) or ReasonOverdue.
	ReasonCode string `json:"reason_code"`
	// Reason is the reason code in plain English words.
	Reason string `json:"reason"`
	// Claims are the case's claims that were not confirmed.
	Claims []ClaimFinding `json:"claims"`
	// Restrictions are those in force because of this case, empty when an
	// upheld appeal lifted them; RestrictedSince is when they began, nil
	// when lifted.
	Restrictions    []string   `json:"restrictions"`
	RestrictedSince *time.Time `json:"restricted_since"`
	// NextSteps are what the freelancer can do about it, and by when.
	NextSteps []NextStep `json:"next_steps"`
}

// Basis is what a restriction rests on.
type Basis string

// The bases of a statement.
const (
	// BasisDecision: a negative decision confirmed by a second reviewer.
	BasisDecision Basis = "decision"
	// BasisOverdue: the deadline passed while the case waited on the freelancer.
	BasisOverdue Basis = "overdue"
)

// The reason codes of a statement.
const (
	ReasonIdentityNotMatched  = "identity_not_matched"  // the ID shown did not match the legal name
	ReasonClaimNotSupported   = "claim_not_supported"   // what was shown or said did not support a claim
	ReasonLiveCheckFailed     = "live_check_failed"     // the video could not be confirmed live
	ReasonConsentRefused      = "consent_refused"       // the freelancer did not agree to the call
	ReasonLeftBeforeFinishing = "left_before_finishing" // the call ended before the checks were done
	ReasonOverdue             = "overdue"               // the deadline passed before the verification was done
)

// ClaimFinding is a claim that was not confirmed, and what was found.
type ClaimFinding struct {
	Key string `json:"key"`
	// Label is the claim's label from the profile; the key when the
	// profile was erased.
	Label   string  `json:"label"`
	Outcome Outcome `json:"outcome"`
}

// Outcome is what was found for a claim that was not confirmed.
type Outcome string

// The outcomes of a claim finding.
const (
	OutcomeNotConfirmed Outcome = "not_confirmed" // what was shown did not confirm it
	OutcomeUnable       Outcome = "unable"        // it could not be checked
	OutcomeNotChecked   Outcome = "not_checked"   // nobody recorded an outcome
)

// NextStep is something the freelancer can do about a restriction.
type NextStep struct {
	Action Action `json:"action"`
	// Until is the last moment for it (the end of the appeal window); nil
	// when it has none.
	Until *time.Time `json:"until"`
}

// Action is a next step open to the freelancer.
type Action string

// The next steps.
const (
	ActionAppeal        Action = "appeal"         // appeal the confirmed negative decision
	ActionBookCall      Action = "book_call"      // book a call or join the live queue
	ActionSendDocuments Action = "send_documents" // send the documents the call asked for
)

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
	// GraceDays, when positive, is the days of notice before a passed
	// deadline may restrict anything; zero means the operator's minimum
	// notice (7 days by default). It may lengthen the minimum, never
	// shorten it: less is an *Error 422 below_minimum_notice, more than the
	// operator's maximum (90 days by default) a 400 out_of_range. The
	// deadline is never earlier than the call slot the backlog ahead of the
	// case leaves it plus 2 days.
	GraceDays int `json:"grace_days,omitempty"`
}

// Verification is one verification case.
type Verification struct {
	ID           string   `json:"id"`
	FreelancerID string   `json:"freelancer_id"`
	Reason       Reason   `json:"reason"`
	Claims       []string `json:"claims"`
	Methods      []Method `json:"methods"`
	Status       Status   `json:"status"`
	// Deadline is when the case, still waiting on the freelancer, may start
	// to restrict: the later of the opening time plus the notice and the
	// call slot the backlog ahead of it left it plus 2 days, on the hour.
	// It moves later (verification.deadline_moved) when bookings or
	// withdrawn agent hours would leave the case without a slot before it;
	// it never moves earlier.
	Deadline  time.Time `json:"deadline"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ClosedAt is when the case reached a final status; nil while open.
	ClosedAt *time.Time `json:"closed_at"`
	// ScheduledFor is the booked call's time while one is booked.
	ScheduledFor *time.Time `json:"scheduled_for"`
	// AppealUpheldAt is when an appeal overturned a confirmed not_verified.
	// The status stays NotVerified and the restriction is lifted, but the
	// freelancer is not verified: that needs confirmed claims.
	AppealUpheldAt *time.Time `json:"appeal_upheld_at"`
	// Accommodation is what the freelancer asked for instead of a video
	// call: "", "audio_only" or "document_review".
	Accommodation string `json:"accommodation"`
	// DocumentsFor are the keys of the claims a call asked documents for:
	// what the freelancer must send while the case is AwaitingDocuments.
	// Empty when none were asked for.
	DocumentsFor []string `json:"documents_for"`
	// Statement is the statement of reasons of a NotVerified case (kept
	// after an upheld appeal, with no restrictions) or an overdue one. It
	// is set by GetVerification and on the verification.not_verified and
	// verification.overdue events; nil otherwise and in lists.
	Statement *Statement `json:"statement,omitempty"`
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
	// verification.* events (with its Statement on verification.not_verified
	// and verification.overdue), a Standing for standing.changed (with its
	// Statement while it restricts), the appeal for appeal.*.
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
