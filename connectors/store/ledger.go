package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrNotFound is returned when an operation names a send id the ledger does
// not hold.
var ErrNotFound = errors.New("not found")

// The drivers, as config's store.driver names them.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Ledger is patchbot's ledger on one database: an SQLite file (Open) or a
// PostgreSQL database (OpenPostgres). Both run the same queries through
// database/sql; what differs (connection setup, DDL, locks, leadership) is
// the driver's. It is safe for concurrent use by many goroutines, and
// several processes may open the same ledger.
type Ledger struct {
	driver string
	// name is what errors call the ledger: the SQLite path, or the
	// PostgreSQL DSN without its password.
	name string
	// w takes every write, r every read. For SQLite they are two pools
	// on one file (see Open); for PostgreSQL, one pool.
	w, r *sql.DB
	now  func() time.Time
	// epoch is the leadership term this handle writes under (Campaign
	// sets it); 0 is a handle that never campaigned (the CLI), whose
	// writes are not fenced.
	epoch atomic.Int64
	d     backend
}

// backend is what each driver does its own way.
type backend interface {
	// fence reads the current leadership epoch inside tx, holding it
	// until tx ends where the database allows (PostgreSQL: FOR SHARE),
	// so that no takeover commits between the check and the write.
	fence(ctx context.Context, tx *sql.Tx) (int64, error)
	tryLock(job string) (release func(), ok bool, err error)
	campaign(ctx context.Context, l *Ledger, o LeaseOptions) (*Leadership, error)
	close() error
}

// Option configures Open and OpenPostgres.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readers     int
	now         func() time.Time
}

// WithClock replaces the clock used when a caller leaves a time zero
// (Send.Intended, Done's at, a snooze's recorded time).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

func newOptions(opts []Option) options {
	o := options{busyTimeout: 5 * time.Second, readers: 4, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// OpenDriver opens the ledger config names: for "sqlite" target is the
// file's path, for "postgres" a DSN.
func OpenDriver(ctx context.Context, driver, target string, opts ...Option) (*Ledger, error) {
	switch driver {
	case DriverSQLite, "":
		return Open(ctx, target, opts...)
	case DriverPostgres:
		return OpenPostgres(ctx, target, opts...)
	}
	return nil, fmt.Errorf("store: unknown driver %q: use sqlite or postgres", driver)
}

// Driver is "sqlite" or "postgres".
func (l *Ledger) Driver() string { return l.driver }

// Name is the SQLite file's path, or the PostgreSQL DSN without its
// password.
func (l *Ledger) Name() string { return l.name }

// Path is the SQLite file the ledger lives in ("" for PostgreSQL).
func (l *Ledger) Path() string {
	if l.driver != DriverSQLite {
		return ""
	}
	return l.name
}

// Close closes the ledger. Calls after Close fail.
func (l *Ledger) Close() error {
	var errs []error
	if l.d != nil {
		errs = append(errs, l.d.close())
	}
	if l.r != nil && l.r != l.w {
		errs = append(errs, l.r.Close())
	}
	if l.w != nil {
		errs = append(errs, l.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close %s: %w", l.name, err)
	}
	return nil
}

// TryLock takes the lock of one kind of job (sync, nag, digest) on this
// ledger, for every process that opens it: a one-shot `patchbot sync
// --post` and a running daemon never sync at once, which could otherwise
// each find the other's open intent, look it up before the other posted,
// and post it too. ok is false when another holder has it. The lock goes
// with the process however it ends: SQLite holds an flock on a file next
// to the ledger, PostgreSQL a session advisory lock on a connection of its
// own.
func (l *Ledger) TryLock(job string) (release func(), ok bool, err error) {
	return l.d.tryLock(job)
}

// inTx runs fn in a write transaction and commits it. A fenced write
// first checks, in the same transaction, that this handle's leadership is
// still the current one (see Campaign).
func (l *Ledger) inTx(ctx context.Context, fenced bool, fn func(*sql.Tx) error) error {
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if fenced {
		if err := l.checkFence(ctx, tx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// checkFence fails with ErrFenced when a newer leader than this handle's
// exists. A handle that never campaigned is not fenced.
func (l *Ledger) checkFence(ctx context.Context, tx *sql.Tx) error {
	mine := l.epoch.Load()
	if mine == 0 {
		return nil
	}
	cur, err := l.d.fence(ctx, tx)
	if err != nil {
		return fmt.Errorf("read the leadership epoch: %w", err)
	}
	if cur != mine {
		return &FencedError{Epoch: mine, Current: cur}
	}
	return nil
}

// exec runs one statement, fenced or not, in a transaction of its own.
func (l *Ledger) exec(ctx context.Context, fenced bool, query string, args ...any) (sql.Result, error) {
	if !fenced || l.epoch.Load() == 0 {
		return l.w.ExecContext(ctx, query, args...)
	}
	var res sql.Result
	err := l.inTx(ctx, true, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// Times are stored as Unix nanoseconds (UTC by definition); NULL is the zero
// time. int64 nanoseconds cover 1678–2262.
var (
	minTime = time.Unix(0, -1<<63)
	maxTime = time.Unix(0, 1<<63-1)
)

func toNanos(t time.Time) (sql.NullInt64, error) {
	if t.IsZero() {
		return sql.NullInt64{}, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return sql.NullInt64{}, fmt.Errorf("time %s outside the storable range (1678–2262)", t.Format(time.RFC3339))
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}, nil
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}
