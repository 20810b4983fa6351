package storetest

import (
	"context"
	"errors"
	"fmt"
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

// testTwoHandles opens the ledger twice, as the daemon and the CLI would,
// and writes from both at once; each Ref is recorded once.
func testTwoHandles(t *testing.T, d Driver) {
	ctx := context.Background()
	a, target := d.Open(t)
	b := d.Reopen(t, target)

	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for _, s := range []*store.Ledger{a, b} {
		for g := range 4 {
			wg.Go(func() {
				for i := range 50 {
					ref := fmt.Sprintf("r/%d/%d", g, i)
					rec, _, err := s.Intend(ctx, Reminder(ref, "X/"+ref))
					if err == nil {
						err = s.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: ref}, T0, "")
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

// testTryLockAcrossHandles: two handles on one ledger (as two processes
// have) cannot hold one job's lock at once; other jobs are free; a
// release frees it.
func testTryLockAcrossHandles(t *testing.T, d Driver) {
	a, target := d.Open(t)
	b := d.Reopen(t, target)

	release, ok, err := a.TryLock("sync")
	must(t, err)
	if !ok {
		t.Fatal("the first lock was refused")
	}
	if _, ok, err := b.TryLock("sync"); err != nil || ok {
		t.Fatalf("a second holder got the sync lock (ok=%v, err=%v)", ok, err)
	}
	relNag, ok, err := b.TryLock("nag")
	must(t, err)
	if !ok {
		t.Fatal("the nag lock was refused while only sync was held")
	}
	relNag()
	release()
	rel, ok, err := b.TryLock("sync")
	must(t, err)
	if !ok {
		t.Fatal("the sync lock was refused after its release")
	}
	rel()
}

// testMigrateConcurrentOpen opens a new ledger from several goroutines at
// once, as replicas starting together would: each step is applied exactly
// once, under the migration lock.
func testMigrateConcurrentOpen(t *testing.T, d Driver) {
	ctx := context.Background()
	target := d.Target(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := store.OpenDriver(ctx, d.Name, target)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		must(t, <-errs)
	}
	var rows int
	must(t, d.Raw(t, target).QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows))
	if rows != store.SchemaVersion() {
		t.Errorf("schema_migrations rows = %d, want %d", rows, store.SchemaVersion())
	}
}

// testNewerSchemaRefused opens a ledger a future patchbot wrote: Open
// fails with ErrNewerSchema, says which versions, and leaves it alone.
func testNewerSchemaRefused(t *testing.T, d Driver) {
	ctx := context.Background()
	s, target := d.Open(t)
	must(t, s.Close())
	raw := d.Raw(t, target)
	future := store.SchemaVersion() + 1
	_, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`, future)
	must(t, err)

	_, err = store.OpenDriver(ctx, d.Name, target)
	if !errors.Is(err, store.ErrNewerSchema) {
		t.Fatalf("Open(newer) = %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{fmt.Sprintf("version %d", future), fmt.Sprintf("up to %d", future-1)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var v int
	must(t, raw.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v))
	if v != future {
		t.Errorf("version after refused open = %d, want %d untouched", v, future)
	}
}

// testNotALedger: a database that holds other tables and no
// schema_migrations is someone else's; Open refuses it, naming the fix.
func testNotALedger(t *testing.T, d Driver) {
	target := d.Target(t)
	if _, err := d.Raw(t, target).Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	_, err := store.OpenDriver(context.Background(), d.Name, target)
	if !errors.Is(err, store.ErrNotLedger) || !strings.Contains(err.Error(), "customers") || !strings.Contains(err.Error(), "point the ledger at an empty") {
		t.Fatalf("Open(someone else's database) = %v, want ErrNotLedger naming the table and the fix", err)
	}
}

// testLeadershipFences: one handle leads at a time; a newer leader's term
// has a higher epoch, and from then on the older one's writes are refused
// with ErrFenced while the new leader's and an unfenced handle's (the
// CLI's) go through.
func testLeadershipFences(t *testing.T, d Driver) {
	ctx := context.Background()
	a, target := d.Open(t)
	b := d.Reopen(t, target)
	cli := d.Reopen(t, target)
	o := store.LeaseOptions{TTL: time.Second}

	ta, err := a.Campaign(ctx, o)
	must(t, err)
	rec, _, err := a.Intend(ctx, Reminder("before", "X-1/review"))
	must(t, err)

	// b waits while a leads.
	wait, cancel := context.WithTimeout(ctx, 3*store.LeaseBounds(o.TTL).Poll)
	_, err = b.Campaign(wait, o)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second Campaign while the first leads = %v, want it to wait", err)
	}

	must(t, ta.Release(ctx))
	select {
	case <-ta.Done():
	default:
		t.Fatal("Release did not end the term")
	}
	tb, err := b.Campaign(ctx, o)
	must(t, err)
	defer tb.Release(ctx)
	if tb.Epoch() <= ta.Epoch() {
		t.Fatalf("epochs %d then %d, want increasing", ta.Epoch(), tb.Epoch())
	}

	fenced := map[string]error{}
	_, _, fenced["Intend"] = a.Intend(ctx, Reminder("after", "X-2/review"))
	_, fenced["IntendAll"] = a.IntendAll(ctx, []ports.Send{Reminder("after2")})
	fenced["Done"] = a.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: "1"}, T0, "")
	fenced["DoneAll"] = a.DoneAll(ctx, []ports.Completion{{ID: rec.ID, Receipt: ports.Receipt{Channel: "C", TS: "1"}}})
	fenced["Forget"] = a.Forget(ctx, rec.ID)
	fenced["SetWatermark"] = a.SetWatermark(ctx, "SEC", T0)
	fenced["SetLastRun"] = a.SetLastRun(ctx, "nag", T0)
	_, fenced["Claim"] = a.Claim(ctx, 10)
	for op, err := range fenced {
		var fe *store.FencedError
		if !errors.Is(err, store.ErrFenced) || !errors.As(err, &fe) || fe.Epoch != ta.Epoch() || fe.Current != tb.Epoch() {
			t.Errorf("%s by the deposed leader = %v, want ErrFenced (epoch %d, current %d)", op, err, ta.Epoch(), tb.Epoch())
		}
	}
	if open, _ := b.Open(ctx); len(open) != 1 || open[0].ID != rec.ID {
		t.Fatalf("open after the fenced writes = %+v, want only the intent from before", open)
	}
	must(t, b.Done(ctx, rec.ID, ports.Receipt{Channel: "C", TS: "1"}, T0, ""))
	_, _, err = cli.Intend(ctx, Reminder("cli", "X-3/review"))
	must(t, err)
	must(t, cli.Snooze(ctx, "X-3", T0.Add(time.Hour), "U1"))
}

// testInbox: any handle enqueues, a pending entry per kind and key
// coalesces, the leader claims and acknowledges; what a deposed leader
// claimed and never acknowledged goes to the next.
func testInbox(t *testing.T, d Driver) {
	ctx := context.Background()
	a, target := d.Open(t)
	b := d.Reopen(t, target)
	o := store.LeaseOptions{TTL: time.Second}

	must(t, b.Enqueue(ctx, "jira.webhook", "SEC-1", []byte("v1")))
	must(t, b.Enqueue(ctx, "jira.webhook", "SEC-2", nil))
	must(t, b.Enqueue(ctx, "jira.webhook", "SEC-1", []byte("v2"))) // coalesced
	must(t, b.Enqueue(ctx, "slack.interaction", "SEC-1", []byte("x")))
	if err := b.Enqueue(ctx, "", "SEC-1", nil); err == nil {
		t.Error("Enqueue without a kind succeeded")
	}

	ta, err := a.Campaign(ctx, o)
	must(t, err)
	got, err := a.Claim(ctx, 2)
	must(t, err)
	if len(got) != 2 || got[0].Key != "SEC-1" || string(got[0].Payload) != "v2" || got[1].Key != "SEC-2" || len(got[1].Payload) != 0 {
		t.Fatalf("Claim(2) = %+v, want SEC-1 (v2) then SEC-2", got)
	}
	if !got[0].Enqueued.Equal(T0) {
		t.Errorf("enqueued = %v, want the clock's %v", got[0].Enqueued, T0)
	}
	// A claimed entry no longer coalesces: new work is new.
	must(t, b.Enqueue(ctx, "jira.webhook", "SEC-1", []byte("v3")))
	must(t, a.Ack(ctx, got[0].ID))
	rest, err := a.Claim(ctx, 10)
	must(t, err)
	if len(rest) != 2 || rest[0].Kind != "slack.interaction" || string(rest[1].Payload) != "v3" {
		t.Fatalf("second Claim = %+v, want the interaction and SEC-1 v3", rest)
	}
	if again, err := a.Claim(ctx, 10); err != nil || len(again) != 0 {
		t.Fatalf("a third Claim = %+v, %v; want nothing (all claimed)", again, err)
	}

	// a dies without acknowledging SEC-2 and the two others: b gets them.
	must(t, ta.Release(ctx))
	tb, err := b.Campaign(ctx, o)
	must(t, err)
	defer tb.Release(ctx)
	if err := a.Ack(ctx, rest[0].ID); !errors.Is(err, store.ErrFenced) {
		t.Errorf("Ack by the deposed leader = %v, want ErrFenced", err)
	}
	re, err := b.Claim(ctx, 10)
	must(t, err)
	var keys []string
	for _, it := range re {
		keys = append(keys, it.Kind+"/"+it.Key)
	}
	if want := []string{"jira.webhook/SEC-2", "slack.interaction/SEC-1", "jira.webhook/SEC-1"}; !slices.Equal(keys, want) {
		t.Fatalf("the new leader claimed %q, want %q", keys, want)
	}
}

// testCopyFromSQLite fills an SQLite ledger and copies it into a fresh
// one of this driver: everything the ports read is the same, ids go on
// from where they were, and a second copy into it is refused.
func testCopyFromSQLite(t *testing.T, d Driver) {
	ctx := context.Background()
	src, _ := SQLite.Open(t)
	var ids []int64
	for i := range 5 {
		rec, _, err := src.Intend(ctx, Reminder(fmt.Sprintf("r/%d", i), fmt.Sprintf("SEC-%d/review", i), "SEC-all/x"))
		must(t, err)
		ids = append(ids, rec.ID)
		if i%2 == 0 {
			must(t, src.Done(ctx, rec.ID, ports.Receipt{Channel: "D", TS: fmt.Sprint(i)}, T0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("SEC-%d", i)))
		}
	}
	must(t, src.Forget(ctx, ids[3])) // a gap in the ids
	must(t, src.SetWatermark(ctx, "SEC", T0))
	must(t, src.SetLastRun(ctx, "digest", T0))
	must(t, src.Snooze(ctx, "SEC-9", T0.Add(time.Hour), "U1"))
	must(t, src.Enqueue(ctx, "jira.webhook", "SEC-7", []byte{0, 1, 2, 255}))

	dst, _ := d.Open(t)
	counts, err := store.Copy(ctx, dst, src)
	must(t, err)
	if counts["sends"] != 4 || counts["send_items"] != 8 || counts["threads"] != 3 || counts["inbox"] != 1 {
		t.Errorf("copied %v", counts)
	}
	for _, f := range []store.Filter{{}, {OpenOnly: true}, {Item: "SEC-all/x"}} {
		want, err := src.Sends(ctx, f)
		must(t, err)
		got, err := dst.Sends(ctx, f)
		must(t, err)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Sends(%+v) after the copy:\n got %+v\nwant %+v", f, got, want)
		}
	}
	for _, key := range []string{"SEC-0", "SEC-2", "SEC-4"} {
		w, _, _ := src.Thread(ctx, key)
		if g, ok, err := dst.Thread(ctx, key); err != nil || !ok || g != w {
			t.Errorf("Thread(%s) = %+v %v %v, want %+v", key, g, ok, err, w)
		}
	}
	if w, _ := dst.Watermark(ctx, "SEC"); w != T0.UTC() {
		t.Errorf("watermark = %v", w)
	}
	if l, _ := dst.LastRun(ctx, "digest"); l != T0.UTC() {
		t.Errorf("last run = %v", l)
	}
	if u, _ := dst.SnoozedUntil(ctx, "SEC-9"); u != T0.Add(time.Hour).UTC() {
		t.Errorf("snooze = %v", u)
	}
	if in, err := dst.Claim(ctx, 10); err != nil || len(in) != 1 || string(in[0].Payload) != "\x00\x01\x02\xff" {
		t.Errorf("inbox = %+v, %v", in, err)
	}
	rec, existed, err := dst.Intend(ctx, Reminder("new"))
	must(t, err)
	if existed || rec.ID <= ids[len(ids)-1] {
		t.Errorf("a send after the copy got id %d, want past %d", rec.ID, ids[len(ids)-1])
	}
	if _, err := store.Copy(ctx, dst, src); err == nil || !strings.Contains(err.Error(), "copy into an empty ledger") {
		t.Errorf("a second copy = %v, want it refused", err)
	}
}
