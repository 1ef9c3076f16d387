package verification

import (
	"slices"
	"time"
)

// StepIdentityCredential: a digital credential the freelancer presented
// from their wallet, checked by attest (issuer, holder binding, validity,
// revocation), bore the legal name. It stands in for StepIdentity in
// every mode; with no call at all it makes the case ModeCredential.
const StepIdentityCredential = "identity_credential"

// ModeCredential: no call; a digital credential confirmed every claim.
// The freelancer's consent is their sharing it; the holder's signature
// over attest's fresh nonce stands in for the live check: only the device
// holding the wallet's key could have made it.
const ModeCredential Mode = "digital_credential"

func init() {
	stepResults[StepIdentityCredential] = [2]string{"matched", "not_matched"}
}

// CredentialFinding is what a verified digital credential says of one of
// the case's claims: whether its value matched the profile's, and from
// whom and of what type the credential was.
type CredentialFinding struct {
	Claim   string
	Matched bool
	Issuer  string
	Type    string
	At      time.Time
}

// CredentialRecord is what a verified credential records on a case: the
// identity step, and each claim it confirmed. It never records a claim as
// not confirmed: a mismatch is shown to the person who works the case,
// who decides (a credential never decides a negative on its own).
type CredentialRecord struct {
	Step     StepRecord
	Outcomes []ClaimOutcome
	// Consent is the freelancer's own consent, recorded when the case can
	// be settled without a call: sharing the credential was their act.
	Consent *StepRecord
	// Settles is true when the case may become verified now, with no call:
	// it waits for its call, and the credential confirmed every claim.
	Settles bool
}

// RecordCredential decides what findings record on a case, by actor
// (the freelancer who presented). The identity step is matched when every
// identity claim among the findings matched.
func RecordCredential(v *Verification, actor string, findings []CredentialFinding, kinds map[string]ClaimKind, at time.Time) CredentialRecord {
	rec := CredentialRecord{Step: StepRecord{Step: StepIdentityCredential, Result: "matched", By: actor, At: at}}
	confirmed := 0
	for _, f := range findings {
		if !f.Matched {
			if kinds[f.Claim] == KindIdentity {
				rec.Step.Result = "not_matched"
			}
			continue
		}
		if slices.Contains(v.Claims, f.Claim) {
			confirmed++
			rec.Outcomes = append(rec.Outcomes, ClaimOutcome{Key: f.Claim, Outcome: Confirmed,
				Note: "digital credential " + f.Type + " from " + f.Issuer, RecordedAt: at})
		}
	}
	waiting := v.Status == AwaitingFreelancer || v.Status == Scheduled || v.Status == InQueue
	if rec.Step.Result == "matched" && confirmed == len(v.Claims) && waiting {
		rec.Settles = true
		rec.Consent = &StepRecord{Step: StepConsent, Result: "given", By: actor, At: at}
	}
	return rec
}

// EvidenceMode is the mode a case's evidence is held to: the mode of its
// accommodation, or ModeCredential when no call was held and a digital
// credential bore the legal name.
func EvidenceMode(v *Verification, hadCall bool, steps []StepRecord) Mode {
	if !hadCall && slices.ContainsFunc(steps, func(r StepRecord) bool {
		return r.Step == StepIdentityCredential && r.Passed()
	}) {
		return ModeCredential
	}
	return v.Mode()
}

// TakesCredential reports whether a digital credential presented now
// counts on the case: while it waits for its call, in its call (a
// request the freelancer answered just as the agent took them), and while
// documents are asked for. Where the portal offers one is narrower
// (OffersCredential).
func (v *Verification) TakesCredential() bool {
	switch v.Status {
	case AwaitingFreelancer, Scheduled, InQueue, InCall, AwaitingDocuments:
		return true
	}
	return false
}

// OffersCredential reports whether the freelancer's page offers "Use a
// digital ID" on the case, given its steps so far and the claims of it a
// credential can confirm (confirmable): while the identity step is still
// open (no ID matched on camera, in a document or by a credential) and
// no call has started: the case awaits the freelancer, is booked, or
// waits in the queue; and while documents are asked for, when they are
// asked for a claim a credential can confirm (the legal name, above all).
// In a call the agent sees the ID, and a case in review or decided takes
// no more evidence from the freelancer.
func OffersCredential(v *Verification, steps []StepRecord, confirmable []Claim) bool {
	if len(confirmable) == 0 || slices.ContainsFunc(steps, identityPassed) {
		return false
	}
	switch v.Status {
	case AwaitingFreelancer, Scheduled, InQueue:
		return true
	case AwaitingDocuments:
		return slices.ContainsFunc(confirmable, func(c Claim) bool {
			return len(v.DocumentsFor) == 0 || slices.Contains(v.DocumentsFor, c.Key)
		})
	}
	return false
}

// identityPassed reports whether a step record passed the identity step,
// by any of the ways it may be passed.
func identityPassed(r StepRecord) bool {
	return (r.Step == StepIdentity || r.Step == StepIdentityDocument || r.Step == StepIdentityCredential) && r.Passed()
}
