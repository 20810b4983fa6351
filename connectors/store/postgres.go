package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres opens the ledger in the PostgreSQL database dsn names (a URL,
// postgres://user:password@host:5432/db?sslmode=…, or key=value pairs; a
// search_path=… parameter puts it in a schema of its own) and brings its
// schema up to date under an advisory lock, so replicas starting together
// never migrate at once. Errors name the cause and the fix: a server that
// does not answer, a refused login, a missing database.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Ledger, error) {
	o := newOptions(opts)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes no password; the DSN itself is not shown.
		return nil, fmt.Errorf("store: postgres: the DSN does not parse (store.dsn): %w", err)
	}
	name := pgName(cfg)
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(2 * o.readers)
	db.SetMaxIdleConns(o.readers)
	db.SetConnMaxIdleTime(5 * time.Minute)
	l := &Ledger{driver: DriverPostgres, name: name, w: db, r: db, now: o.now, d: pgBackend{cfg: cfg}}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", name, explainPG(cfg, err))
	}
	if err := migrate(ctx, db, postgresDialect, l.now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", name, explainPG(cfg, err))
	}
	return l, nil
}

// pgName is how errors and logs name a database: never with its password.
func pgName(cfg *pgx.ConnConfig) string {
	return "postgres://" + cfg.User + "@" + net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
}

// explainPG puts the cause and the fix before a connection's error.
func explainPG(cfg *pgx.ConnConfig, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fmt.Errorf("the server refused the login of user %q: check the user and password in store.dsn: %w", cfg.User, err)
		case "3D000":
			return fmt.Errorf("the database %q does not exist: create it (createdb %s) or fix store.dsn: %w", cfg.Database, cfg.Database, err)
		case "42501":
			return fmt.Errorf("user %q may not create the ledger's tables: grant it CREATE on the schema, or run once as the owner: %w", cfg.User, err)
		case "3F000":
			return fmt.Errorf("the schema in search_path does not exist: create it (CREATE SCHEMA …) or fix store.dsn: %w", err)
		}
		return err
	}
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing listens at %s: start PostgreSQL or fix the host and port in store.dsn: %w",
			net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), err)
	case errors.As(err, &dns):
		return fmt.Errorf("the host %q is unknown: fix the host in store.dsn: %w", cfg.Host, err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT):
		return fmt.Errorf("the server at %s did not answer in time: check the network path to it: %w", cfg.Host, err)
	}
	return err
}

// pgBackend is the PostgreSQL driver's share.
type pgBackend struct{ cfg *pgx.ConnConfig }

// fence reads the epoch FOR SHARE: a takeover (qAcquire) updates the
// row, so it waits until this transaction ends, and no write of the old
// leader can commit after a newer one leads.
func (b pgBackend) fence(ctx context.Context, tx *sql.Tx) (int64, error) {
	var e int64
	err := tx.QueryRowContext(ctx, `SELECT epoch FROM leader WHERE name = $1 FOR SHARE`, leaderName).Scan(&e)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return e, err
}

// tryLock takes a session advisory lock on a connection of its own (not
// from the pool: a pooled connection goes back and is recycled, and its
// session lock silently with it). The server drops it when the process
// ends and its connection closes. The key is hashed from the schema and
// the job, so ledgers in other schemas do not share locks.
func (b pgBackend) tryLock(job string) (func(), bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, b.cfg.Copy())
	if err != nil {
		return nil, false, fmt.Errorf("store: lock %s: %w", job, explainPG(b.cfg, err))
	}
	var ok bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended(current_schema() || ':patchbot:job:' || $1, 0))`, job).Scan(&ok)
	if err != nil || !ok {
		_ = conn.Close(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("store: lock %s: %w", job, err)
		}
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(ctx) // the session ends, and its lock with it
	}, true, nil
}

func (b pgBackend) campaign(ctx context.Context, l *Ledger, o LeaseOptions) (*Leadership, error) {
	return campaignLease(ctx, l.w, o)
}

func (b pgBackend) close() error { return nil }
