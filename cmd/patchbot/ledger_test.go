package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/connectors/store/storetest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// TestLedgerCopyIntoPostgres: `patchbot ledger copy --from sqlite:PATH`
// carries an SQLite ledger into the configured PostgreSQL one, which a
// daemon then reads as its own; copying twice is refused.
func TestLedgerCopyIntoPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "old.db")
	old, err := store.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	rec, _, err := old.Intend(ctx, ports.Send{Kind: "reminder", Ref: "reminder/U1/2026-11-20", Recipient: "U1", Items: []string{"SEC-1/review"}, Intended: at})
	if err == nil {
		err = old.Done(ctx, rec.ID, ports.Receipt{Channel: "D1", TS: "1.1"}, at, "")
	}
	if err == nil {
		_, _, err = old.Intend(ctx, ports.Send{Kind: "reminder", Ref: "reminder/U2/2026-11-20", Recipient: "U2", Intended: at})
	}
	if err == nil {
		err = old.SetWatermark(ctx, "SEC", at)
	}
	if err != nil {
		t.Fatal(err)
	}
	old.Close()

	t.Setenv("TEST_PG_DSN", dsn)
	c := newCLI(t, func(y string) string {
		return regexp.MustCompile(`(?m)^store:\n  path: .*$`).ReplaceAllLiteralString(y, "store:\n  driver: postgres\n  dsn: ${TEST_PG_DSN}")
	})
	code, out, errOut := c.run("ledger", "copy", "--from", "sqlite:"+src)
	if code != exitOK || !strings.Contains(out, "2 sends (1 items)") || strings.Contains(out, dsn) {
		t.Fatalf("ledger copy: exit %d\n%s%s", code, out, errOut)
	}
	dst, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if h, err := dst.History(ctx, "SEC-1/review"); err != nil || len(h) != 1 || h[0].TS != "1.1" {
		t.Errorf("History in the copy = %+v, %v", h, err)
	}
	if open, err := dst.Open(ctx); err != nil || len(open) != 1 || open[0].Recipient != "U2" {
		t.Errorf("Open in the copy = %+v, %v", open, err)
	}
	if w, _ := dst.Watermark(ctx, "SEC"); !w.Equal(at) {
		t.Errorf("watermark in the copy = %v", w)
	}

	code, _, errOut = c.run("ledger", "copy", "--from", "sqlite:"+src)
	if code != exitError || !strings.Contains(errOut, "copy into an empty ledger") {
		t.Errorf("a second copy: exit %d, %s", code, errOut)
	}
}

func TestLedgerCopyUsage(t *testing.T) {
	c := newCLI(t, nil)
	for _, args := range [][]string{{"ledger"}, {"ledger", "copy"}, {"ledger", "copy", "--from", "/tmp/x.db"}} {
		if code, out, errOut := c.run(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitUsage, out, errOut)
		}
	}
	// The configured ledger itself is no source.
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  path: (.+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no store path in the config")
	}
	code, _, errOut := c.run("ledger", "copy", "--from", "sqlite:"+string(m[1]))
	if code != exitUsage || !strings.Contains(errOut, "the configured ledger itself") {
		t.Errorf("copy from the configured ledger: exit %d, %s", code, errOut)
	}
	if code, _, errOut := c.run("ledger", "copy", "--from", "sqlite:"+filepath.Join(t.TempDir(), "nodir", "x.db")); code != exitError || !strings.Contains(errOut, "create the directory") {
		t.Errorf("copy from a missing directory: exit %d, %s", code, errOut)
	}
}
