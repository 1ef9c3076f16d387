package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
)

// DeliverArgs asks for one delivery to be sent. The job carries the id
// and the replay it was queued for (0: the event's fan-out): what is sent
// is read from the event when the job runs, and a job a later replay
// superseded sends nothing, the replay's job sending instead.
type DeliverArgs struct {
	DeliveryID string `json:"delivery_id"`
	Replay     int    `json:"replay,omitempty"`
}

// Kind names the job for the queue.
func (DeliverArgs) Kind() string { return "webhook_delivery" }

// InsertOpts gives deliveries their own queue and number of attempts.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, Queue: jobs.QueueWebhooks}
}

// Payload is the body of every webhook: the event as the feed shows it,
// with Standard Webhooks' "type", "timestamp" and "data".
type Payload struct {
	ID             string          `json:"id"`
	Seq            int64           `json:"seq"`
	Type           string          `json:"type"`
	Timestamp      time.Time       `json:"timestamp"`
	FreelancerID   string          `json:"freelancer_id,omitempty"`
	VerificationID string          `json:"verification_id,omitempty"`
	Data           json.RawMessage `json:"data"`
}

// responseKept is how much of a response body the delivery log keeps.
const responseKept = 1024

// Worker sends deliveries.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	Store *store.Store
	// Client sends the requests; NewClient builds one that refuses
	// non-public addresses.
	Client *http.Client
	// Keys open the endpoints' sealed signing secrets.
	Keys *keys.Ring
	Now  func() time.Time
	Log  *slog.Logger
	// RetryScale is the first retry's wait (default 30 s); tests shrink it.
	RetryScale time.Duration
	// OnAttempt counts each attempt by result ("delivered" or "failed").
	OnAttempt func(result string)
	// OnDisabled is told of an endpoint disabled for persistent failure, in
	// the transaction that disables it (the admins' email).
	OnDisabled func(ctx context.Context, tx *store.Tx, ep *store.WebhookEndpoint, lastError string) error
}

// NewClient builds the HTTP client deliveries use: bounded in time, never
// following redirects (the endpoint must answer itself), never through an
// environment proxy, and refusing non-public addresses unless targets
// allow them.
func NewClient(t Targets) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: t.control}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: transport, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Timeout bounds one attempt, request and bookkeeping together.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return 30 * time.Second }

// NextRetry schedules the next attempt on the queue's own clock, which is
// the wall clock whatever clock attest's domain runs on.
func (w *Worker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return time.Now().Add(withJitter(RetryDelay(job.Attempt, w.RetryScale), rand.Float64()))
}

// Work makes one attempt. A failure is recorded and returned, so that the
// queue tries again; the last failure is recorded and ends the delivery.
// An attempt that a replay overtook while it was under way is recorded and
// ends nothing, neither the delivery nor its job's retries: the replay's
// job makes the next attempt.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	d, ep, ev, err := w.load(ctx, job.Args)
	if err != nil || d == nil {
		return err
	}
	body, err := json.Marshal(Payload{ID: ev.ID, Seq: ev.Seq, Type: string(ev.Type), Timestamp: ev.CreatedAt,
		FreelancerID: ev.FreelancerID, VerificationID: ev.VerificationID, Data: ev.Data})
	if err != nil {
		return fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	a := w.send(ctx, ep, ev.ID, body)
	ok := a.Error == "" && a.StatusCode >= 200 && a.StatusCode < 300
	final := !ok && job.Attempt >= job.MaxAttempts
	current, err := w.record(ctx, d, ep, a, ok, final)
	if err != nil {
		return err
	}
	if w.OnAttempt != nil {
		w.OnAttempt(map[bool]string{true: "delivered", false: "failed"}[ok])
	}
	if ok || final || !current {
		return nil
	}
	if a.Error != "" {
		return fmt.Errorf("deliver %s to %s: %s", ev.ID, ep.ID, a.Error)
	}
	return fmt.Errorf("deliver %s to %s: answered %d", ev.ID, ep.ID, a.StatusCode)
}

// load reads what an attempt needs; a nil delivery means there is nothing
// to send (delivered already, or canceled, or its endpoint gone, or a
// later replay queued its own job).
func (w *Worker) load(ctx context.Context, args DeliverArgs) (*store.WebhookDelivery, *store.WebhookEndpoint, *store.Event, error) {
	d, err := w.Store.WebhookDelivery(ctx, args.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil || d.Status != store.DeliveryPending || d.Replays != args.Replay {
		return nil, nil, nil, err
	}
	ep, err := w.Store.WebhookEndpoint(ctx, d.EndpointID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ep.Status != store.EndpointEnabled) {
		return nil, nil, nil, w.cancel(ctx, d)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	ev, err := w.Store.Event(ctx, d.EventSeq)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, w.cancel(ctx, d)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return d, ep, ev, nil
}

// cancel ends a delivery that cannot be sent, unless a replay (of an
// endpoint enabled again) came since it was read.
func (w *Worker) cancel(ctx context.Context, d *store.WebhookDelivery) error {
	return w.Store.InTx(ctx, func(tx *store.Tx) error { return tx.CancelWebhookDelivery(ctx, d.ID, d.Replays) })
}

// Secrets are the secrets an endpoint's messages are signed with at a
// time: its secret, and the one it replaced while that one still signs.
func Secrets(ring *keys.Ring, ep *store.WebhookEndpoint, at time.Time) ([][]byte, error) {
	if ep.Secret.Data == nil {
		return nil, fmt.Errorf("endpoint %s has no sealed secret yet", ep.ID)
	}
	secret, err := ring.Open(keys.WebhookSecrets, ep.ID, ep.Secret)
	if err != nil {
		return nil, err
	}
	out := [][]byte{secret}
	if ep.Previous != nil && ep.PreviousUntil != nil && at.Before(*ep.PreviousUntil) {
		prev, err := ring.Open(keys.WebhookSecrets, ep.ID, *ep.Previous)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// send makes the HTTP request of one attempt.
func (w *Worker) send(ctx context.Context, ep *store.WebhookEndpoint, msgID string, body []byte) *store.WebhookAttempt {
	at := w.Now()
	a := &store.WebhookAttempt{At: at}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		a.Error = "the URL cannot be requested: " + err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "attest-webhooks/1")
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	secrets, err := Secrets(w.Keys, ep, at)
	if err != nil {
		a.Error = "the endpoint's signing secret cannot be opened on this node: " + err.Error()
		return a
	}
	req.Header.Set("webhook-signature", Signatures(secrets, msgID, at, body))
	start := time.Now() // a duration on the wall clock, which tests do not stop
	res, err := w.Client.Do(req)
	a.Duration = time.Since(start)
	if err != nil {
		a.Error = describe(err)
		return a
	}
	defer res.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(res.Body, responseKept))
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	a.StatusCode = res.StatusCode
	a.Response = validUTF8(kept)
	return a
}

// describe turns a transport error into a line for the delivery log.
func describe(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, errPrivateTarget):
		return "refused: the endpoint's host resolves to a non-public address"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out: " + err.Error()
	}
	return err.Error()
}

func validUTF8(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1] // a multi-byte character cut by the limit
	}
	return string(b)
}

// record stores the attempt and its consequences: the delivery's status,
// the endpoint's failure run, and, when the run has outlasted every retry
// of a delivery, the endpoint disabled. current is false when a replay
// came while the attempt was under way: the attempt and the endpoint's
// health are recorded, and the delivery is left to the replay's job.
func (w *Worker) record(ctx context.Context, d *store.WebhookDelivery, ep *store.WebhookEndpoint, a *store.WebhookAttempt,
	ok, final bool) (current bool, err error) {
	switch {
	case ok:
		d.Status, d.DeliveredAt = store.DeliveryDelivered, &a.At
	case final:
		d.Status = store.DeliveryFailed
	}
	err = w.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if current, err = tx.RecordWebhookAttempt(ctx, d, a); err != nil {
			return err
		}
		if ok {
			return tx.MarkEndpointHealthy(ctx, ep.ID)
		}
		if err := tx.MarkEndpointFailing(ctx, ep.ID, a.At); err != nil {
			return err
		}
		if !final || !current {
			return nil
		}
		return w.disableIfPersistent(ctx, tx, d, ep.ID, a)
	})
	return current, err
}

// disableIfPersistent disables the endpoint when nothing was delivered to
// it since the first attempt of this job (of the delivery's generation a
// was made under: an attempt of an earlier generation, overtaken by a
// replay, may be logged among them): every retry of a whole schedule (more
// than three days) failed and no other delivery got through.
func (w *Worker) disableIfPersistent(ctx context.Context, tx *store.Tx, d *store.WebhookDelivery, endpointID string,
	a *store.WebhookAttempt) error {
	ep, err := tx.WebhookEndpoint(ctx, endpointID)
	if err != nil || ep.FailingSince == nil || ep.Status != store.EndpointEnabled {
		return err
	}
	attempts, err := tx.WebhookAttempts(ctx, d.ID)
	if err != nil {
		return err
	}
	firstOfRun := a.At
	for _, prev := range attempts {
		if prev.Generation == a.Generation && prev.At.Before(firstOfRun) {
			firstOfRun = prev.At
		}
	}
	if ep.FailingSince.After(firstOfRun) {
		return nil // something got through during this delivery's retries
	}
	reason := Reason{FailingSince: *ep.FailingSince, Last: lastResult(a)}.String()
	if err := tx.SetWebhookEndpointStatus(ctx, ep.ID, store.EndpointDisabled, reason, a.At); err != nil {
		return err
	}
	ep.Status, ep.DisabledReason = store.EndpointDisabled, reason
	if err := tx.Audit(ctx, audit.Record{Actor: "system", Action: audit.WebhookEndpointDisable, Target: ep.ID,
		Details: map[string]string{"reason": reason}}, a.At); err != nil {
		return err
	}
	if w.OnDisabled != nil {
		return w.OnDisabled(ctx, tx, ep, lastResult(a))
	}
	return nil
}

func lastResult(a *store.WebhookAttempt) string {
	if a.Error != "" {
		return a.Error
	}
	return "HTTP " + strconv.Itoa(a.StatusCode)
}
