package fairness

import (
	"slices"
	"strings"

	"github.com/attest-dev/attest/internal/verification"
)

// Group keys for what is not known about a case.
const (
	UnknownAgent    = "(unknown agent)"
	UnknownCountry  = "(unknown country)"
	UnknownLocale   = "(unknown locale)"
	UnknownTimeZone = "(unknown time zone)"
	UnknownKinds    = "(claims unknown)"
	UnknownMethod   = "(unknown method)"
	NoReason        = "(no reason code)"
)

// Group keys of the phone hand-off breakdown.
const (
	MovedToPhone = "moved_to_phone"
	OneDevice    = "one_device"
)

// dimension is one way of splitting the decisions into groups, each of which
// is compared with the rest. Only what attest legitimately knows about a
// case is a dimension: the profile has no field for protected
// characteristics, and none may be derived here.
type dimension struct {
	name  string // the CSV's key
	title string // a heading for people
	note  string // what the grouping means, in a sentence
	// keys appends the groups a decision belongs to; a decision is in one
	// group of most dimensions, and in one per kind of claim it checked.
	keys  func(d Decision, buf []string) []string
	label func(key string) string
}

var agentDimension = dimension{
	name:  "agent",
	title: "Agent",
	keys: func(d Decision, buf []string) []string {
		return append(buf, orDefault(d.AgentID, UnknownAgent))
	},
	label: func(key string) string { return key },
}

// breakdowns are the dimensions beyond one agent, in the order shown.
var breakdowns = []dimension{
	{
		name:  "claim_kind",
		title: "Kind of claim checked",
		note:  "A case counts once under each kind of claim it checked; claims without a kind count as other. Erased profiles no longer tell.",
		keys: func(d Decision, buf []string) []string {
			start := len(buf)
			for _, k := range d.ClaimKinds {
				key := string(k)
				if key == "" {
					key = string(verification.KindOther)
				}
				if !slices.Contains(buf[start:], key) {
					buf = append(buf, key)
				}
			}
			if len(buf) == start {
				buf = append(buf, UnknownKinds)
			}
			return buf
		},
		label: func(key string) string { return key },
	},
	{
		name:  "case_reason",
		title: "Reason the case was opened",
		note:  "The reason code the marketplace gave when it asked for the verification.",
		keys: func(d Decision, buf []string) []string {
			return append(buf, orDefault(d.CaseReason, NoReason))
		},
		label: func(key string) string { return key },
	},
	{
		name:  "method",
		title: "How the case was worked",
		note:  "A video call, or one of the accommodations: an audio-only call, or documents reviewed without a call.",
		keys: func(d Decision, buf []string) []string {
			return append(buf, orDefault(string(d.Method), UnknownMethod))
		},
		label: func(key string) string {
			switch verification.Mode(key) {
			case verification.ModeVideo:
				return "video call"
			case verification.ModeAudio:
				return "audio only"
			case verification.ModeDocuments:
				return "documents, no call"
			}
			return key
		},
	},
	{
		name:  "phone_handoff",
		title: "Phone hand-off",
		note:  "Whether the freelancer moved to a phone by QR code or short link while the case was open.",
		keys: func(d Decision, buf []string) []string {
			if d.Phone {
				return append(buf, MovedToPhone)
			}
			return append(buf, OneDevice)
		},
		label: func(key string) string {
			switch key {
			case MovedToPhone:
				return "moved to a phone"
			case OneDevice:
				return "stayed on one device"
			}
			return key
		},
	},
	{
		name:  "locale",
		title: "Language setting",
		note:  "The profile's locale: the language the freelancer was served in.",
		keys: func(d Decision, buf []string) []string {
			if d.Locale == "und" {
				return append(buf, UnknownLocale)
			}
			return append(buf, orDefault(d.Locale, UnknownLocale))
		},
		label: func(key string) string { return key },
	},
	{
		name:  "country",
		title: "Country",
		note:  "The region of the language setting (pt-BR: BR): profiles carry no country field.",
		keys: func(d Decision, buf []string) []string {
			return append(buf, orDefault(d.Country, UnknownCountry))
		},
		label: func(key string) string { return key },
	},
	{
		name:  "timezone_region",
		title: "Time-zone region",
		note:  "The part of the profile's time zone before the slash (America/Sao_Paulo: America).",
		keys: func(d Decision, buf []string) []string {
			return append(buf, TimeZoneRegion(d.TimeZone))
		},
		label: func(key string) string { return key },
	},
}

// TimeZoneRegion is the area of an IANA time zone name, the part before the
// first slash ("Europe/Lisbon": "Europe"); a name without one ("UTC") is
// its own region.
func TimeZoneRegion(zone string) string {
	if zone == "" {
		return UnknownTimeZone
	}
	region, _, _ := strings.Cut(zone, "/")
	return region
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
