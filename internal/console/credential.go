package console

import (
	"context"
	"slices"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

// caseCredentials is what digital IDs the freelancer presented on a case
// tell staff: each answered request, and whether any genuine one stated a
// value that differs from the profile, which the person deciding must see.
type caseCredentials struct {
	Attempts []credentialAttempt
	// Differs lists the claims a genuine credential stated otherwise than
	// the profile, each once.
	Differs []string
}

// credentialAttempt is one answered request for a digital ID.
type credentialAttempt struct {
	At        time.Time
	Transport string
	// Result is verified, mismatch or refused; Reason the refusal's code.
	Result, Reason string
	// Issuer names the credential's issuer as the operator named it, with
	// its identifier; Type is the credential type (vct).
	Issuer, Type string
	Findings     []store.CredentialEvidence
}

// credentialsOf reads the digital IDs presented on a case. Requests nobody
// answered are left out: they say nothing about the freelancer.
func (c *Console) credentialsOf(ctx context.Context, verificationID string) (caseCredentials, error) {
	var out caseCredentials
	attempts, err := c.Store.CredentialAttempts(ctx, verificationID)
	if err != nil || len(attempts) == 0 {
		return out, err
	}
	evidence, err := c.Store.CredentialEvidence(ctx, verificationID)
	if err != nil {
		return out, err
	}
	for _, a := range attempts {
		if a.AnsweredAt == nil {
			continue
		}
		ca := credentialAttempt{At: *a.AnsweredAt, Transport: a.Transport, Result: a.Result, Reason: a.Reason}
		for _, e := range evidence {
			if e.AttemptID != a.ID {
				continue
			}
			ca.Findings = append(ca.Findings, e)
			ca.Issuer, ca.Type = c.issuerName(e.Issuer), e.Type
			if !e.Matched && !slices.Contains(out.Differs, e.ClaimKey) {
				out.Differs = append(out.Differs, e.ClaimKey)
			}
		}
		out.Attempts = append(out.Attempts, ca)
	}
	return out, nil
}

// issuerName is an issuer as staff read it: the name the operator gave it
// in the trusted issuers, and its identifier.
func (c *Console) issuerName(iss string) string {
	creds := c.Workflow.Credentials
	if creds == nil || creds.Verifier == nil {
		return iss
	}
	if is := creds.Verifier.Trust.Issuer(iss); is != nil && is.Name != "" {
		return is.Name + " (" + iss + ")"
	}
	return iss
}
