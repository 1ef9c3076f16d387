package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/verification"
)

// FairnessDecisions returns the first decisions (after a call or on sent
// documents) made in [from, to), in the order they were made, as the
// fairness report needs them. A decision passes when the agent verified;
// asking for documents is neither.
//
// Each carries what attest legitimately knows about the case, and nothing
// about the person: the case's reason code, the kinds of the claims it
// checked, how it was worked (from the accommodation), whether the
// freelancer moved to a phone while it was open (a hand-off code spent
// between the case's opening and the decision), and the profile's locale,
// time zone and the locale's region as the country (pt-BR: BR): the profile
// has no country field, on purpose. Only people's decisions count: a case
// a digital credential settled has no decision, and what a credential
// confirmed is recorded with no staff member. An erased profile keeps its cases'
// codes and times but no longer tells its claims, locale or hand-offs.
func (c conn) FairnessDecisions(ctx context.Context, from, to time.Time) ([]fairness.Decision, error) {
	rows, err := c.query(ctx, `SELECT d.staff_id, d.decision, d.reason_code, d.decided_at,
			v.reason_code, v.claims, v.accommodation,
			COALESCE(f.locale, ''), COALESCE(f.timezone, ''), COALESCE(f.claims, '[]'),
			CASE WHEN EXISTS (SELECT 1 FROM handoff_codes AS h WHERE h.freelancer_id = v.freelancer_id
				AND h.used_at IS NOT NULL AND h.used_at >= v.created_at AND h.used_at <= d.decided_at) THEN 1 ELSE 0 END
		FROM decisions AS d
		JOIN verifications AS v ON v.id = d.verification_id
		LEFT JOIN freelancers AS f ON f.id = v.freelancer_id
		WHERE d.stage IN ('call', 'documents') AND d.decision IN ('verified', 'not_verified') AND d.staff_id <> ''
			AND d.decided_at >= ? AND d.decided_at < ?
		ORDER BY d.decided_at, d.id`, c.t(from), c.t(to))
	if err != nil {
		return nil, fmt.Errorf("read decisions for fairness: %w", err)
	}
	defer rows.Close()
	var out []fairness.Decision
	for rows.Next() {
		var d fairness.Decision
		var decision, caseClaims, accommodation, profileClaims string
		var phone int
		if err := rows.Scan(&d.AgentID, &decision, &d.ReasonCode, timeCol{&d.At},
			&d.CaseReason, &caseClaims, &accommodation, &d.Locale, &d.TimeZone, &profileClaims, &phone); err != nil {
			return nil, fmt.Errorf("read decisions for fairness: %w", err)
		}
		d.Passed = decision == string(verification.DecideVerified)
		d.Method = (&verification.Verification{Accommodation: verification.Accommodation(accommodation)}).Mode()
		d.Phone = phone == 1
		d.Country = region(d.Locale)
		d.ClaimKinds = claimKinds(caseClaims, profileClaims)
		out = append(out, d)
	}
	return out, rows.Err()
}

// claimKinds are the kinds of the claims a case checked, looked up on the
// profile by key; a claim the profile no longer has is left out.
func claimKinds(caseClaims, profileClaims string) []verification.ClaimKind {
	var keys []string
	var claims []verification.Claim
	if json.Unmarshal([]byte(caseClaims), &keys) != nil || json.Unmarshal([]byte(profileClaims), &claims) != nil {
		return nil
	}
	f := verification.Freelancer{Claims: claims}
	var kinds []verification.ClaimKind
	for _, k := range keys {
		if c, ok := f.Claim(k); ok {
			kinds = append(kinds, c.Kind)
		}
	}
	return kinds
}

// region is the region subtag of a language tag, or "" when it has none.
func region(locale string) string {
	for _, part := range strings.Split(locale, "-")[1:] {
		if len(part) == 2 {
			return strings.ToUpper(part)
		}
	}
	return ""
}
