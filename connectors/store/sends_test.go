package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

func reminder(ref string, items ...string) ports.Send {
	return ports.Send{Kind: "reminder", Ref: ref, Recipient: "U1", Items: items, Level: 1, Intended: t0}
}

func TestIntendIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	first, existed, err := s.Intend(ctx, reminder("reminder/U1/2026-11-26", "SEC-2/deadline", "SEC-1/review", "SEC-1/review"))
	must(t, err)
	if existed || first.ID == 0 {
		t.Fatalf("first Intend: existed=%v id=%d, want new record", existed, first.ID)
	}
	if want := []string{"SEC-1/review", "SEC-2/deadline"}; !slices.Equal(first.Items, want) {
		t.Errorf("items = %q, want sorted, deduplicated %q", first.Items, want)
	}
	if !first.Intended.Equal(t0) || first.Intended.Location() != time.UTC {
		t.Errorf("intended = %v, want %v in UTC", first.Intended, t0)
	}

	// A second intent under the same Ref, even with other fields, is the first.
	other := reminder("reminder/U1/2026-11-26", "SEC-9/other")
	other.Recipient = "U2"
	again, existed, err := s.Intend(ctx, other)
	must(t, err)
	if !existed || again.ID != first.ID || again.Recipient != "U1" || !slices.Equal(again.Items, first.Items) {
		t.Fatalf("second Intend = %+v existed=%v, want the first record %+v", again, existed, first)
	}

	// Still the same after Done: a Ref is never sent twice.
	must(t, s.Done(ctx, first.ID, ports.Receipt{Channel: "D1", TS: "1.1"}, t0.Add(time.Second), ""))
	again, existed, err = s.Intend(ctx, other)
	must(t, err)
	if !existed || again.ID != first.ID || again.TS != "1.1" || again.Done.IsZero() {
		t.Fatalf("Intend after Done = %+v existed=%v, want the done record", again, existed)
	}
}

func TestIntendEmptyRef(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	if _, _, err := s.Intend(context.Background(), ports.Send{Kind: "digest"}); err == nil {
		t.Fatal("Intend with empty Ref succeeded")
	}
}

func TestIntendFillsClock(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	rec, _, err := s.Intend(context.Background(), ports.Send{Kind: "digest", Ref: "digest/2026-W48"})
	must(t, err)
	if !rec.Intended.Equal(t0) {
		t.Errorf("intended = %v, want the clock's %v", rec.Intended, t0)
	}
}

func TestDoneAndOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	a, _, err := s.Intend(ctx, reminder("a", "X-1/review"))
	must(t, err)
	b, _, err := s.Intend(ctx, reminder("b", "X-2/review"))
	must(t, err)

	open, err := s.Open(ctx)
	must(t, err)
	if got := refs(open); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Open = %q, want [a b]", got)
	}
	if !slices.Equal(open[0].Items, []string{"X-1/review"}) {
		t.Errorf("open items = %q", open[0].Items)
	}

	at := t0.Add(time.Minute)
	r := ports.Receipt{Channel: "D1", TS: "1700000000.000100"}
	must(t, s.Done(ctx, a.ID, r, at, ""))
	open, err = s.Open(ctx)
	must(t, err)
	if got := refs(open); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("Open after Done(a) = %q, want [b]", got)
	}

	// A thread given to Done is recorded with it. A retried Done is fine
	// and does not put back a thread that has moved on since.
	th := ports.Receipt{Channel: "C9", TS: "1700000000.000200", Parts: 2}
	must(t, s.Done(ctx, b.ID, th, at, "X-2"))
	if got, ok, err := s.Thread(ctx, "X-2"); err != nil || !ok || got != th {
		t.Fatalf("Thread(X-2) after Done = %+v, %v, %v; want %+v", got, ok, err, th)
	}
	newer := ports.Receipt{Channel: "C9", TS: "1700000000.000300", Parts: 1}
	must(t, s.SetThread(ctx, "X-2", newer))
	must(t, s.Done(ctx, b.ID, th, at, "X-2"))
	if got, _, _ := s.Thread(ctx, "X-2"); got != newer {
		t.Fatalf("Thread(X-2) after a retried Done = %+v, want the newer %+v", got, newer)
	}
	// A Done that fails records no thread: the two go together.
	if err := s.Done(ctx, b.ID, ports.Receipt{Channel: "C9", TS: "other"}, at, "X-3"); err == nil {
		t.Error("Done of a done send with another receipt succeeded")
	}
	if _, ok, _ := s.Thread(ctx, "X-3"); ok {
		t.Error("a failed Done recorded a thread")
	}

	// Retrying Done with the same receipt is fine; another receipt is not.
	must(t, s.Done(ctx, a.ID, r, at.Add(time.Hour), ""))
	if err := s.Done(ctx, a.ID, ports.Receipt{Channel: "D1", TS: "other"}, at, ""); err == nil {
		t.Error("Done with a different receipt succeeded")
	}
	if err := s.Done(ctx, 9999, r, at, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Done(unknown) = %v, want ErrNotFound", err)
	}

	h, err := s.History(ctx, "X-1/review")
	must(t, err)
	if len(h) != 1 || h[0].Channel != "D1" || h[0].TS != r.TS || !h[0].Done.Equal(at) || h[0].Done.Location() != time.UTC {
		t.Fatalf("History = %+v, want one send done at %v to D1", h, at)
	}
	if h[0].Kind != "reminder" || h[0].Recipient != "U1" || h[0].Level != 1 || !h[0].Intended.Equal(t0) {
		t.Errorf("History lost fields: %+v", h[0])
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	a, _, err := s.Intend(ctx, reminder("a", "X-1/review"))
	must(t, err)
	must(t, s.Forget(ctx, a.ID))
	open, err := s.Open(ctx)
	must(t, err)
	if len(open) != 0 {
		t.Fatalf("Open after Forget = %q", refs(open))
	}
	must(t, s.Forget(ctx, a.ID)) // gone already: no-op

	// The Ref is free again, and the items went with the intent.
	again, existed, err := s.Intend(ctx, reminder("a", "X-1/review"))
	must(t, err)
	if existed || again.ID == a.ID {
		t.Fatalf("Intend after Forget: existed=%v id=%d (old %d)", existed, again.ID, a.ID)
	}
	var n int
	must(t, s.r.QueryRow(`SELECT COUNT(*) FROM send_items`).Scan(&n))
	if n != 1 {
		t.Errorf("send_items rows = %d, want 1 (cascade on Forget)", n)
	}

	// A done send cannot be forgotten.
	must(t, s.Done(ctx, again.ID, ports.Receipt{Channel: "C", TS: "1"}, t0, ""))
	if err := s.Forget(ctx, again.ID); err == nil || !strings.Contains(err.Error(), "already done") {
		t.Errorf("Forget(done) = %v, want an 'already done' error", err)
	}
}

func TestHistoryOrderAndOnlyDone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)
	const item = "SEC-1/review_passed/2026-11-20"

	// Intended in one order, done in another: History follows done time.
	doneAt := map[string]time.Duration{"r1": 3 * time.Hour, "r2": 1 * time.Hour, "r3": 2 * time.Hour}
	for _, ref := range []string{"r1", "r2", "r3"} {
		rec, _, err := s.Intend(ctx, reminder(ref, item, "SEC-2/other"))
		must(t, err)
		must(t, s.Done(ctx, rec.ID, ports.Receipt{Channel: "D", TS: ref}, t0.Add(doneAt[ref]), ""))
	}
	_, _, err := s.Intend(ctx, reminder("open", item)) // never done
	must(t, err)
	_, _, err = s.Intend(ctx, reminder("unrelated", "SEC-3/x"))
	must(t, err)

	h, err := s.History(ctx, item)
	must(t, err)
	if got := refs(h); !slices.Equal(got, []string{"r2", "r3", "r1"}) {
		t.Fatalf("History = %q, want [r2 r3 r1] (done order, done only)", got)
	}
	for _, sd := range h {
		if !slices.Equal(sd.Items, []string{item, "SEC-2/other"}) {
			t.Errorf("%s items = %q, want all the send's items", sd.Ref, sd.Items)
		}
	}
	if h, err := s.History(ctx, "nobody"); err != nil || len(h) != 0 {
		t.Errorf("History(unknown) = %v, %v", h, err)
	}
}

func TestHistoryUsesIndex(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT `+sendCols+`
		FROM send_items i JOIN sends s ON s.id = i.send_id
		WHERE i.item = $1 AND s.done_at IS NOT NULL ORDER BY s.done_at, s.id`, "x")
	must(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	t.Logf("plan: %s", joined)
	if !strings.Contains(joined, "send_items_item") || strings.Contains(joined, "SCAN i") {
		t.Errorf("History plan does not search send_items by its item index: %s", joined)
	}
}

func TestConcurrentIntendSameRef(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTest(t)

	const n = 8
	var wg sync.WaitGroup
	ids := make([]int64, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			rec, existed, err := s.Intend(ctx, reminder("reminder/U1/2026-11-26", "SEC-1/review"))
			ids[i], created[i], errs[i] = rec.ID, !existed, err
		})
	}
	close(start)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	if c := count(created); c != 1 {
		t.Errorf("%d goroutines created the record, want exactly 1", c)
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("goroutine %d got id %d, goroutine 0 got %d", i, id, ids[0])
		}
	}
	var rows int
	must(t, s.r.QueryRow(`SELECT COUNT(*) FROM sends`).Scan(&rows))
	if rows != 1 {
		t.Errorf("sends rows = %d, want 1", rows)
	}
}

// TestTwoProcesses opens the file twice, as the daemon and the CLI would,
// and writes from both at once: busy_timeout and BEGIN IMMEDIATE must keep
// SQLITE_BUSY away.
func TestTwoProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, path := openTest(t)
	b, err := Open(ctx, path)
	must(t, err)
	defer b.Close()

	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for _, s := range []*SQLite{a, b} {
		for g := range 4 {
			wg.Go(func() {
				for i := range 50 {
					ref := "r/" + string(rune('a'+g)) + "/" + time.Duration(i).String()
					rec, _, err := s.Intend(ctx, reminder(ref, "X/"+ref))
					if err == nil {
						err = s.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: ref}, t0, "")
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Both handles wrote the same refs: 4 goroutines × 50 distinct refs.
	st, err := a.Stats(ctx)
	must(t, err)
	if len(st.Kinds) != 1 || st.Kinds[0].Done != 200 || st.Kinds[0].Open != 0 {
		t.Errorf("stats = %+v, want 200 done reminders", st)
	}
}

func refs(sends []ports.Send) []string {
	out := make([]string, len(sends))
	for i, s := range sends {
		out[i] = s.Ref
	}
	return out
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// TestCancelledContext: a cancelled call writes nothing and leaves the one
// writer connection usable.
func TestCancelledContext(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Intend(ctx, reminder("cancelled", "X/1")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Intend(cancelled) = %v, want context.Canceled", err)
	}
	rec, existed, err := s.Intend(context.Background(), reminder("cancelled", "X/1"))
	must(t, err)
	if existed {
		t.Fatalf("the cancelled Intend left a record: %+v", rec)
	}
}
