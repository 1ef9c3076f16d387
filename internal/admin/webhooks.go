package admin

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/webhook"
	"github.com/attest-dev/attest/web"
)

// The admin's view of webhooks: endpoints, the delivery log with every
// attempt, and the controls to enable, disable and replay.

type webhooksPage struct {
	Staff   *store.Staff
	Mailbox bool
	Notice  string
	Error   string
	// Problems are beside the part of the add form they concern: "url",
	// "events", "description", or "form" (the form as a whole).
	Problems   map[string]string
	Endpoints  []*store.WebhookEndpoint
	Recent     []*store.WebhookDelivery
	EventTypes []verification.EventType
	Form       webhook.NewEndpoint
	// Created is set once, on the page after an endpoint is added: the
	// only time its secret is shown.
	Created *createdEndpoint
}

type createdEndpoint struct {
	Endpoint *store.WebhookEndpoint
	Secret   string
}

func (c *Admin) webhooks(w http.ResponseWriter, r *http.Request) {
	c.renderWebhooks(w, r, http.StatusOK, webhooksPage{Notice: web.StaffNotice(r, "webhooks")})
}

func (c *Admin) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, page webhooksPage) {
	var err error
	page.Staff, page.Mailbox, page.EventTypes = console.SignedIn(r.Context()), c.Mailbox, verification.EventTypes
	if page.Endpoints, err = c.Store.WebhookEndpoints(r.Context(), "", webhook.MaxEndpoints); err != nil {
		c.serverError(w, r, err)
		return
	}
	if page.Recent, err = c.Store.WebhookDeliveries(r.Context(), store.DeliveryFilter{
		Status: store.DeliveryStatus(r.URL.Query().Get("status")), Limit: 50}); err != nil {
		c.serverError(w, r, err)
		return
	}
	web.RenderStaff(w, r, status, "admin_webhooks", page)
}

// endpointPart is the part of the add form a refused field belongs to:
// "url", "events" (any of its entries), "description", or "form".
func endpointPart(field string) string {
	name, _, _ := strings.Cut(field, "[")
	switch name {
	case "url", "events", "description":
		return name
	}
	return "form"
}

// addWebhook adds an endpoint from the admin area, as the API does.
func (c *Admin) addWebhook(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.renderWebhooks(w, r, http.StatusBadRequest, webhooksPage{Error: web.StaffLanguage(r).Text("console.error.form")})
		return
	}
	form := webhook.NewEndpoint{URL: r.PostForm.Get("url"), Events: r.PostForm["events"], Description: r.PostForm.Get("description")}
	if slices.Contains(form.Events, store.EveryEventType) {
		// The form's "every event type" box overrides the ticks below it,
		// which a fresh form has all set; the API refuses such a mix.
		form.Events = []string{store.EveryEventType}
	}
	fail := func(err error) {
		var field *verification.FieldError
		var rule *verification.RuleError
		switch {
		case errors.As(err, &field):
			c.renderWebhooks(w, r, http.StatusBadRequest, webhooksPage{Form: form,
				Problems: map[string]string{endpointPart(field.Field): console.FieldProblem(web.StaffLanguage(r), field, nil)}})
		case errors.As(err, &rule):
			c.renderWebhooks(w, r, http.StatusUnprocessableEntity, webhooksPage{Form: form,
				Problems: map[string]string{endpointPart(rule.Field): console.Refusal(web.StaffLanguage(r), rule, nil)}})
		default:
			c.serverError(w, r, err)
		}
	}
	if err := c.Webhooks.Check(r.Context(), form); err != nil {
		fail(err)
		return
	}
	var created createdEndpoint
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		created.Endpoint, created.Secret, err = c.Webhooks.Create(r.Context(), tx, console.StaffActor(r), form)
		return err
	})
	if err != nil {
		fail(err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // the page holds the secret
	c.renderWebhooks(w, r, http.StatusCreated, webhooksPage{Created: &created})
}

type endpointPage struct {
	Staff      *store.Staff
	Mailbox    bool
	Notice     string
	Endpoint   *store.WebhookEndpoint
	Deliveries []*store.WebhookDelivery
	// Counts holds the whole log's deliveries by status.
	Counts map[store.DeliveryStatus]int
	// Undone counts what a replay of everything undelivered sends:
	// failed, canceled and skipped deliveries.
	Undone int
	// Skipped lists the newest skipped deliveries, in the events' order:
	// events that arrived while the endpoint was disabled.
	Skipped []*store.WebhookDelivery
}

// Count is how many of the endpoint's deliveries have the status.
func (p endpointPage) Count(status store.DeliveryStatus) int { return p.Counts[status] }

// skippedShown is how many skipped deliveries the endpoint's page lists.
const skippedShown = 50

func (c *Admin) webhookEndpoint(w http.ResponseWriter, r *http.Request) {
	ep, err := c.Store.WebhookEndpoint(r.Context(), r.PathValue("id"))
	if !c.found(w, r, err) {
		return
	}
	page := endpointPage{Staff: console.SignedIn(r.Context()), Mailbox: c.Mailbox, Endpoint: ep, Counts: map[store.DeliveryStatus]int{},
		Notice: web.StaffNotice(r, "webhooks")}
	if n := r.URL.Query().Get("replayed"); n != "" {
		if count, err := strconv.Atoi(n); err == nil {
			page.Notice = strconv.Itoa(count) + " deliveries are on their way again."
		}
	}
	page.Deliveries, err = c.Store.WebhookDeliveries(r.Context(), store.DeliveryFilter{EndpointID: ep.ID, Limit: 100})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	if page.Counts, err = c.Store.CountWebhookDeliveries(r.Context(), ep.ID); err != nil {
		c.serverError(w, r, err)
		return
	}
	for _, status := range store.UndeliveredStatuses {
		page.Undone += page.Counts[status]
	}
	if page.Counts[store.DeliverySkipped] > 0 {
		page.Skipped, err = c.Store.WebhookDeliveries(r.Context(), store.DeliveryFilter{EndpointID: ep.ID,
			Status: store.DeliverySkipped, Limit: skippedShown})
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		slices.SortFunc(page.Skipped, func(a, b *store.WebhookDelivery) int { return cmp.Compare(a.EventSeq, b.EventSeq) })
	}
	names, err := c.staffNames(r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	ep.DisabledReason = disabledWords(web.StaffLanguage(r), ep.DisabledReason, names)
	for _, d := range page.Skipped {
		d.SkippedReason = skippedWords(web.StaffLanguage(r), d.SkippedReason, names)
	}
	web.RenderStaff(w, r, http.StatusOK, "admin_webhook", page)
}

// endpointAction enables, disables, deletes or replays an endpoint.
func (c *Admin) endpointAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	redirect := "/admin/webhooks/" + id + "?notice=" + action + "d"
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		switch action {
		case "enable":
			return c.Webhooks.SetEnabled(r.Context(), tx, console.StaffActor(r), id, true)
		case "disable":
			return c.Webhooks.SetEnabled(r.Context(), tx, console.StaffActor(r), id, false)
		case "delete":
			redirect = "/admin/webhooks?notice=deleted"
			return c.Webhooks.Delete(r.Context(), tx, console.StaffActor(r), id)
		case "replay":
			n, err := c.Webhooks.ReplayUndelivered(r.Context(), tx, console.StaffActor(r), id)
			redirect = "/admin/webhooks/" + id + "?replayed=" + strconv.Itoa(n)
			return err
		}
		return store.ErrNotFound
	})
	c.afterAction(w, r, err, redirect)
}

type deliveryPage struct {
	Staff    *store.Staff
	Mailbox  bool
	Notice   string
	Delivery *store.WebhookDelivery
	Endpoint *store.WebhookEndpoint
	Attempts []*store.WebhookAttempt
	Event    *store.Event
}

func (c *Admin) webhookDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := c.Store.WebhookDelivery(r.Context(), r.PathValue("id"))
	if !c.found(w, r, err) {
		return
	}
	page := deliveryPage{Staff: console.SignedIn(r.Context()), Mailbox: c.Mailbox, Delivery: d,
		Notice: web.StaffNotice(r, "webhooks")}
	if page.Endpoint, err = c.Store.WebhookEndpoint(r.Context(), d.EndpointID); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.serverError(w, r, err)
		return
	}
	if page.Attempts, err = c.Store.WebhookAttempts(r.Context(), d.ID); err != nil {
		c.serverError(w, r, err)
		return
	}
	if page.Event, err = c.Store.Event(r.Context(), d.EventSeq); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.serverError(w, r, err)
		return
	}
	names, err := c.staffNames(r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	d.SkippedReason = skippedWords(web.StaffLanguage(r), d.SkippedReason, names)
	web.RenderStaff(w, r, http.StatusOK, "admin_delivery", page)
}

func (c *Admin) replayDelivery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Webhooks.Replay(r.Context(), tx, console.StaffActor(r), id)
	})
	c.afterAction(w, r, err, "/admin/webhooks/deliveries/"+id+"?notice=replayed")
}

// afterAction redirects after a successful admin action, or explains why
// it could not be done.
func (c *Admin) afterAction(w http.ResponseWriter, r *http.Request, err error, redirect string) {
	var rule *verification.RuleError
	switch {
	case err == nil:
		http.Redirect(w, r, redirect, http.StatusSeeOther)
	case errors.As(err, &rule):
		c.Gate.Refuse(w, r, console.SignedIn(r.Context()), http.StatusConflict, console.Refusal(web.StaffLanguage(r), rule, nil))
	default:
		c.found(w, r, err)
	}
}

// Wants reports whether the add form has an event type, or "*" for every
// type, ticked: every named type on a fresh form, what was sent on a
// refused one.
func (p webhooksPage) Wants(t verification.EventType) bool {
	if p.Form.URL == "" && len(p.Form.Events) == 0 {
		return t != store.EveryEventType
	}
	for _, e := range p.Form.Events {
		if e == string(t) {
			return true
		}
	}
	return false
}
