package store

import (
	"context"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

func TestThreadRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	if _, ok, err := s.Thread(ctx, "SEC-1"); err != nil || ok {
		t.Fatalf("Thread(new) ok=%v err=%v, want none", ok, err)
	}
	r := ports.Receipt{Channel: "C1", TS: "1700000000.000100", Parts: 2}
	must(t, s.SetThread(ctx, "SEC-1", r))
	got, ok, err := s.Thread(ctx, "SEC-1")
	must(t, err)
	if !ok || got != r {
		t.Fatalf("Thread = %+v ok=%v, want %+v", got, ok, r)
	}
	r2 := ports.Receipt{Channel: "C2", TS: "1700000001.000200"}
	must(t, s.SetThread(ctx, "SEC-1", r2))
	if got, _, _ := s.Thread(ctx, "SEC-1"); got != r2 {
		t.Fatalf("Thread after replace = %+v, want %+v", got, r2)
	}
}

func TestTimesRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	tests := []struct {
		name string
		get  func(context.Context, string) (time.Time, error)
		set  func(context.Context, string, time.Time) error
	}{
		{"watermark", s.Watermark, s.SetWatermark},
		{"last run", s.LastRun, s.SetLastRun},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.get(ctx, "SEC"); err != nil || !got.IsZero() {
				t.Fatalf("get(new) = %v, %v; want zero", got, err)
			}
			must(t, tc.set(ctx, "SEC", t0))
			got, err := tc.get(ctx, "SEC")
			must(t, err)
			// == (not Equal): same instant, same nanoseconds, and UTC.
			if got != t0.UTC() {
				t.Fatalf("get = %v (%s), want %v in UTC to the nanosecond", got, got.Location(), t0.UTC())
			}
			later := t0.Add(time.Nanosecond)
			must(t, tc.set(ctx, "SEC", later))
			if got, _ := tc.get(ctx, "SEC"); got != later.UTC() {
				t.Fatalf("get after move = %v, want %v", got, later.UTC())
			}
			if got, _ := tc.get(ctx, "OPS"); !got.IsZero() {
				t.Fatalf("other key = %v, want zero", got)
			}
			must(t, tc.set(ctx, "SEC", time.Time{})) // reset
			if got, _ := tc.get(ctx, "SEC"); !got.IsZero() {
				t.Fatalf("get after reset = %v, want zero", got)
			}
			if err := tc.set(ctx, "SEC", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
				t.Fatal("set(2300) succeeded; int64 nanoseconds end in 2262")
			}
		})
	}
}

func TestSnooze(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	if got, err := s.SnoozedUntil(ctx, "SEC-1"); err != nil || !got.IsZero() {
		t.Fatalf("SnoozedUntil(new) = %v, %v", got, err)
	}
	until := t0.Add(72 * time.Hour)
	must(t, s.Snooze(ctx, "SEC-1", until, "U1"))
	got, err := s.SnoozedUntil(ctx, "SEC-1")
	must(t, err)
	if got != until.UTC() {
		t.Fatalf("SnoozedUntil = %v, want %v", got, until.UTC())
	}
	var by string
	must(t, s.r.QueryRow(`SELECT snoozed_by FROM snoozes WHERE ticket = 'SEC-1'`).Scan(&by))
	if by != "U1" {
		t.Errorf("snoozed_by = %q, want U1", by)
	}

	shorter := t0.Add(time.Hour)
	must(t, s.Snooze(ctx, "SEC-1", shorter, "U2"))
	if got, _ := s.SnoozedUntil(ctx, "SEC-1"); got != shorter.UTC() {
		t.Fatalf("SnoozedUntil after re-snooze = %v, want %v", got, shorter.UTC())
	}

	must(t, s.Unsnooze(ctx, "SEC-1"))
	if got, _ := s.SnoozedUntil(ctx, "SEC-1"); !got.IsZero() {
		t.Fatalf("SnoozedUntil after Unsnooze = %v", got)
	}
	must(t, s.Unsnooze(ctx, "SEC-1")) // no-op
}

// TestReopen closes the file and opens it again: everything written is
// still there.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := openTest(t)

	done, _, err := s.Intend(ctx, reminder("done", "SEC-1/review"))
	must(t, err)
	must(t, s.Done(ctx, done.ID, ports.Receipt{Channel: "D1", TS: "1.2"}, t0.Add(time.Second), ""))
	open, _, err := s.Intend(ctx, reminder("open", "SEC-2/deadline"))
	must(t, err)
	must(t, s.SetThread(ctx, "SEC-1", ports.Receipt{Channel: "C1", TS: "9.9"}))
	must(t, s.SetWatermark(ctx, "SEC", t0))
	must(t, s.SetLastRun(ctx, "nag", t0))
	must(t, s.Snooze(ctx, "SEC-3", t0.Add(time.Hour), "U1"))
	must(t, s.Close())

	s2, err := Open(ctx, path)
	must(t, err)
	defer s2.Close()

	if h, err := s2.History(ctx, "SEC-1/review"); err != nil || len(h) != 1 || h[0].ID != done.ID || h[0].TS != "1.2" {
		t.Errorf("History after reopen = %+v, %v", h, err)
	}
	if o, err := s2.Open(ctx); err != nil || len(o) != 1 || o[0].ID != open.ID || o[0].Items[0] != "SEC-2/deadline" {
		t.Errorf("Open after reopen = %+v, %v", o, err)
	}
	if _, existed, err := s2.Intend(ctx, reminder("done")); err != nil || !existed {
		t.Errorf("Intend(done) after reopen: existed=%v err=%v", existed, err)
	}
	if r, ok, _ := s2.Thread(ctx, "SEC-1"); !ok || r.TS != "9.9" {
		t.Errorf("Thread after reopen = %+v %v", r, ok)
	}
	if w, _ := s2.Watermark(ctx, "SEC"); w != t0.UTC() {
		t.Errorf("Watermark after reopen = %v", w)
	}
	if l, _ := s2.LastRun(ctx, "nag"); l != t0.UTC() {
		t.Errorf("LastRun after reopen = %v", l)
	}
	if u, _ := s2.SnoozedUntil(ctx, "SEC-3"); u != t0.Add(time.Hour).UTC() {
		t.Errorf("SnoozedUntil after reopen = %v", u)
	}
}

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
