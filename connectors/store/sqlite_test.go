package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff/ports"
)

func TestPragmas(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	for _, db := range []struct {
		name string
		q    querier
	}{{"writer", s.w}, {"reader", s.r}} {
		var mode string
		var fk, busy int
		must(t, db.q.QueryRowContext(context.Background(), `PRAGMA journal_mode`).Scan(&mode))
		must(t, db.q.QueryRowContext(context.Background(), `PRAGMA foreign_keys`).Scan(&fk))
		must(t, db.q.QueryRowContext(context.Background(), `PRAGMA busy_timeout`).Scan(&busy))
		if mode != "wal" || fk != 1 || busy != 5000 {
			t.Errorf("%s: journal_mode=%s foreign_keys=%d busy_timeout=%d", db.name, mode, fk, busy)
		}
	}
	var sync int
	must(t, s.w.QueryRow(`PRAGMA synchronous`).Scan(&sync))
	if sync != 1 {
		t.Errorf("writer synchronous = %d, want 1 (NORMAL)", sync)
	}
	if _, err := s.r.Exec(`DELETE FROM sends`); err == nil {
		t.Error("reader connection wrote; want query_only")
	}
}

// TestForgetCascades: a forgotten intent takes its item rows with it
// (foreign_keys is on).
func TestForgetCascades(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)
	rec, _, err := s.Intend(ctx, ports.Send{Kind: "reminder", Ref: "a", Items: []string{"X-1/review", "X-2/review"}})
	must(t, err)
	must(t, s.Forget(ctx, rec.ID))
	var n int
	must(t, s.r.QueryRow(`SELECT COUNT(*) FROM send_items`).Scan(&n))
	if n != 0 {
		t.Errorf("send_items rows = %d after Forget, want 0", n)
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
}

// TestOpenErrorsNameTheFix: the files SQLite would only call "unable to
// open database file (14)" fail naming the cause and the fix.
func TestOpenErrorsNameTheFix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()

	notSQLite := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(notSQLite, []byte("these are my notes, not a database\n"), 0o600))
	short := filepath.Join(dir, "short.db")
	must(t, os.WriteFile(short, []byte("SQLite"), 0o600))
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	must(t, err)
	_, err = db.Exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY)`)
	must(t, err)
	must(t, db.Close())

	tests := []struct {
		name string
		path string
		is   error
		want []string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "ledger.db"), ErrNoDirectory, []string{"create the directory", filepath.Join(dir, "no", "such")}},
		{"not an SQLite file", notSQLite, ErrNotLedger, []string{"not a patchbot ledger", "not an SQLite database"}},
		{"a truncated file", short, ErrNotLedger, []string{"not a patchbot ledger"}},
		{"another program's database", other, ErrNotLedger, []string{"not a patchbot ledger", "invoices", "point the ledger at an empty file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", tc.path)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("Open = %v, want %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestOpenReadOnlyDirectory: a directory the process cannot write to
// (SQLite needs its -wal and -shm files there) says to make it writable.
// Root writes through modes, so as root the directory is made immutable
// instead (chattr +i), which binds root too.
func TestOpenReadOnlyDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "ro")
	must(t, os.Mkdir(dir, 0o755))
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("running as root and cannot make a directory immutable (chattr +i: %v %s): a read-only directory cannot be made here", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", dir).Run() })
	} else {
		must(t, os.Chmod(dir, 0o555))
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	}
	s, err := Open(context.Background(), filepath.Join(dir, "ledger.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open in a read-only directory succeeded")
	}
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "make it writable") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open = %v, want ErrReadOnly naming the directory and the fix", err)
	}
}
