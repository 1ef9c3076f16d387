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
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
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
