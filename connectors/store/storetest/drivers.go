// Package storetest is the ledger's conformance suite: Run holds a driver
// to the semantics the scheduler's ports and the CLI rely on, so SQLite and
// PostgreSQL are checked by the same tests. It also opens throwaway
// ledgers for other packages' tests (SQLite in a temporary directory,
// PostgreSQL in a schema of its own that is dropped afterwards).
//
// PostgreSQL is reached through PATCHBOT_TEST_POSTGRES_DSN (.ci/run starts
// a server and sets it). Without it, or when the server does not answer,
// PostgreSQL tests skip saying so; with CI=true they fail instead.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for Raw
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver, for Raw

	"github.com/patchbot/patchbot/connectors/store"
)

// DSNEnv names the environment variable holding the test server's DSN.
const DSNEnv = "PATCHBOT_TEST_POSTGRES_DSN"

// T0 is a fixed instant with nanoseconds, in a non-UTC zone, so tests see
// both precision and normalisation to UTC.
var T0 = time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))

// Driver is one way of keeping the ledger, as the suite sees it.
type Driver struct {
	Name string // store.DriverSQLite or store.DriverPostgres
	// Target makes a fresh, empty place for a ledger (an SQLite path, a
	// DSN to a new schema), removed when the test ends.
	Target func(t testing.TB) string
	// Raw opens the database behind target without the store, for
	// tests that write what patchbot never would.
	Raw func(t testing.TB, target string) *sql.DB
}

// Open opens a fresh ledger of d with the suite's clock (T0) and closes it
// when the test ends; target reaches it again.
func (d Driver) Open(t testing.TB, opts ...store.Option) (l *store.Ledger, target string) {
	t.Helper()
	target = d.Target(t)
	return d.Reopen(t, target, opts...), target
}

// Reopen opens another handle on the ledger at target, closed when the
// test ends.
func (d Driver) Reopen(t testing.TB, target string, opts ...store.Option) *store.Ledger {
	t.Helper()
	l, err := store.OpenDriver(context.Background(), d.Name, target, append([]store.Option{store.WithClock(func() time.Time { return T0 })}, opts...)...)
	if err != nil {
		t.Fatalf("open %s ledger: %v", d.Name, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// SQLite keeps ledgers in files under t.TempDir.
var SQLite = Driver{
	Name:   store.DriverSQLite,
	Target: func(t testing.TB) string { return filepath.Join(t.TempDir(), "ledger.db") },
	Raw: func(t testing.TB, target string) *sql.DB {
		db, err := sql.Open("sqlite", target)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
}

// Postgres keeps ledgers in schemas of their own on the test server.
var Postgres = Driver{
	Name:   store.DriverPostgres,
	Target: PostgresDSN,
	Raw: func(t testing.TB, target string) *sql.DB {
		db, err := sql.Open("pgx", target)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
}

var server struct {
	once sync.Once
	err  error
}

// PostgresBase is the test server's DSN. It skips the test when there is
// none or it does not answer, and fails it instead when CI=true.
func PostgresBase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(DSNEnv)
	server.once.Do(func() {
		if base == "" {
			server.err = fmt.Errorf("%s is not set", DSNEnv)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			server.err = fmt.Errorf("the server in %s does not answer: %w", DSNEnv, err)
			return
		}
		server.err = conn.Ping(ctx)
		conn.Close(ctx)
	})
	if server.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL tests cannot run on CI: %v (.ci/run starts a server and sets %s)", server.err, DSNEnv)
		}
		t.Skipf("no PostgreSQL: %v; set %s=postgres://user@127.0.0.1:5432/postgres?sslmode=disable to run this test (.ci/run shows how to start a throwaway server)", server.err, DSNEnv)
	}
	return base
}

// PostgresDSN creates a schema of its own on the test server and returns a
// DSN whose search_path is that schema; the schema is dropped when the
// test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := PostgresBase(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "patchbot_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithParam(base, "search_path", schema)
}

// WithParam adds a connection parameter to a DSN (URL or key=value form).
func WithParam(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set(key, value)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " " + key + "=" + value
}
