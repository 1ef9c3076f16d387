package console

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// API keys, staff accounts and the audit log, for admins.

type apiKeysPage struct {
	Staff   *store.Staff
	Mailbox bool
	Keys    []*store.APIKey
	Error   string
	Notice  string
	// NewKey is shown once, right after it is created.
	NewKey string
}

func (c *Console) apiKeys(w http.ResponseWriter, r *http.Request) {
	notice := map[string]string{"revoked": "The key is revoked: requests with it are refused within 10 seconds."}[r.URL.Query().Get("notice")]
	c.renderAPIKeys(w, r, http.StatusOK, apiKeysPage{Notice: notice})
}

func (c *Console) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, page apiKeysPage) {
	var err error
	page.Staff, page.Mailbox = signedIn(r.Context()), c.Mailbox
	if page.Keys, err = c.Store.APIKeys(r.Context()); err != nil {
		c.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.Render(w, status, "admin_keys", page)
}

func (c *Console) createAPIKey(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		c.renderAPIKeys(w, r, http.StatusBadRequest, apiKeysPage{Error: "The form could not be read. Please try again."})
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" || len(name) > 100 {
		c.renderAPIKeys(w, r, http.StatusBadRequest, apiKeysPage{Error: "Give the key a name of 1 to 100 characters, such as the service that uses it."})
		return
	}
	var key string
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		key, err = c.Workflow.CreateAPIKey(r.Context(), tx, staffActor(r), name)
		return err
	})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.renderAPIKeys(w, r, http.StatusCreated, apiKeysPage{NewKey: key})
}

func (c *Console) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.RevokeAPIKey(r.Context(), id, c.Now()); err != nil {
			return err
		}
		return tx.Audit(r.Context(), audit.Record{Actor: staffActor(r), Action: "api_key.revoke", Target: id}, c.Now())
	})
	c.afterAction(w, r, err, "/admin/api-keys?notice=revoked")
}

type staffPage struct {
	Staff   *store.Staff
	Mailbox bool
	People  []*store.Staff
	Error   string
	Notice  string
	Form    struct{ Email, Name, Role string }
	// Throttled are the sign-ins held back now: an account from an
	// address, or an address on every account.
	Throttled []throttledSignIn
}

// throttledSignIn is one held-back sign-in as admins read it.
type throttledSignIn struct {
	Email, Address string
	Until          time.Time
}

// Roles lists the roles for the forms.
func (staffPage) Roles() []store.Role {
	return []store.Role{store.RoleAgent, store.RoleSupervisor, store.RoleAdmin}
}

var staffNotices = map[string]string{
	"added":    "The account is ready: share the password with its owner by a safe route.",
	"updated":  "The account is updated.",
	"disabled": "The account is disabled and signed out everywhere.",
	"enabled":  "The account can sign in again.",
}

func (c *Console) staffList(w http.ResponseWriter, r *http.Request) {
	c.renderStaff(w, r, http.StatusOK, staffPage{Notice: staffNotices[r.URL.Query().Get("notice")]})
}

func (c *Console) renderStaff(w http.ResponseWriter, r *http.Request, status int, page staffPage) {
	var err error
	page.Staff, page.Mailbox = signedIn(r.Context()), c.Mailbox
	if page.People, err = c.Store.AllStaff(r.Context()); err != nil {
		c.serverError(w, r, err)
		return
	}
	for _, t := range c.Limiter.Throttled("signin:") {
		email, addr, _ := strings.Cut(strings.TrimPrefix(t.Key, "signin:"), "|")
		page.Throttled = append(page.Throttled, throttledSignIn{Email: email, Address: addr, Until: t.Until})
	}
	for _, t := range c.AddressLimiter.Throttled("ip:") {
		page.Throttled = append(page.Throttled, throttledSignIn{Email: "every account", Address: strings.TrimPrefix(t.Key, "ip:"), Until: t.Until})
	}
	web.Render(w, status, "admin_staff", page)
}

// addStaff creates an account, or resets the password and role of the one
// with the same email.
func (c *Console) addStaff(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.renderStaff(w, r, http.StatusBadRequest, staffPage{Error: "The form could not be read. Please try again."})
		return
	}
	page := staffPage{}
	page.Form.Email, page.Form.Name, page.Form.Role = r.PostForm.Get("email"), r.PostForm.Get("name"), r.PostForm.Get("role")
	password := r.PostForm.Get("password")
	if len(password) < 12 {
		page.Error = "The password must have at least 12 characters."
		c.renderStaff(w, r, http.StatusBadRequest, page)
		return
	}
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := c.Workflow.PutStaff(r.Context(), tx, staffActor(r), page.Form.Email, page.Form.Name, store.Role(page.Form.Role), password)
		return err
	})
	if err != nil {
		// PutStaff's errors describe bad input (email, name, role) in plain words.
		page.Error = "The account was not saved: " + err.Error() + "."
		c.renderStaff(w, r, http.StatusBadRequest, page)
		return
	}
	http.Redirect(w, r, "/admin/staff?notice=added", http.StatusSeeOther)
}

// errSelf refuses an admin locking themselves out.
var errSelf = errors.New("you cannot change your own role or disable yourself: ask another admin")

// staffAction changes another staff member's role, review rights or access.
func (c *Console) staffAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	if id == signedIn(r.Context()).ID {
		http.Error(w, errSelf.Error(), http.StatusConflict)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	notice := "updated"
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		target, err := tx.StaffByID(r.Context(), id)
		if err != nil {
			return err
		}
		details := map[string]string{}
		switch action {
		case "role":
			role := store.Role(r.PostForm.Get("role"))
			if !role.Valid() {
				return store.ErrNotFound
			}
			details["role"] = string(role)
			err = tx.SetStaffRole(r.Context(), id, role)
		case "review":
			on := r.PostForm.Get("can_review") == "on"
			details["can_review"] = map[bool]string{true: "granted", false: "withdrawn"}[on]
			_, err = tx.SetReviewRights(r.Context(), target.Email, on)
		case "disable", "enable":
			notice = action + "d"
			err = tx.SetStaffDisabled(r.Context(), id, action == "disable", c.Now())
		default:
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		return tx.Audit(r.Context(), audit.Record{Actor: staffActor(r), Action: "staff." + action, Target: id, Details: details}, c.Now())
	})
	c.afterAction(w, r, err, "/admin/staff?notice="+notice)
}

type auditPage struct {
	Staff    *store.Staff
	Mailbox  bool
	Entries  []audit.Entry
	Verified bool
	Checked  int64
	Problem  string
}

// auditLog shows the newest entries; ?verify=1 walks the whole chain.
func (c *Console) auditLog(w http.ResponseWriter, r *http.Request) {
	page := auditPage{Staff: signedIn(r.Context()), Mailbox: c.Mailbox}
	var err error
	if page.Entries, err = c.Store.AuditEntries(r.Context(), 200); err != nil {
		c.serverError(w, r, err)
		return
	}
	if r.URL.Query().Get("verify") == "1" {
		page.Verified = true
		page.Checked, err = c.Store.VerifyAudit(r.Context())
		if err != nil {
			page.Problem = err.Error()
		}
		if err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
			return tx.Audit(r.Context(), audit.Record{Actor: staffActor(r), Action: "audit.verify", Target: "audit_log",
				Details: map[string]any{"checked": page.Checked, "intact": page.Problem == ""}}, c.Now())
		}); err != nil {
			c.serverError(w, r, err)
			return
		}
	}
	web.Render(w, http.StatusOK, "admin_audit", page)
}
