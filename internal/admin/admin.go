// Package admin is the admin area: the live floor for supervisors and
// admins; webhooks, API keys, staff accounts and their sessions, the
// policy, question templates and the audit log for admins. Its pages parse
// a form, call a domain method (internal/staff, internal/workflow,
// internal/webhook) and render. Who is signed in, and which roles may open
// a page, is the console's sign-in (Gate).
package admin

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/webhook"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// Gate is the console's sign-in, which the admin pages sit behind.
type Gate interface {
	// Require lets through signed-in staff with one of the roles, and
	// declares the route's rule.
	Require(h http.HandlerFunc, roles ...store.Role) http.Handler
	// SessionRows lists a staff member's sessions for a page.
	SessionRows(r *http.Request, staffID string, revokeAt func(id string) string) ([]console.SessionRow, error)
	// Found answers a failed read of what the path names (404 or 500) and
	// reports whether the handler may go on; ServerError logs and answers 500.
	Found(w http.ResponseWriter, r *http.Request, err error) bool
	ServerError(w http.ResponseWriter, r *http.Request, err error)
	// NotFound answers a path that names nothing with the console's 404
	// page; Refuse answers with its error page, status and sentence.
	NotFound(w http.ResponseWriter, r *http.Request)
	Refuse(w http.ResponseWriter, r *http.Request, st *store.Staff, status int, sentence string)
}

// Admin serves the admin area.
type Admin struct {
	Gate     Gate
	Store    *store.Store
	Workflow *workflow.Workflow
	Staff    *staff.Accounts
	Webhooks *webhook.Endpoints
	// Limiter and AddressLimiter are the console's sign-in limits, whose
	// throttled accounts and addresses the staff page shows.
	Limiter, AddressLimiter *auth.LoginLimiter
	// Mailbox is on when the dev mailbox is served: the navigation links it.
	Mailbox bool
	Now     func() time.Time
	Log     *slog.Logger
}

// Register adds the admin area's routes.
func (c *Admin) Register(mux web.Router) {
	admin := store.RoleAdmin
	mux.Handle("GET /admin", c.Gate.Require(c.floorView, store.RoleSupervisor, admin))
	mux.Handle("GET /admin/floor.json", c.Gate.Require(c.floorJSON, store.RoleSupervisor, admin))
	mux.Handle("GET /admin/api-keys", c.Gate.Require(c.apiKeys, admin))
	mux.Handle("POST /admin/api-keys", c.Gate.Require(c.createAPIKey, admin))
	mux.Handle("POST /admin/api-keys/{id}/revoke", c.Gate.Require(c.revokeAPIKey, admin))
	mux.Handle("GET /admin/staff", c.Gate.Require(c.staffList, admin))
	mux.Handle("POST /admin/staff", c.Gate.Require(c.addStaff, admin))
	mux.Handle("POST /admin/staff/{id}/{action}", c.Gate.Require(c.staffAction, admin))
	mux.Handle("GET /admin/audit", c.Gate.Require(c.auditLog, admin))
	mux.Handle("GET /admin/policy", c.Gate.Require(c.policy, admin))
	mux.Handle("POST /admin/policy", c.Gate.Require(c.savePolicy, admin))
	mux.Handle("GET /admin/questions", c.Gate.Require(c.questions, admin))
	mux.Handle("POST /admin/questions", c.Gate.Require(c.addQuestion, admin))
	mux.Handle("POST /admin/questions/{id}/{action}", c.Gate.Require(c.questionAction, admin))
	mux.Handle("GET /admin/webhooks", c.Gate.Require(c.webhooks, admin))
	mux.Handle("POST /admin/webhooks", c.Gate.Require(c.addWebhook, admin))
	mux.Handle("GET /admin/webhooks/{id}", c.Gate.Require(c.webhookEndpoint, admin))
	mux.Handle("POST /admin/webhooks/{id}/{action}", c.Gate.Require(c.endpointAction, admin))
	mux.Handle("GET /admin/webhooks/deliveries/{id}", c.Gate.Require(c.webhookDelivery, admin))
	mux.Handle("POST /admin/webhooks/deliveries/{id}/replay", c.Gate.Require(c.replayDelivery, admin))
	mux.Handle("GET /admin/staff/sessions", c.Gate.Require(c.chooseStaffSessions, admin))
	mux.Handle("GET /admin/staff/{id}/sessions", c.Gate.Require(c.staffSessions, admin))
	mux.Handle("POST /admin/staff/{id}/sessions/{session}/revoke", c.Gate.Require(c.revokeSession, admin))
	mux.Handle("POST /admin/staff/{id}/sessions/revoke-all", c.Gate.Require(c.revokeAll, admin))
	mux.Handle("POST /admin/staff/{id}/totp/remove", c.Gate.Require(c.removeTOTP, admin))
	// Any other path of the area: the console's 404 page, for admins and
	// supervisors alike (the floor is theirs); sign-in for anyone else.
	mux.Handle("/admin/", c.Gate.Require(c.Gate.NotFound, store.RoleAgent, store.RoleSupervisor, admin))
}

func (c *Admin) found(w http.ResponseWriter, r *http.Request, err error) bool {
	return c.Gate.Found(w, r, err)
}

func (c *Admin) serverError(w http.ResponseWriter, r *http.Request, err error) {
	c.Gate.ServerError(w, r, err)
}
