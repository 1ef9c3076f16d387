package verification

import "time"

// Standing is what the marketplace asks on its hot path: may this freelancer
// act? Restrictions are non-empty only while an open case is overdue or the
// latest decision is a confirmed not_verified.
type Standing struct {
	FreelancerID     string            `json:"freelancer_id"`
	Verified         bool              `json:"verified"`
	Restrictions     []string          `json:"restrictions"`
	OpenVerification *OpenVerification `json:"open_verification"`
	// Statement gives the reasons for the restrictions, while there are any.
	Statement *Statement `json:"statement"`
}

// OpenVerification is the part of an open case the standing shows.
type OpenVerification struct {
	ID       string    `json:"id"`
	Status   Status    `json:"status"`
	Deadline time.Time `json:"deadline"`
	Overdue  bool      `json:"overdue"`
}

// Cases are the two cases that decide a standing: the open one, if any, and
// the most recently decided one, if any.
type Cases struct {
	Open          *Verification
	LatestDecided *Verification
}

// ComputeStanding derives the standing of a freelancer at now. A not_verified
// status is already confirmed by a second reviewer: a first negative stays
// in_review and restricts nobody; and an upheld appeal lifts it. An upheld
// appeal does not make anyone verified: only confirmed claims do.
func (p Policy) ComputeStanding(freelancerID string, c Cases, now time.Time) Standing {
	st := Standing{FreelancerID: freelancerID, Restrictions: []string{}}
	restricted := false
	if d := c.LatestDecided; d != nil {
		st.Verified = d.Status == Verified
		restricted = d.Status == NotVerified && d.AppealUpheldAt == nil
	}
	if o := c.Open; o != nil {
		overdue := o.Overdue(now)
		st.OpenVerification = &OpenVerification{ID: o.ID, Status: o.Status, Deadline: o.Deadline, Overdue: overdue}
		restricted = restricted || overdue
	}
	if restricted {
		st.Restrictions = append(st.Restrictions, p.Restrictions...)
	}
	return st
}
