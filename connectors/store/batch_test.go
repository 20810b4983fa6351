package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// TestIntendAllIsOneWrite: a batch of intents is recorded in order, a Ref
// given twice (or already on record) comes back as existing, and a bad
// send in the batch leaves none of it recorded.
func TestIntendAllIsOneWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	before, _, err := s.Intend(ctx, reminder("r/0", "X-0/review"))
	must(t, err)
	got, err := s.IntendAll(ctx, []ports.Send{
		reminder("r/1", "X-1/review"), reminder("r/0", "X-9/other"), reminder("r/2", "X-2/review", "X-2/review"), reminder("r/1"),
	})
	must(t, err)
	if len(got) != 4 {
		t.Fatalf("%d answers for 4 sends", len(got))
	}
	if got[0].Existed || got[0].Send.ID == 0 || got[2].Existed || !slices.Equal(got[2].Send.Items, []string{"X-2/review"}) {
		t.Errorf("new sends = %+v, %+v", got[0], got[2])
	}
	if !got[1].Existed || got[1].Send.ID != before.ID || !slices.Equal(got[1].Send.Items, []string{"X-0/review"}) {
		t.Errorf("a Ref on record = %+v, want the earlier record %+v", got[1], before)
	}
	if !got[3].Existed || got[3].Send.ID != got[0].Send.ID {
		t.Errorf("a Ref twice in one batch = %+v, want the first of the batch (id %d)", got[3], got[0].Send.ID)
	}

	// All or none: the empty Ref fails the batch, and names itself.
	_, err = s.IntendAll(ctx, []ports.Send{reminder("r/3", "X-3/review"), {Kind: "reminder"}})
	if err == nil || !strings.Contains(err.Error(), "empty ref") {
		t.Fatalf("IntendAll with an empty Ref: err = %v", err)
	}
	open, err := s.Open(ctx)
	must(t, err)
	if want := []string{"r/0", "r/1", "r/2"}; !slices.Equal(refs(open), want) {
		t.Fatalf("open after the failed batch = %q, want %q (r/3 must not be recorded)", refs(open), want)
	}
}

// TestDoneAllIsOneWrite: a batch of completions marks each send and records
// the threads given; one bad completion (an unknown send) leaves the whole
// batch unmarked, and the error names it.
func TestDoneAllIsOneWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)
	in, err := s.IntendAll(ctx, []ports.Send{reminder("a"), reminder("b"), reminder("c")})
	must(t, err)
	at := t0.Add(time.Minute)
	rc := func(ts string) ports.Receipt { return ports.Receipt{Channel: "C1", TS: ts, Parts: 1} }

	err = s.DoneAll(ctx, []ports.Completion{
		{ID: in[0].Send.ID, Receipt: rc("1.1"), At: at, Thread: "X-1"},
		{ID: 9999, Receipt: rc("1.2"), At: at},
	})
	if err == nil || !strings.Contains(err.Error(), "done send 9999") {
		t.Fatalf("DoneAll with an unknown send: err = %v, want it named", err)
	}
	if open, _ := s.Open(ctx); len(open) != 3 {
		t.Fatalf("%d open after a failed batch, want all 3", len(open))
	}
	if _, ok, _ := s.Thread(ctx, "X-1"); ok {
		t.Fatal("a failed batch recorded a thread")
	}

	must(t, s.DoneAll(ctx, []ports.Completion{
		{ID: in[0].Send.ID, Receipt: rc("1.1"), At: at, Thread: "X-1"},
		{ID: in[1].Send.ID, Receipt: rc("1.2"), At: at},
	}))
	open, err := s.Open(ctx)
	must(t, err)
	if !slices.Equal(refs(open), []string{"c"}) {
		t.Fatalf("open = %q, want [c]", refs(open))
	}
	if got, ok, _ := s.Thread(ctx, "X-1"); !ok || got != rc("1.1") {
		t.Fatalf("thread X-1 = %+v %v", got, ok)
	}
}

// TestThreadsManyTickets: Threads answers for more tickets than one IN
// list holds, leaving out those without a thread.
func TestThreadsManyTickets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)
	n := 2*itemsChunk + 3
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
