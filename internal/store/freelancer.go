package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

const freelancerColumns = "id, display_name, email, locale, timezone, claims, created_at, updated_at"

func scanFreelancer(row interface{ Scan(...any) error }) (*verification.Freelancer, error) {
	var f verification.Freelancer
	var claims string
	if err := row.Scan(&f.ID, &f.DisplayName, &f.Email, &f.Locale, &f.TimeZone, &claims,
		timeCol{&f.CreatedAt}, timeCol{&f.UpdatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(claims), &f.Claims); err != nil {
		return nil, fmt.Errorf("freelancer %s claims: %w", f.ID, err)
	}
	return &f, nil
}

// Freelancer returns a profile that has not been erased.
func (c conn) Freelancer(ctx context.Context, id string) (*verification.Freelancer, error) {
	row := c.queryRow(ctx, "SELECT "+freelancerColumns+" FROM freelancers WHERE id = ? AND erased_at IS NULL", id)
	f, err := scanFreelancer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get freelancer %s: %w", id, err)
	}
	return f, nil
}

// namesPerQuery is how many ids one query of DisplayNames asks for: a
// fixed number, padded, so that every list shares one prepared statement.
const namesPerQuery = 100

var displayNamesQuery = "SELECT id, display_name FROM freelancers WHERE erased_at IS NULL AND id IN (?" +
	strings.Repeat(", ?", namesPerQuery-1) + ")"

// DisplayNames maps each of ids whose profile has not been erased to its
// display name, for staff lists.
func (c conn) DisplayNames(ctx context.Context, ids []string) (map[string]string, error) {
	names := make(map[string]string, len(ids))
	for start := 0; start < len(ids); start += namesPerQuery {
		args := make([]any, namesPerQuery)
		for i := range args {
			args[i] = "" // no profile has an empty id
			if start+i < len(ids) {
				args[i] = ids[start+i]
			}
		}
		if err := c.displayNames(ctx, args, names); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func (c conn) displayNames(ctx context.Context, args []any, names map[string]string) error {
	rows, err := c.query(ctx, displayNamesQuery, args...)
	if err != nil {
		return fmt.Errorf("read display names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("read display names: %w", err)
		}
		names[id] = name
	}
	return rows.Err()
}

// PutFreelancer creates or replaces a profile; it reports whether it was new.
// Putting an erased profile starts it afresh.
func (t *Tx) PutFreelancer(ctx context.Context, f *verification.Freelancer, at time.Time) (created bool, err error) {
	claims, err := json.Marshal(f.Claims)
	if err != nil {
		return false, fmt.Errorf("encode claims: %w", err)
	}
	var erased *time.Time
	err = t.queryRow(ctx, "SELECT created_at, erased_at FROM freelancers WHERE id = ?", f.ID).
		Scan(timeCol{&f.CreatedAt}, nullTimeCol{&erased})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		f.CreatedAt, f.UpdatedAt = at, at
		_, err = t.exec(ctx, "INSERT INTO freelancers ("+freelancerColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			f.ID, f.DisplayName, f.Email, f.Locale, f.TimeZone, string(claims), t.t(at), t.t(at))
		if err != nil {
			return false, fmt.Errorf("insert freelancer %s: %w", f.ID, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read freelancer %s: %w", f.ID, err)
	}
	if erased != nil {
		f.CreatedAt = at
	}
	f.UpdatedAt = at
	_, err = t.exec(ctx, `UPDATE freelancers SET display_name = ?, email = ?, locale = ?, timezone = ?,
		claims = ?, created_at = ?, updated_at = ?, erased_at = NULL WHERE id = ?`,
		f.DisplayName, f.Email, f.Locale, f.TimeZone, string(claims), t.t(f.CreatedAt), t.t(at), f.ID)
	if err != nil {
		return false, fmt.Errorf("update freelancer %s: %w", f.ID, err)
	}
	return erased != nil, nil
}

// EraseFreelancer removes a freelancer's personal data: the profile's fields,
// the reasons' free text, the emails and the portal links. What stays is what
// aggregates need: ids, statuses, reason codes and times.
func (t *Tx) EraseFreelancer(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE freelancers SET display_name = '', email = '', locale = 'und',
		timezone = 'UTC', claims = '[]', updated_at = ?, erased_at = ? WHERE id = ? AND erased_at IS NULL`,
		t.t(at), t.t(at), id)
	if err != nil {
		return fmt.Errorf("erase freelancer %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	cases := "(SELECT id FROM verifications WHERE freelancer_id = ?)"
	steps := []struct{ what, query string }{
		{"reasons", "UPDATE verifications SET reason_explanation = '', accommodation_reason = '' WHERE freelancer_id = ?"},
		{"emails", "DELETE FROM emails WHERE freelancer_id = ?"},
		{"documents", "DELETE FROM documents WHERE freelancer_id = ?"},
		{"portal links", "DELETE FROM portal_links WHERE freelancer_id = ?"},
		{"hand-off codes", "DELETE FROM handoff_codes WHERE freelancer_id = ?"},
		{"appeal statements", "UPDATE appeals SET statement = '', note = '' WHERE freelancer_id = ?"},
		{"outcome notes", "UPDATE claim_outcomes SET note = '' WHERE verification_id IN " + cases},
		{"decision notes", "UPDATE decisions SET note = '' WHERE verification_id IN " + cases},
		{"call notes", "UPDATE calls SET script = '{}' WHERE verification_id IN " + cases},
		{"queue places", "DELETE FROM queue_entries WHERE freelancer_id = ?"},
	}
	for _, s := range steps {
		if _, err := t.exec(ctx, s.query, id); err != nil {
			return fmt.Errorf("erase %s of %s: %w", s.what, id, err)
		}
	}
	// Stored answers to retried API calls hold the profile and the reason
	// as they were sent back: every one that names the freelancer goes.
	named := `%"` + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(id) + `"%`
	if _, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE response LIKE ? ESCAPE '\'`, named); err != nil {
		return fmt.Errorf("erase stored API answers about %s: %w", id, err)
	}
	return t.redactEvents(ctx, "freelancer_id", id)
}

// redactEvents blanks the free text in the event snapshots of one
// freelancer or one case (column is freelancer_id or verification_id): the
// reasons' explanations, appeal statements and notes. The events themselves
// stay, so that the feed stays gap-free. Webhooks already delivered are the
// marketplace's to erase.
func (t *Tx) redactEvents(ctx context.Context, column, id string) error {
	if column != "freelancer_id" && column != "verification_id" {
		panic("redactEvents by " + column) // a programming error: the column is never input
	}
	rows, err := t.query(ctx, "SELECT seq, data FROM events WHERE "+column+" = ?", id)
	if err != nil {
		return fmt.Errorf("read events of %s: %w", id, err)
	}
	redacted := map[int64]string{}
	for rows.Next() {
		var seq int64
		var data string
		if err := rows.Scan(&seq, &data); err != nil {
			rows.Close()
			return fmt.Errorf("read events of %s: %w", id, err)
		}
		var snapshot map[string]any
		if json.Unmarshal([]byte(data), &snapshot) != nil {
			continue
		}
		changed := false
		if reason, ok := snapshot["reason"].(map[string]any); ok && reason["explanation"] != "" {
			reason["explanation"], changed = "", true
		}
		// An appeal's statement and its decider's note are free text; a
		// verification's statement of reasons is not (it is an object).
		for _, field := range []string{"statement", "note"} {
			if text, ok := snapshot[field].(string); ok && text != "" {
				snapshot[field], changed = "", true
			}
		}
		if changed {
			out, _ := json.Marshal(snapshot)
			redacted[seq] = string(out)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read events of %s: %w", id, err)
	}
	for seq, data := range redacted {
		if _, err := t.exec(ctx, "UPDATE events SET data = ? WHERE seq = ?", data, seq); err != nil {
			return fmt.Errorf("redact event %d: %w", seq, err)
		}
	}
	return nil
}
