package console

import (
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// registerAdmin adds the admin area: the live floor for supervisors and
// admins; webhooks, API keys, staff, question templates and the audit log
// for admins.
func (c *Console) registerAdmin(mux web.Router) {
	admin := store.RoleAdmin
	mux.Handle("GET /admin", c.require(c.floorView, store.RoleSupervisor, admin))
	mux.Handle("GET /admin/floor.json", c.require(c.floorJSON, store.RoleSupervisor, admin))
	mux.Handle("GET /admin/api-keys", c.require(c.apiKeys, admin))
	mux.Handle("POST /admin/api-keys", c.require(c.createAPIKey, admin))
	mux.Handle("POST /admin/api-keys/{id}/revoke", c.require(c.revokeAPIKey, admin))
	mux.Handle("GET /admin/staff", c.require(c.staffList, admin))
	mux.Handle("POST /admin/staff", c.require(c.addStaff, admin))
	mux.Handle("POST /admin/staff/{id}/{action}", c.require(c.staffAction, admin))
	mux.Handle("GET /admin/audit", c.require(c.auditLog, admin))
	mux.Handle("GET /admin/policy", c.require(c.policy, admin))
	mux.Handle("POST /admin/policy", c.require(c.savePolicy, admin))
	mux.Handle("GET /admin/questions", c.require(c.questions, admin))
	mux.Handle("POST /admin/questions", c.require(c.addQuestion, admin))
	mux.Handle("POST /admin/questions/{id}/{action}", c.require(c.questionAction, admin))
	mux.Handle("GET /admin/webhooks", c.require(c.webhooks, admin))
	mux.Handle("POST /admin/webhooks", c.require(c.addWebhook, admin))
	mux.Handle("GET /admin/webhooks/{id}", c.require(c.webhookEndpoint, admin))
	mux.Handle("POST /admin/webhooks/{id}/{action}", c.require(c.endpointAction, admin))
	mux.Handle("GET /admin/webhooks/deliveries/{id}", c.require(c.webhookDelivery, admin))
	mux.Handle("POST /admin/webhooks/deliveries/{id}/replay", c.require(c.replayDelivery, admin))
}
