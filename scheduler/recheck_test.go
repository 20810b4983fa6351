package scheduler

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// memInbox is the ledger's inbox in memory: Enqueue coalesces a pending
// item of the same kind and key, Claim hands out what is not claimed,
// Ack removes.
type memInbox struct {
	mu      sync.Mutex
	next    int64
	items   []InboxItem
	claimed map[int64]bool
	acked   []int64
}

func (b *memInbox) Enqueue(ctx context.Context, kind, key string, payload []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, it := range b.items {
		if it.Kind == kind && it.Key == key && !b.claimed[it.ID] {
			b.items[i].Payload = payload
			return nil
		}
	}
	b.next++
	b.items = append(b.items, InboxItem{ID: b.next, Kind: kind, Key: key, Payload: payload})
	return nil
}

func (b *memInbox) Claim(ctx context.Context, n int) ([]InboxItem, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.claimed == nil {
		b.claimed = map[int64]bool{}
	}
	var out []InboxItem
	for _, it := range b.items {
		if len(out) < n && !b.claimed[it.ID] {
			b.claimed[it.ID] = true
			out = append(out, it)
		}
	}
	return out, nil
}

func (b *memInbox) Ack(ctx context.Context, ids ...int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.acked = append(b.acked, ids...)
	b.items = slices.DeleteFunc(b.items, func(it InboxItem) bool { return slices.Contains(ids, it.ID) })
	return nil
}

func (b *memInbox) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items)
}

// incomplete puts a ticket whose handoff lacks its rollback plan.
func (r *rig) incomplete(key string) {
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input(key, handoff.LanePatchNow, t0.AddDate(0, 0, -1), f))
}

// leading runs what Run runs for targeted syncs until the test ends.
func (r *rig) leading(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stop := r.eng.serveRechecks(ctx)
	t.Cleanup(func() { stop(); cancel() })
}

// TestSyncTicketIsTheSyncOfOneTicket: a targeted sync writes for its
// ticket exactly what a sync would, nothing for the others, moves no
// watermark; the sync after it and a second targeted sync write nothing
// more for that ticket.
func TestSyncTicketIsTheSyncOfOneTicket(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.incomplete("SEC-1")
	r.incomplete("SEC-2")
	r.leading(t)
	ctx := context.Background()

	if err := r.eng.SyncTicket(ctx, "SEC-1", "updated"); err != nil {
		t.Fatal(err)
	}
	if r.jira.comments["SEC-1"] != 1 || r.jira.comments["SEC-2"] != 0 {
		t.Fatalf("checklist writes %v, want one on SEC-1 only", r.jira.comments)
	}
	if got := r.slack.count("validation/SEC-1/"); got != 1 {
		t.Fatalf("%d Slack validation requests for SEC-1, want 1", got)
	}
	if last := r.jira.scans[len(r.jira.scans)-1]; !slices.Equal(last.Keys, []string{"SEC-1"}) || !last.UpdatedSince.IsZero() || last.Project != "SEC" {
		t.Errorf("scan %+v, want SEC's scope narrowed to SEC-1", last)
	}
	if wm, _ := r.led.Watermark(ctx, "SEC"); !wm.IsZero() {
		t.Errorf("a targeted sync moved the watermark to %v", wm)
	}

	r.sync(t)
	if err := r.eng.SyncTicket(ctx, "SEC-1", "comment"); err != nil {
		t.Fatal(err)
	}
	if r.jira.comments["SEC-1"] != 1 || r.jira.comments["SEC-2"] != 1 || r.slack.count("validation/") != 2 {
		t.Fatalf("after the sync and a second targeted sync: writes %v, Slack %v; want one each", r.jira.comments, r.slack.refs())
	}

	// The owner fills in the rollback plan: the next targeted sync ticks
	// the checklist.
	r.clock.Add(time.Minute)
	in := input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), complete(t0))
	in.Ticket.Updated = r.clock.Now()
	r.jira.put(in)
	if err := r.eng.SyncTicket(ctx, "SEC-1", "updated"); err != nil {
		t.Fatal(err)
	}
	if got := r.jira.changes[len(r.jira.changes)-1]; got.Key != "SEC-1" || got.Op != handoff.CommentComplete {
		t.Errorf("last change %s %s, want SEC-1 complete", got.Key, got.Op)
	}
}

// TestSyncTicketWaitsForTheSync: a targeted sync asked while a sync runs
// waits for it, then reads the ticket as the sync left it and writes
// nothing twice.
func TestSyncTicketWaitsForTheSync(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.incomplete("SEC-1")
	r.leading(t)
	inScan, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	r.jira.onScan = func(int) {
		once.Do(func() { close(inScan); <-release })
	}
	syncDone := make(chan error, 1)
	go func() { _, err := r.eng.Sync(context.Background(), SyncOptions{}); syncDone <- err }()
	<-inScan // the sync has read SEC-1 and not written it yet

	recheckDone := make(chan error, 1)
	go func() { recheckDone <- r.eng.SyncTicket(context.Background(), "SEC-1", "updated") }()
	for r.eng.rechecks.waiting.Load() == 0 {
		select {
		case err := <-recheckDone:
			t.Fatalf("the targeted sync ran beside the sync (err %v)", err)
		default:
			runtime.Gosched()
		}
	}
	close(release)
	if err := <-syncDone; err != nil {
		t.Fatal(err)
	}
	if err := <-recheckDone; err != nil {
		t.Fatal(err)
	}
	if got := r.jira.comments["SEC-1"]; got != 1 {
		t.Errorf("%d checklist writes, want 1", got)
	}
	if n := len(r.jira.scans); n != 2 || !slices.Equal(r.jira.scans[1].Keys, []string{"SEC-1"}) {
		t.Errorf("scans %+v, want the sync's then the targeted one", r.jira.scans)
	}
}

// TestSyncTicketOnAStandby: a replica that does not run the jobs leaves
// the ticket in the inbox (or refuses without one); the leader drains
// the inbox when it starts, handles each ticket once and acknowledges
// everything, an unknown kind included.
func TestSyncTicketOnAStandby(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.incomplete("SEC-1")
	if err := r.eng.SyncTicket(context.Background(), "SEC-1", "updated"); !errors.Is(err, ErrNotLeading) {
		t.Fatalf("without an inbox: %v, want ErrNotLeading", err)
	}

	synctest.Test(t, func(t *testing.T) {
		box := &memInbox{}
		r := newRig(t, func(o *Options) { o.Inbox = box })
		r.incomplete("SEC-1")
		r.incomplete("SEC-2")
		ctx := context.Background()
		for _, key := range []string{"SEC-1", "SEC-1", "SEC-2"} {
			if err := r.eng.SyncTicket(ctx, key, "updated"); err != nil {
				t.Fatal(err)
			}
		}
		if err := box.Enqueue(ctx, "slack.unknown", "x", nil); err != nil {
			t.Fatal(err)
		}
		if len(r.jira.changes) != 0 || box.pending() != 3 {
			t.Fatalf("standby: %d writes, %d items in the inbox; want none and 3", len(r.jira.changes), box.pending())
		}

		jobs, stop := context.WithCancel(ctx)
		defer stop()
		end := r.eng.serveRechecks(jobs)
		defer end()
		synctest.Wait()
		if r.jira.comments["SEC-1"] != 1 || r.jira.comments["SEC-2"] != 1 {
			t.Errorf("leader: writes %v, want one each", r.jira.comments)
		}
		if box.pending() != 0 || len(box.acked) != 3 {
			t.Errorf("inbox: %d pending, %d acknowledged; want 0 and 3", box.pending(), len(box.acked))
		}

		// Once leading, a targeted sync acts at once.
		r.clock.Add(time.Minute)
		in := input("SEC-2", handoff.LanePatchNow, t0.AddDate(0, 0, -1), complete(t0))
		in.Ticket.Updated = r.clock.Now()
		r.jira.put(in)
		if err := r.eng.SyncTicket(ctx, "SEC-2", "updated"); err != nil {
			t.Fatal(err)
		}
		if r.jira.comments["SEC-2"] != 2 || box.pending() != 0 {
			t.Errorf("leading: writes %v, inbox %d; want SEC-2 written again, directly", r.jira.comments, box.pending())
		}

		// When the jobs stop, the replica stands by again.
		end()
		if err := r.eng.SyncTicket(ctx, "SEC-1", "updated"); err != nil || box.pending() != 1 {
			t.Errorf("after the term: %v, %d in the inbox; want it left there", err, box.pending())
		}
	})
}
