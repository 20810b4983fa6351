package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/handoff/ports"
)

// testSnapshots: a day's counts are written once (the first write of a
// (day, project) stays), old days are pruned in the same write, Days
// reads them back in order from a day on, a bad day is refused, a fenced
// handle writes none, and Copy carries them.
func testSnapshots(t *testing.T, d Driver) {
	ctx := context.Background()
	l, _ := d.Open(t)
	day := func(s string, p string, o, i, od int) ports.DayCount {
		return ports.DayCount{Day: s, Project: p, Open: o, Incomplete: i, Overdue: od}
	}
	n, err := l.RecordDay(ctx, []ports.DayCount{day("2026-08-01", "SEC", 1, 1, 1), day("2026-11-25", "SEC", 9, 9, 9)}, "")
	must(t, err)
	if n != 2 {
		t.Errorf("first write wrote %d rows, want 2", n)
	}
	n, err = l.RecordDay(ctx, []ports.DayCount{day("2026-11-26", "SEC", 40, 12, 5), day("2026-11-26", "OPS", 7, 2, 1)}, "2026-08-02")
	must(t, err)
	if n != 2 {
		t.Errorf("second write wrote %d rows, want 2", n)
	}
	// The same day again: the first snapshot of the day stays.
	n, err = l.RecordDay(ctx, []ports.DayCount{day("2026-11-26", "SEC", 41, 11, 4)}, "2026-08-02")
	must(t, err)
	if n != 0 {
		t.Errorf("a second snapshot of the day wrote %d rows, want 0", n)
	}
	got, err := l.Days(ctx, "")
	must(t, err)
	want := []ports.DayCount{day("2026-11-25", "SEC", 9, 9, 9), day("2026-11-26", "OPS", 7, 2, 1), day("2026-11-26", "SEC", 40, 12, 5)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Days = %v, want %v (2026-08-01 pruned)", got, want)
	}
	got, err = l.Days(ctx, "2026-11-26")
	must(t, err)
	if len(got) != 2 || got[0].Project != "OPS" {
		t.Errorf("Days from 2026-11-26 = %v", got)
	}
	for _, bad := range []string{"26.11.2026", "2026-11-26T00:00:00Z", "2026-1-2", ""} {
		if _, err := l.RecordDay(ctx, []ports.DayCount{day(bad, "SEC", 1, 1, 1)}, ""); err == nil {
			t.Errorf("RecordDay with day %q accepted", bad)
		}
	}
	if _, err := l.Days(ctx, "yesterday"); err == nil {
		t.Error("Days from \"yesterday\" accepted")
	}

	// A deposed leader's handle records nothing.
	a, target := d.Open(t)
	b := d.Reopen(t, target)
	o := store.LeaseOptions{TTL: time.Second}
	ta, err := a.Campaign(ctx, o)
	must(t, err)
	must(t, ta.Release(ctx))
	tb, err := b.Campaign(ctx, o)
	must(t, err)
	defer tb.Release(ctx)
	if _, err := a.RecordDay(ctx, []ports.DayCount{day("2026-11-27", "SEC", 1, 1, 1)}, ""); !errors.Is(err, store.ErrFenced) {
		t.Errorf("RecordDay by a deposed leader = %v, want ErrFenced", err)
	}
	if n, err := b.RecordDay(ctx, []ports.DayCount{day("2026-11-27", "SEC", 1, 1, 1)}, ""); err != nil || n != 1 {
		t.Errorf("RecordDay by the leader = %d, %v", n, err)
	}

	dst, _ := d.Open(t)
	src, _ := SQLite.Open(t)
	_, err = src.RecordDay(ctx, want, "")
	must(t, err)
	counts, err := store.Copy(ctx, dst, src)
	must(t, err)
	if counts["snapshots"] != 3 {
		t.Errorf("Copy carried %d snapshots, want 3", counts["snapshots"])
	}
	if got, err := dst.Days(ctx, ""); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("copied Days = %v, %v", got, err)
	}
}

// testActiveSnoozes: only the snoozes still holding at the instant are
// listed, the first to end first, with who asked and when.
func testActiveSnoozes(t *testing.T, d Driver) {
	ctx := context.Background()
	l, _ := d.Open(t)
	must(t, l.Snooze(ctx, "SEC-1", T0.Add(48*time.Hour), "U1"))
	must(t, l.Snooze(ctx, "SEC-2", T0.Add(24*time.Hour), "U2"))
	must(t, l.Snooze(ctx, "SEC-3", T0.Add(-time.Hour), "U3")) // over
	got, err := l.ActiveSnoozes(ctx, T0)
	must(t, err)
	if len(got) != 2 || got[0].Key != "SEC-2" || got[1].Key != "SEC-1" {
		t.Fatalf("ActiveSnoozes = %+v, want SEC-2 then SEC-1", got)
	}
	if got[0].By != "U2" || !got[0].Until.Equal(T0.Add(24*time.Hour)) || !got[0].At.Equal(T0) {
		t.Errorf("ActiveSnoozes[0] = %+v", got[0])
	}
	if got, err := l.ActiveSnoozes(ctx, T0.Add(72*time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("ActiveSnoozes later = %+v, %v", got, err)
	}
}
