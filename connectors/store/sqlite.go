package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// The causes of a ledger file that cannot be opened, each with its fix in
// the error's text; match them with errors.Is.
var (
	// ErrNoDirectory: the ledger's directory does not exist.
	ErrNoDirectory = errors.New("the directory does not exist")
	// ErrReadOnly: the ledger's directory or file cannot be written.
	ErrReadOnly = errors.New("not writable")
	// ErrNotLedger: the file (or database) holds something else.
	ErrNotLedger = errors.New("not a patchbot ledger")
)

// Open opens (creating if needed) the SQLite ledger file at path and
// brings its schema up to date. It refuses, with ErrNewerSchema, a file
// written by a newer patchbot; a missing or read-only directory and a file
// that is not a ledger fail with ErrNoDirectory, ErrReadOnly or
// ErrNotLedger, saying what to do. Close releases it.
//
// The writer is a pool of one connection. SQLite allows one writer at a
// time per file; funnelling this process's writes through one connection
// makes goroutines queue in database/sql instead of meeting SQLITE_BUSY,
// and its transactions start with BEGIN IMMEDIATE so that a read-then-write
// transaction never has to upgrade its lock (the upgrade is what fails with
// SQLITE_BUSY regardless of busy_timeout). Reads go to a pool of their
// own: in WAL mode readers do not block the writer or each other, so the
// CLI's listing never stalls the daemon's cycle.
func Open(ctx context.Context, path string, opts ...Option) (*Ledger, error) {
	o := newOptions(opts)
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	if strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		// The driver splits the DSN at '?' and treats file: as a URI; a
		// plain path is all the config offers, so refuse rather than
		// misread one.
		return nil, fmt.Errorf("store: open %s: path must be a plain file path without '?' or file: prefix", path)
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}

	s := &Ledger{driver: DriverSQLite, name: path, now: o.now, d: sqliteBackend{path: path}}
	var err error
	s.w, err = sql.Open("sqlite", dsn(path, o.busyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)

	// Turning a new file to WAL takes an exclusive lock, and SQLite
	// answers SQLITE_BUSY at once (no busy handler) when another process
	// opens the file at the same moment: try again for a while.
	for deadline := time.Now().Add(o.busyTimeout); ; {
		err = s.checkJournal(ctx)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			s.w.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			s.w.Close()
			return nil, err
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := migrate(ctx, s.w, sqliteDialect, s.now()); err != nil {
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

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// checkFile finds, before SQLite does, the usual reasons a ledger file
// cannot be opened: SQLite reports all of them as "unable to open
// database file (14)", which names neither the cause nor the fix.
func checkFile(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s: create the directory (mkdir -p %s) or point store.path into one that exists", ErrNoDirectory, dir, dir)
	case err != nil:
		return fmt.Errorf("the directory %s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory: point store.path into a directory", dir)
	}
	f, err := os.Open(path)
	switch {
	case err == nil:
		head := make([]byte, len(sqliteMagic))
		n, rerr := io.ReadFull(f, head)
		f.Close()
		if n > 0 && !bytes.Equal(head[:n], sqliteMagic[:n]) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: the file is not an SQLite database: point store.path at the ledger, or move this file away and patchbot creates a new ledger", ErrNotLedger)
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("read the file: %w", rerr)
		}
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: the file cannot be read by this user: make it readable and writable (chown or chmod u+rw)", ErrReadOnly)
	default:
		return err
	}
	// SQLite writes its -wal and -shm files beside the ledger, so the
	// directory must be writable even when the file exists.
	probe, err := os.CreateTemp(dir, ".patchbot-probe-*")
	if err != nil {
		if readOnly(err) {
			return fmt.Errorf("%w: the directory %s: make it writable for this user (SQLite keeps its -wal and -shm files beside the ledger): %v", ErrReadOnly, dir, err)
		}
		return fmt.Errorf("the directory %s: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
		f.Close()
	} else if readOnly(err) {
		return fmt.Errorf("%w: the file: make it writable for this user (chown or chmod u+rw): %v", ErrReadOnly, err)
	}
	return nil
}

// readOnly tells the errors of a file or directory that cannot be written.
func readOnly(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM)
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
//   - _txlock=immediate (writer): see Open.
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
func (l *Ledger) checkJournal(ctx context.Context) error {
	var mode string
	if err := l.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", l.name, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open %s: journal mode is %q, want wal (is the file on a network filesystem?)", l.name, mode)
	}
	return nil
}

// sqliteBackend is the SQLite driver's share.
type sqliteBackend struct{ path string }

// fence reads the epoch; the transaction (BEGIN IMMEDIATE) already holds
// the file's write lock, so no takeover can commit before it ends.
func (b sqliteBackend) fence(ctx context.Context, tx *sql.Tx) (int64, error) {
	var e int64
	err := tx.QueryRowContext(ctx, `SELECT epoch FROM leader WHERE name = $1`, leaderName).Scan(&e)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return e, err
}

func (b sqliteBackend) tryLock(job string) (func(), bool, error) {
	release, ok, err := flock(b.path + "." + job + ".lock")
	if err != nil {
		return nil, false, fmt.Errorf("store: lock %s: %w", job, err)
	}
	return release, ok, nil
}

func (b sqliteBackend) close() error { return nil }
