package webhook

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

const (
	// MaxEndpoints bounds how many endpoints one attest sends to.
	MaxEndpoints = 20
	// MaxDescription bounds an endpoint's description.
	MaxDescription = 200
)

// Endpoints manages the marketplace's webhook endpoints.
type Endpoints struct {
	Store   *store.Store
	Jobs    *jobs.Queue
	Targets Targets
	// Keys seal the endpoints' signing secrets.
	Keys *keys.Ring
	Now  func() time.Time
}

// NewEndpoint is what the marketplace asks for.
type NewEndpoint struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
}

// Validate checks the form of everything but the URL's address, which
// Check resolves.
func (n *NewEndpoint) Validate(t Targets) error {
	if _, err := t.Parse(n.URL); err != nil {
		return err
	}
	if len(n.Events) == 0 {
		return &verification.FieldError{Field: "events", Code: "required",
			Message: "events must list the event types to send, for example [\"verification.verified\"], or be [\"*\"] for every type"}
	}
	if len(n.Events) > len(verification.EventTypes) {
		return &verification.FieldError{Field: "events", Code: "too_many", Message: "events lists more types than exist"}
	}
	for i, e := range n.Events {
		field := fmt.Sprintf("events[%d]", i)
		if e == store.EveryEventType {
			if len(n.Events) > 1 {
				// Refused rather than normalised: ["*", "appeal.created"]
				// is a list whose author meant one thing or the other.
				return &verification.FieldError{Field: field, Code: "invalid",
					Message: "\"*\" subscribes to every event type and must be the only entry in events"}
			}
			continue
		}
		if !slices.Contains(verification.EventTypes, verification.EventType(e)) {
			return &verification.FieldError{Field: field, Code: "invalid", Message: fmt.Sprintf("%q is not an event type", e)}
		}
		if slices.Contains(n.Events[:i], e) {
			return &verification.FieldError{Field: field, Code: "duplicate", Message: fmt.Sprintf("%q is listed twice", e)}
		}
	}
	if utf8.RuneCountInString(n.Description) > MaxDescription || !utf8.ValidString(n.Description) {
		return &verification.FieldError{Field: "description", Code: "too_long",
			Message: fmt.Sprintf("description may be at most %d characters", MaxDescription)}
	}
	return verification.CheckChars("description", n.Description, false)
}

// Check validates a new endpoint and resolves its URL's host (see
// Targets.Check). It waits on DNS, so callers run it before their
// transaction; Create checks the form again, not the address.
func (s *Endpoints) Check(ctx context.Context, n NewEndpoint) error {
	if err := n.Validate(s.Targets); err != nil {
		return err
	}
	_, err := s.Targets.Check(ctx, n.URL)
	return err
}

// Create stores an endpoint and returns it with its signing secret, which
// is shown this once.
func (s *Endpoints) Create(ctx context.Context, tx *store.Tx, actor string, n NewEndpoint) (*store.WebhookEndpoint, string, error) {
	if err := n.Validate(s.Targets); err != nil {
		return nil, "", err
	}
	count, err := tx.CountWebhookEndpoints(ctx)
	if err != nil {
		return nil, "", err
	}
	if count >= MaxEndpoints {
		return nil, "", &verification.RuleError{Field: "url", Code: "too_many_endpoints",
			Message: fmt.Sprintf("at most %d webhook endpoints may exist; delete one first", MaxEndpoints)}
	}
	now := s.Now()
	ep := &store.WebhookEndpoint{ID: store.NewID("we", now), URL: n.URL, Events: n.Events, Description: n.Description,
		Status: store.EndpointEnabled, CreatedAt: now, UpdatedAt: now}
	secret := NewSecret()
	if ep.Secret, err = s.Keys.Seal(keys.WebhookSecrets, ep.ID, secret); err != nil {
		return nil, "", err
	}
	if err := tx.InsertWebhookEndpoint(ctx, ep); err != nil {
		return nil, "", err
	}
	err = tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.WebhookEndpointCreate, Target: ep.ID,
		Details: map[string]any{"url": ep.URL, "events": ep.Events}}, now)
	return ep, EncodeSecret(secret), err
}

// MaxPreviousSecret bounds how long a replaced signing secret keeps signing.
const MaxPreviousSecret = 7 * 24 * time.Hour

// DefaultPreviousSecret is how long a replaced signing secret keeps
// signing when the rotation does not say: a day to deploy the new one.
const DefaultPreviousSecret = 24 * time.Hour

// RotateSecret gives an endpoint a new signing secret, returned this once.
// For keepPrevious more, every message is signed with the new secret and
// with the one it replaces, so that the marketplace can deploy the new one
// without refusing a message (Standard Webhooks allows several
// signatures); with keepPrevious 0 the old secret stops signing at once,
// as after a leak. A secret replaced earlier and still signing is dropped.
func (s *Endpoints) RotateSecret(ctx context.Context, tx *store.Tx, actor, id string, keepPrevious time.Duration) (*store.WebhookEndpoint, string, error) {
	if keepPrevious < 0 || keepPrevious > MaxPreviousSecret {
		return nil, "", &verification.FieldError{Field: "previous_secret_expires_in", Code: "out_of_range",
			Message: fmt.Sprintf("previous_secret_expires_in must be from 0 to %d seconds (7 days)", int(MaxPreviousSecret.Seconds()))}
	}
	ep, err := tx.WebhookEndpoint(ctx, id)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	secret := NewSecret()
	sealed, err := s.Keys.Seal(keys.WebhookSecrets, ep.ID, secret)
	if err != nil {
		return nil, "", err
	}
	var previous *keys.Sealed
	var until *time.Time
	if keepPrevious > 0 {
		old := ep.Secret
		previous, until = &old, &[]time.Time{now.Add(keepPrevious).UTC().Truncate(time.Second)}[0]
	}
	if err := tx.SetWebhookSecret(ctx, ep.ID, sealed, previous, until, now); err != nil {
		return nil, "", err
	}
	details := map[string]any{"previous_signs_until": nil}
	if until != nil {
		details["previous_signs_until"] = until.Format(time.RFC3339)
	}
	if err := tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.WebhookEndpointRotateSecret, Target: ep.ID, Details: details}, now); err != nil {
		return nil, "", err
	}
	ep.Secret, ep.Previous, ep.PreviousUntil, ep.UpdatedAt = sealed, previous, until, now
	return ep, EncodeSecret(secret), nil
}

// Delete removes an endpoint; its pending deliveries are canceled.
func (s *Endpoints) Delete(ctx context.Context, tx *store.Tx, actor, id string) error {
	now := s.Now()
	if err := tx.DeleteWebhookEndpoint(ctx, id, now); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.WebhookEndpointDelete, Target: id}, now)
}

// SetEnabled enables or disables an endpoint by hand.
func (s *Endpoints) SetEnabled(ctx context.Context, tx *store.Tx, actor, id string, enabled bool) error {
	now := s.Now()
	status, reason, action := store.EndpointEnabled, "", audit.WebhookEndpointEnable
	if !enabled {
		status, reason, action = store.EndpointDisabled, Reason{By: actor}.String(), audit.WebhookEndpointDisable
	}
	if err := tx.SetWebhookEndpointStatus(ctx, id, status, reason, now); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: action, Target: id}, now)
}

// ErrEndpointDisabled refuses a replay to a disabled endpoint.
var ErrEndpointDisabled = &verification.RuleError{Field: "endpoint", Code: "endpoint_disabled",
	Message: "the endpoint is disabled: enable it before replaying"}

// Replay sends a delivery again, whatever became of it, with a fresh
// schedule of retries; a skipped delivery is sent for the first time. The
// receiver sees the same webhook-id, so it can tell a replay from a new
// event. A replay asked for while an attempt is under way is one more
// attempt after it: that attempt does not end the delivery, and the
// retries of the job before the replay's stop.
func (s *Endpoints) Replay(ctx context.Context, tx *store.Tx, actor, deliveryID string) error {
	d, err := tx.WebhookDelivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	ep, err := tx.WebhookEndpoint(ctx, d.EndpointID)
	if err != nil {
		return err
	}
	if ep.Status != store.EndpointEnabled {
		return ErrEndpointDisabled
	}
	return s.replay(ctx, tx, actor, ep, d)
}

func (s *Endpoints) replay(ctx context.Context, tx *store.Tx, actor string, ep *store.WebhookEndpoint, d *store.WebhookDelivery) error {
	replay, err := tx.ReplayWebhookDelivery(ctx, d.ID)
	if err != nil {
		return err
	}
	if err := s.Jobs.InsertTx(ctx, tx, DeliverArgs{DeliveryID: d.ID, Replay: replay}); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.WebhookDeliveryReplay, Target: d.ID,
		Details: map[string]string{"endpoint_id": ep.ID, "event_id": d.EventID, "was": string(d.Status)}}, s.Now())
}

// replayBatch is how many deliveries ReplayUndelivered reads at a time.
const replayBatch = 500

// ReplayUndelivered replays every failed, canceled or skipped delivery of
// an endpoint, in the events' order: what it missed while down or
// disabled. Their jobs are queued in that order; they may still arrive out
// of order, as any deliveries may, and seq orders them.
func (s *Endpoints) ReplayUndelivered(ctx context.Context, tx *store.Tx, actor, endpointID string) (int, error) {
	ep, err := tx.WebhookEndpoint(ctx, endpointID)
	if err != nil {
		return 0, err
	}
	if ep.Status != store.EndpointEnabled {
		return 0, ErrEndpointDisabled
	}
	n := 0
	for {
		// Each one replayed is pending, so the next read starts after it.
		missed, err := tx.UndeliveredWebhookDeliveries(ctx, endpointID, replayBatch)
		if err != nil || len(missed) == 0 {
			return n, err
		}
		for _, d := range missed {
			if err := s.replay(ctx, tx, actor, ep, d); err != nil {
				return 0, err
			}
			n++
		}
	}
}
