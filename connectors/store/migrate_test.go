package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
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
	must(t, migrateTo(ctx, db, 1, t0))
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

// TestNewerSchemaRefused opens a file a future patchbot wrote: Open fails
// with ErrNewerSchema, says which versions, and leaves the file alone.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := openTest(t)
	future := SchemaVersion() + 1
	_, err := s.w.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`, future)
	must(t, err)
	must(t, s.Close())

	_, err = Open(ctx, path)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open(newer) = %v, want ErrNewerSchema", err)
	}
	t.Logf("error: %v", err)
	for _, want := range []string{path, "version 3", "up to 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	db, err := sql.Open("sqlite", path)
	must(t, err)
	defer db.Close()
	var v int
	must(t, db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v))
	if v != future {
		t.Errorf("version after refused open = %d, want %d untouched", v, future)
	}
}

// TestMigrateConcurrentOpen opens a new file from several goroutines at
// once, as two processes starting together would: each step is applied
// exactly once.
func TestMigrateConcurrentOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "race.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(ctx, path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		must(t, <-errs)
	}
	s, err := Open(ctx, path)
	must(t, err)
	defer s.Close()
	var rows int
	must(t, s.r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows))
	if rows != SchemaVersion() {
		t.Errorf("schema_migrations rows = %d, want %d", rows, SchemaVersion())
	}
}

func TestOpenBadPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, p := range []string{"", "x.db?mode=ro", "file:x.db"} {
		if s, err := Open(ctx, p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "missing-dir", "x.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}
