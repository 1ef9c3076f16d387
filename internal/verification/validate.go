package verification

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError says which input field broke which rule. Field is a JSON path
// such as "claims[2].key".
type FieldError struct {
	Field   string
	Code    string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// RuleError says that well-formed input breaks a rule about what is stored,
// such as naming a claim the profile does not have.
type RuleError struct {
	Field   string
	Code    string
	Message string
}

func (e *RuleError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, code, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

var (
	externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)
	keyPattern        = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	localePattern     = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
)

// Limits on profile input; generous for real profiles, small enough that a
// standing lookup never drags a megabyte along.
const (
	MaxClaims         = 50
	MaxTextLen        = 200
	MaxValueLen       = 1000
	MaxExplanationLen = 2000
)

// ValidateFreelancerID checks a marketplace's own freelancer id.
func ValidateFreelancerID(id string) error {
	if !externalIDPattern.MatchString(id) {
		return fieldErr("id", "invalid", "must be 1 to 128 letters, digits or ._:@- and start with a letter or digit")
	}
	return nil
}

// Validate checks a profile before it is stored.
func (f *Freelancer) Validate() error {
	if err := ValidateFreelancerID(f.ID); err != nil {
		return err
	}
	if err := checkText("display_name", f.DisplayName, MaxTextLen, true); err != nil {
		return err
	}
	if err := validateEmail(f.Email); err != nil {
		return err
	}
	if !localePattern.MatchString(f.Locale) || len(f.Locale) > 35 {
		return fieldErr("locale", "invalid", "must be a language tag such as en or pt-BR")
	}
	if err := validateTimeZone(f.TimeZone); err != nil {
		return err
	}
	return validateClaims(f.Claims)
}

func validateEmail(email string) error {
	if email == "" {
		return fieldErr("email", "required", "is required: the freelancer is told by email")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 {
		return fieldErr("email", "invalid", "must be a plain email address such as ana@example.com")
	}
	return nil
}

func validateTimeZone(tz string) error {
	if tz == "" {
		return fieldErr("timezone", "required", "is required: deadlines are shown in the freelancer's own time")
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return fieldErr("timezone", "invalid", "must be an IANA time zone such as Europe/Lisbon")
	}
	return nil
}

func validateClaims(claims []Claim) error {
	if len(claims) > MaxClaims {
		return fieldErr("claims", "too_many", "at most %d claims", MaxClaims)
	}
	seen := make(map[string]bool, len(claims))
	for i, c := range claims {
		at := fmt.Sprintf("claims[%d]", i)
		if !keyPattern.MatchString(c.Key) {
			return fieldErr(at+".key", "invalid", "must be 1 to 64 lower-case letters, digits or _.- and start with a letter or digit")
		}
		if seen[c.Key] {
			return fieldErr(at+".key", "duplicate", "claim key %q appears twice", c.Key)
		}
		seen[c.Key] = true
		if err := checkText(at+".label", c.Label, MaxTextLen, true); err != nil {
			return err
		}
		if err := checkText(at+".value", c.Value, MaxValueLen, false); err != nil {
			return err
		}
		if c.Kind != "" && !slices.Contains(ClaimKinds, c.Kind) {
			return fieldErr(at+".kind", "invalid", "must be one of %s", joinKinds())
		}
	}
	return nil
}

func joinKinds() string {
	names := make([]string, len(ClaimKinds))
	for i, k := range ClaimKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// checkText rejects text that is missing, too long or carries control
// characters that would break emails and pages.
func checkText(field, s string, max int, required bool) error {
	if strings.TrimSpace(s) == "" {
		if required {
			return fieldErr(field, "required", "is required")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "invalid", "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fieldErr(field, "too_long", "at most %d characters, got %d", max, n)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }) {
		return fieldErr(field, "invalid", "must not contain control characters")
	}
	return nil
}

// Request is what a marketplace asks for when it opens a case.
type Request struct {
	FreelancerID string
	Reason       Reason
	Claims       []string
	Methods      []Method
	GraceDays    int
}

// Validate checks the request against the profile it is about and the policy.
func (r *Request) Validate(f *Freelancer, p Policy) error {
	if !keyPattern.MatchString(r.Reason.Code) {
		return fieldErr("reason.code", "invalid", "must be 1 to 64 lower-case letters, digits or _.-")
	}
	if err := checkText("reason.explanation", r.Reason.Explanation, MaxExplanationLen, true); err != nil {
		return err
	}
	if len(r.Claims) == 0 && len(f.Claims) == 0 {
		return &RuleError{Field: "claims", Code: "no_claims",
			Message: "the profile has no claims to check: PUT the freelancer with claims first"}
	}
	seen := map[string]bool{}
	for i, key := range r.Claims {
		if _, ok := f.Claim(key); !ok {
			return &RuleError{Field: fmt.Sprintf("claims[%d]", i), Code: "unknown_claim", Message: fmt.Sprintf("the profile has no claim %q", key)}
		}
		if seen[key] {
			return fieldErr(fmt.Sprintf("claims[%d]", i), "duplicate", "claim %q appears twice", key)
		}
		seen[key] = true
	}
	for i, m := range r.Methods {
		if !slices.Contains(Methods, m) {
			return fieldErr(fmt.Sprintf("methods[%d]", i), "invalid", "must be one of video_call, audio_call, document_review")
		}
		if !slices.Contains(p.Methods, m) {
			return &RuleError{Field: fmt.Sprintf("methods[%d]", i), Code: "method_not_allowed",
				Message: fmt.Sprintf("the operator's policy does not allow %s", m)}
		}
	}
	if r.GraceDays < 0 || r.GraceDays > p.MaxGraceDays {
		return fieldErr("grace_days", "out_of_range", "must be between %d and %d", p.GraceDays, p.MaxGraceDays)
	}
	if r.GraceDays > 0 && r.GraceDays < p.GraceDays {
		return &RuleError{Field: "grace_days", Code: "below_minimum_notice",
			Message: fmt.Sprintf("grace_days may lengthen the minimum notice of %d days, never shorten it", p.GraceDays)}
	}
	return nil
}

// Open builds a new case from a validated request at now; slot is the call
// slot the backlog ahead of it leaves it (zero when capacity is unknown).
func (r *Request) Open(id string, f *Freelancer, p Policy, now, slot time.Time) *Verification {
	claims := r.Claims
	if len(claims) == 0 {
		for _, c := range f.Claims {
			claims = append(claims, c.Key)
		}
	}
	methods := r.Methods
	if len(methods) == 0 {
		methods = p.Methods
	}
	return &Verification{
		ID:           id,
		FreelancerID: f.ID,
		Reason:       r.Reason,
		Claims:       append([]string{}, claims...),
		Methods:      append([]Method{}, methods...),
		Status:       AwaitingFreelancer,
		DocumentsFor: []string{},
		Deadline:     p.Deadline(now, r.GraceDays, slot),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
}
