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

// What holds across handles and processes: two handles on one ledger,
// the job locks, migrations, leadership and fencing, the inbox, copying.

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
