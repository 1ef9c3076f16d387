package verification

import (
	"slices"
	"time"
)

// ClaimKind selects the question templates and the evidence that fit a claim.
type ClaimKind string

const (
	KindIdentity   ClaimKind = "identity"
	KindLocation   ClaimKind = "location"
	KindSkill      ClaimKind = "skill"
	KindEducation  ClaimKind = "education"
	KindEmployment ClaimKind = "employment"
	KindOther      ClaimKind = "other"
)

// ClaimKinds lists the kinds a claim may have.
var ClaimKinds = []ClaimKind{KindIdentity, KindLocation, KindSkill, KindEducation, KindEmployment, KindOther}

// Claim is one statement on a freelancer's profile that a verification can check.
type Claim struct {
	Key   string    `json:"key"`
	Label string    `json:"label"`
	Value string    `json:"value"`
	Kind  ClaimKind `json:"kind,omitempty"`
}

// Freelancer is the marketplace's profile snapshot. It deliberately has no
// field for gender, age, race, religion, disability or a photo.
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

// Claim returns the claim with the given key.
func (f *Freelancer) Claim(key string) (Claim, bool) {
	i := slices.IndexFunc(f.Claims, func(c Claim) bool { return c.Key == key })
	if i < 0 {
		return Claim{}, false
	}
	return f.Claims[i], true
}

// Location is the freelancer's time zone, or UTC when it is unknown.
func (f *Freelancer) Location() *time.Location {
	if loc, err := time.LoadLocation(f.TimeZone); err == nil && f.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// Reason says why a verification was opened; the explanation is shown to the
// freelancer word for word, so that nobody is checked without being told why.
type Reason struct {
	Code        string `json:"code"`
	Explanation string `json:"explanation"`
}

// Method is a way a verification may be carried out.
type Method string

const (
	MethodVideoCall      Method = "video_call"
	MethodAudioCall      Method = "audio_call"
	MethodDocumentReview Method = "document_review"
)

// Methods lists every method attest knows.
var Methods = []Method{MethodVideoCall, MethodAudioCall, MethodDocumentReview}

// Verification is one case: a freelancer asked to verify some claims by a deadline.
type Verification struct {
	ID           string     `json:"id"`
	FreelancerID string     `json:"freelancer_id"`
	Reason       Reason     `json:"reason"`
	Claims       []string   `json:"claims"`
	Methods      []Method   `json:"methods"`
	Status       Status     `json:"status"`
	Deadline     time.Time  `json:"deadline"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	// ScheduledFor is when the freelancer's booked call is, while one is booked.
	ScheduledFor *time.Time `json:"scheduled_for"`
	// AppealUpheldAt is when an appeal overturned a confirmed not_verified:
	// the status stays, and the restriction is lifted.
	AppealUpheldAt *time.Time `json:"appeal_upheld_at"`
	// AppealUntil is when appeals close, set by a confirmed not_verified
	// from the appeal window of that moment. It stays out of the API for
	// now: the contract (DESIGN section 5) does not name it.
	AppealUntil *time.Time `json:"-"`
	// Accommodation is what the freelancer asked for instead of a video
	// call, if anything; the reason is theirs and stays out of the API.
	Accommodation       Accommodation `json:"accommodation"`
	AccommodationReason string        `json:"-"`
	// DocumentsFor names the claims a call asked documents for: what the
	// freelancer must send while the case is awaiting_documents.
	DocumentsFor []string `json:"documents_for"`
	// Statement is the statement of reasons of a confirmed negative
	// decision; set on the verification.not_verified event and on reads of
	// a not_verified case.
	Statement *Statement `json:"statement,omitempty"`
}

// Accommodation is another way to do the call.
type Accommodation string

const (
	// AudioOnly: a call without video; identity is checked by other means.
	AudioOnly Accommodation = "audio_only"
	// DocumentReview: no call; an agent works the uploaded documents.
	DocumentReview Accommodation = "document_review"
)

// Accommodations are those a case's methods allow.
func (v *Verification) Accommodations() []Accommodation {
	if slices.Contains(v.Methods, MethodAudioCall) {
		return []Accommodation{AudioOnly}
	}
	return nil
}

// OffersDocumentReview reports whether the freelancer may send documents
// for review instead of having a call.
func (v *Verification) OffersDocumentReview() bool {
	return slices.Contains(v.Methods, MethodDocumentReview)
}

// AppealDeadline is when the freelancer's chance to appeal a confirmed
// negative decision ends: the time kept with the decision, or, for
// decisions made before attest kept one, the default window after closing.
// Zero while the case is not closed.
func (v *Verification) AppealDeadline() time.Time {
	switch {
	case v.AppealUntil != nil:
		return *v.AppealUntil
	case v.ClosedAt != nil:
		return v.ClosedAt.Add(defaultAppealWindow)
	}
	return time.Time{}
}

// Appealable reports whether the freelancer may still appeal the case at now.
func (v *Verification) Appealable(now time.Time) bool {
	return v.Status == NotVerified && v.AppealUpheldAt == nil && v.ClosedAt != nil && now.Before(v.AppealDeadline())
}

// Overdue reports whether the case waits on the freelancer and is past its
// deadline at now. Overdue is not a status: it follows from the clock. A
// case in the queue, booked, in a call or in review is being served, so it
// is never overdue: a slow team must not restrict anyone.
func (v *Verification) Overdue(now time.Time) bool {
	return v.Status.WaitsOnFreelancer() && now.After(v.Deadline)
}

// MoveTo changes the case's status at the given time, or returns an
// *IllegalTransitionError and leaves the case as it was.
func (v *Verification) MoveTo(next Status, at time.Time) error {
	if err := CheckTransition(v.Status, next); err != nil {
		return err
	}
	v.Status = next
	v.UpdatedAt = at
	if !next.Open() {
		v.ClosedAt = &at
	}
	return nil
}
