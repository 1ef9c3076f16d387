package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Role is what a staff member may do.
type Role string

const (
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAgent || r == RoleSupervisor || r == RoleAdmin }

// Staff is a person who works in attest: an agent, a supervisor or an admin.
type Staff struct {
	ID           string
	Email        string
	Name         string
	Role         Role
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   *time.Time
	// CanReview grants an agent the second review of negative decisions.
	CanReview bool
	// Language is the tag of the staff catalog their pages speak ("en",
	// "pt-BR"); empty means the browser's language.
	Language string
}

// Reviews reports whether s may give the second review of a negative
// decision: supervisors and admins may, and agents granted review rights.
func (s *Staff) Reviews() bool {
	return s.Role == RoleSupervisor || s.Role == RoleAdmin || s.CanReview
}

const staffColumns = "id, email, name, role, password_hash, created_at, disabled_at, can_review, language"

func scanStaff(row interface{ Scan(...any) error }) (*Staff, error) {
	var s Staff
	err := row.Scan(&s.ID, &s.Email, &s.Name, &s.Role, &s.PasswordHash, timeCol{&s.CreatedAt}, nullTimeCol{&s.DisabledAt}, &s.CanReview, &s.Language)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &s, err
}

// PutStaff creates a staff member, or updates the role, name and password of
// the one with the same email.
func (t *Tx) PutStaff(ctx context.Context, s *Staff) (created bool, err error) {
	existing, err := scanStaff(t.queryRow(ctx, "SELECT "+staffColumns+" FROM staff WHERE email = ?", s.Email))
	switch {
	case errors.Is(err, ErrNotFound):
		_, err = t.exec(ctx, "INSERT INTO staff ("+staffColumns+") VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
			s.ID, s.Email, s.Name, string(s.Role), s.PasswordHash, t.t(s.CreatedAt), s.CanReview, s.Language)
		if err != nil {
			return false, fmt.Errorf("insert staff %s: %w", s.Email, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read staff %s: %w", s.Email, err)
	}
	// Review rights are granted on their own (SetReviewRights), so that
	// resetting a password does not take them away.
	s.ID, s.CreatedAt, s.CanReview, s.Language = existing.ID, existing.CreatedAt, existing.CanReview, existing.Language
	_, err = t.exec(ctx, "UPDATE staff SET name = ?, role = ?, password_hash = ?, disabled_at = NULL WHERE id = ?",
		s.Name, string(s.Role), s.PasswordHash, s.ID)
	if err != nil {
		return false, fmt.Errorf("update staff %s: %w", s.Email, err)
	}
	return false, nil
}

// SetReviewRights grants or withdraws an active staff member's review rights.
func (t *Tx) SetReviewRights(ctx context.Context, email string, on bool) (*Staff, error) {
	s, err := scanStaff(t.queryRow(ctx, "SELECT "+staffColumns+" FROM staff WHERE email = ? AND disabled_at IS NULL", email))
	if err != nil {
		return nil, fmt.Errorf("read staff %s: %w", email, err)
	}
	if _, err := t.exec(ctx, "UPDATE staff SET can_review = ? WHERE id = ?", on, s.ID); err != nil {
		return nil, fmt.Errorf("set review rights of %s: %w", email, err)
	}
	s.CanReview = on
	return s, nil
}

// StaffByEmail finds an active staff member by email.
func (c conn) StaffByEmail(ctx context.Context, email string) (*Staff, error) {
	s, err := scanStaff(c.queryRow(ctx, "SELECT "+staffColumns+" FROM staff WHERE email = ? AND disabled_at IS NULL", email))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("find staff %s: %w", email, err)
	}
	return s, err
}

// Session is a signed-in staff member's browser session. The cookie holds a
// token; the database holds only its hash. ID names the session on pages
// and in forms, where the hash has no business.
type Session struct {
	ID         string
	TokenHash  string
	StaffID    string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// InsertSession stores a new session.
func (t *Tx) InsertSession(ctx context.Context, s *Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (id, token_hash, staff_id, created_at, expires_at, last_seen_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.TokenHash, s.StaffID, t.t(s.CreatedAt), t.t(s.ExpiresAt), t.t(s.LastSeenAt), s.IP, s.UserAgent)
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

const sessionColumns = "x.id, x.token_hash, x.staff_id, x.created_at, x.expires_at, x.last_seen_at, x.ip, x.user_agent"

func scanSession(row interface{ Scan(...any) error }, extra ...any) (*Session, error) {
	var s Session
	dest := append([]any{&s.ID, &s.TokenHash, &s.StaffID, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, timeCol{&s.LastSeenAt},
		&s.IP, &s.UserAgent}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &s, nil
}

// StaffSession returns an unexpired session and the active staff member
// behind it.
func (c conn) StaffSession(ctx context.Context, tokenHash string, now time.Time) (*Staff, *Session, error) {
	var st Staff
	row := c.queryRow(ctx, `SELECT `+sessionColumns+`, s.id, s.email, s.name, s.role, s.password_hash, s.created_at, s.disabled_at, s.can_review, s.language
		FROM sessions AS x JOIN staff AS s ON s.id = x.staff_id
		WHERE x.token_hash = ? AND x.expires_at > ? AND s.disabled_at IS NULL`, tokenHash, c.t(now))
	sess, err := scanSession(row, &st.ID, &st.Email, &st.Name, &st.Role, &st.PasswordHash, timeCol{&st.CreatedAt},
		nullTimeCol{&st.DisabledAt}, &st.CanReview, &st.Language)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read session: %w", err)
	}
	return &st, sess, nil
}

// Sessions lists a staff member's unexpired sessions, the latest seen first.
func (c conn) Sessions(ctx context.Context, staffID string, now time.Time) ([]*Session, error) {
	rows, err := c.query(ctx, `SELECT `+sessionColumns+` FROM sessions AS x
		WHERE x.staff_id = ? AND x.expires_at > ? ORDER BY x.last_seen_at DESC, x.id`, staffID, c.t(now))
	if err != nil {
		return nil, fmt.Errorf("list sessions of %s: %w", staffID, err)
	}
	defer rows.Close()
	var list []*Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions of %s: %w", staffID, err)
		}
		list = append(list, s)
	}
	return list, rows.Err()
}

// TouchSession records that a session was used at now.
func (t *Tx) TouchSession(ctx context.Context, id string, now time.Time) error {
	if _, err := t.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", t.t(now), id); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (t *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := t.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AllStaff lists every staff member, disabled ones included, by email.
func (c conn) AllStaff(ctx context.Context) ([]*Staff, error) {
	return c.staffList(ctx, "ORDER BY email")
}

// StaffWithRole lists the staff of one role who are not disabled.
func (c conn) StaffWithRole(ctx context.Context, role Role) ([]*Staff, error) {
	return c.staffList(ctx, "WHERE role = ? AND disabled_at IS NULL ORDER BY email", string(role))
}

// staffList reads the staff rows that the rest of a query (WHERE, ORDER
// BY) selects.
func (c conn) staffList(ctx context.Context, rest string, args ...any) ([]*Staff, error) {
	rows, err := c.query(ctx, "SELECT "+staffColumns+" FROM staff "+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	defer rows.Close()
	var list []*Staff
	for rows.Next() {
		s, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		list = append(list, s)
	}
	return list, rows.Err()
}

// SetStaffDisabled disables a staff member, ending their sessions, or
// enables them again.
func (t *Tx) SetStaffDisabled(ctx context.Context, id string, disabled bool, at time.Time) error {
	var err error
	if disabled {
		_, err = t.exec(ctx, "UPDATE staff SET disabled_at = ? WHERE id = ?", t.t(at), id)
		if err == nil {
			_, err = t.exec(ctx, "DELETE FROM sessions WHERE staff_id = ?", id)
		}
	} else {
		_, err = t.exec(ctx, "UPDATE staff SET disabled_at = NULL WHERE id = ?", id)
	}
	if err != nil {
		return fmt.Errorf("set staff %s disabled=%v: %w", id, disabled, err)
	}
	return nil
}

// SetStaffLanguage changes the language a staff member's pages speak.
func (t *Tx) SetStaffLanguage(ctx context.Context, id, language string) error {
	res, err := t.exec(ctx, "UPDATE staff SET language = ? WHERE id = ?", language, id)
	if err != nil {
		return fmt.Errorf("set language of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetStaffRole changes a staff member's role.
func (t *Tx) SetStaffRole(ctx context.Context, id string, role Role) error {
	res, err := t.exec(ctx, "UPDATE staff SET role = ? WHERE id = ?", string(role), id)
	if err != nil {
		return fmt.Errorf("set role of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeSession ends one of a staff member's sessions by its id, and
// reports whether there was such a session.
func (t *Tx) RevokeSession(ctx context.Context, staffID, id string) (bool, error) {
	res, err := t.exec(ctx, "DELETE FROM sessions WHERE staff_id = ? AND id = ?", staffID, id)
	if err != nil {
		return false, fmt.Errorf("revoke session of %s: %w", staffID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RevokeSessions ends every session of a staff member and says how many.
func (t *Tx) RevokeSessions(ctx context.Context, staffID string) (int64, error) {
	res, err := t.exec(ctx, "DELETE FROM sessions WHERE staff_id = ?", staffID)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s: %w", staffID, err)
	}
	return res.RowsAffected()
}
