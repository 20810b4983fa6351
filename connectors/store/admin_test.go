package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

func TestPruneKeepsOpenIntents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	old, _, err := s.Intend(ctx, reminder("old", "SEC-1/review"))
	must(t, err)
	must(t, s.Done(ctx, old.ID, ports.Receipt{Channel: "D", TS: "1"}, t0, ""))
	recent, _, err := s.Intend(ctx, reminder("recent", "SEC-1/review"))
	must(t, err)
	must(t, s.Done(ctx, recent.ID, ports.Receipt{Channel: "D", TS: "2"}, t0.Add(48*time.Hour), ""))
	ancient := reminder("ancient-open", "SEC-2/deadline")
	ancient.Intended = t0.Add(-365 * 24 * time.Hour)
	_, _, err = s.Intend(ctx, ancient)
	must(t, err)

	n, err := s.Prune(ctx, t0.Add(24*time.Hour))
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
	var items int
	must(t, s.r.QueryRow(`SELECT COUNT(*) FROM send_items WHERE send_id = $1`, old.ID).Scan(&items))
	if items != 0 {
		t.Errorf("pruned send left %d item rows", items)
	}
}

func TestSendsFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)
	for i, sd := range []ports.Send{
		{Kind: "reminder", Ref: "r1", Recipient: "U1", Items: []string{"A-1/x"}},
		{Kind: "reminder", Ref: "r2", Recipient: "U2", Items: []string{"A-2/x"}},
		{Kind: "digest", Ref: "d1", Recipient: "C1", Items: []string{"A-1/x", "A-2/x"}},
		{Kind: "escalation", Ref: "e1", Recipient: "U9", Items: []string{"A-1/x"}, Level: 1},
	} {
		sd.Intended = t0.Add(time.Duration(i) * time.Minute)
		rec, _, err := s.Intend(ctx, sd)
		must(t, err)
		if sd.Ref != "e1" {
			must(t, s.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: sd.Ref}, sd.Intended, ""))
		}
	}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all, newest first", Filter{}, []string{"e1", "d1", "r2", "r1"}},
		{"limit", Filter{Limit: 2}, []string{"e1", "d1"}},
		{"kind", Filter{Kind: "reminder"}, []string{"r2", "r1"}},
		{"recipient", Filter{Recipient: "U2"}, []string{"r2"}},
		{"item", Filter{Item: "A-1/x"}, []string{"e1", "d1", "r1"}},
		{"item and kind", Filter{Item: "A-1/x", Kind: "digest"}, []string{"d1"}},
		{"open only", Filter{OpenOnly: true}, []string{"e1"}},
		{"nothing", Filter{Kind: "closure"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Sends(ctx, tc.f)
			must(t, err)
			if !slices.Equal(refs(got), tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("Sends(%+v) = %q, want %q", tc.f, refs(got), tc.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)
	for _, sd := range []ports.Send{
		{Kind: "reminder", Ref: "r1"}, {Kind: "reminder", Ref: "r2"}, {Kind: "digest", Ref: "d1"},
	} {
		rec, _, err := s.Intend(ctx, sd)
		must(t, err)
		if sd.Ref != "r2" {
			must(t, s.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: sd.Ref}, t0, ""))
		}
	}
	must(t, s.SetThread(ctx, "A-1", ports.Receipt{Channel: "C", TS: "1"}))
	must(t, s.Snooze(ctx, "A-1", t0.Add(time.Hour), "U1"))
	st, err := s.Stats(ctx)
	must(t, err)
	want := []KindStats{{Kind: "digest", Done: 1}, {Kind: "reminder", Open: 1, Done: 1}}
	if !slices.Equal(st.Kinds, want) || st.Threads != 1 || st.Snoozes != 1 {
		t.Errorf("Stats = %+v, want kinds %+v, 1 thread, 1 snooze", st, want)
	}
}
