package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrateFromVersion1 builds a file as the first release left it, with
// data, and opens it: the schema is brought up to date and the data kept.
func TestMigrateFromVersion1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")

	db, err := sql.Open("sqlite", dsn(path, time.Second, false))
	must(t, err)
	must(t, migrateTo(ctx, db, sqliteDialect, 1, t0))
	_, err = db.Exec(`INSERT INTO sends (ref, kind, recipient, intended_at, done_at, channel, ts)
		VALUES ('reminder/U1/2026-11-20', 'reminder', 'U1', $1, $1, 'D1', '1.1')`, t0.UnixNano())
	must(t, err)
	_, err = db.Exec(`INSERT INTO send_items (send_id, item) VALUES (1, 'SEC-1/review')`)
	must(t, err)
	var tables int
	must(t, db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'snoozes'`).Scan(&tables))
	if tables != 0 {
		t.Fatal("version 1 already has snoozes; the test no longer builds an old file")
	}
	must(t, db.Close())

	s, err := Open(ctx, path)
	must(t, err)
	defer s.Close()
	if v, err := s.Version(ctx); err != nil || v != SchemaVersion() {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion())
	}
	h, err := s.History(ctx, "SEC-1/review")
	must(t, err)
	if len(h) != 1 || h[0].Ref != "reminder/U1/2026-11-20" || h[0].Done != t0.UTC() {
		t.Fatalf("History after migration = %+v", h)
	}
	must(t, s.Snooze(ctx, "SEC-1", t0.Add(time.Hour), "U1")) // version 2's table works
	must(t, s.Close())

	// Opening again applies nothing twice.
	s, err = Open(ctx, path)
	must(t, err)
	defer s.Close()
	var rows int
	must(t, s.r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows))
	if rows != SchemaVersion() {
		t.Errorf("schema_migrations rows = %d, want %d", rows, SchemaVersion())
	}
}
