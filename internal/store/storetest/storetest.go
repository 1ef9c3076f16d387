// Package storetest gives tests a fresh database of each kind attest
// supports, so that every storage test runs on SQLite and on PostgreSQL.
//
// PostgreSQL comes from ATTEST_TEST_POSTGRES (a URL); the project's test
// command sets it. Without it the PostgreSQL half is skipped, except under
// CI=true, where a missing database fails the test instead.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/attest-dev/attest/internal/store"
)

// Each runs fn once against a fresh SQLite database and once against a fresh
// PostgreSQL schema, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, cfg store.Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Open opens the store cfg names and brings its schema up to date; it is
// closed when the test ends.
func Open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// SQLite is a config for a new embedded database in a temporary directory.
func SQLite(t testing.TB) store.Config {
	return store.Config{DataDir: t.TempDir()}
}

// Postgres is a config for a new, empty schema in the test PostgreSQL,
// dropped when the test ends.
func Postgres(t testing.TB) store.Config {
	t.Helper()
	base := os.Getenv("ATTEST_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ATTEST_TEST_POSTGRES is not set; under CI=true PostgreSQL tests must run (use the project's test command)")
		}
		t.Skip("ATTEST_TEST_POSTGRES is not set; run the project's test command to include PostgreSQL")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open test postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := "attest_test_" + hex.EncodeToString(suffix)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema on %s: %v", redact(base), err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse ATTEST_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Config{DatabaseURL: u.String()}
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the test database"
	}
	return u.Redacted()
}

// RawDB opens cfg's database directly, for tests that must reach past the
// store (to tamper with it, or to read the job queue's tables).
func RawDB(t testing.TB, cfg store.Config) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", cfg.DatabaseURL
	if dsn == "" {
		driver, dsn = "sqlite", "file:"+filepath.Join(cfg.DataDir, "attest.db")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
