package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// t0 is a fixed instant with nanoseconds, in a non-UTC zone.
var t0 = time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))

// openTest opens a fresh SQLite ledger in t.TempDir and closes it at
// cleanup. (The tests of the ledger's semantics, for both drivers, are in
// storetest; these are SQLite's own.)
func openTest(t testing.TB, opts ...Option) (*Ledger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := Open(context.Background(), path, append([]Option{WithClock(func() time.Time { return t0 })}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
