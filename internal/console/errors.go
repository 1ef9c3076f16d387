package console

import (
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

var errorHeadings = map[int]string{
	http.StatusBadRequest:          "That could not be read",
	http.StatusForbidden:           "Not for your role",
	http.StatusConflict:            "That cannot be done now",
	http.StatusUnprocessableEntity: "That cannot be done",
	http.StatusNotFound:            "Not found",
	http.StatusInternalServerError: "Something went wrong",
}

// Refuse answers a staff request with a rendered error page and its status.
// The staff member, if known, gets the navigation.
func (c *Console) Refuse(w http.ResponseWriter, r *http.Request, st *store.Staff, status int, sentence string) {
	page := errorPage{Staff: st, Mailbox: c.Mailbox, Status: status, Heading: errorHeadings[status], Sentence: sentence,
		Back: "/agent", BackLabel: "Back to the live queue"}
	if page.Heading == "" {
		page.Heading = http.StatusText(status)
	}
	if st == nil {
		page.Back, page.BackLabel = "/login", "Sign in"
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
	c.Refuse(w, r, signedInOrNil(r), http.StatusNotFound, "There is nothing at this address: it may have been removed, or the link is wrong.")
}

// forbidden answers a signed-in staff member whose role may not open the page.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, st *store.Staff) {
	c.Refuse(w, r, st, http.StatusForbidden, "Your role may not open this page.")
}
