package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/attest-dev/attest/internal/audit"
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
	Sessions []sessionRow
	TOTP     bool
	Notice   string
}

var staffSessionNotices = map[string]string{
	"revoked": "That session is signed out.",
	"all":     "Every session is signed out.",
	"totp":    "Two-step sign-in is off; they will be asked to set it up again if their role requires it.",
}

func (c *Console) staffSessions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	page := staffSessionsPage{Staff: signedIn(ctx), Mailbox: c.Mailbox, Editing: who,
		Notice: staffSessionNotices[r.URL.Query().Get("notice")]}
	var err error
	if page.Everyone, err = c.Store.ActiveStaff(ctx); err != nil {
		c.serverError(w, r, err)
		return
	}
	page.Sessions, err = c.sessionRows(r, who.ID, func(id string) string {
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
	web.Render(w, http.StatusOK, "staff_sessions", page)
}

// chooseStaffSessions answers the page's "whose sessions" form.
func (c *Console) chooseStaffSessions(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/staff/"+url.PathEscape(r.URL.Query().Get("staff"))+"/sessions", http.StatusSeeOther)
}

// staffOf is the staff member named in the path, or a 404 already written.
func (c *Console) staffOf(w http.ResponseWriter, r *http.Request) (*store.Staff, bool) {
	who, err := c.Store.StaffByID(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "No such staff member.", http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		c.serverError(w, r, err)
		return nil, false
	}
	return who, true
}

func (c *Console) adminRevokeSession(w http.ResponseWriter, r *http.Request) {
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	if err := c.revoke(r, who.ID, r.PathValue("session"), "staff:"+signedIn(r.Context()).ID); err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+who.ID+"/sessions?notice=revoked", http.StatusSeeOther)
}

// adminRevokeAll signs a staff member out everywhere, as when they leave
// or a laptop is stolen.
func (c *Console) adminRevokeAll(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	err := c.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.RevokeSessions(ctx, who.ID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Actor: "staff:" + signedIn(ctx).ID, Action: "staff.sessions_revoked", Target: who.ID,
			Details: map[string]string{"count": strconv.FormatInt(n, 10)}}, c.Now())
	})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+who.ID+"/sessions?notice=all", http.StatusSeeOther)
}

// adminRemoveTOTP turns off a staff member's second factor, for one who
// lost both their phone and their recovery codes.
func (c *Console) adminRemoveTOTP(w http.ResponseWriter, r *http.Request) {
	who, ok := c.staffOf(w, r)
	if !ok {
		return
	}
	if err := c.deleteTOTP(r, who.ID, "staff:"+signedIn(r.Context()).ID); err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+who.ID+"/sessions?notice=totp", http.StatusSeeOther)
}
