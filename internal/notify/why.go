package notify

import (
	"time"

	"github.com/attest-dev/attest/internal/i18n"
)

// Why is the reason an email gives for a change to a booking or a
// deadline: a catalog key, worded in the freelancer's language when the
// email is composed.
type Why string

// The reasons attest gives.
const (
	WhyFreelancerCanceled Why = "why.freelancer_canceled"
	WhyCaseCanceled       Why = "why.case_canceled"
	// WhyTeamMissed names the new deadline: BookingNotice.Deadline.
	WhyTeamMissed Why = "why.team_missed"
	// WhyFreelancerMissed names the deadline, which stays.
	WhyFreelancerMissed Why = "why.freelancer_missed"
	// WhyOutage names how long attest was down: DeadlineNotice.Outage.
	WhyOutage Why = "why.outage"
	// WhyBacklog: the calls ahead of the freelancer's fill the agents'
	// hours before the deadline, so it moved.
	WhyBacklog Why = "why.backlog"
	// WhyNewCall: a second reviewer asked for a new call with another agent.
	WhyNewCall Why = "why.new_call"
	// WhyDocumentsNeedCall: the person who read the documents found that
	// they cannot settle the case, and asked for a call.
	WhyDocumentsNeedCall Why = "why.documents_need_call"
	// WhyHoursChanged: agents' hours were withdrawn, so it moved.
	WhyHoursChanged Why = "why.hours_changed"
)

// text words the reason, with the deadline and the outage it may name.
func (w Why) text(c *i18n.Catalog, deadline time.Time, outage time.Duration) string {
	if w == "" {
		return ""
	}
	return c.Text(string(w), "deadline", longDate(c, deadline), "duration", c.Minutes(outage))
}
