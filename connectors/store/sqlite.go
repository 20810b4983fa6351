package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// ErrNotFound is returned when an operation names a send id the ledger does
// not hold.
var ErrNotFound = errors.New("not found")

// SQLite is the ledger on one SQLite file. It is safe for concurrent use by
// many goroutines, and several processes (the daemon and a CLI) may open the
// same file.
type SQLite struct {
	path string
	// w is the only connection that writes. SQLite allows one writer at a
	// time per file; funnelling this process's writes through one
	// connection makes goroutines queue in database/sql instead of meeting
	// SQLITE_BUSY, and its transactions start with BEGIN IMMEDIATE so that a
	// read-then-write transaction never has to upgrade its lock (the upgrade
	// is what fails with SQLITE_BUSY regardless of busy_timeout).
	w *sql.DB
	// r serves reads. In WAL mode readers do not block the writer or each
	// other, so the CLI's listing never stalls the daemon's cycle.
	r   *sql.DB
	now func() time.Time
}

// Option configures Open.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readers     int
	now         func() time.Time
}

// WithBusyTimeout sets how long a statement waits for another process's
// lock before failing with SQLITE_BUSY (default 5s). Within one process
// writes never wait on each other at the SQLite level; this covers a
// second process, such as the CLI, writing to the same file.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busyTimeout = d }
}

// WithReaders sets the number of read connections (default 4).
func WithReaders(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.readers = n
		}
	}
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

// Open opens (creating if needed) the ledger file at path and brings its
// schema up to date. It refuses, with ErrNewerSchema, a file written by a
// newer patchbot. Close releases it.
func Open(ctx context.Context, path string, opts ...Option) (*SQLite, error) {
	o := options{busyTimeout: 5 * time.Second, readers: 4, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	if strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		// The driver splits the DSN at '?' and treats file: as a URI; a
		// plain path is all the config offers, so refuse rather than
		// misread one.
		return nil, fmt.Errorf("store: open %s: path must be a plain file path without '?' or file: prefix", path)
	}

	s := &SQLite{path: path, now: o.now}
	var err error
	s.w, err = sql.Open("sqlite", dsn(path, o.busyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	if err := s.checkJournal(ctx); err != nil {
		s.w.Close()
		return nil, err
	}
	if err := migrate(ctx, s.w, s.now()); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}

	s.r, err = sql.Open("sqlite", dsn(path, o.busyTimeout, true))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(o.readers)
	s.r.SetMaxIdleConns(o.readers)
	if err := s.r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: readers: %w", path, err)
	}
	return s, nil
}

// dsn builds the driver's connection string. The settings, and why:
//
//   - journal_mode=WAL: readers (the CLI, /metrics) do not block the writer
//     nor it them, and a commit is one append to the WAL. It is persistent in
//     the file, so readers need not set it.
//   - synchronous=NORMAL: in WAL mode this fsyncs at checkpoints, not at
//     every commit. A power loss can lose the last few commits but never
//     corrupts the file. For this ledger that is the right trade: a lost
//     "done" leaves an open intent, which the scheduler resolves by looking
//     the message up in Slack; a lost intent was never acted on. An
//     application crash (not power loss) loses nothing.
//   - foreign_keys=1: SQLite leaves them off by default; send_items relies
//     on ON DELETE CASCADE.
//   - busy_timeout: waits for another process's lock instead of failing.
//   - _txlock=immediate (writer): see SQLite.w.
//   - query_only (readers): a read connection cannot write by mistake.
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// checkJournal fails when the file did not take WAL mode: SQLite silently
// keeps the old mode where WAL is impossible (some network filesystems),
// and the concurrency argument above would no longer hold.
func (s *SQLite) checkJournal(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open %s: journal mode is %q, want wal (is the file on a network filesystem?)", s.path, mode)
	}
	return nil
}

// Close closes the file. Calls after Close fail.
func (s *SQLite) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the ledger lives in.
func (s *SQLite) Path() string { return s.path }

// inTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it.
func (s *SQLite) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
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
