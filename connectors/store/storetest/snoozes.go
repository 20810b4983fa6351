package storetest

import (
	"context"
	"testing"
	"time"
)

// The listing of snoozes joins the suite from here.
func init() {
	suite = append(suite, struct {
		name string
		run  func(t *testing.T, d Driver)
	}{"SnoozesList", testSnoozesList})
}

// testSnoozesList: Snoozes lists each ticket's snooze once (a re-snooze
// replaces it), ended ones too, by end time; a lifted one is gone.
func testSnoozesList(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)
	if got, err := s.Snoozes(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Snoozes(new ledger) = %v, %v", got, err)
	}
	must(t, s.Snooze(ctx, "SEC-2", T0.Add(72*time.Hour), "ana"))
	must(t, s.Snooze(ctx, "SEC-1", T0.Add(-time.Hour), "bo"))
	must(t, s.Snooze(ctx, "OPS-9", T0.Add(24*time.Hour), "cy"))
	must(t, s.Snooze(ctx, "SEC-2", T0.Add(48*time.Hour), "dee")) // replaces
	must(t, s.Unsnooze(ctx, "OPS-9"))
	got, err := s.Snoozes(ctx)
	must(t, err)
	want := []struct {
		key, by string
		until   time.Time
	}{{"SEC-1", "bo", T0.Add(-time.Hour)}, {"SEC-2", "dee", T0.Add(48 * time.Hour)}}
	if len(got) != len(want) {
		t.Fatalf("Snoozes = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.key || g.By != w.by || !g.Until.Equal(w.until) || g.Until.Location() != time.UTC || g.At.IsZero() {
			t.Errorf("Snoozes[%d] = %+v, want %s until %v by %s", i, g, w.key, w.until.UTC(), w.by)
		}
	}
}
