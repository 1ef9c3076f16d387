package verification

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
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
	// Missing lists, for ErrStepsMissing, what verified still needs as
	// Evidence.Missing names it, so that each surface can word it.
	Missing []string
	// Mentions are, for the guard's refusal, the protected characteristics
	// the text mentions, so that each surface can word them.
	Mentions []Mention
}

// Mention is a protected characteristic a text mentions: its category
// (guard.Categories) and the words of the text that matched.
type Mention struct {
	Category string
	Words    []string
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
	if err := checkLine("display_name", f.DisplayName, MaxTextLen, true); err != nil {
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
	// net/mail takes UTF-8 local parts (RFC 6532), bidirectional controls
	// included; an address is shown to people too.
	return CheckChars("email", email, false)
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
		if err := checkLine(at+".label", c.Label, MaxTextLen, true); err != nil {
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

// checkText rejects text that is missing, too long or carries characters
// that would break emails and pages or disguise what a reader sees (see
// CheckChars). It is for text that may run over several lines: claim values,
// explanations, notes.
func checkText(field, s string, max int, required bool) error {
	return checkLength(field, s, max, required, true)
}

// checkLine is checkText for text that is one line: names and labels, which
// appear in email subjects and headers, lists and table cells.
func checkLine(field, s string, max int, required bool) error {
	return checkLength(field, s, max, required, false)
}

func checkLength(field, s string, max int, required, multiline bool) error {
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
	return CheckChars(field, s, multiline)
}

// CheckChars refuses, as a FieldError with code invalid naming field, text
// holding a character that is never wanted in what people read:
//
//   - control characters (Unicode category Cc, C0 and C1 alike), except line
//     feed and tab when multiline is true; a carriage return is always
//     refused, so that a line break is one character everywhere;
//   - the bidirectional controls that reorder what is shown (U+202A–U+202E
//     embeddings and overrides, U+2066–U+2069 isolates, U+200E and U+200F
//     marks, U+061C the Arabic letter mark), with which "Ana\u202Efdp.exe"
//     is shown as "Anaexe.pdf" and a name can pose as another;
//   - invisible characters that hide or split text without a trace: zero
//     width space U+200B, word joiner and invisible operators U+2060–U+2064,
//     deprecated format controls U+206A–U+206F, the byte-order mark U+FEFF,
//     interlinear annotation controls U+FFF9–U+FFFB, and the line and
//     paragraph separators U+2028 and U+2029, which break lines where a
//     reader expects none.
//
// Joiners (U+200C, U+200D), soft hyphens, variation selectors and tag
// characters stay allowed: Persian and Indic names and emoji need them, and
// they reorder nothing.
func CheckChars(field, s string, multiline bool) error {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !multiline {
				return fieldErr(field, "invalid", "must be a single line, without line breaks or tabs (found U+%04X)", r)
			}
		case unicode.Is(unicode.Cc, r):
			return fieldErr(field, "invalid", "must not contain control characters (found U+%04X)", r)
		case hiddenChar(r):
			return fieldErr(field, "invalid", "must not contain invisible or text-reordering characters (found U+%04X)", r)
		}
	}
	return nil
}

// hiddenChar reports whether r is one of the bidirectional or invisible
// format characters CheckChars refuses.
func hiddenChar(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200B, r == 0x200E, r == 0x200F, r == 0xFEFF:
		return true
	case r >= 0x2028 && r <= 0x202E: // line and paragraph separators, embeddings and overrides
		return true
	case r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x206F:
		return true
	case r >= 0xFFF9 && r <= 0xFFFB:
		return true
	}
	return false
}

// Request is what a marketplace asks for when it opens a case.
type Request struct {
	FreelancerID string
	Reason       Reason
	Claims       []string
	Methods      []Method
	// GraceDays, when not nil, asks for more notice than the policy's.
	GraceDays *int
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
	if r.GraceDays == nil {
		return nil
	}
	if err := p.CheckGraceDays(*r.GraceDays); err != nil {
		return err
	}
	if *r.GraceDays < p.GraceDays {
		return &RuleError{Field: "grace_days", Code: "below_minimum_notice",
			Message: fmt.Sprintf("grace_days may lengthen the minimum notice of %d days, never shorten it", p.GraceDays)}
	}
	return nil
}

// graceDays is the grace asked for, 0 when none was.
func (r *Request) graceDays() int {
	if r.GraceDays == nil {
		return 0
	}
	return *r.GraceDays
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
		Deadline:     p.Deadline(now, r.graceDays(), slot),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
}
