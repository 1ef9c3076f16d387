package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/fairness"
)

// FairnessDecisions returns the first decisions (after a call or on sent
// documents) since a time, as the fairness report needs them. A decision
// passes when the agent verified; asking for documents is neither.
// The country is the region of the freelancer's locale (pt-BR: BR): the
// profile has no country field, on purpose.
func (c conn) FairnessDecisions(ctx context.Context, since time.Time) ([]fairness.Decision, error) {
	rows, err := c.query(ctx, `SELECT d.staff_id, d.decision, d.reason_code, COALESCE(f.locale, '')
		FROM decisions AS d
		JOIN verifications AS v ON v.id = d.verification_id
		LEFT JOIN freelancers AS f ON f.id = v.freelancer_id
		WHERE d.stage IN ('call', 'documents') AND d.decision IN ('verified', 'not_verified') AND d.decided_at >= ?`, c.t(since))
	if err != nil {
		return nil, fmt.Errorf("read decisions for fairness: %w", err)
	}
	defer rows.Close()
	var out []fairness.Decision
	for rows.Next() {
		var agent, decision, reason, locale string
		if err := rows.Scan(&agent, &decision, &reason, &locale); err != nil {
			return nil, err
		}
		out = append(out, fairness.Decision{AgentID: agent, Passed: decision == "verified", ReasonCode: reason, Country: region(locale)})
	}
	return out, rows.Err()
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
