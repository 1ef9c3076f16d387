package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/keys"
)

// EndpointStatus is whether a webhook endpoint is sent its events.
type EndpointStatus string

// Webhook endpoint statuses.
const (
	EndpointEnabled  EndpointStatus = "enabled"
	EndpointDisabled EndpointStatus = "disabled"
)

// EndpointStatuses are every endpoint status, in the order the API documents them.
var EndpointStatuses = []EndpointStatus{EndpointEnabled, EndpointDisabled}

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// Webhook delivery statuses. A delivery is pending until it is delivered,
// fails for good (its retries are spent), or is canceled (its endpoint was
// disabled or deleted first). A delivery made for an endpoint that was
// disabled when its event fanned out is skipped: it has no job and no
// attempt, and waits for an admin to replay it.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
	DeliveryCanceled  DeliveryStatus = "canceled"
	DeliverySkipped   DeliveryStatus = "skipped"
)

// UndeliveredStatuses are the statuses of deliveries that never reached
// their endpoint and are over: what "replay everything undelivered" sends.
var UndeliveredStatuses = []DeliveryStatus{DeliveryFailed, DeliveryCanceled, DeliverySkipped}

// WebhookEndpoint is a URL of the marketplace that receives events.
type WebhookEndpoint struct {
	ID          string
	URL         string
	Events      []string
	Description string
	// Salt made the signing secret of an endpoint created before master
	// keys, with a key that lived in the database; it is empty for newer
	// endpoints, and unused once the secret is sealed (see keys/rotation).
	Salt string
	// Secret is the signing secret, sealed; Previous, while PreviousUntil
	// has not passed, is the one it replaced, which signs too.
	Secret         keys.Sealed
	Previous       *keys.Sealed
	PreviousUntil  *time.Time
	Status         EndpointStatus
	DisabledReason string
	// AfterSeq is the last event numbered before the endpoint was created:
	// it receives only later ones.
	AfterSeq     int64
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// EveryEventType, as an endpoint's only event, subscribes it to every
// event type, those added in later versions included.
const EveryEventType = "*"

// Wants reports whether the endpoint subscribed to an event type.
func (e *WebhookEndpoint) Wants(eventType string) bool {
	for _, t := range e.Events {
		if t == eventType || t == EveryEventType {
			return true
		}
	}
	return false
}

// WantsEvery reports whether the endpoint subscribed to every event type.
func (e *WebhookEndpoint) WantsEvery() bool {
	return len(e.Events) == 1 && e.Events[0] == EveryEventType
}

const endpointColumns = `id, url, events, description, salt, status, disabled_reason, after_seq, failing_since, created_at, updated_at,
	secret_key_id, secret_nonce, secret_sealed, previous_key_id, previous_nonce, previous_sealed, previous_until`

func scanEndpoint(row interface{ Scan(...any) error }) (*WebhookEndpoint, error) {
	var e WebhookEndpoint
	var events string
	var prev keys.Sealed
	err := row.Scan(&e.ID, &e.URL, &events, &e.Description, &e.Salt, &e.Status, &e.DisabledReason, &e.AfterSeq,
		nullTimeCol{&e.FailingSince}, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt},
		&e.Secret.KeyID, &e.Secret.Nonce, &e.Secret.Data, &prev.KeyID, &prev.Nonce, &prev.Data, nullTimeCol{&e.PreviousUntil})
	if prev.Data != nil {
		e.Previous = &prev
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook endpoint: %w", err)
	}
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return nil, fmt.Errorf("read webhook endpoint %s events: %w", e.ID, err)
	}
	return &e, nil
}

// InsertWebhookEndpoint stores a new endpoint, which receives the events
// numbered after those that exist now.
func (t *Tx) InsertWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error {
	if err := t.queryRow(ctx, "SELECT value FROM counters WHERE name = 'events'").Scan(&e.AfterSeq); err != nil {
		return fmt.Errorf("read event counter: %w", err)
	}
	events, _ := json.Marshal(e.Events)
	_, err := t.exec(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, '', NULL, NULL, NULL)`,
		e.ID, e.URL, string(events), e.Description, e.Salt, string(e.Status), e.DisabledReason, e.AfterSeq, t.t(e.CreatedAt), t.t(e.UpdatedAt),
		e.Secret.KeyID, e.Secret.Nonce, e.Secret.Data)
	if err != nil {
		return fmt.Errorf("insert webhook endpoint: %w", err)
	}
	return nil
}

// SetWebhookSecret gives an endpoint a new sealed signing secret; previous,
// if not nil, signs too until until.
func (t *Tx) SetWebhookSecret(ctx context.Context, id string, secret keys.Sealed, previous *keys.Sealed, until *time.Time, now time.Time) error {
	var prev keys.Sealed
	if previous != nil {
		prev = *previous
	}
	res, err := t.exec(ctx, `UPDATE webhook_endpoints SET secret_key_id = ?, secret_nonce = ?, secret_sealed = ?,
		previous_key_id = ?, previous_nonce = ?, previous_sealed = ?, previous_until = ?, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL`,
		secret.KeyID, secret.Nonce, secret.Data, prev.KeyID, prev.Nonce, prev.Data, t.nt(until), t.t(now), id)
	if err != nil {
		return fmt.Errorf("set webhook secret of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// WebhookEndpointsUnsealed returns the endpoints whose secret was made from a salt before master keys and is not sealed yet.
func (c conn) WebhookEndpointsUnsealed(ctx context.Context) ([]*WebhookEndpoint, error) {
	rows, err := c.query(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE secret_sealed IS NULL AND salt <> '' AND deleted_at IS NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list unsealed webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []*WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WebhookEndpoint returns an endpoint that has not been deleted.
func (c conn) WebhookEndpoint(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return scanEndpoint(c.queryRow(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE id = ? AND deleted_at IS NULL", id))
}

// WebhookEndpoints lists endpoints that have not been deleted, oldest
// first, after the endpoint id given (empty for the first page).
func (c conn) WebhookEndpoints(ctx context.Context, after string, limit int) ([]*WebhookEndpoint, error) {
	rows, err := c.query(ctx, "SELECT "+endpointColumns+` FROM webhook_endpoints
		WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	defer rows.Close()
	list := []*WebhookEndpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// CountWebhookEndpoints counts endpoints that have not been deleted.
func (c conn) CountWebhookEndpoints(ctx context.Context) (int, error) {
	var n int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM webhook_endpoints WHERE deleted_at IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhook endpoints: %w", err)
	}
	return n, nil
}

// DeleteWebhookEndpoint removes an endpoint from use. Its row and its
// deliveries stay, for the delivery log, and its pending deliveries are
// canceled.
func (t *Tx) DeleteWebhookEndpoint(ctx context.Context, id string, at time.Time) error {
	res, err := t.exec(ctx, "UPDATE webhook_endpoints SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
		t.t(at), t.t(at), id)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return t.cancelPendingDeliveries(ctx, id)
}

// SetWebhookEndpointStatus enables or disables an endpoint. Disabling
// cancels its pending deliveries; enabling clears its failure record.
func (t *Tx) SetWebhookEndpointStatus(ctx context.Context, id string, status EndpointStatus, reason string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE webhook_endpoints SET status = ?, disabled_reason = ?, failing_since = NULL, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL`, string(status), reason, t.t(at), id)
	if err != nil {
		return fmt.Errorf("set webhook endpoint %s %s: %w", id, status, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if status == EndpointDisabled {
		return t.cancelPendingDeliveries(ctx, id)
	}
	return nil
}

func (t *Tx) cancelPendingDeliveries(ctx context.Context, endpointID string) error {
	_, err := t.exec(ctx, "UPDATE webhook_deliveries SET status = ? WHERE endpoint_id = ? AND status = ?",
		string(DeliveryCanceled), endpointID, string(DeliveryPending))
	if err != nil {
		return fmt.Errorf("cancel deliveries of %s: %w", endpointID, err)
	}
	return nil
}

// MarkEndpointFailing records when an endpoint's run of failures began.
func (t *Tx) MarkEndpointFailing(ctx context.Context, id string, at time.Time) error {
	_, err := t.exec(ctx, "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?) WHERE id = ?", t.t(at), id)
	if err != nil {
		return fmt.Errorf("mark webhook endpoint %s failing: %w", id, err)
	}
	return nil
}

// MarkEndpointHealthy ends an endpoint's run of failures.
func (t *Tx) MarkEndpointHealthy(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", id)
	if err != nil {
		return fmt.Errorf("mark webhook endpoint %s healthy: %w", id, err)
	}
	return nil
}

// LockFanoutCursor returns the last event for which deliveries exist,
// holding the cursor's row until the transaction ends, so that nodes
// fanning out at once take turns instead of creating deliveries twice.
func (t *Tx) LockFanoutCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := t.queryRow(ctx, "UPDATE counters SET value = value WHERE name = 'webhook_fanout' RETURNING value").Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("lock webhook fan-out cursor: %w", err)
	}
	return seq, nil
}

// AdvanceFanoutCursor records that deliveries exist up to event seq.
func (t *Tx) AdvanceFanoutCursor(ctx context.Context, seq int64) error {
	if _, err := t.exec(ctx, "UPDATE counters SET value = ? WHERE name = 'webhook_fanout'", seq); err != nil {
		return fmt.Errorf("advance webhook fan-out cursor: %w", err)
	}
	return nil
}

// FanoutBacklog counts events not yet fanned out to webhook endpoints.
func (c conn) FanoutBacklog(ctx context.Context) (int64, error) {
	var events, cursor int64
	err := c.queryRow(ctx, `SELECT (SELECT value FROM counters WHERE name = 'events'),
		(SELECT value FROM counters WHERE name = 'webhook_fanout')`).Scan(&events, &cursor)
	if err != nil {
		return 0, fmt.Errorf("read webhook fan-out backlog: %w", err)
	}
	return events - cursor, nil
}

// Event returns one event by number.
func (c conn) Event(ctx context.Context, seq int64) (*Event, error) {
	list, err := c.Events(ctx, seq-1, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || list[0].Seq != seq {
		return nil, ErrNotFound
	}
	return &list[0], nil
}

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID            string
	EndpointID    string
	EventSeq      int64
	EventID       string
	EventType     string
	Status        DeliveryStatus
	Attempts      int
	LastStatus    int
	LastError     string
	LastAttemptAt *time.Time
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	// SkippedReason says why a skipped delivery was not sent (the
	// endpoint's state when its event fanned out). It stays after a replay.
	SkippedReason string
	// Replays counts the replays asked for: each opens a new generation of
	// the delivery, which only an attempt begun under it ends.
	Replays int
}

const deliveryColumns = `id, endpoint_id, event_seq, event_id, event_type, status, attempts, last_status, last_error,
	last_attempt_at, created_at, delivered_at, skipped_reason, replays`

func scanDelivery(row interface{ Scan(...any) error }) (*WebhookDelivery, error) {
	var d WebhookDelivery
	err := row.Scan(&d.ID, &d.EndpointID, &d.EventSeq, &d.EventID, &d.EventType, &d.Status, &d.Attempts, &d.LastStatus,
		&d.LastError, nullTimeCol{&d.LastAttemptAt}, timeCol{&d.CreatedAt}, nullTimeCol{&d.DeliveredAt}, &d.SkippedReason, &d.Replays)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook delivery: %w", err)
	}
	return &d, nil
}

// InsertWebhookDelivery stores a new delivery, pending (with its job) or
// skipped (with its reason).
func (t *Tx) InsertWebhookDelivery(ctx context.Context, d *WebhookDelivery) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, 0, 0, '', NULL, ?, NULL, ?, 0)`,
		d.ID, d.EndpointID, d.EventSeq, d.EventID, d.EventType, string(d.Status), t.t(d.CreatedAt), d.SkippedReason)
	if err != nil {
		return fmt.Errorf("insert webhook delivery: %w", err)
	}
	return nil
}

// WebhookDelivery returns one delivery.
func (c conn) WebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error) {
	return scanDelivery(c.queryRow(ctx, "SELECT "+deliveryColumns+" FROM webhook_deliveries WHERE id = ?", id))
}

// DeliveryFilter selects deliveries for the log, newest first.
type DeliveryFilter struct {
	EndpointID string
	Status     DeliveryStatus // none: every status
	Before     string         // a delivery id: list older ones
	Limit      int
}

// WebhookDeliveries lists deliveries, newest first.
func (c conn) WebhookDeliveries(ctx context.Context, f DeliveryFilter) ([]*WebhookDelivery, error) {
	var where []string
	var args []any
	if f.EndpointID != "" {
		where, args = append(where, "endpoint_id = ?"), append(args, f.EndpointID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Before != "" {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	query := "SELECT " + deliveryColumns + " FROM webhook_deliveries"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := c.query(ctx, query+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// scanDeliveries reads every delivery of rows and closes them.
func scanDeliveries(rows *sql.Rows) ([]*WebhookDelivery, error) {
	defer rows.Close()
	list := []*WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, rows.Err()
}

// UndeliveredWebhookDeliveries lists up to limit deliveries of an endpoint
// that never reached it and are over (failed, canceled or skipped), in the
// events' order.
func (c conn) UndeliveredWebhookDeliveries(ctx context.Context, endpointID string, limit int) ([]*WebhookDelivery, error) {
	rows, err := c.query(ctx, "SELECT "+deliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = ? AND status IN (?, ?, ?) ORDER BY event_seq LIMIT ?`,
		endpointID, string(UndeliveredStatuses[0]), string(UndeliveredStatuses[1]), string(UndeliveredStatuses[2]), limit)
	if err != nil {
		return nil, fmt.Errorf("list undelivered webhook deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// CountWebhookDeliveries counts an endpoint's deliveries by status, over
// the whole log.
func (c conn) CountWebhookDeliveries(ctx context.Context, endpointID string) (map[DeliveryStatus]int, error) {
	rows, err := c.query(ctx, "SELECT status, COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ? GROUP BY status", endpointID)
	if err != nil {
		return nil, fmt.Errorf("count webhook deliveries: %w", err)
	}
	defer rows.Close()
	counts := map[DeliveryStatus]int{}
	for rows.Next() {
		var status DeliveryStatus
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count webhook deliveries: %w", err)
		}
		counts[status] = n
	}
	return counts, rows.Err()
}

// WebhookAttempt is one HTTP request of a delivery.
type WebhookAttempt struct {
	DeliveryID string
	N          int
	// Generation is the delivery's generation (its replays) the attempt
	// was made under: the attempts of one job share it.
	Generation int
	At         time.Time
	StatusCode int // 0 when no response came
	Error      string
	Response   string // the start of the response body
	Duration   time.Duration
}

// RecordWebhookAttempt stores an attempt and what it means for its
// delivery. The attempt is numbered after every attempt recorded before it
// (a.N) and always logged, with the delivery's count and last result. The
// delivery's status and delivered time, from d, are taken only when no
// replay came since the attempt began (d.Replays is the generation it was
// loaded under): a later replay's own attempt ends the delivery. d is read
// back as it stands; current says whether its status was taken.
func (t *Tx) RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery, a *WebhookAttempt) (current bool, err error) {
	// The count first: the row is then locked (written, on SQLite) until the
	// transaction ends, so two attempts recorded at once get two numbers.
	res, err := t.exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?,
		last_attempt_at = ? WHERE id = ?`, a.StatusCode, a.Error, t.t(a.At), d.ID)
	if err != nil {
		return false, fmt.Errorf("update webhook delivery %s: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, ErrNotFound
	}
	res, err = t.exec(ctx, "UPDATE webhook_deliveries SET status = ?, delivered_at = ? WHERE id = ? AND replays = ?",
		string(d.Status), t.nt(d.DeliveredAt), d.ID, d.Replays)
	if err != nil {
		return false, fmt.Errorf("update webhook delivery %s: %w", d.ID, err)
	}
	n, _ := res.RowsAffected()
	a.Generation = d.Replays // the generation the attempt was made under, before d is read back
	now, err := t.WebhookDelivery(ctx, d.ID)
	if err != nil {
		return false, err
	}
	*d = *now
	a.DeliveryID, a.N = d.ID, d.Attempts
	_, err = t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, n, generation, at, status_code, error, response, duration_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.DeliveryID, a.N, a.Generation, t.t(a.At), a.StatusCode, a.Error, a.Response, a.Duration.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("record webhook attempt: %w", err)
	}
	return n == 1, nil
}

// ReplayWebhookDelivery makes a delivery pending again under a new
// generation, which it returns for the replay's job to carry: an attempt
// begun before it no longer ends the delivery, and a job queued before it
// no longer sends.
func (t *Tx) ReplayWebhookDelivery(ctx context.Context, id string) (int, error) {
	res, err := t.exec(ctx, "UPDATE webhook_deliveries SET status = ?, replays = replays + 1 WHERE id = ?",
		string(DeliveryPending), id)
	if err != nil {
		return 0, fmt.Errorf("replay webhook delivery %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrNotFound
	}
	d, err := t.WebhookDelivery(ctx, id)
	if err != nil {
		return 0, err
	}
	return d.Replays, nil
}

// CancelWebhookDelivery cancels a pending delivery, unless a replay came
// since generation replays was read: its endpoint is enabled again then.
func (t *Tx) CancelWebhookDelivery(ctx context.Context, id string, replays int) error {
	_, err := t.exec(ctx, "UPDATE webhook_deliveries SET status = ? WHERE id = ? AND replays = ? AND status = ?",
		string(DeliveryCanceled), id, replays, string(DeliveryPending))
	if err != nil {
		return fmt.Errorf("cancel webhook delivery %s: %w", id, err)
	}
	return nil
}

// WebhookAttempts lists a delivery's attempts, first first.
func (c conn) WebhookAttempts(ctx context.Context, deliveryID string) ([]*WebhookAttempt, error) {
	rows, err := c.query(ctx, `SELECT delivery_id, n, generation, at, status_code, error, response, duration_ms
		FROM webhook_attempts WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	defer rows.Close()
	list := []*WebhookAttempt{}
	for rows.Next() {
		var a WebhookAttempt
		var ms int64
		if err := rows.Scan(&a.DeliveryID, &a.N, &a.Generation, timeCol{&a.At}, &a.StatusCode, &a.Error, &a.Response, &ms); err != nil {
			return nil, fmt.Errorf("list webhook attempts: %w", err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		list = append(list, &a)
	}
	return list, rows.Err()
}

// PruneWebhookDeliveries deletes deliveries made before a time that are
// not pending (delivered, failed, canceled or skipped), with their
// attempts, and endpoints deleted before it that have no deliveries left.
// It returns how many deliveries went.
func (t *Tx) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	ended := `SELECT id FROM webhook_deliveries WHERE status <> ? AND created_at < ?`
	if _, err := t.exec(ctx, "DELETE FROM webhook_attempts WHERE delivery_id IN ("+ended+")", DeliveryPending, t.t(before)); err != nil {
		return 0, fmt.Errorf("prune webhook attempts: %w", err)
	}
	res, err := t.exec(ctx, "DELETE FROM webhook_deliveries WHERE status <> ? AND created_at < ?", DeliveryPending, t.t(before))
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	_, err = t.exec(ctx, `DELETE FROM webhook_endpoints WHERE deleted_at < ?
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.endpoint_id = webhook_endpoints.id)`, t.t(before))
	if err != nil {
		return n, fmt.Errorf("prune deleted webhook endpoints: %w", err)
	}
	return n, nil
}
