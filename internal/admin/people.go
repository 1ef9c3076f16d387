package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/staff"
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
	// Name is the name typed for a new key, kept when it is refused.
	Name string
	// NewKey is shown once, right after it is created.
	NewKey string
}

func (c *Admin) apiKeys(w http.ResponseWriter, r *http.Request) {
	notice := web.StaffNotice(r, "api_keys")
	c.renderAPIKeys(w, r, http.StatusOK, apiKeysPage{Notice: notice})
}

func (c *Admin) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, page apiKeysPage) {
	var err error
	page.Staff, page.Mailbox = console.SignedIn(r.Context()), c.Mailbox
	if page.Keys, err = c.Store.APIKeys(r.Context()); err != nil {
		c.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.RenderStaff(w, r, status, "admin_keys", page)
}

func (c *Admin) createAPIKey(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		c.renderAPIKeys(w, r, http.StatusBadRequest, apiKeysPage{Error: web.StaffLanguage(r).Text("console.error.form")})
		return
	}
	var key string
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		key, err = c.Staff.CreateAPIKey(r.Context(), tx, console.StaffActor(r), r.PostForm.Get("name"))
		return err
	})
	var bad *staff.InputError
	if errors.As(err, &bad) {
		c.renderAPIKeys(w, r, http.StatusBadRequest, apiKeysPage{Error: inputProblem(web.StaffLanguage(r), bad), Name: r.PostForm.Get("name")})
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.renderAPIKeys(w, r, http.StatusCreated, apiKeysPage{NewKey: key})
}

func (c *Admin) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Staff.RevokeAPIKey(r.Context(), tx, console.StaffActor(r), id) })
	c.afterAction(w, r, err, "/admin/api-keys?notice=revoked")
}

type staffPage struct {
	Staff   *store.Staff
	Mailbox bool
	People  []*store.Staff
	// Error is about the add form as a whole; Problems are beside the
	// field they concern ("email", "name", "role", "password").
	Error    string
	Problems map[string]string
	Notice   string
	// Refused says why a change to an account in the list was not made,
	// shown above the list; RefusedCode and RefusedField are the refused
	// input's code and field, for scripts and tests.
	Refused                   string
	RefusedCode, RefusedField string
	Form                      struct{ Email, Name, Role string }
	// Throttled are the sign-ins held back now: an account from an
	// address, or an address on every account.
	Throttled []throttledSignIn
	lang      *i18n.Catalog
}

// throttledSignIn is one held-back sign-in as admins read it.
type throttledSignIn struct {
	Email, Address string
	Until          time.Time
}

// Languages are the language settings a staff member's form offers, the
// person's own selected, in the page's language.
func (p staffPage) Languages(person *store.Staff) []console.LanguageChoice {
	return console.LanguageChoices(p.lang, person.Language)
}

// Roles lists the roles for the forms.
func (staffPage) Roles() []store.Role {
	return []store.Role{store.RoleAgent, store.RoleSupervisor, store.RoleAdmin}
}

func (c *Admin) staffList(w http.ResponseWriter, r *http.Request) {
	c.renderStaff(w, r, http.StatusOK, staffPage{Notice: web.StaffNotice(r, "staff")})
}

func (c *Admin) renderStaff(w http.ResponseWriter, r *http.Request, status int, page staffPage) {
	var err error
	page.Staff, page.Mailbox, page.lang = console.SignedIn(r.Context()), c.Mailbox, web.StaffLanguage(r)
	if page.People, err = c.Store.AllStaff(r.Context()); err != nil {
		c.serverError(w, r, err)
		return
	}
	for _, t := range c.Limiter.Throttled("signin:") {
		email, addr, _ := strings.Cut(strings.TrimPrefix(t.Key, "signin:"), "|")
		page.Throttled = append(page.Throttled, throttledSignIn{Email: email, Address: addr, Until: t.Until})
	}
	for _, t := range c.AddressLimiter.Throttled("ip:") {
		page.Throttled = append(page.Throttled, throttledSignIn{Email: web.StaffLanguage(r).Text("admin.every_account"), Address: strings.TrimPrefix(t.Key, "ip:"), Until: t.Until})
	}
	web.RenderStaff(w, r, status, "admin_staff", page)
}

// addStaff creates an account, or resets the password and role of the one
// with the same email.
func (c *Admin) addStaff(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.renderStaff(w, r, http.StatusBadRequest, staffPage{Error: web.StaffLanguage(r).Text("console.error.form")})
		return
	}
	page := staffPage{}
	page.Form.Email, page.Form.Name, page.Form.Role = r.PostForm.Get("email"), r.PostForm.Get("name"), r.PostForm.Get("role")
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := c.Staff.Put(r.Context(), tx, console.StaffActor(r), page.Form.Email, page.Form.Name, store.Role(page.Form.Role), r.PostForm.Get("password"))
		return err
	})
	var bad *staff.InputError
	if errors.As(err, &bad) {
		page.Problems = map[string]string{bad.Field: inputProblem(web.StaffLanguage(r), bad)}
		c.renderStaff(w, r, http.StatusBadRequest, page)
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff?notice=added", http.StatusSeeOther)
}

// staffAction changes another staff member's role, review rights or access.
func (c *Admin) staffAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	if err := r.ParseForm(); err != nil {
		c.renderStaff(w, r, http.StatusBadRequest, staffPage{Refused: web.StaffLanguage(r).Text("console.error.form")})
		return
	}
	notice := "updated"
	var target *store.Staff
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if target, err = tx.StaffByID(r.Context(), id); err != nil {
			return err
		}
		switch action {
		case "role":
			return c.Staff.SetRole(r.Context(), tx, console.StaffActor(r), target, store.Role(r.PostForm.Get("role")))
		case "language":
			return c.Staff.SetLanguage(r.Context(), tx, console.StaffActor(r), target, r.PostForm.Get("language"))
		case "review":
			return c.Staff.SetReviewRights(r.Context(), tx, console.StaffActor(r), target, r.PostForm.Get("can_review") == "on")
		case "disable", "enable":
			notice = action + "d"
			return c.Staff.SetDisabled(r.Context(), tx, console.StaffActor(r), target, action == "disable")
		}
		return store.ErrNotFound
	})
	var bad *staff.InputError
	switch {
	case errors.Is(err, staff.ErrSelf):
		c.renderStaff(w, r, http.StatusConflict, staffPage{Refused: web.StaffLanguage(r).Text("admin.error.self")})
	case errors.As(err, &bad):
		c.renderStaff(w, r, http.StatusBadRequest, staffPage{RefusedCode: bad.Code, RefusedField: bad.Field,
			Refused: web.StaffLanguage(r).Text("admin.error.not_changed", "name", target.Name, "why", web.LowerFirst(inputProblem(web.StaffLanguage(r), bad)))})
	default:
		c.afterAction(w, r, err, "/admin/staff?notice="+notice)
	}
}

type auditPage struct {
	Staff    *store.Staff
	Mailbox  bool
	Entries  []audit.Entry
	Names    map[string]string // staff actors by name and role
	Verified bool
	Checked  int // entries found intact, for a plural message
	Problem  string
}

// auditLog shows the newest entries; ?verify=1 walks the whole chain.
func (c *Admin) auditLog(w http.ResponseWriter, r *http.Request) {
	page := auditPage{Staff: console.SignedIn(r.Context()), Mailbox: c.Mailbox}
	var err error
	if page.Entries, err = c.Store.AuditEntries(r.Context(), 200); err != nil {
		c.serverError(w, r, err)
		return
	}
	if page.Names, err = c.staffNames(r); err != nil {
		c.serverError(w, r, err)
		return
	}
	if r.URL.Query().Get("verify") == "1" {
		page.Verified = true
		checked, broken, err := c.Workflow.VerifyAudit(r.Context(), console.StaffActor(r))
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		page.Checked = int(checked)
		if broken != nil {
			page.Problem = brokenWords(web.StaffLanguage(r), broken)
		}
	}
	web.RenderStaff(w, r, http.StatusOK, "admin_audit", page)
}

// brokenWords says where and why the audit chain broke, in lang.
func brokenWords(lang *i18n.Catalog, broken error) string {
	var b *audit.BrokenError
	if !errors.As(broken, &b) || !lang.Base().Has("admin_audit.broken."+b.Code) {
		return broken.Error()
	}
	return lang.Text("admin_audit.broken."+b.Code, "seq", b.Seq, "other", b.Other, "last", b.Seq-1)
}

// inputProblem is the sentence, in lang, for a value an account could not
// take: the staff catalogs' "admin.problem." and staff.InputError's code.
func inputProblem(lang *i18n.Catalog, e *staff.InputError) string {
	if key := "admin.problem." + e.Code; lang.Base().Has(key) {
		return lang.Text(key)
	}
	return web.Sentence(e.Message)
}
