package web

import "net/http"

// Access says who may use a route. It is declared where the route is
// registered, by the handler itself (Allow, or the console's role checks
// that call it); the handlers enforce it (the console's role checks, the
// API's key check, the portal's signed links). The server refuses to start
// with a route that declares none, and a test walks every route with every
// kind of caller to hold the declarations and the handlers together.
type Access string

const (
	// Public routes hold nobody's data: sign-in, health, the API reference.
	Public Access = "public"
	// Link routes are the freelancer's: the signed portal token in the path
	// is the credential.
	Link Access = "link"
	// Staff routes take any signed-in staff member.
	Staff Access = "staff"
	// CaseStaff routes take staff working on the case the path names (its
	// agent, reviewer or appeal decider); others are refused.
	CaseStaff Access = "case_staff"
	// Reviewer routes take supervisors, admins and agents granted review rights.
	Reviewer Access = "reviewer"
	// Supervisor routes take supervisors and admins.
	Supervisor Access = "supervisor"
	// Admin routes take admins only.
	Admin Access = "admin"
	// APIKey routes take the marketplace's API key.
	APIKey Access = "api_key"
)

// Router is where the portal, the console and the server register their
// routes. Each handler declares who may use it (see Allow); the server's
// router records the declaration with the pattern.
type Router interface {
	Handle(pattern string, h http.Handler)
}

// ruled is a handler with the rule of who may use it.
type ruled struct {
	http.Handler
	access Access
}

// Allow returns h declaring that a may use it. It checks nothing itself:
// the handler does (or, for Public, nothing needs to).
func Allow(a Access, h http.Handler) http.Handler {
	if r, ok := h.(ruled); ok {
		h = r.Handler // the outer declaration is the route's: CaseStaff around a staff check
	}
	return ruled{Handler: h, access: a}
}

// AllowFunc is Allow for a handler function.
func AllowFunc(a Access, h func(http.ResponseWriter, *http.Request)) http.Handler {
	return Allow(a, http.HandlerFunc(h))
}

// AccessOf returns the rule a handler declares, if it declares one.
func AccessOf(h http.Handler) (Access, bool) {
	r, ok := h.(ruled)
	return r.access, ok
}
