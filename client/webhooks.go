package client

// The webhook endpoint operations. They are written against the contract of
// POST/GET /v1/webhook-endpoints and GET/DELETE /v1/webhook-endpoints/{id},
// which is being built in parallel; this file stands alone so that it can
// follow that work.

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// WebhookEndpointCreate registers a URL to receive signed webhooks.
type WebhookEndpointCreate struct {
	URL string `json:"url"`
	// Events are the event types to deliver.
	Events      []EventType `json:"events"`
	Description string      `json:"description,omitempty"`
}

// WebhookEndpoint is a registered webhook receiver.
type WebhookEndpoint struct {
	ID          string      `json:"id"` // we_…
	URL         string      `json:"url"`
	Events      []EventType `json:"events"`
	Description string      `json:"description"`
	// Status is "enabled" or "disabled"; DisabledReason says why when
	// attest disabled it.
	Status         string    `json:"status"`
	DisabledReason *string   `json:"disabled_reason"`
	CreatedAt      time.Time `json:"created_at"`
	// PreviousSecretExpiresAt is set after RotateWebhookSecret while the
	// old secret still signs messages besides the new one.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
}

// WebhookEndpointCreated is a new endpoint with its signing secret
// (whsec_…), which is shown this once: store it to verify signatures.
type WebhookEndpointCreated struct {
	WebhookEndpoint
	Secret string `json:"secret"`
}

// WebhookEndpointPage is one page of webhook endpoints.
type WebhookEndpointPage struct {
	Data       []WebhookEndpoint `json:"data"`
	NextCursor *string           `json:"next_cursor"`
}

// CreateWebhookEndpoint registers an endpoint and returns it with its
// secret, which is never shown again.
func (c *Client) CreateWebhookEndpoint(ctx context.Context, in WebhookEndpointCreate, opts ...RequestOption) (*WebhookEndpointCreated, error) {
	return call[WebhookEndpointCreated](ctx, c, http.MethodPost, "/v1/webhook-endpoints", in, opts...)
}

// GetWebhookEndpoint reads one endpoint (without its secret).
func (c *Client) GetWebhookEndpoint(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, c, http.MethodGet, "/v1/webhook-endpoints/"+escape(id), nil)
}

// WebhookSecretRotation says how long the old secret keeps signing.
type WebhookSecretRotation struct {
	// PreviousSecretExpiresIn is in seconds, 0 to 604800 (7 days); nil
	// keeps the server's default of one day, 0 stops the old secret at once.
	PreviousSecretExpiresIn *int64 `json:"previous_secret_expires_in,omitempty"`
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned this
// once. While the old one still signs, messages carry both signatures, so
// receivers can move to the new secret without refusing a message.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string, in WebhookSecretRotation, opts ...RequestOption) (*WebhookEndpointCreated, error) {
	return call[WebhookEndpointCreated](ctx, c, http.MethodPost, "/v1/webhook-endpoints/"+escape(id)+"/rotate-secret", in, opts...)
}

// DeleteWebhookEndpoint removes an endpoint; nothing more is delivered to it.
func (c *Client) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	_, err := call[struct{}](ctx, c, http.MethodDelete, "/v1/webhook-endpoints/"+escape(id), nil)
	return err
}

// ListWebhookEndpoints reads one page of endpoints; cursor is "" for the
// first page and a page's NextCursor after that. limit zero means the
// server's default.
func (c *Client) ListWebhookEndpoints(ctx context.Context, limit int, cursor string) (*WebhookEndpointPage, error) {
	r, err := newRequest(http.MethodGet, "/v1/webhook-endpoints", nil, nil)
	if err != nil {
		return nil, err
	}
	r.query = url.Values{}
	if limit > 0 {
		r.query.Set("limit", strconv.Itoa(limit))
	}
	set(r.query, "cursor", cursor)
	page := new(WebhookEndpointPage)
	if _, err := c.do(ctx, r, page); err != nil {
		return nil, err
	}
	return page, nil
}

// WebhookEndpoints yields every endpoint, page after page; an error is
// yielded once, last.
func (c *Client) WebhookEndpoints(ctx context.Context) iter.Seq2[*WebhookEndpoint, error] {
	return pages(func(cursor string) ([]WebhookEndpoint, *string, error) {
		p, err := c.ListWebhookEndpoints(ctx, 0, cursor)
		if err != nil {
			return nil, nil, err
		}
		return p.Data, p.NextCursor, nil
	})
}
