package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNewerSchema is returned by Open when the file's schema is newer than
// this build knows: a newer patchbot wrote it, and an older one must not
// guess at its meaning. Upgrade patchbot or point it at another file.
var ErrNewerSchema = errors.New("ledger schema is newer than this patchbot")

// migration is one step of the schema. Steps are append-only: a released
// step is never edited, a change is a new step.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations is the schema's history. Version n is migrations[n-1].
//
// The DDL is SQLite's: sends.id is INTEGER PRIMARY KEY AUTOINCREMENT
// because a plain rowid reuses the id of a deleted last row, and a Done or
// Forget carrying a forgotten send's id must never land on a new send. A
// PostgreSQL backend would carry its own list with the same tables
// (BIGINT GENERATED ALWAYS AS IDENTITY for sends.id). Times are INTEGER
// Unix nanoseconds, NULL meaning "not yet" or "none".
var migrations = []migration{
	{
		version: 1,
		name:    "sends, items, threads, watermarks, last runs",
		stmts: []string{
			`CREATE TABLE sends (
				id          INTEGER PRIMARY KEY AUTOINCREMENT,
				ref         TEXT    NOT NULL UNIQUE,
				kind        TEXT    NOT NULL,
				recipient   TEXT    NOT NULL,
				level       INTEGER NOT NULL DEFAULT 0,
				intended_at INTEGER NOT NULL,
				done_at     INTEGER,
				channel     TEXT    NOT NULL DEFAULT '',
				ts          TEXT    NOT NULL DEFAULT ''
			)`,
			// Open (done_at IS NULL), Prune (done_at < t) and Stats read it.
			`CREATE INDEX sends_done_at ON sends (done_at)`,
			`CREATE TABLE send_items (
				send_id INTEGER NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
				item    TEXT    NOT NULL,
				PRIMARY KEY (send_id, item)
			)`,
			// History(item) and the Item filter: item → send ids, covering.
			`CREATE INDEX send_items_item ON send_items (item, send_id)`,
			`CREATE TABLE threads (
				ticket  TEXT    PRIMARY KEY,
				channel TEXT    NOT NULL,
				ts      TEXT    NOT NULL,
				parts   INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE TABLE watermarks (
				project TEXT    PRIMARY KEY,
				at      INTEGER NOT NULL
			)`,
			`CREATE TABLE last_runs (
				job TEXT    PRIMARY KEY,
				at  INTEGER NOT NULL
			)`,
		},
	},
	{
		// Snoozes arrive as a second step so that the upgrade path is
		// exercised by the tests from the first release on.
		version: 2,
		name:    "snoozes",
		stmts: []string{
			`CREATE TABLE snoozes (
				ticket     TEXT    PRIMARY KEY,
				until_at   INTEGER NOT NULL,
				snoozed_by TEXT    NOT NULL DEFAULT '',
				snoozed_at INTEGER NOT NULL
			)`,
		},
	},
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int { return len(migrations) }

// migrate brings the file up to the latest version.
func migrate(ctx context.Context, db *sql.DB, now time.Time) error {
	return migrateTo(ctx, db, len(migrations), now)
}

// migrateTo applies the pending steps up to target in one transaction, so
// a failure leaves the file at its old version. The version is read inside
// the transaction, which begins IMMEDIATE: two processes opening the same
// old file at once serialise, and the second finds nothing to do.
func migrateTo(ctx context.Context, db *sql.DB, target int, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if cur > len(migrations) {
		return fmt.Errorf("file has schema version %d, this build knows up to %d: %w", cur, len(migrations), ErrNewerSchema)
	}
	for _, m := range migrations[min(cur, target):target] {
		for _, stmt := range m.stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, now.UnixNano()); err != nil {
			return fmt.Errorf("migrate to version %d (%s): record: %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// Version reports the file's schema version.
func (s *SQLite) Version(ctx context.Context) (int, error) {
	var v int
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}
