// Package store keeps attest's data in SQLite (embedded, the default) or
// PostgreSQL (for several nodes). The SQL is written once, with ? for
// parameters, and the few differences between the two are settled here.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Config says where the data lives: a PostgreSQL URL, or else a directory
// holding the SQLite database.
type Config struct {
	DataDir     string
	DatabaseURL string
}

// Store is attest's database. Reads go through a pool that may run them in
// parallel; writes go through InTx.
type Store struct {
	conn
	write *sql.DB
	read  *sql.DB
	// onEvent runs after a transaction that appended events commits.
	onEvent func()
	// url and signalChannel let a node listen for other nodes' signaling
	// (PostgreSQL only): see signal.go.
	url           string
	signalChannel string
	notifier      notifier
}

// OnEventCommitted sets fn to run after every transaction that appends
// events commits, so that their webhooks go out without waiting for a poll.
// Set it before the store is used.
func (s *Store) OnEventCommitted(fn func()) { s.onEvent = fn }

// Open connects to the database described by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DatabaseURL != "" {
		return openPostgres(ctx, cfg.DatabaseURL)
	}
	return openSQLite(ctx, cfg.DataDir)
}

func openPostgres(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	channel, err := signalChannel(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{conn: conn{q: db, pg: true, stmts: new(sync.Map)}, write: db, read: db, url: url, signalChannel: channel}, nil
}

// openSQLite opens two pools on one WAL database: a single writer
// connection, because SQLite has one writer at a time and queueing in Go is
// kinder than SQLITE_BUSY, and several readers, which WAL lets run beside it.
func openSQLite(ctx context.Context, dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open sqlite: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "attest.db")
	// secure_delete overwrites what is deleted or replaced, so that an
	// erased freelancer's words do not linger in free pages.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=secure_delete(1)"
	write, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_txlock=immediate&"+common)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// The database is for this service alone; its WAL and shared-memory
	// files take the same mode.
	if err := os.Chmod(path, 0o600); err != nil {
		write.Close()
		return nil, fmt.Errorf("restrict %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)&"+common)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &Store{conn: conn{q: read, stmts: new(sync.Map)}, write: write, read: read}, nil
}

// Checkpoint moves SQLite's write-ahead log into the database and empties
// it, so that what an erasure overwrote is gone from the log too. It does
// nothing on PostgreSQL.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.pg {
		return nil
	}
	if _, err := s.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.pg }

// DB is the pool that writes; the job queue shares it so that jobs can be
// enqueued in the same transaction as the change that causes them.
func (s *Store) DB() *sql.DB { return s.write }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// Close closes both pools.
func (s *Store) Close() error {
	s.stmts.Range(func(_, stmt any) bool {
		stmt.(*sql.Stmt).Close()
		return true
	})
	err := errors.Join(s.notifier.close(), s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Tx is a write transaction. Everything a change implies (its event, its
// audit entry, its jobs) is written in the same Tx, so that none is lost.
type Tx struct {
	conn
	sql         *sql.Tx
	afterCommit []func()
	onEvent     func()
	sawEvent    bool
}

// AfterCommit runs fn once the transaction has committed, and never if it
// rolls back: for effects outside the database, such as counting a change in
// the process's metrics.
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// SQL is the underlying transaction, for the job queue.
func (t *Tx) SQL() *sql.Tx { return t.sql }

// InTx runs fn in a transaction and commits it when fn returns nil, then
// runs what fn registered with AfterCommit.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{conn: conn{q: tx, pg: s.pg}, sql: tx, onEvent: s.onEvent}
	if err := fn(t); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, after := range t.afterCommit {
		after()
	}
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries on a pool or a transaction, in either dialect. Reads are
// methods of conn, so they work both outside and inside a transaction.
type conn struct {
	q  querier
	pg bool
	// stmts caches prepared reads on a pool (nil inside a transaction):
	// parsing SQL costs more than running these small indexed queries.
	stmts *sync.Map
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.rebind(query), args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if stmt := c.prepared(ctx, query); stmt != nil {
		return stmt.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, c.rebind(query), args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if stmt := c.prepared(ctx, query); stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, c.rebind(query), args...)
}

// prepared returns the cached statement for query on a pool, preparing it
// the first time; nil means run the query unprepared.
func (c conn) prepared(ctx context.Context, query string) *sql.Stmt {
	db, ok := c.q.(*sql.DB)
	if !ok || c.stmts == nil {
		return nil
	}
	if stmt, ok := c.stmts.Load(query); ok {
		return stmt.(*sql.Stmt)
	}
	stmt, err := db.PrepareContext(ctx, c.rebind(query))
	if err != nil {
		return nil // the unprepared query will report the error
	}
	if prev, loaded := c.stmts.LoadOrStore(query, stmt); loaded {
		stmt.Close()
		return prev.(*sql.Stmt)
	}
	return stmt
}

var rebound sync.Map // query text → PostgreSQL form

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Queries in this
// package never hold a literal question mark.
func (c conn) rebind(query string) string {
	if !c.pg {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	rebound.Store(query, b.String())
	return b.String()
}

// sqliteTime is fixed-width so that text comparison in SQL orders times correctly.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// t encodes a time for a query parameter.
func (c conn) t(at time.Time) any {
	at = at.UTC().Truncate(time.Microsecond)
	if c.pg {
		return at
	}
	return at.Format(sqliteTime)
}

// nt encodes an optional time; nil is SQL NULL.
func (c conn) nt(at *time.Time) any {
	if at == nil {
		return nil
	}
	return c.t(*at)
}

// timeCol scans a time column of either dialect.
type timeCol struct{ t *time.Time }

func (s timeCol) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

func (s timeCol) parse(v string) error {
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", v, err)
	}
	*s.t = at.UTC()
	return nil
}

// nullTimeCol scans a nullable time column into a *time.Time.
type nullTimeCol struct{ t **time.Time }

func (s nullTimeCol) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	var at time.Time
	if err := (timeCol{&at}).Scan(v); err != nil {
		return err
	}
	*s.t = &at
	return nil
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns prefix_ followed by 26 characters that sort by creation time
// (48 bits of milliseconds, then 80 random bits), so lists can page by id.
func NewID(prefix string, at time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the platform is broken; nothing safe remains
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// isUniqueViolation reports whether err is a unique-constraint violation in either dialect.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
