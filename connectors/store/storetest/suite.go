package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/handoff/ports"
)

// Run holds driver d to the ledger's semantics: every test of the suite,
// as a parallel subtest.
func Run(t *testing.T, d Driver) {
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, d)
		})
	}
}

var suite = []struct {
	name string
	run  func(t *testing.T, d Driver)
}{
	{"IntendIdempotent", testIntendIdempotent},
	{"IntendEmptyRef", testIntendEmptyRef},
	{"IntendFillsClock", testIntendFillsClock},
	{"DoneAndOpen", testDoneAndOpen},
	{"Forget", testForget},
	{"HistoryOrderAndOnlyDone", testHistoryOrderAndOnlyDone},
	{"ConcurrentIntendSameRef", testConcurrentIntendSameRef},
	{"CancelledContext", testCancelledContext},
	{"IntendAllIsOneWrite", testIntendAllIsOneWrite},
	{"DoneAllIsOneWrite", testDoneAllIsOneWrite},
	{"ThreadsManyTickets", testThreadsManyTickets},
	{"ThreadRoundTrip", testThreadRoundTrip},
	{"TimesRoundTrip", testTimesRoundTrip},
	{"Snooze", testSnooze},
	{"Reopen", testReopen},
	{"PruneKeepsOpenIntents", testPruneKeepsOpenIntents},
	{"SendsFilter", testSendsFilter},
	{"Stats", testStats},
	{"TwoHandles", testTwoHandles},
	{"TryLockAcrossHandles", testTryLockAcrossHandles},
	{"MigrateConcurrentOpen", testMigrateConcurrentOpen},
	{"NewerSchemaRefused", testNewerSchemaRefused},
	{"NotALedger", testNotALedger},
	{"LeadershipFences", testLeadershipFences},
	{"Inbox", testInbox},
	{"CopyFromSQLite", testCopyFromSQLite},
	{"Snapshots", testSnapshots}, // snapshots.go
	{"ActiveSnoozes", testActiveSnoozes},
	{"Actions", testActions}, // actions.go
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Reminder is a send about items, intended at T0.
func Reminder(ref string, items ...string) ports.Send {
	return ports.Send{Kind: "reminder", Ref: ref, Recipient: "U1", Items: items, Level: 1, Intended: T0}
}

func refs(sends []ports.Send) []string {
	out := make([]string, len(sends))
	for i, s := range sends {
		out[i] = s.Ref
	}
	return out
}

func testIntendIdempotent(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	first, existed, err := s.Intend(ctx, Reminder("reminder/U1/2026-11-26", "SEC-2/deadline", "SEC-1/review", "SEC-1/review"))
	must(t, err)
	if existed || first.ID == 0 {
		t.Fatalf("first Intend: existed=%v id=%d, want new record", existed, first.ID)
	}
	if want := []string{"SEC-1/review", "SEC-2/deadline"}; !slices.Equal(first.Items, want) {
		t.Errorf("items = %q, want sorted, deduplicated %q", first.Items, want)
	}
	if !first.Intended.Equal(T0) || first.Intended.Location() != time.UTC {
		t.Errorf("intended = %v, want %v in UTC", first.Intended, T0)
	}

	// A second intent under the same Ref, even with other fields, is the first.
	other := Reminder("reminder/U1/2026-11-26", "SEC-9/other")
	other.Recipient = "U2"
	again, existed, err := s.Intend(ctx, other)
	must(t, err)
	if !existed || again.ID != first.ID || again.Recipient != "U1" || !slices.Equal(again.Items, first.Items) {
		t.Fatalf("second Intend = %+v existed=%v, want the first record %+v", again, existed, first)
	}

	// Still the same after Done: a Ref is never sent twice.
	must(t, s.Done(ctx, first.ID, ports.Receipt{Channel: "D1", TS: "1.1"}, T0.Add(time.Second), ""))
	again, existed, err = s.Intend(ctx, other)
	must(t, err)
	if !existed || again.ID != first.ID || again.TS != "1.1" || again.Done.IsZero() {
		t.Fatalf("Intend after Done = %+v existed=%v, want the done record", again, existed)
	}
}

func testIntendEmptyRef(t *testing.T, d Driver) {
	s, _ := d.Open(t)
	if _, _, err := s.Intend(context.Background(), ports.Send{Kind: "digest"}); err == nil {
		t.Fatal("Intend with empty Ref succeeded")
	}
}

func testIntendFillsClock(t *testing.T, d Driver) {
	s, _ := d.Open(t)
	rec, _, err := s.Intend(context.Background(), ports.Send{Kind: "digest", Ref: "digest/2026-W48"})
	must(t, err)
	if !rec.Intended.Equal(T0) {
		t.Errorf("intended = %v, want the clock's %v", rec.Intended, T0)
	}
}

func testDoneAndOpen(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	a, _, err := s.Intend(ctx, Reminder("a", "X-1/review"))
	must(t, err)
	b, _, err := s.Intend(ctx, Reminder("b", "X-2/review"))
	must(t, err)

	open, err := s.Open(ctx)
	must(t, err)
	if got := refs(open); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Open = %q, want [a b]", got)
	}
	if !slices.Equal(open[0].Items, []string{"X-1/review"}) {
		t.Errorf("open items = %q", open[0].Items)
	}

	at := T0.Add(time.Minute)
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
	if err := s.Done(ctx, 9999, r, at, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Done(unknown) = %v, want ErrNotFound", err)
	}

	h, err := s.History(ctx, "X-1/review")
	must(t, err)
	if len(h) != 1 || h[0].Channel != "D1" || h[0].TS != r.TS || !h[0].Done.Equal(at) || h[0].Done.Location() != time.UTC {
		t.Fatalf("History = %+v, want one send done at %v to D1", h, at)
	}
	if h[0].Kind != "reminder" || h[0].Recipient != "U1" || h[0].Level != 1 || !h[0].Intended.Equal(T0) {
		t.Errorf("History lost fields: %+v", h[0])
	}
}

func testForget(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	a, _, err := s.Intend(ctx, Reminder("a", "X-1/review"))
	must(t, err)
	must(t, s.Forget(ctx, a.ID))
	open, err := s.Open(ctx)
	must(t, err)
	if len(open) != 0 {
		t.Fatalf("Open after Forget = %q", refs(open))
	}
	must(t, s.Forget(ctx, a.ID)) // gone already: no-op

	// The Ref is free again, and the items went with the intent.
	again, existed, err := s.Intend(ctx, Reminder("a", "X-1/review"))
	must(t, err)
	if existed || again.ID == a.ID {
		t.Fatalf("Intend after Forget: existed=%v id=%d (old %d)", existed, again.ID, a.ID)
	}
	if got, err := s.Sends(ctx, store.Filter{Item: "X-1/review"}); err != nil || len(got) != 1 || !slices.Equal(got[0].Items, []string{"X-1/review"}) {
		t.Errorf("sends of X-1/review after Forget and Intend = %+v, %v; want the new one with one item", got, err)
	}

	// A done send cannot be forgotten.
	must(t, s.Done(ctx, again.ID, ports.Receipt{Channel: "C", TS: "1"}, T0, ""))
	if err := s.Forget(ctx, again.ID); err == nil || !strings.Contains(err.Error(), "already done") {
		t.Errorf("Forget(done) = %v, want an 'already done' error", err)
	}
}

func testHistoryOrderAndOnlyDone(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)
	const item = "SEC-1/review_passed/2026-11-20"

	// Intended in one order, done in another: History follows done time.
	doneAt := map[string]time.Duration{"r1": 3 * time.Hour, "r2": 1 * time.Hour, "r3": 2 * time.Hour}
	for _, ref := range []string{"r1", "r2", "r3"} {
		rec, _, err := s.Intend(ctx, Reminder(ref, item, "SEC-2/other"))
		must(t, err)
		must(t, s.Done(ctx, rec.ID, ports.Receipt{Channel: "D", TS: ref}, T0.Add(doneAt[ref]), ""))
	}
	_, _, err := s.Intend(ctx, Reminder("open", item)) // never done
	must(t, err)
	_, _, err = s.Intend(ctx, Reminder("unrelated", "SEC-3/x"))
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

func testConcurrentIntendSameRef(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	const n = 8
	var wg sync.WaitGroup
	ids := make([]int64, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			rec, existed, err := s.Intend(ctx, Reminder("reminder/U1/2026-11-26", "SEC-1/review"))
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
	st, err := s.Stats(ctx)
	must(t, err)
	if len(st.Kinds) != 1 || st.Kinds[0].Open != 1 {
		t.Errorf("stats = %+v, want one open reminder", st)
	}
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

// testCancelledContext: a cancelled call writes nothing and leaves the
// ledger usable.
func testCancelledContext(t *testing.T, d Driver) {
	s, _ := d.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Intend(ctx, Reminder("cancelled", "X/1")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Intend(cancelled) = %v, want context.Canceled", err)
	}
	rec, existed, err := s.Intend(context.Background(), Reminder("cancelled", "X/1"))
	must(t, err)
	if existed {
		t.Fatalf("the cancelled Intend left a record: %+v", rec)
	}
}

// testIntendAllIsOneWrite: a batch of intents is recorded in order, a Ref
// given twice (or already on record) comes back as existing, and a bad
// send in the batch leaves none of it recorded.
func testIntendAllIsOneWrite(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)

	before, _, err := s.Intend(ctx, Reminder("r/0", "X-0/review"))
	must(t, err)
	got, err := s.IntendAll(ctx, []ports.Send{
		Reminder("r/1", "X-1/review"), Reminder("r/0", "X-9/other"), Reminder("r/2", "X-2/review", "X-2/review"), Reminder("r/1"),
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
	_, err = s.IntendAll(ctx, []ports.Send{Reminder("r/3", "X-3/review"), {Kind: "reminder"}})
	if err == nil || !strings.Contains(err.Error(), "empty ref") {
		t.Fatalf("IntendAll with an empty Ref: err = %v", err)
	}
	open, err := s.Open(ctx)
	must(t, err)
	if want := []string{"r/0", "r/1", "r/2"}; !slices.Equal(refs(open), want) {
		t.Fatalf("open after the failed batch = %q, want %q (r/3 must not be recorded)", refs(open), want)
	}
}

// testDoneAllIsOneWrite: a batch of completions marks each send and
// records the threads given; one bad completion (an unknown send) leaves
// the whole batch unmarked, and the error names it.
func testDoneAllIsOneWrite(t *testing.T, d Driver) {
	ctx := context.Background()
	s, _ := d.Open(t)
	in, err := s.IntendAll(ctx, []ports.Send{Reminder("a"), Reminder("b"), Reminder("c")})
	must(t, err)
	at := T0.Add(time.Minute)
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
