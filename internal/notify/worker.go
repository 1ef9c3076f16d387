package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/store"
)

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SendEmailArgs asks for one stored email to be delivered. The job carries
// only the id: the message itself lives in the database, where erasure can
// reach it.
type SendEmailArgs struct {
	EmailID string `json:"email_id"`
}

// Kind names the job for the queue.
func (SendEmailArgs) Kind() string { return "send_email" }

// EmailWorker delivers stored emails. With no Sender it files them in the
// development mailbox instead, which is the emails table shown at /dev/mailbox.
type EmailWorker struct {
	river.WorkerDefaults[SendEmailArgs]
	Store  *store.Store
	Sender Sender
	Now    func() time.Time
}

// Work delivers the email once. Delivery is at least once: a crash between
// the relay's acceptance and the database update sends it again.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[SendEmailArgs]) error {
	e, err := w.Store.Email(ctx, job.Args.EmailID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // erased before it could be sent: nothing left to send
	}
	if err != nil {
		return err
	}
	if e.SentAt != nil {
		return nil
	}
	if w.Sender == nil {
		return w.Store.MarkEmailSent(ctx, e.ID, "mailbox", w.Now())
	}
	err = w.Sender.Send(ctx, Message{To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML,
		Calendar: e.Calendar, CalendarMethod: e.CalendarMethod})
	if err != nil {
		err = fmt.Errorf("send email %s (%s): %w", e.ID, e.Kind, err)
		if markErr := w.Store.MarkEmailFailed(ctx, e.ID, err); markErr != nil {
			err = errors.Join(err, markErr)
		}
		if IsPermanent(err) {
			return river.JobCancel(err)
		}
		return err
	}
	return w.Store.MarkEmailSent(ctx, e.ID, "smtp", w.Now())
}
