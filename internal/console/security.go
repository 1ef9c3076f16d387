package console

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/qrcode"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// totpIssuer names attest in authenticator apps.
const totpIssuer = "attest"

func (c *Console) registerSecurity(mux web.Router) {
	mux.Handle("GET /account/security", c.requireAccount(c.securityPage))
	mux.Handle("POST /account/security/totp/start", c.requireAccount(c.startTOTP))
	mux.Handle("POST /account/security/totp/confirm", c.requireAccount(c.confirmTOTP))
	mux.Handle("POST /account/security/totp/remove", c.requireAccount(c.removeTOTP))
	mux.Handle("POST /account/sessions/{id}/revoke", c.requireAccount(c.revokeOwnSession))
	mux.Handle("POST /account/sessions/revoke-others", c.requireAccount(c.revokeOtherSessions))
	mux.Handle("POST /account/language", c.requireAccount(c.setLanguage))
}

type securityPage struct {
	Staff   *store.Staff
	Mailbox bool
	// Required: the role must use a second factor that is not set up yet.
	Required bool
	Enabled  bool
	// Setup is an enrolment waiting for its first code.
	Setup     *totpSetup
	Recovery  []string // shown once, right after enrolment
	CodesLeft int
	Sessions  []SessionRow
	Notice    string
	Error     string
	// Languages are the choices of the language the pages speak.
	Languages []LanguageChoice
}

// LanguageChoice is one language the console speaks, as a staff member's
// setting offers it: "" is the browser's language.
type LanguageChoice struct {
	Tag, Label string
	Selected   bool
}

// LanguageChoices are the settings a staff member's language may take, in
// lang's words, the current one selected: the browser's language first,
// then each staff catalog.
func LanguageChoices(lang *i18n.Catalog, current string) []LanguageChoice {
	choices := []LanguageChoice{{Tag: "", Label: lang.Text("security.language.browser"), Selected: current == ""}}
	for _, c := range i18n.StaffAll() {
		choices = append(choices, LanguageChoice{Tag: c.Tag, Label: web.Word(lang, "language", c.Tag), Selected: current == c.Tag})
	}
	return choices
}

// setLanguage sets the language the signed-in staff member's pages speak.
func (c *Console) setLanguage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		c.renderSecurity(w, r, securityPage{Error: web.StaffLanguage(r).Text("console.error.form")}, http.StatusBadRequest)
		return
	}
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Staff.SetLanguage(r.Context(), tx, StaffActor(r), SignedIn(r.Context()), r.PostForm.Get("language"))
	})
	var input *staff.InputError
	switch {
	case errors.As(err, &input):
		c.renderSecurity(w, r, securityPage{Error: web.StaffLanguage(r).Text("security.language.unknown")}, http.StatusBadRequest)
	case err != nil:
		c.ServerError(w, r, err)
	default:
		http.Redirect(w, r, "/account/security?notice=language", http.StatusSeeOther)
	}
}

type totpSetup struct {
	Secret string // base32, in groups of four for reading aloud or typing
	URI    string
	QR     template.URL
}

type SessionRow struct {
	*store.Session
	Current   bool
	RevokeURL string
}

func (c *Console) securityPage(w http.ResponseWriter, r *http.Request) {
	page := securityPage{Notice: web.StaffNotice(r, "security")}
	c.renderSecurity(w, r, page, http.StatusOK)
}

// renderSecurity fills in the staff member's second factor and sessions
// and shows the page.
func (c *Console) renderSecurity(w http.ResponseWriter, r *http.Request, page securityPage, status int) {
	ctx := r.Context()
	me := SignedIn(ctx)
	page.Staff, page.Mailbox = me, c.Mailbox
	page.Languages = LanguageChoices(web.StaffLanguage(r), me.Language)
	t, err := c.Store.TOTP(ctx, me.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.ServerError(w, r, err)
		return
	}
	page.Enabled = t.Enabled()
	if page.Required, err = c.mustEnrol(ctx, me); err != nil {
		c.ServerError(w, r, err)
		return
	}
	if t != nil && !t.Enabled() {
		if page.Setup, err = c.setupOf(t, me); err != nil {
			c.ServerError(w, r, err)
			return
		}
	}
	if page.Enabled {
		if page.CodesLeft, err = c.Store.RecoveryCodesLeft(ctx, me.ID); err != nil {
			c.ServerError(w, r, err)
			return
		}
	}
	page.Sessions, err = c.SessionRows(r, me.ID, func(id string) string { return "/account/sessions/" + id + "/revoke" })
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	web.RenderStaff(w, r, status, "security", page)
}

// setupOf shows a pending secret as text, as an otpauth:// URI and as a QR
// code of that URI.
func (c *Console) setupOf(t *store.TOTP, me *store.Staff) (*totpSetup, error) {
	secret, err := c.Staff.TOTPSecret(t)
	if err != nil {
		return nil, err
	}
	encoded := auth.TOTPSecretEncoding.EncodeToString(secret)
	var groups []string
	for i := 0; i < len(encoded); i += 4 {
		groups = append(groups, encoded[i:min(i+4, len(encoded))])
	}
	uri := auth.TOTPURI(totpIssuer, me.Email, secret)
	svg, err := qrcode.SVG(uri, "QR code to scan with your authenticator app", 240)
	if err != nil {
		return nil, err
	}
	return &totpSetup{Secret: strings.Join(groups, " "), URI: uri,
		QR: template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))}, nil
}

// startTOTP makes a new secret for the signed-in staff member to scan. It
// is not asked for at sign-in until a first code confirms it.
func (c *Console) startTOTP(w http.ResponseWriter, r *http.Request) {
	me := SignedIn(r.Context())
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Staff.StartTOTP(r.Context(), tx, me.ID) })
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/security#two-step", http.StatusSeeOther)
}

// confirmTOTP turns the pending secret on once the staff member proves
// their app makes its codes, and shows their recovery codes, once.
func (c *Console) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := SignedIn(ctx)
	var codes []string
	err := c.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		codes, err = c.Staff.ConfirmTOTP(ctx, tx, me.ID, r.PostFormValue("code"))
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound): // nothing pending, or confirmed already
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
	case errors.Is(err, staff.ErrBadCode):
		c.renderSecurity(w, r, securityPage{Error: web.StaffLanguage(r).Text("security.error.code_mismatch")},
			http.StatusUnprocessableEntity)
	case err != nil:
		c.ServerError(w, r, err)
	default:
		c.renderSecurity(w, r, securityPage{Recovery: codes}, http.StatusOK)
	}
}

// removeTOTP turns the second factor off. It asks for a current code (or a
// recovery code) so that a browser left signed in is not enough.
func (c *Console) removeTOTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := SignedIn(ctx)
	ip := c.clientIP(r)
	if wait, ok := c.mayTry("code:"+me.ID, ip); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		c.renderSecurity(w, r, securityPage{Error: tooManyAttempts(r, wait)},
			http.StatusTooManyRequests)
		return
	}
	_, _, err := c.checkSecondFactor(ctx, me.ID, strings.TrimSpace(r.PostFormValue("code")))
	if errors.Is(err, errBadCredentials) {
		c.failed("code:"+me.ID, ip)
		c.renderSecurity(w, r, securityPage{Error: web.StaffLanguage(r).Text("security.error.code_off")},
			http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	if err := c.removeSecondFactor(r, me.ID); err != nil {
		c.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/security?notice=removed", http.StatusSeeOther)
}

// removeSecondFactor turns off a staff member's second factor, as the
// signed-in staff member.
func (c *Console) removeSecondFactor(r *http.Request, staffID string) error {
	return c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Staff.RemoveTOTP(r.Context(), tx, StaffActor(r), staffID)
	})
}

// SessionRows lists a staff member's sessions for a page; revokeAt is
// where a session's sign-out button posts, by session id. The admin area
// shows anyone's with it.
func (c *Console) SessionRows(r *http.Request, staffID string, revokeAt func(id string) string) ([]SessionRow, error) {
	list, err := c.Store.Sessions(r.Context(), staffID, c.Now())
	if err != nil {
		return nil, err
	}
	current := currentSession(r.Context())
	rows := make([]SessionRow, len(list))
	for i, s := range list {
		rows[i] = SessionRow{Session: s, Current: s.ID == current.ID, RevokeURL: revokeAt(s.ID)}
	}
	return rows, nil
}

func (c *Console) revokeOwnSession(w http.ResponseWriter, r *http.Request) {
	me := SignedIn(r.Context())
	if err := c.revoke(r, me.ID, r.PathValue("id")); err != nil {
		c.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/security?notice=revoked#sessions", http.StatusSeeOther)
}

// revokeOtherSessions signs the staff member out everywhere but here: what
// to do after signing in on a shared computer, or losing a laptop.
func (c *Console) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	me := SignedIn(r.Context())
	list, err := c.Store.Sessions(r.Context(), me.ID, c.Now())
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	for _, s := range list {
		if s.ID == currentSession(r.Context()).ID {
			continue
		}
		if err := c.revoke(r, me.ID, s.ID); err != nil {
			c.ServerError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/account/security?notice=others#sessions", http.StatusSeeOther)
}

// revoke ends one session of a staff member, as the signed-in staff
// member. The session row is what require looks up, so the next request
// with its cookie is signed out.
func (c *Console) revoke(r *http.Request, staffID, sessionID string) error {
	return c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Staff.RevokeSession(r.Context(), tx, StaffActor(r), staffID, sessionID)
	})
}
