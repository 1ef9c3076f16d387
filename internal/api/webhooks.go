package api

import (
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/webhook"
)

// endpointView is a webhook endpoint as the API shows it. Secret is set
// only in the answer to its creation.
type endpointView struct {
	ID             string               `json:"id"`
	URL            string               `json:"url"`
	Events         []string             `json:"events"`
	Description    string               `json:"description"`
	Status         store.EndpointStatus `json:"status"`
	DisabledReason *string              `json:"disabled_reason"`
	CreatedAt      time.Time            `json:"created_at"`
	// PreviousSecretExpiresAt is set while a rotated-out secret still signs.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	Secret                  string     `json:"secret,omitempty"`
}

func viewEndpoint(ep *store.WebhookEndpoint, now time.Time) endpointView {
	v := endpointView{ID: ep.ID, URL: ep.URL, Events: ep.Events, Description: ep.Description, Status: ep.Status,
		CreatedAt: ep.CreatedAt}
	if ep.Status == store.EndpointDisabled {
		v.DisabledReason = &ep.DisabledReason
	}
	if ep.Previous != nil && ep.PreviousUntil != nil && now.Before(*ep.PreviousUntil) {
		v.PreviousSecretExpiresAt = ep.PreviousUntil
	}
	return v
}

// checkEndpointTarget resolves the new endpoint's host before the
// transaction: a DNS lookup must not hold the database's write lock.
func (s *Server) checkEndpointTarget(r *http.Request, body []byte) error {
	in, err := decodeEndpoint(body)
	if err != nil {
		return err
	}
	return s.Webhooks.Check(r.Context(), in)
}

// decodeEndpoint reads a new endpoint. Its description is shown to staff,
// so it gets the same character rules as every other text the API takes.
func decodeEndpoint(body []byte) (webhook.NewEndpoint, error) {
	var in webhook.NewEndpoint
	if err := decodeStrict(body, &in); err != nil {
		return in, err
	}
	return in, verification.CheckChars("description", in.Description, false)
}

func (s *Server) createEndpoint(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	in, err := decodeEndpoint(body)
	if err != nil {
		return 0, nil, err
	}
	ep, secret, err := s.Webhooks.Create(r.Context(), tx, actor(r.Context()), in)
	if err != nil {
		return 0, nil, err
	}
	v := viewEndpoint(ep, s.Webhooks.Now())
	v.Secret = secret
	return http.StatusCreated, v, nil
}

func (s *Server) listEndpoints(r *http.Request) (any, error) {
	q := r.URL.Query()
	limit, err := limitParam(q, 20, webhook.MaxEndpoints)
	if err != nil {
		return nil, err
	}
	after, err := parseCursor(q.Get("cursor"), "we")
	if err != nil {
		return nil, err
	}
	list, err := s.Store.WebhookEndpoints(r.Context(), after, limit+1)
	if err != nil {
		return nil, err
	}
	out := page[endpointView]{Data: []endpointView{}}
	for i, ep := range list {
		if i == limit {
			next := cursorFor(list[limit-1].ID)
			out.NextCursor = &next
			break
		}
		out.Data = append(out.Data, viewEndpoint(ep, s.Webhooks.Now()))
	}
	return out, nil
}

func (s *Server) getEndpoint(r *http.Request) (any, error) {
	ep, err := s.Store.WebhookEndpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return viewEndpoint(ep, s.Webhooks.Now()), nil
}

func (s *Server) deleteEndpoint(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	if err := noBody(body); err != nil {
		return 0, nil, err
	}
	if err := s.Webhooks.Delete(r.Context(), tx, actor(r.Context()), r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// secretRotation is the optional body of a secret's rotation.
type secretRotation struct {
	PreviousSecretExpiresIn *int64 `json:"previous_secret_expires_in"`
}

func (s *Server) rotateSecret(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	keep := webhook.DefaultPreviousSecret
	if len(body) > 0 {
		var in secretRotation
		if err := decodeStrict(body, &in); err != nil {
			return 0, nil, err
		}
		if n := in.PreviousSecretExpiresIn; n != nil {
			// Clamped only so that the conversion cannot overflow: the
			// rotation itself judges the range.
			keep = time.Duration(min(max(*n, -1), 1<<30)) * time.Second
		}
	}
	ep, secret, err := s.Webhooks.RotateSecret(r.Context(), tx, actor(r.Context()), r.PathValue("id"), keep)
	if err != nil {
		return 0, nil, err
	}
	v := viewEndpoint(ep, s.Webhooks.Now())
	v.Secret = secret
	return http.StatusOK, v, nil
}
