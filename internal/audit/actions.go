package audit

// The actions the audit log records, in one place: whoever makes a change
// (the console, the admin pages, the API, the CLI, a job) names it the same
// way. Two are made from a value: "verification."+status for a status
// change, and "agent."+presence for an agent going online or away.
const (
	// Staff accounts and keys (internal/staff).
	StaffPut              = "staff.put" // created, or its password and role reset
	StaffRoleChanged      = "staff.role"
	StaffLanguageChanged  = "staff.language"
	StaffReviewGranted    = "staff.review_granted"
	StaffReviewWithdrawn  = "staff.review_withdrawn"
	StaffDisabled         = "staff.disable"
	StaffEnabled          = "staff.enable"
	StaffLogin            = "staff.login"
	StaffLogout           = "staff.logout"
	StaffTOTPEnrolled     = "staff.totp_enrolled"
	StaffTOTPRemoved      = "staff.totp_removed"
	StaffRecoveryCodeUsed = "staff.recovery_code_used"
	StaffSessionRevoked   = "staff.session_revoked"
	StaffSessionsRevoked  = "staff.sessions_revoked"
	StaffOIDCLinked       = "staff.oidc_linked"
	APIKeyCreate          = "api_key.create"
	APIKeyRevoke          = "api_key.revoke"

	// The audit log itself.
	Verify = "audit.verify"

	// Master keys (internal/keys/rotation).
	KeysAdopt  = "keys.adopt"
	KeysRotate = "keys.rotate"

	// Freelancers and their cases (internal/workflow).
	FreelancerCreate          = "freelancer.create"
	FreelancerUpdate          = "freelancer.update"
	FreelancerErase           = "freelancer.erase"
	FreelancerExport          = "freelancer.export"
	PortalLinkCreate          = "portal_link.create"
	PortalLinkRevokeAll       = "portal_link.revoke_all"
	HandoffCreate             = "handoff.create"
	VerificationCreate        = "verification.create"
	VerificationDeadlineMoved = "verification.deadline_moved"
	AccommodationSet          = "accommodation.set"
	BookingBook               = "booking.book"
	BookingCancel             = "booking.cancel"
	BookingMissedByFreelancer = "booking.missed_by_freelancer"
	BookingMissedByTeam       = "booking.missed_by_team"
	StepRecord                = "step.record"
	ChallengeShow             = "challenge.show" // a live-check challenge shown on the freelancer's page
	ClaimOutcome              = "claim.outcome"
	DocumentAdd               = "document.add"
	DocumentRemove            = "document.remove"
	DocumentOpen              = "document.open"
	DocumentsRequest          = "documents.request"
	DocumentsDecide           = "documents.decide"
	// Digital credentials (internal/credential): a request for one, and
	// the wallet's answer, with its result and never its content.
	CredentialRequest = "credential.request"
	CredentialAnswer  = "credential.answer"
	ReviewDecide      = "review.decide"
	AppealCreate      = "appeal.create"
	AppealDecide      = "appeal.decide"

	// attest as a credential issuer (internal/issuer): an offer made to a
	// verified freelancer, a credential issued on it (by its status list
	// index), and credentials revoked, with why.
	CredentialOffer  = "credential.offer"
	CredentialIssue  = "credential.issue"
	CredentialRevoke = "credential.revoke"

	// The team's settings (internal/workflow).
	HoursSet             = "hours.set"
	HoursExceptionAdd    = "hours.exception_add"
	HoursExceptionDelete = "hours.exception_delete"
	PolicyUpdate         = "policy.update"
	QuestionAdd          = "question.add"
	QuestionEdit         = "question.edit"
	QuestionMoveUp       = "question.move_up"
	QuestionMoveDown     = "question.move_down"
	QuestionDelete       = "question.delete"
	RetentionApply       = "retention.apply"

	// Webhooks (internal/webhook).
	WebhookEndpointCreate       = "webhook_endpoint.create"
	WebhookEndpointDelete       = "webhook_endpoint.delete"
	WebhookEndpointEnable       = "webhook_endpoint.enable"
	WebhookEndpointDisable      = "webhook_endpoint.disable"
	WebhookEndpointRotateSecret = "webhook_endpoint.rotate_secret"
	WebhookDeliveryReplay       = "webhook_delivery.replay"
	WebhookDeliveryPrune        = "webhook_delivery.prune"
)
