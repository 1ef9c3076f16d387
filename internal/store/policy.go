package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// StoredPolicy is the policy in force and who last changed it. UpdatedBy is
// empty while nobody has: the policy is then the defaults.
type StoredPolicy struct {
	Policy    verification.Policy
	UpdatedAt time.Time
	UpdatedBy string
}

// policyJSON is how the editable settings are kept. A field that is absent
// takes the default, so settings added later need no migration of the row.
type policyJSON struct {
	GraceDays         int                   `json:"grace_days,omitempty"`
	Restrictions      []string              `json:"restrictions,omitempty"`
	Methods           []verification.Method `json:"methods,omitempty"`
	DeadlineReminders *[]string             `json:"deadline_reminders,omitempty"`
	CallReminders     *[]string             `json:"call_reminders,omitempty"`
	AppealWindowDays  int                   `json:"appeal_window_days,omitempty"`
	DocumentsDays     int                   `json:"retention_documents_days,omitempty"`
	PersonalDataDays  int                   `json:"retention_personal_data_days,omitempty"`
	AuditDays         int                   `json:"retention_audit_days,omitempty"`
	IssueCredentials  *bool                 `json:"issue_credentials,omitempty"`
}

// Policy returns the stored policy laid over base, which supplies what is
// not stored (the slot length, the margin, the grace maximum) and every
// default. Without a stored row it is base itself.
func (c conn) Policy(ctx context.Context, base verification.Policy) (StoredPolicy, error) {
	var value string
	var sp StoredPolicy
	err := c.queryRow(ctx, "SELECT value, updated_at, updated_by FROM policy WHERE id = 1").
		Scan(&value, timeCol{&sp.UpdatedAt}, &sp.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredPolicy{Policy: base}, nil
	}
	if err != nil {
		return sp, fmt.Errorf("read policy: %w", err)
	}
	var stored policyJSON
	if err := json.Unmarshal([]byte(value), &stored); err != nil {
		return sp, fmt.Errorf("policy is damaged: %w", err)
	}
	if sp.Policy, err = stored.over(base); err != nil {
		return sp, fmt.Errorf("policy is damaged: %w", err)
	}
	return sp, nil
}

// PutPolicy stores the editable settings of p as the policy in force.
func (t *Tx) PutPolicy(ctx context.Context, p verification.Policy, by string, at time.Time) error {
	value, err := json.Marshal(policyToJSON(p))
	if err != nil {
		return fmt.Errorf("encode policy: %w", err)
	}
	_, err = t.exec(ctx, `INSERT INTO policy (id, value, updated_at, updated_by) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		string(value), t.t(at), by)
	if err != nil {
		return fmt.Errorf("write policy: %w", err)
	}
	return nil
}

func policyToJSON(p verification.Policy) policyJSON {
	deadline, call := durationsToJSON(p.DeadlineReminders), durationsToJSON(p.CallReminders)
	return policyJSON{GraceDays: p.GraceDays, Restrictions: p.Restrictions, Methods: p.Methods,
		DeadlineReminders: &deadline, CallReminders: &call,
		AppealWindowDays: days(p.AppealWindow), DocumentsDays: days(p.Retention.Documents),
		PersonalDataDays: days(p.Retention.PersonalData), AuditDays: days(p.Retention.Audit),
		IssueCredentials: &p.IssueCredentials}
}

// over lays the stored settings over base.
func (j policyJSON) over(base verification.Policy) (verification.Policy, error) {
	p := base
	setInt(&p.GraceDays, j.GraceDays)
	if j.Restrictions != nil {
		p.Restrictions = j.Restrictions
	}
	if j.Methods != nil {
		p.Methods = j.Methods
	}
	var err error
	if j.DeadlineReminders != nil {
		if p.DeadlineReminders, err = durationsFromJSON(*j.DeadlineReminders); err != nil {
			return p, err
		}
	}
	if j.CallReminders != nil {
		if p.CallReminders, err = durationsFromJSON(*j.CallReminders); err != nil {
			return p, err
		}
	}
	setDays(&p.AppealWindow, j.AppealWindowDays)
	setDays(&p.Retention.Documents, j.DocumentsDays)
	setDays(&p.Retention.PersonalData, j.PersonalDataDays)
	setDays(&p.Retention.Audit, j.AuditDays)
	if j.IssueCredentials != nil {
		p.IssueCredentials = *j.IssueCredentials
	}
	return p, nil
}

func setInt(dst *int, v int) {
	if v != 0 {
		*dst = v
	}
}

func setDays(dst *time.Duration, n int) {
	if n != 0 {
		*dst = time.Duration(n) * verification.Day
	}
}

func days(d time.Duration) int { return int(d / verification.Day) }

// durationsToJSON writes durations as text ("72h") so that the row reads
// plainly in a database shell.
func durationsToJSON(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = verification.FormatDuration(d)
	}
	return out
}

func durationsFromJSON(ss []string) ([]time.Duration, error) {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("duration %q: %w", s, err)
		}
		out[i] = d
	}
	return out, nil
}
