package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Signaling between nodes (PostgreSQL only): a node publishes a message for
// the other nodes with NOTIFY, and every node LISTENs on a connection of its
// own. A NOTIFY payload must stay under 8000 bytes and an SDP can be larger,
// so a large message is written to the signals table and only its row id is
// notified. Notifications reach listeners in commit order, which keeps one
// sender's messages in the order it published them. A payload is opaque
// here: a node may put several of its events in one (internal/call/outbox.go).

// MaxInlineSignal is the largest payload sent in the notification itself,
// kept under PostgreSQL's 8000 bytes with room for the prefix; a larger one
// goes through the signals table.
const MaxInlineSignal = 7900

// Notification payloads carry a prefix: the message itself, or the id of
// the row that holds it.
const (
	inlinePrefix = "m:"
	rowPrefix    = "r:"
)

// signalChannel names the NOTIFY channel after the schema, because channels
// are per database: nodes on one schema hear each other, and nothing else
// sharing the database (another deployment, parallel tests) crosses in.
func signalChannel(ctx context.Context, db *sql.DB) (string, error) {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(current_schema(), 'public')").Scan(&schema); err != nil {
		return "", fmt.Errorf("read the current schema: %w", err)
	}
	channel := "attest_signal_" + schema
	if len(channel) > 63 { // PostgreSQL truncates identifiers; pg_notify refuses long names
		channel = channel[:63]
	}
	return channel, nil
}

// SignalTimeout bounds the publication of one signal, whatever the context.
const SignalTimeout = 5 * time.Second

// PublishSignal sends payload to every node listening on this database
// schema, this one included. It gives up after SignalTimeout, or when ctx
// ends.
func (s *Store) PublishSignal(ctx context.Context, payload []byte, now time.Time) error {
	if !s.pg {
		return errors.New("publish signal: signaling crosses nodes on PostgreSQL only")
	}
	if len(payload) <= MaxInlineSignal {
		sent, err := s.notifier.notify(ctx, s.url, s.signalChannel, payload)
		if sent {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, SignalTimeout)
		defer cancel()
		// The notifier could not connect: this one goes through the pool.
		// (One that was sent and failed is not sent again: it may have
		// been delivered.)
		_, err = s.write.ExecContext(ctx, "SELECT pg_notify($1, $2)", s.signalChannel, inlinePrefix+string(payload))
		if err != nil {
			return fmt.Errorf("publish signal: %w", err)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, SignalTimeout)
	defer cancel()
	return s.InTx(ctx, func(t *Tx) error {
		var id int64
		err := t.queryRow(ctx, "INSERT INTO signals (payload, created_at) VALUES (?, ?) RETURNING id", string(payload), t.t(now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("store large signal: %w", err)
		}
		// Delivered at commit, when the row is visible to the listeners.
		if _, err := t.exec(ctx, "SELECT pg_notify(?, ?)", s.signalChannel, rowPrefix+strconv.FormatInt(id, 10)); err != nil {
			return fmt.Errorf("publish large signal %d: %w", id, err)
		}
		return nil
	})
}

// notifier is a node's own connection for NOTIFY, with synchronous_commit
// off. A NOTIFY takes a transaction id, so with the default a notification
// waited for a WAL flush (an fsync) at its commit, and PostgreSQL commits
// notifying transactions one at a time across the database: under load the
// relay's tail was the disk's. A notification is not durable anyway (a
// crash loses the queue whatever the setting), so waiting for the flush
// bought nothing; the commit is still in order, and delivered on commit.
// Its own connection also keeps signaling off the pool's queue.
//
// A notification is bounded by the connection's deadline, SignalTimeout
// ahead, rather than by a context with a timeout: at thousands of
// notifications a second, a context per notification, and pgx's watch of
// it, were a good share of what a node allocated per relayed message.
type notifier struct {
	mu   sync.Mutex
	conn *pgx.Conn
}

// notifyInline notifies a payload with its prefix, joined by PostgreSQL:
// pgx sends the payload's bytes as the text parameter as they are, where
// joining them in Go made a copy of every payload.
const notifyInline = "SELECT pg_notify($1, '" + inlinePrefix + "' || $2::text)"

// notify sends one notification on the notifier's connection, connecting
// first if needed, and reports whether it was sent: false when no
// connection could be made. After an error the connection is closed and
// made again next time.
func (n *notifier) notify(ctx context.Context, url, channel string, payload []byte) (sent bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		ctx, cancel := context.WithTimeout(ctx, SignalTimeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return false, fmt.Errorf("connect the signal notifier: %w", err)
		}
		if _, err := conn.Exec(ctx, "SET synchronous_commit TO off"); err != nil {
			conn.Close(context.WithoutCancel(ctx))
			return false, fmt.Errorf("set up the signal notifier: %w", err)
		}
		n.conn = conn
	}
	if err := n.conn.PgConn().Conn().SetDeadline(time.Now().Add(SignalTimeout)); err != nil {
		n.conn.Close(context.WithoutCancel(ctx))
		n.conn = nil
		return false, fmt.Errorf("publish signal: %w", err)
	}
	if _, err := n.conn.Exec(ctx, notifyInline, channel, payload); err != nil {
		n.conn.Close(context.WithoutCancel(ctx))
		n.conn = nil
		return true, fmt.Errorf("publish signal: %w", err)
	}
	return true, nil
}

// close ends the notifier's connection, if any.
func (n *notifier) close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		return nil
	}
	err := n.conn.Close(context.Background())
	n.conn = nil
	return err
}

// DeleteSignals forgets large signals written before cutoff: by then every
// listener has read them or missed them.
func (s *Store) DeleteSignals(ctx context.Context, cutoff time.Time) error {
	if !s.pg {
		return nil
	}
	if _, err := s.write.ExecContext(ctx, "DELETE FROM signals WHERE created_at < $1", cutoff.UTC()); err != nil {
		return fmt.Errorf("delete old signals: %w", err)
	}
	return nil
}

// ErrSignalMissed is returned by Next for a notification whose message
// cannot be read (its row already deleted): the listener is still usable.
var ErrSignalMissed = errors.New("signal missed")

// SignalListener receives what nodes publish, on a connection of its own
// (LISTEN holds its connection, so it cannot come from the pool).
type SignalListener struct {
	conn *pgx.Conn
	// watched is the context Next was last given, and stopWatching undoes
	// what interrupts the wait when it ends (watch).
	mu           sync.Mutex
	watched      context.Context
	stopWatching func() bool
}

// ListenSignals connects and starts listening. The connection string is the
// store's, so the listener sees the same schema (search_path) and channel.
func (s *Store) ListenSignals(ctx context.Context) (*SignalListener, error) {
	if !s.pg {
		return nil, errors.New("listen for signals: signaling crosses nodes on PostgreSQL only")
	}
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return nil, fmt.Errorf("connect the signal listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.signalChannel}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("listen on %s: %w", s.signalChannel, err)
	}
	return &SignalListener{conn: conn}, nil
}

// Next waits for the next published payload. An error other than
// ErrSignalMissed means the connection is unusable: close the listener and
// listen again. The payload is a string as pgx and the signals table give
// it: a node that drops it unread (its own) copies nothing.
func (l *SignalListener) Next(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("wait for a signal: %w", err)
	}
	l.watch(ctx)
	n, err := l.conn.WaitForNotification(context.Background())
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return "", fmt.Errorf("wait for a signal: %w", err)
	}
	if payload, ok := strings.CutPrefix(n.Payload, inlinePrefix); ok {
		return payload, nil
	}
	idText, ok := strings.CutPrefix(n.Payload, rowPrefix)
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil {
		return "", fmt.Errorf("%w: notification %.40q is neither a message nor a row id", ErrSignalMissed, n.Payload)
	}
	var payload string
	err = l.conn.QueryRow(ctx, "SELECT payload FROM signals WHERE id = $1", id).Scan(&payload)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("%w: large signal %d is gone", ErrSignalMissed, id)
	}
	if err != nil {
		return "", fmt.Errorf("read large signal %d: %w", id, err)
	}
	return payload, nil
}

// watch makes the end of ctx interrupt the wait for a notification. pgx
// would watch a context given to each wait, at a few allocations a wait,
// thousands a second under load (the garbage collector's work): a listener
// is given the same context every time, so it is watched once, and its end
// puts the connection's read deadline in the past, as pgx does on a
// cancel. Given another context, the listener forgets the one before,
// and a deadline its end may have set.
func (l *SignalListener) watch(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ctx == l.watched {
		return
	}
	conn := l.conn.PgConn().Conn()
	if l.stopWatching != nil && !l.stopWatching() {
		conn.SetReadDeadline(time.Time{}) // the one before ended: its deadline goes
	}
	l.watched = ctx
	l.stopWatching = context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.watched == ctx {
			conn.SetReadDeadline(time.Now())
		}
	})
}

// Close ends the listener's connection.
func (l *SignalListener) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.stopWatching != nil {
		l.stopWatching()
	}
	l.mu.Unlock()
	return l.conn.Close(ctx)
}
