package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Access says who may use a route. The handlers enforce it (the console's
// role checks, the API's key check, the portal's signed links); this table
// declares it, so that it can be read in one place. Open refuses to start
// when a route is missing from it, and a test walks every route with every
// kind of caller to hold the table and the handlers together.
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

// access is every route's rule, by its ServeMux pattern.
var access = map[string]Access{
	"GET /{$}":                              Public, // a redirect to the sign-in page
	"GET /static/":                          Public,
	"GET /healthz":                          Public,
	"GET /readyz":                           Public,
	"GET /metrics":                          Public, // counts only, no personal data; --metrics-token closes it
	"GET /docs":                             Public,
	"/v1/":                                  Public, // answers unknown API paths with the error envelope
	"GET /login":                            Public,
	"POST /login":                           Public,
	"POST /logout":                          Public, // ends whatever session the cookie names, if any
	"GET /login/code":                       Public, // the second step: its signed ticket cookie is the credential
	"POST /login/code":                      Public,
	"GET /login/oidc":                       Public,
	"GET /login/oidc/callback":              Public, // checked against the signed state cookie
	"GET /p/{code}":                         Public, // the hand-off code in the path is the credential
	"GET /v/{token}":                        Link,
	"POST /v/{token}/queue":                 Link,
	"POST /v/{token}/queue/leave":           Link,
	"GET /v/{token}/ws":                     Link,
	"POST /v/{token}/phone":                 Link,
	"GET /v/{token}/phone/{file}":           Link,
	"POST /v/{token}/appeal":                Link,
	"POST /v/{token}/accommodation":         Link,
	"POST /v/{token}/documents":             Link,
	"POST /v/{token}/documents/{id}/remove": Link,
	"POST /v/{token}/documents/submit":      Link,
	"POST /v/{token}/book":                  Link,
	"POST /v/{token}/book/cancel":           Link,
	"GET /v/{token}/export":                 Link, // everything held about the freelancer (GDPR Art. 15 and 20)

	"GET /agent":                                       Staff,
	"POST /agent/presence":                             Staff,
	"POST /agent/take":                                 Staff,
	"POST /agent/calls/{id}/outcome":                   Staff,
	"POST /agent/calls/{id}/step":                      Staff,
	"POST /agent/calls/{id}/script":                    Staff,
	"POST /agent/calls/{id}/decision":                  Staff,
	"GET /agent/ws":                                    Staff,
	"GET /agent/documents/{id}":                        CaseStaff,
	"GET /agent/document-reviews":                      Staff,
	"GET /agent/document-reviews/{id}":                 Staff,
	"POST /agent/document-reviews/{id}":                Staff,
	"GET /agent/hours":                                 Staff,
	"POST /agent/hours":                                Staff,
	"POST /agent/hours/leave":                          Staff,
	"POST /agent/hours/leave/{id}/delete":              Staff,
	"GET /account/security":                            Staff,
	"POST /account/security/totp/start":                Staff,
	"POST /account/security/totp/confirm":              Staff,
	"POST /account/security/totp/remove":               Staff,
	"POST /account/sessions/{id}/revoke":               Staff,
	"POST /account/sessions/revoke-others":             Staff,
	"GET /agent/reviews":                               Reviewer,
	"GET /agent/reviews/{id}":                          Reviewer,
	"POST /agent/reviews/{id}":                         Reviewer,
	"GET /agent/appeals/{id}":                          Supervisor,
	"POST /agent/appeals/{id}":                         Supervisor,
	"GET /agent/fairness":                              Supervisor,
	"GET /agent/fairness.csv":                          Supervisor,
	"GET /admin":                                       Supervisor,
	"GET /admin/floor.json":                            Supervisor,
	"GET /admin/api-keys":                              Admin,
	"POST /admin/api-keys":                             Admin,
	"POST /admin/api-keys/{id}/revoke":                 Admin,
	"GET /admin/staff":                                 Admin,
	"POST /admin/staff":                                Admin,
	"POST /admin/staff/{id}/{action}":                  Admin,
	"GET /admin/staff/sessions":                        Admin,
	"GET /admin/staff/{id}/sessions":                   Admin,
	"POST /admin/staff/{id}/sessions/{session}/revoke": Admin,
	"POST /admin/staff/{id}/sessions/revoke-all":       Admin,
	"POST /admin/staff/{id}/totp/remove":               Admin,
	"GET /admin/audit":                                 Admin,
	"GET /admin/policy":                                Admin,
	"POST /admin/policy":                               Admin,
	"GET /admin/questions":                             Admin,
	"POST /admin/questions":                            Admin,
	"POST /admin/questions/{id}/{action}":              Admin,
	"GET /admin/webhooks":                              Admin,
	"POST /admin/webhooks":                             Admin,
	"GET /admin/webhooks/{id}":                         Admin,
	"POST /admin/webhooks/{id}/{action}":               Admin,
	"GET /admin/webhooks/deliveries/{id}":              Admin,
	"POST /admin/webhooks/deliveries/{id}/replay":      Admin,
	"GET /dev/mailbox":                                 Admin, // only under demo or --dev-mailbox: mail holds portal links
	"GET /dev/mailbox/{id}":                            Admin,
	"GET /v1/openapi.json":                             Public,
}

// Route is one route the server serves, with its rule.
type Route struct {
	Pattern string
	Access  Access
}

// router records every pattern registered on the mux, so that none can
// be served without a rule in access.
type router struct {
	mux      *http.ServeMux
	patterns []string
}

func (r *router) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.mux.Handle(pattern, h)
}

func (r *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(h))
}

// routes pairs every registered pattern, and every API operation, with its
// rule, and fails for any that has none.
func routes(patterns []string, api []string) ([]Route, error) {
	var list []Route
	var missing []string
	for _, p := range append(slices.Clone(patterns), api...) {
		a, ok := access[p]
		if !ok && strings.Contains(p, " /v1/") {
			a, ok = APIKey, true
		}
		if !ok {
			missing = append(missing, p)
			continue
		}
		list = append(list, Route{Pattern: p, Access: a})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("routes without an authorization rule in internal/server/access.go: %s", strings.Join(missing, ", "))
	}
	return list, nil
}
