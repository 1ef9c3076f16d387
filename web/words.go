package web

import (
	"fmt"
	"strings"
)

// staffWords is the one place that turns the codes staff see (statuses,
// outcomes, reasons, steps, roles, actors) into their words, by kind and
// then code. The console is in English; exports and data attributes keep
// the codes. internal/console's TestEveryCodeHasWords walks every code.
var staffWords = map[string]map[string]string{
	"status": {
		"awaiting_freelancer": "Waiting for the freelancer",
		"scheduled":           "Call booked",
		"in_queue":            "In the live queue",
		"in_call":             "In a call",
		"awaiting_documents":  "Waiting for documents",
		"in_review":           "In review",
		"verified":            "Verified",
		"not_verified":        "Not verified",
		"canceled":            "Canceled",
	},
	"outcome": {
		"confirmed":     "Confirmed",
		"not_confirmed": "Not confirmed",
		"unable":        "Could not check",
		"not_checked":   "Not checked",
		"":              "Not recorded",
	},
	"decision": {
		"verified":        "Verified",
		"not_verified":    "Not verified",
		"needs_documents": "Needs documents",
		"new_call":        "New call",
		"confirm":         "Confirmed not verified",
		"overturn":        "Overturned to verified",
		"uphold":          "Appeal upheld",
		"reject":          "Appeal rejected",
	},
	"reason": {
		"identity_not_matched":  "The ID did not match the legal name",
		"claim_not_supported":   "A claim could not be supported",
		"live_check_failed":     "The live check failed",
		"consent_refused":       "The freelancer did not consent",
		"left_before_finishing": "The call ended before the checks were done",
		"overdue":               "The deadline passed",
	},
	"step": {
		"consent":             "Consent",
		"identity":            "ID shown on camera",
		"identity_document":   "ID document",
		"documents_authentic": "Documents examined",
		"identity_credential": "Digital ID",
	},
	// What a verified decision still needs (verification.RequiredSteps'
	// names); the live check's challenges and the claims are worded apart.
	"needed": {
		"consent":             "Consent",
		"identity":            "ID matching the legal name",
		"documents_authentic": "Documents examined",
	},
	// The languages a freelancer is served in, by catalog tag.
	"language": {
		"en":    "English",
		"pt-BR": "Portuguese (Brazil)",
	},
	"challenge": {
		"turn_head":   "Turn the head",
		"tilt_id":     "Tilt the ID",
		"read_phrase": "Read a phrase aloud",
	},
	"result": {
		"given":       "Given",
		"refused":     "Refused",
		"matched":     "Matched",
		"not_matched": "Did not match",
		"yes":         "Yes",
		"no":          "No",
		"done":        "Done",
		"failed":      "Failed",
	},
	"method": {
		"video_call":      "Video call",
		"audio_call":      "Audio call",
		"document_review": "Document review",
	},
	"accommodation": {
		"audio_only":      "Audio only",
		"document_review": "Document review",
		"":                "None",
	},
	"booking": {
		"booked":   "Booked",
		"canceled": "Canceled",
		"attended": "Attended",
		"missed":   "Missed",
	},
	"appeal": {
		"open":     "Open",
		"upheld":   "Upheld",
		"rejected": "Rejected",
	},
	"endpoint": {
		"enabled":  "Enabled",
		"disabled": "Disabled",
	},
	"delivery": {
		"pending":   "Pending",
		"delivered": "Delivered",
		"failed":    "Failed",
		"canceled":  "Canceled",
		"skipped":   "Skipped",
	},
	// Digital IDs (docs/CREDENTIALS.md): how the wallet was reached, how
	// an answer ended, and why one was refused.
	"transport": {
		"dc_api":       "Wallet on the same device",
		"cross_device": "Wallet on another device (QR code)",
	},
	"credential_result": {
		"verified": "Accepted: every value matched",
		"mismatch": "Genuine, but a value differs from the profile",
		"refused":  "Refused",
		"":         "No answer",
	},
	"credential_refusal": {
		"unknown_request":       "The answer named no request of ours",
		"request_expired":       "The request had expired",
		"replayed":              "The answer was used before",
		"wallet_error":          "The wallet shared nothing (declined or failed)",
		"wrong_credential_type": "Not an identity credential we ask for",
		"claims_missing":        "The wallet did not share the name",
		"malformed":             "The answer was damaged",
		"unsupported_algorithm": "Signed with an algorithm we do not accept",
		"wrong_type":            "Not an SD-JWT credential",
		"unknown_issuer":        "From an issuer we do not trust",
		"bad_signature":         "The issuer's signature did not verify",
		"untrusted_certificate": "The issuer's certificate is not from a trusted root",
		"bad_disclosure":        "A shared value was damaged",
		"unused_disclosure":     "A shared value was not signed by the issuer",
		"repeated_disclosure":   "A shared value came twice",
		"unsupported_hash":      "Hashed with an algorithm we do not accept",
		"key_binding_missing":   "The wallet did not prove it holds the ID",
		"key_binding_invalid":   "The wallet's proof of holding the ID did not verify",
		"wrong_nonce":           "The answer was made for another request",
		"wrong_audience":        "The answer was made for another service",
		"sd_hash_mismatch":      "The wallet's proof covers other values",
		"stale_key_binding":     "The wallet's proof was too old",
		"expired":               "The ID had expired",
		"not_yet_valid":         "The ID was not valid yet",
		"revoked":               "The issuer revoked the ID",
		"suspended":             "The issuer suspended the ID",
		"status_unavailable":    "The issuer's status list could not be read (try later)",
		"status_list_invalid":   "The issuer's status list did not verify",
	},
	// The audit log's actions (internal/audit/actions.go); a status change
	// ("verification.<status>") and an agent's presence ("agent.<presence>")
	// are worded in Word.
	"action": {
		"staff.put":                      "Account saved (created, or password and role reset)",
		"staff.role":                     "Role changed",
		"staff.review_granted":           "Second reviews allowed",
		"staff.review_withdrawn":         "Second reviews withdrawn",
		"staff.disable":                  "Account disabled",
		"staff.enable":                   "Account enabled",
		"staff.login":                    "Signed in",
		"staff.logout":                   "Signed out",
		"staff.totp_enrolled":            "Authenticator app added",
		"staff.totp_removed":             "Authenticator app removed",
		"staff.recovery_code_used":       "Recovery code used",
		"staff.session_revoked":          "Session signed out",
		"staff.sessions_revoked":         "Every session signed out",
		"staff.oidc_linked":              "Single sign-on linked",
		"api_key.create":                 "API key created",
		"api_key.revoke":                 "API key revoked",
		"audit.verify":                   "Audit log checked",
		"keys.adopt":                     "Master key adopted",
		"keys.rotate":                    "Master key rotated",
		"freelancer.create":              "Freelancer added",
		"freelancer.update":              "Freelancer profile updated",
		"freelancer.erase":               "Freelancer erased",
		"freelancer.export":              "Freelancer's data exported",
		"portal_link.create":             "Portal link sent",
		"portal_link.revoke_all":         "Portal links revoked",
		"handoff.create":                 "Phone hand-off link made",
		"verification.create":            "Verification opened",
		"verification.deadline_moved":    "Deadline moved",
		"accommodation.set":              "Accommodation set",
		"booking.book":                   "Call booked",
		"booking.cancel":                 "Booking canceled",
		"booking.missed_by_freelancer":   "Booked call missed by the freelancer",
		"booking.missed_by_team":         "Booked call missed by the team",
		"step.record":                    "Call step recorded",
		"challenge.show":                 "Live check shown to the freelancer",
		"claim.outcome":                  "Claim outcome recorded",
		"document.add":                   "Document added",
		"document.remove":                "Document removed",
		"document.open":                  "Document opened",
		"documents.request":              "Documents asked for",
		"documents.decide":               "Documents decided",
		"credential.request":             "Digital ID asked for",
		"credential.answer":              "Digital ID answered",
		"review.decide":                  "Second review decided",
		"appeal.create":                  "Appeal made",
		"appeal.decide":                  "Appeal decided",
		"credential.offer":               "Wallet credential offered",
		"credential.issue":               "Wallet credential issued",
		"credential.revoke":              "Wallet credential revoked",
		"hours.set":                      "Working hours set",
		"hours.exception_add":            "Leave or extra shift added",
		"hours.exception_delete":         "Leave or extra shift removed",
		"policy.update":                  "Policy changed",
		"question.add":                   "Question added",
		"question.edit":                  "Question edited",
		"question.move_up":               "Question moved up",
		"question.move_down":             "Question moved down",
		"question.delete":                "Question deleted",
		"retention.apply":                "Retention applied",
		"webhook_endpoint.create":        "Webhook endpoint added",
		"webhook_endpoint.delete":        "Webhook endpoint deleted",
		"webhook_endpoint.enable":        "Webhook endpoint enabled",
		"webhook_endpoint.disable":       "Webhook endpoint disabled",
		"webhook_endpoint.rotate_secret": "Webhook secret rotated",
		"webhook_delivery.replay":        "Webhook deliveries replayed",
		"webhook_delivery.prune":         "Old webhook deliveries pruned",
		"agent.online":                   "Went online",
		"agent.away":                     "Went away",
	},
	// The fairness page's groups: the kinds of claims, and the groups
	// whose keys are codes ("<dimension>:<key>"); other keys (locales,
	// countries, time-zone regions, reason codes from the marketplace)
	// are data and read as they are.
	"claim_kind": {
		"identity":   "Identity",
		"location":   "Location",
		"skill":      "Skill",
		"education":  "Education",
		"employment": "Employment",
		"other":      "Other",
	},
	"fairness_group": {
		"claim_kind:(claims unknown)":         "Claims no longer known",
		"case_reason:(no reason code)":        "No reason code",
		"method:video_call":                   "Video call",
		"method:audio_call":                   "Audio only",
		"method:document_review":              "Documents, no call",
		"method:(unknown method)":             "Unknown",
		"phone_handoff:moved_to_phone":        "Moved to a phone",
		"phone_handoff:one_device":            "Stayed on one device",
		"locale:(unknown locale)":             "Unknown",
		"country:(unknown country)":           "Unknown",
		"timezone_region:(unknown time zone)": "Unknown",
	},
	"fairness_title": {
		"claim_kind":      "Kind of claim checked",
		"case_reason":     "Reason the case was opened",
		"method":          "How the case was worked",
		"phone_handoff":   "Phone hand-off",
		"locale":          "Language setting",
		"country":         "Country",
		"timezone_region": "Time-zone region",
	},
	"fairness_note": {
		"claim_kind":      "A case counts once under each kind of claim it checked; claims without a kind count as other. Erased profiles no longer tell.",
		"case_reason":     "The reason code the marketplace gave when it asked for the verification.",
		"method":          "A video call, or one of the accommodations: an audio-only call, or documents reviewed without a call.",
		"phone_handoff":   "Whether the freelancer moved to a phone by QR code or short link while the case was open.",
		"locale":          "The profile's locale: the language the freelancer was served in.",
		"country":         "The region of the language setting (pt-BR: BR): profiles carry no country field.",
		"timezone_region": "The part of the profile's time zone before the slash (America/Sao_Paulo: America).",
	},
	"role": {
		"agent":      "Agent",
		"supervisor": "Supervisor",
		"admin":      "Admin",
	},
}

// Word is the staff's word for a code of a kind ("status", "outcome",
// "reason", …). A code without a word reads as its code in plain letters,
// so a page never shows underscores; tests catch the missing word.
func Word(kind string, code any) string {
	s := fmt.Sprint(code)
	if w, ok := staffWords[kind][s]; ok {
		return w
	}
	if kind == "step" {
		if key, ok := strings.CutPrefix(s, "challenge_"); ok {
			return "Live check: " + lower(Word("challenge", key))
		}
	}
	if kind == "action" {
		if status, ok := strings.CutPrefix(s, "verification."); ok && HasWord("status", status) {
			return "Status: " + lower(Word("status", status))
		}
	}
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// Group is a fairness group in words: the kind of claim, or the words for
// a group whose key is a code; other groups (locales, countries, regions,
// the marketplace's reason codes) are data and read as their label.
func Group(dimension, key, label string) string {
	if dimension == "claim_kind" && HasWord("claim_kind", key) {
		return Word("claim_kind", key)
	}
	if w, ok := staffWords["fairness_group"][dimension+":"+key]; ok {
		return w
	}
	return label
}

// HasWord reports whether a code of a kind has its own word.
func HasWord(kind, code string) bool {
	_, ok := staffWords[kind][code]
	return ok
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// Actor is who did something, as the audit log and the webhook pages name
// them: a staff member by name and role (names maps "staff:<id>" to
// "Name (Role)"), the freelancer, the command line, attest itself, or an
// API key by its id.
func Actor(actor string, names map[string]string) string {
	if name, ok := names[actor]; ok {
		return name
	}
	kind, id, _ := strings.Cut(actor, ":")
	switch kind {
	case "staff":
		return "A former staff member"
	case "freelancer":
		return "The freelancer " + id
	case "api_key":
		return "The marketplace (API key " + id + ")"
	case "cli":
		return "The command line"
	case "system":
		return "attest itself"
	}
	return actor
}
