package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/handoff/ports"
)

// The ledger's state beside the sends: threads, times, snoozes, reopening,
// pruning and the admin listings.

// testThreadsManyTickets: Threads answers for more tickets than one IN
// list holds (500), leaving out those without a thread.
func testThreadsManyTickets(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)
	n := 1003
	var keys []string
	for i := range n {
		key := fmt.Sprintf("X-%d", i)
		keys = append(keys, key)
		if i%2 == 0 {
			must(t, s.SetThread(ctx, key, ports.Receipt{Channel: "C1", TS: fmt.Sprintf("1.%d", i), Parts: 1}))
		}
	}
	got, err := s.Threads(ctx, keys)
	must(t, err)
	if want := (n + 1) / 2; len(got) != want {
		t.Fatalf("%d threads, want %d", len(got), want)
	}
	for i, key := range keys {
		r, ok := got[key]
		if ok != (i%2 == 0) || ok && r.TS != fmt.Sprintf("1.%d", i) {
			t.Fatalf("%s: %+v %v", key, r, ok)
		}
	}
	if got, err := s.Threads(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Threads(nil) = %v, %v", got, err)
	}
}

func testThreadRoundTrip(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

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

func testTimesRoundTrip(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	tests := []struct {
		name string
		get  func(context.Context, string) (time.Time, error)
		set  func(context.Context, string, time.Time) error
	}{
		{"watermark", s.Watermark, s.SetWatermark},
		{"last run", s.LastRun, s.SetLastRun},
	}
	for _, tc := range tests {
		if got, err := tc.get(ctx, "SEC"); err != nil || !got.IsZero() {
			t.Fatalf("%s: get(new) = %v, %v; want zero", tc.name, got, err)
		}
		must(t, tc.set(ctx, "SEC", T0))
		got, err := tc.get(ctx, "SEC")
		must(t, err)
		// == (not Equal): same instant, same nanoseconds, and UTC.
		if got != T0.UTC() {
			t.Fatalf("%s: get = %v (%s), want %v in UTC to the nanosecond", tc.name, got, got.Location(), T0.UTC())
		}
		later := T0.Add(time.Nanosecond)
		must(t, tc.set(ctx, "SEC", later))
		if got, _ := tc.get(ctx, "SEC"); got != later.UTC() {
			t.Fatalf("%s: get after move = %v, want %v", tc.name, got, later.UTC())
		}
		if got, _ := tc.get(ctx, "OPS"); !got.IsZero() {
			t.Fatalf("%s: other key = %v, want zero", tc.name, got)
		}
		must(t, tc.set(ctx, "SEC", time.Time{})) // reset
		if got, _ := tc.get(ctx, "SEC"); !got.IsZero() {
			t.Fatalf("%s: get after reset = %v, want zero", tc.name, got)
		}
		if err := tc.set(ctx, "SEC", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
			t.Fatalf("%s: set(2300) succeeded; int64 nanoseconds end in 2262", tc.name)
		}
	}
}

func testSnooze(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	if got, err := s.SnoozedUntil(ctx, "SEC-1"); err != nil || !got.IsZero() {
		t.Fatalf("SnoozedUntil(new) = %v, %v", got, err)
	}
	until := T0.Add(72 * time.Hour)
	must(t, s.Snooze(ctx, "SEC-1", until, "U1"))
	got, err := s.SnoozedUntil(ctx, "SEC-1")
	must(t, err)
	if got != until.UTC() {
		t.Fatalf("SnoozedUntil = %v, want %v", got, until.UTC())
	}
	shorter := T0.Add(time.Hour)
	must(t, s.Snooze(ctx, "SEC-1", shorter, "U2"))
	if got, _ := s.SnoozedUntil(ctx, "SEC-1"); got != shorter.UTC() {
		t.Fatalf("SnoozedUntil after re-snooze = %v, want %v", got, shorter.UTC())
	}
	must(t, s.Unsnooze(ctx, "SEC-1"))
	if got, _ := s.SnoozedUntil(ctx, "SEC-1"); !got.IsZero() {
		t.Fatalf("SnoozedUntil after Unsnooze = %v", got)
	}
	must(t, s.Unsnooze(ctx, "SEC-1")) // no-op
	must(t, s.Snooze(ctx, "SEC-2", T0.Add(time.Hour), "U1"))
	must(t, s.Snooze(ctx, "SEC-2", time.Time{}, "U1")) // zero: unsnooze
	if got, _ := s.SnoozedUntil(ctx, "SEC-2"); !got.IsZero() {
		t.Fatalf("SnoozedUntil after a zero snooze = %v", got)
	}
}

// testReopen closes the ledger and opens it again: everything written is
// still there.
func testReopen(t *testing.T, d Driver) {
	ctx := context.Background()
	s, target := d.Open(t)

	done, _, err := s.Intend(ctx, Reminder("done", "SEC-1/review"))
	must(t, err)
	must(t, s.Done(ctx, done.ID, ports.Receipt{Channel: "D1", TS: "1.2"}, T0.Add(time.Second), ""))
	open, _, err := s.Intend(ctx, Reminder("open", "SEC-2/deadline"))
	must(t, err)
	must(t, s.SetThread(ctx, "SEC-1", ports.Receipt{Channel: "C1", TS: "9.9"}))
	must(t, s.SetWatermark(ctx, "SEC", T0))
	must(t, s.SetLastRun(ctx, "nag", T0))
	must(t, s.Snooze(ctx, "SEC-3", T0.Add(time.Hour), "U1"))
	must(t, s.Close())

	s2 := d.Reopen(t, target)
	if h, err := s2.History(ctx, "SEC-1/review"); err != nil || len(h) != 1 || h[0].ID != done.ID || h[0].TS != "1.2" {
		t.Errorf("History after reopen = %+v, %v", h, err)
	}
	if o, err := s2.Open(ctx); err != nil || len(o) != 1 || o[0].ID != open.ID || o[0].Items[0] != "SEC-2/deadline" {
		t.Errorf("Open after reopen = %+v, %v", o, err)
	}
	if _, existed, err := s2.Intend(ctx, Reminder("done")); err != nil || !existed {
		t.Errorf("Intend(done) after reopen: existed=%v err=%v", existed, err)
	}
	if r, ok, _ := s2.Thread(ctx, "SEC-1"); !ok || r.TS != "9.9" {
		t.Errorf("Thread after reopen = %+v %v", r, ok)
	}
	if w, _ := s2.Watermark(ctx, "SEC"); w != T0.UTC() {
		t.Errorf("Watermark after reopen = %v", w)
	}
	if l, _ := s2.LastRun(ctx, "nag"); l != T0.UTC() {
		t.Errorf("LastRun after reopen = %v", l)
	}
	if u, _ := s2.SnoozedUntil(ctx, "SEC-3"); u != T0.Add(time.Hour).UTC() {
		t.Errorf("SnoozedUntil after reopen = %v", u)
	}
	if v, err := s2.Version(ctx); err != nil || v != store.SchemaVersion() {
		t.Errorf("Version = %d, %v; want %d", v, err, store.SchemaVersion())
	}
}

func testPruneKeepsOpenIntents(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	old, _, err := s.Intend(ctx, Reminder("old", "SEC-1/review"))
	must(t, err)
	must(t, s.Done(ctx, old.ID, ports.Receipt{Channel: "D", TS: "1"}, T0, ""))
	recent, _, err := s.Intend(ctx, Reminder("recent", "SEC-1/review"))
	must(t, err)
	must(t, s.Done(ctx, recent.ID, ports.Receipt{Channel: "D", TS: "2"}, T0.Add(48*time.Hour), ""))
	ancient := Reminder("ancient-open", "SEC-2/deadline")
	ancient.Intended = T0.Add(-365 * 24 * time.Hour)
	_, _, err = s.Intend(ctx, ancient)
	must(t, err)

	n, err := s.Prune(ctx, T0.Add(24*time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("Prune removed %d, want 1", n)
	}
	h, err := s.History(ctx, "SEC-1/review")
	must(t, err)
	if got := refs(h); !slices.Equal(got, []string{"recent"}) {
		t.Errorf("History after Prune = %q, want [recent]", got)
	}
	open, err := s.Open(ctx)
	must(t, err)
	if got := refs(open); !slices.Equal(got, []string{"ancient-open"}) {
		t.Errorf("Open after Prune = %q, want the old open intent kept", got)
	}
}

func testSendsFilter(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)
	for i, sd := range []ports.Send{
		{Kind: "reminder", Ref: "r1", Recipient: "U1", Items: []string{"A-1/x"}},
		{Kind: "reminder", Ref: "r2", Recipient: "U2", Items: []string{"A-2/x"}},
		{Kind: "digest", Ref: "d1", Recipient: "C1", Items: []string{"A-1/x", "A-2/x"}},
		{Kind: "escalation", Ref: "e1", Recipient: "U9", Items: []string{"A-1/x"}, Level: 1},
	} {
		sd.Intended = T0.Add(time.Duration(i) * time.Minute)
		rec, _, err := s.Intend(ctx, sd)
		must(t, err)
		if sd.Ref != "e1" {
			must(t, s.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: sd.Ref}, sd.Intended, ""))
		}
	}
	tests := []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"all, newest first", store.Filter{}, []string{"e1", "d1", "r2", "r1"}},
		{"limit", store.Filter{Limit: 2}, []string{"e1", "d1"}},
		{"kind", store.Filter{Kind: "reminder"}, []string{"r2", "r1"}},
		{"recipient", store.Filter{Recipient: "U2"}, []string{"r2"}},
		{"item", store.Filter{Item: "A-1/x"}, []string{"e1", "d1", "r1"}},
		{"item and kind", store.Filter{Item: "A-1/x", Kind: "digest"}, []string{"d1"}},
		{"open only", store.Filter{OpenOnly: true}, []string{"e1"}},
		{"nothing", store.Filter{Kind: "closure"}, nil},
	}
	for _, tc := range tests {
		got, err := s.Sends(ctx, tc.f)
		must(t, err)
		if !slices.Equal(refs(got), tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: Sends(%+v) = %q, want %q", tc.name, tc.f, refs(got), tc.want)
		}
	}
}

func testStats(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)
	for _, sd := range []ports.Send{
		{Kind: "reminder", Ref: "r1"}, {Kind: "reminder", Ref: "r2"}, {Kind: "digest", Ref: "d1"},
	} {
		rec, _, err := s.Intend(ctx, sd)
		must(t, err)
		if sd.Ref != "r2" {
			must(t, s.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: sd.Ref}, T0, ""))
		}
	}
	must(t, s.SetThread(ctx, "A-1", ports.Receipt{Channel: "C", TS: "1"}))
	must(t, s.Snooze(ctx, "A-1", T0.Add(time.Hour), "U1"))
	st, err := s.Stats(ctx)
	must(t, err)
	want := []store.KindStats{{Kind: "digest", Done: 1}, {Kind: "reminder", Open: 1, Done: 1}}
	if !slices.Equal(st.Kinds, want) || st.Threads != 1 || st.Snoozes != 1 {
		t.Errorf("Stats = %+v, want kinds %+v, 1 thread, 1 snooze", st, want)
	}
}
