package console

import (
	"fmt"
	"net/http"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// errorPage is a staff error page: the layout with the navigation, a
// heading, the sentence and a way back.
type errorPage struct {
	Staff     *store.Staff
	Mailbox   bool
	Status    int
	Heading   string
	Sentence  string
	Back      string
	BackLabel string
}

// The headings of staff error pages are the staff catalogs'
// "error.heading." and the status code.

// Refuse answers a staff request with a rendered error page and its status.
// The staff member, if known, gets the navigation.
func (c *Console) Refuse(w http.ResponseWriter, r *http.Request, st *store.Staff, status int, sentence string) {
	lang := web.StaffLanguage(r)
	page := errorPage{Staff: st, Mailbox: c.Mailbox, Status: status, Sentence: sentence,
		Back: "/agent", BackLabel: lang.Text("error.back")}
	if key := fmt.Sprintf("error.heading.%d", status); lang.Base().Has(key) {
		page.Heading = lang.Text(key)
	} else {
		page.Heading = http.StatusText(status)
	}
	if st == nil {
		page.Back, page.BackLabel = "/login", lang.Text("login.sign")
	}
	web.RenderStaff(w, r, status, "agent_error", page)
}

// signedInOrNil is the staff member of a request that passed the guard, or nil.
func signedInOrNil(r *http.Request) *store.Staff {
	st, _ := r.Context().Value(staffKey{}).(*store.Staff)
	return st
}

// NotFound answers a staff path that names nothing.
func (c *Console) NotFound(w http.ResponseWriter, r *http.Request) {
	c.Refuse(w, r, signedInOrNil(r), http.StatusNotFound, web.StaffLanguage(r).Text("console.error.not_found"))
}

// forbidden answers a signed-in staff member whose role may not open the page.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, st *store.Staff) {
	c.Refuse(w, r, st, http.StatusForbidden, web.StaffLanguage(r).Text("console.error.forbidden"))
}
