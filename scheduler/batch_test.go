package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// putIncomplete puts n tickets SEC-1…SEC-n, each missing its rollback plan.
func putIncomplete(r *rig, n int) {
	for i := 1; i <= n; i++ {
		f := complete(t0)
		delete(f, handoff.FieldRollback)
		r.jira.put(input(fmt.Sprintf("SEC-%d", i), handoff.LanePatchNow, t0.AddDate(0, 0, -1), f))
	}
}

// assertOncePerTicket checks that each of the n tickets has exactly one
// checklist write and one Slack validation request, that no intent is left
// open, and that each ticket's message is its thread.
func assertOncePerTicket(t *testing.T, r *rig, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("SEC-%d", i)
		if got := r.jira.comments[key]; got != 1 {
			t.Errorf("%s: %d checklist writes, want 1", key, got)
		}
		if got := r.slack.count("validation/" + key + "/"); got != 1 {
			t.Errorf("%s: %d Slack validation requests, want 1", key, got)
		}
		if _, ok, _ := r.led.Thread(ctx, key); !ok {
			t.Errorf("%s: no thread recorded", key)
		}
	}
	if open, _ := r.led.Open(ctx); len(open) != 0 {
		t.Errorf("%d intents still open, first %s", len(open), open[0].Ref)
	}
}

// TestSyncBatchesLedgerWrites: a sync records its validation requests'
// intents and completions a batch at a time, two ledger writes per batch,
// not two per ticket.
func TestSyncBatchesLedgerWrites(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	n := 2*batchSize + 7
	putIncomplete(r, n)
	rep := r.sync(t)
	if rep.Flagged != n {
		t.Fatalf("flagged %d, want %d", rep.Flagged, n)
	}
	assertOncePerTicket(t, r, n)
	want := (n + batchSize - 1) / batchSize
	for _, call := range []string{"IntendAll", "DoneAll", "Threads"} {
		if got := r.led.calls[call]; got != want {
			t.Errorf("%s called %d times for %d tickets, want %d (one per batch)", call, got, n, want)
		}
	}
	if got := len(r.led.sends); got != n {
		t.Errorf("%d sends on record, want %d", got, n)
	}
}

// TestSyncCrashBeforeCompletionsIsNotReposted: the batch's messages went
// out but their completions never reached the ledger (as when the process
// dies between the posts and the batch's Done write). The next cycle finds
// each message in Slack by its Ref and posts none again.
func TestSyncCrashBeforeCompletionsIsNotReposted(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	n := batchSize + 3
	putIncomplete(r, n)
	r.led.failDone = errors.New("disk I/O error")
	rep, err := r.eng.Sync(context.Background(), SyncOptions{})
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("sync with the ledger failing completions: err = %v, want ErrPartial", err)
	}
	if len(rep.Errors) != n {
		t.Errorf("%d errors, want one per ticket (%d)", len(rep.Errors), n)
	}
	if !r.led.marks["SEC"].IsZero() {
		t.Fatalf("watermark moved past tickets whose sends are not on record: %v", r.led.marks["SEC"])
	}
	if open, _ := r.led.Open(context.Background()); len(open) != n {
		t.Fatalf("%d intents open after the failed completions, want %d", len(open), n)
	}

	r.led.failDone = nil
	r.clock.Add(5 * time.Minute)
	if _, err := r.eng.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.sync(t)
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	assertOncePerTicket(t, r, n)
	if len(r.slack.sent) != n {
		t.Errorf("%d posts in all, want %d", len(r.slack.sent), n)
	}
}

// TestSyncCompletionsFallBackOneByOne: when the batch's completion write
// fails, each send is marked on its own, so nothing is left open.
func TestSyncCompletionsFallBackOneByOne(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	putIncomplete(r, 5)
	r.led.failDoneAll = errors.New("database is locked")
	rep := r.sync(t)
	if len(rep.Errors) != 0 {
		t.Fatalf("errors: %v", rep.Errors)
	}
	assertOncePerTicket(t, r, 5)
}

// TestSyncIntentFailureActsOnNothing: when the batch's intents cannot be
// recorded, none of its tickets is written to Jira or Slack, and the next
// cycle does them all once.
func TestSyncIntentFailureActsOnNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	putIncomplete(r, 4)
	r.led.failIntend = errors.New("disk full")
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); !errors.Is(err, ErrPartial) {
		t.Fatalf("err = %v, want ErrPartial", err)
	}
	if len(r.jira.comments) != 0 || len(r.slack.sent) != 0 {
		t.Fatalf("acted without a record: comments %v, slack %v", r.jira.comments, r.slack.refs())
	}
	r.led.failIntend = nil
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	assertOncePerTicket(t, r, 4)
}

// TestSyncCancelledDropsTheUndecidedBatch: a cycle cancelled mid-scan
// makes none of the requests it had decided but not recorded, and moves
// no watermark; the next cycle makes each once.
func TestSyncCancelledDropsTheUndecidedBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	putIncomplete(r, 6)
	ctx, cancel := context.WithCancel(context.Background())
	r.jira.onScan = func(seen int) {
		if seen == 3 {
			cancel()
		}
	}
	if _, err := r.eng.Sync(ctx, SyncOptions{}); err == nil {
		t.Fatal("cancelled sync returned no error")
	}
	if len(r.jira.comments) != 0 || len(r.slack.sent) != 0 {
		t.Fatalf("a cancelled cycle acted: comments %v, slack %v", r.jira.comments, r.slack.refs())
	}
	if !r.led.marks["SEC"].IsZero() {
		t.Fatal("a cancelled cycle moved the watermark")
	}
	r.jira.onScan = nil
	r.sync(t)
	assertOncePerTicket(t, r, 6)
}

// TestSyncShutdownMidBatch: stopped after the third post of a batch of six,
// the sync records the three sends made (on a context the shutdown does
// not cancel), makes nothing more, and leaves no intent open: the three
// it recorded and never tried are dropped, so no restart looks them up.
// The next cycle makes the other three, once.
func TestSyncShutdownMidBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	putIncomplete(r, 6)
	ctx, cancel := context.WithCancel(context.Background())
	r.slack.afterSend = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	rep, err := r.eng.Sync(ctx, SyncOptions{})
	if err == nil {
		t.Fatal("stopped sync returned no error")
	}
	if len(r.slack.sent) != 3 || len(r.jira.comments) != 3 {
		t.Fatalf("stopped after 3 posts: %d posts, %d checklists; want 3 and 3", len(r.slack.sent), len(r.jira.comments))
	}
	if open, _ := r.led.Open(context.Background()); len(open) != 0 {
		t.Fatalf("%d intents left open by a shutdown (first %s): the posts made must be on record, the rest dropped", len(open), open[0].Ref)
	}
	if got := rep.Count(ActSlack, "validation"); got != 3 {
		t.Errorf("report counts %d validation requests, want 3", got)
	}
	if !r.led.marks["SEC"].IsZero() {
		t.Fatal("a stopped cycle moved the watermark")
	}
	r.slack.afterSend = nil
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	assertOncePerTicket(t, r, 6)
}

// TestSyncRereadInOneScanIsLeftForTheNextCycle: a ticket handed over twice
// in one scan (edited while the scan ran; the second read may predate the
// cycle's own write to it) is made once, from its first read.
func TestSyncRereadInOneScanIsLeftForTheNextCycle(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	putIncomplete(r, 4)
	r.jira.again = "SEC-2"
	rep := r.sync(t)
	if rep.Tickets != 4 {
		t.Errorf("%d tickets evaluated, want 4 (the second read skipped)", rep.Tickets)
	}
	r.jira.again = ""
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	assertOncePerTicket(t, r, 4)
}

// TestBatchActionsShownAfterTheyAreOnRecord: no action of a sync — a Jira
// checklist or a Slack post, of any ticket — is shown (OnAction, which
// the CLI prints) while a Slack message already posted is not yet on
// record, so a print that stops the process strands no send.
func TestBatchActionsShownAfterTheyAreOnRecord(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	putIncomplete(r, batchSize+5)
	shown := 0
	show := func(a Action, dry bool) {
		shown++
		open, err := r.led.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		posted := map[string]bool{}
		for _, ref := range r.slack.refs() {
			posted[ref] = true
		}
		for _, s := range open {
			if posted[s.Ref] {
				t.Fatalf("%s %s shown while %s is posted but not on record", a.Kind, a.Key, s.Ref)
			}
		}
	}
	if _, err := r.eng.Sync(context.Background(), SyncOptions{CountsOnly: true, OnAction: show}); err != nil {
		t.Fatal(err)
	}
	if want := 2 * (batchSize + 5); shown != want {
		t.Fatalf("%d actions shown, want %d (a checklist and a post per ticket)", shown, want)
	}
}

// busyLocker holds every lock, as another process on the ledger would.
type busyLocker struct{ asked []string }

func (l *busyLocker) TryLock(job string) (func(), bool, error) {
	l.asked = append(l.asked, job)
	return nil, false, nil
}

// TestJobsRefuseALedgerInUse: a sync, nag or digest that another process
// is running on the same ledger does nothing and says so (ErrBusy); a dry
// run, which writes nothing, runs.
func TestJobsRefuseALedgerInUse(t *testing.T) {
	t.Parallel()
	lk := &busyLocker{}
	r := newRig(t, func(o *Options) { o.Locker = lk })
	putIncomplete(r, 2)
	ctx := context.Background()
	if _, err := r.eng.Sync(ctx, SyncOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("sync: err = %v, want ErrBusy", err)
	}
	if _, err := r.eng.Nag(ctx, NagOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("nag: err = %v, want ErrBusy", err)
	}
	if _, err := r.eng.Digest(ctx, DigestOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("digest: err = %v, want ErrBusy", err)
	}
	if len(r.jira.scans) != 0 || len(r.slack.sent) != 0 || len(r.led.sends) != 0 {
		t.Fatalf("a refused job acted: %d scans, %d posts, %d sends on record", len(r.jira.scans), len(r.slack.sent), len(r.led.sends))
	}
	if want := []string{"sync", "nag", "digest"}; !slices.Equal(lk.asked, want) {
		t.Errorf("locks asked for %q, want %q", lk.asked, want)
	}
	if rep, err := r.eng.Sync(ctx, SyncOptions{DryRun: true}); err != nil || rep.Flagged != 2 {
		t.Fatalf("dry run with the ledger in use: flagged %v, err %v; want 2, nil", rep, err)
	}
}
