package admin

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// staffSessionsPage is an admin's view of one staff member's sessions and
// second factor.
type staffSessionsPage struct {
	Staff    *store.Staff
	Mailbox  bool
	Editing  *store.Staff
	Everyone []*store.Staff
	Sessions []console.SessionRow
	TOTP     bool
	Notice   string
}

func (c *Admin) staffSessions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	page := staffSessionsPage{Staff: console.SignedIn(ctx), Mailbox: c.Mailbox, Editing: who,
		Notice: web.StaffNotice(r, "staff_sessions")}
	var err error
	if page.Everyone, err = c.Store.ActiveStaff(ctx); err != nil {
		c.serverError(w, r, err)
		return
	}
	page.Sessions, err = c.Gate.SessionRows(r, who.ID, func(id string) string {
		return "/admin/staff/" + who.ID + "/sessions/" + id + "/revoke"
	})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	t, err := c.Store.TOTP(ctx, who.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.serverError(w, r, err)
		return
	}
	page.TOTP = t.Enabled()
	web.RenderStaff(w, r, http.StatusOK, "staff_sessions", page)
}

// chooseStaffSessions answers the page's "whose sessions" form.
// Without a choice it goes back to the staff page: "/admin/staff//sessions"
// would be cleaned to this very path, a redirect loop.
func (c *Admin) chooseStaffSessions(w http.ResponseWriter, r *http.Request) {
	who := r.URL.Query().Get("staff")
	if who == "" {
		http.Redirect(w, r, "/admin/staff", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+url.PathEscape(who)+"/sessions", http.StatusSeeOther)
}

// staffOf is the staff member named in the path, or a 404 already written.
func (c *Admin) staffOf(w http.ResponseWriter, r *http.Request) (*store.Staff, bool) {
	who, err := c.Store.StaffByID(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		c.Gate.NotFound(w, r)
		return nil, false
	}
	if err != nil {
		c.serverError(w, r, err)
		return nil, false
	}
	return who, true
}

func (c *Admin) revokeSession(w http.ResponseWriter, r *http.Request) {
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Staff.RevokeSession(r.Context(), tx, console.StaffActor(r), who.ID, r.PathValue("session"))
	})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+who.ID+"/sessions?notice=revoked", http.StatusSeeOther)
}

// revokeAll signs a staff member out everywhere, as when they leave
// or a laptop is stolen.
func (c *Admin) revokeAll(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	err := c.Store.InTx(ctx, func(tx *store.Tx) error { return c.Staff.RevokeSessions(ctx, tx, console.StaffActor(r), who.ID) })
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+who.ID+"/sessions?notice=all", http.StatusSeeOther)
}

// removeTOTP turns off a staff member's second factor, for one who
// lost both their phone and their recovery codes.
func (c *Admin) removeTOTP(w http.ResponseWriter, r *http.Request) {
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Staff.RemoveTOTP(r.Context(), tx, console.StaffActor(r), who.ID) })
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+who.ID+"/sessions?notice=totp", http.StatusSeeOther)
}
