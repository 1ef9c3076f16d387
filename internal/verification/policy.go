package verification

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Policy holds the operator's settings that shape every case. Admins edit
// most of it at /admin/policy; SlotMargin, MaxGraceDays and SlotLength are
// set where the service is configured.
type Policy struct {
	// GraceDays is the least time a freelancer is given before anything is restricted.
	GraceDays int
	// SlotMargin is how long after the first free call slot the deadline falls
	// at the earliest, so that missing capacity never counts against anyone.
	SlotMargin time.Duration
	// Restrictions are the opaque names the marketplace enforces while a
	// freelancer is restricted.
	Restrictions []string
	// Methods are the ways a verification may be done: those a request may
	// name, and all of them when it names none.
	Methods []Method
	// MaxGraceDays bounds what an API caller or an admin may ask for (see
	// CheckGraceDays).
	MaxGraceDays int
	// SlotLength is how long a bookable call slot lasts.
	SlotLength time.Duration
	// DeadlineReminders are how long before a deadline the freelancer is reminded.
	DeadlineReminders []time.Duration
	// CallReminders are how long before a booked call the freelancer is reminded.
	CallReminders []time.Duration
	// AppealWindow is how long after a confirmed negative decision the
	// freelancer may appeal. Each decision keeps the window it was made with.
	AppealWindow time.Duration
	// Retention is how long personal data, documents and the audit are kept.
	Retention Retention
	// IssueCredentials offers a verified freelancer the result as a
	// credential for their wallet (OpenID4VCI); off, no offer is shown
	// and none is honoured, while credentials issued stay revocable.
	IssueCredentials bool
}

// Retention is how long things are kept after they stop being needed.
type Retention struct {
	// Documents: evidence of a case is deleted this long after its decision.
	Documents time.Duration
	// PersonalData: the free text of a case is redacted this long after it closed.
	PersonalData time.Duration
	// Audit: audit entries are removed at this age.
	Audit time.Duration
}

// Day is the unit admins think of grace, windows and retention in.
const Day = 24 * time.Hour

// defaultAppealWindow is DESIGN section 6's window, and the one decisions
// made before each decision kept its own window still have.
const defaultAppealWindow = 14 * Day

// DefaultPolicy is DESIGN section 6.
func DefaultPolicy() Policy {
	return Policy{
		GraceDays:         7,
		SlotMargin:        48 * time.Hour,
		Restrictions:      []string{"submit_proposals"},
		Methods:           []Method{MethodVideoCall, MethodAudioCall, MethodDocumentReview},
		MaxGraceDays:      90,
		SlotLength:        10 * time.Minute,
		DeadlineReminders: []time.Duration{72 * time.Hour, 24 * time.Hour},
		CallReminders:     []time.Duration{24 * time.Hour, time.Hour},
		AppealWindow:      defaultAppealWindow,
		Retention:         Retention{Documents: 30 * Day, PersonalData: 365 * Day, Audit: 2 * 365 * Day},
		IssueCredentials:  true,
	}
}

// Limits on what an admin may set. The minimums protect freelancers and
// the record: a reminder less than an hour ahead is no use, an appeal needs
// its case's text and documents, and the audit must cover at least a year.
const (
	MinGraceDays      = 1
	MaxRestrictions   = 10
	MaxReminders      = 5
	MinReminder       = time.Hour
	MaxReminder       = 14 * Day
	MinAppealWindow   = 1 * Day
	MaxAppealWindow   = 90 * Day
	MinDocumentsKept  = 1 * Day
	MinPersonalKept   = 30 * Day
	MinAuditKept      = 365 * Day
	MaxRetentionKept  = 10 * 365 * Day
	restrictionFormat = "1 to 64 of a-z, 0-9 and _ . : -"
)

var restrictionPattern = regexp.MustCompile(`^[a-z0-9_.:-]{1,64}$`)

// Check returns every rule the policy breaks, one error per field, in the
// order the admin page shows the fields; none when the policy is sound.
func (p Policy) Check() []*FieldError {
	var errs []*FieldError
	add := func(e *FieldError) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	add(p.CheckGraceDays(p.GraceDays))
	add(checkRestrictions(p.Restrictions))
	add(checkMethods(p.Methods))
	add(checkReminders("deadline_reminders", p.DeadlineReminders))
	add(checkReminders("call_reminders", p.CallReminders))
	add(checkDays("appeal_window_days", p.AppealWindow, MinAppealWindow, MaxAppealWindow))
	add(checkDays("retention_documents_days", p.Retention.Documents, MinDocumentsKept, MaxRetentionKept))
	add(checkDays("retention_personal_data_days", p.Retention.PersonalData, MinPersonalKept, MaxRetentionKept))
	add(checkDays("retention_audit_days", p.Retention.Audit, MinAuditKept, MaxRetentionKept))
	return errs
}

// CheckGraceDays returns an out_of_range error unless days is from
// MinGraceDays to MaxGraceDays: the bounds of the policy's grace and of the
// grace a request asks for alike.
func (p Policy) CheckGraceDays(days int) *FieldError {
	if days < MinGraceDays || days > p.MaxGraceDays {
		return fieldErr("grace_days", "out_of_range", "must be a whole number of days from %d to %d", MinGraceDays, p.MaxGraceDays)
	}
	return nil
}

func checkRestrictions(names []string) *FieldError {
	const field = "restrictions"
	if len(names) < 1 || len(names) > MaxRestrictions {
		return fieldErr(field, "count", "give 1 to %d restriction names", MaxRestrictions)
	}
	for i, name := range names {
		if !restrictionPattern.MatchString(name) {
			return fieldErr(field, "invalid", "%q: each name must be %s", name, restrictionFormat)
		}
		if slices.Contains(names[:i], name) {
			return fieldErr(field, "duplicate", "%q appears twice", name)
		}
	}
	return nil
}

func checkMethods(methods []Method) *FieldError {
	const field = "methods"
	if len(methods) == 0 {
		return fieldErr(field, "required", "allow at least one method")
	}
	for i, m := range methods {
		if !slices.Contains(Methods, m) {
			return fieldErr(field, "invalid", "%q: must be one of video_call, audio_call, document_review", m)
		}
		if slices.Contains(methods[:i], m) {
			return fieldErr(field, "duplicate", "%q appears twice", m)
		}
	}
	return nil
}

func checkReminders(field string, leads []time.Duration) *FieldError {
	if len(leads) > MaxReminders {
		return fieldErr(field, "count", "give at most %d reminders", MaxReminders)
	}
	for i, lead := range leads {
		if lead < MinReminder || lead > MaxReminder {
			return fieldErr(field, "out_of_range", "%s: each reminder must be from 1h to 336h (14 days) ahead", FormatDuration(lead))
		}
		if slices.Contains(leads[:i], lead) {
			return fieldErr(field, "duplicate", "%s appears twice", FormatDuration(lead))
		}
	}
	return nil
}

func checkDays(field string, d, least, most time.Duration) *FieldError {
	if d < least || d > most || d%Day != 0 {
		return fieldErr(field, "out_of_range", "must be a whole number of days from %d to %d", least/Day, most/Day)
	}
	return nil
}

// ParseDurations reads a comma-separated list of Go durations such as
// "72h, 24h"; an empty list is no reminders.
func ParseDurations(field, s string) ([]time.Duration, *FieldError) {
	var out []time.Duration
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil {
			return nil, fieldErr(field, "invalid", "%q is not a duration: write hours and minutes like 72h or 1h30m", part)
		}
		out = append(out, d)
	}
	return out, nil
}

// FormatDuration writes d the way ParseDurations reads it, without the
// zero minutes and seconds that time.Duration.String adds ("72h", "1h30m").
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// FormatDurations writes a list as ParseDurations reads it.
func FormatDurations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = FormatDuration(d)
	}
	return strings.Join(parts, ", ")
}
