package faulttest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/scheduler"
)

// loseLedger stops the daemon, deletes the SQLite ledger with its -wal
// and -shm files, and starts a new daemon on an empty ledger.
func (r *rig) loseLedger() {
	r.t.Helper()
	if err := r.App.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.App = nil
	p := r.Config.Store.Path
	if !fileExists(p) {
		r.t.Fatalf("no ledger at %s", p)
	}
	for _, f := range []string{p, p + "-wal", p + "-shm"} {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			r.t.Fatal(err)
		}
	}
	r.restart()
}

// TestLedgerLostSyncPostsNothing: with the ledger gone, a full sync reads
// the bot's trail from each ticket's entity property and says nothing new,
// neither in Jira nor in Slack.
func TestLedgerLostSyncPostsNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	x := planOf(t, r.App.Engine, scheduler.SyncOptions{})
	if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	x.check(t, r.World, false)
	writes, msgs := r.Jira.Writes(), len(r.Slack.All())

	r.loseLedger()
	r.Clock.Advance(10 * time.Minute)
	for _, o := range []scheduler.SyncOptions{{Full: true}, {}} {
		if _, err := r.App.Engine.Sync(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if d := r.Jira.Writes() - writes; d != 0 {
		t.Errorf("after the ledger was lost, syncs made %d Jira writes, want 0", d)
	}
	if d := len(r.Slack.All()) - msgs; d != 0 {
		t.Errorf("after the ledger was lost, syncs sent %d Slack messages, want 0", d)
	}
	x.check(t, r.World, false)
}

// TestLedgerLostNagCost measures what a lost ledger costs in reminders:
// two worlds run the same three weeks of daily nags, one losing its
// ledger on the sixth day; every message of the lossy world beyond the
// control's is counted, per owner and day and per ticket and day.
func TestLedgerLostNagCost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	control, lossy := newRig(t), newRig(t)
	nag := func(r *rig) {
		t.Helper()
		if _, err := r.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	digest := func(r *rig) {
		t.Helper()
		if _, err := r.App.Engine.Digest(ctx, scheduler.DigestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*rig{control, lossy} {
		if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Days 0 to 20 at 10:00, a nag each day; the ledger is lost on day
	// lossDay after its nag, and the nag and the week's digest run again
	// that morning.
	const lossDay, days = 5, 21
	for day := 0; day < days; day++ {
		for _, r := range []*rig{control, lossy} {
			if day > 0 {
				r.Clock.Advance(24 * time.Hour)
			}
			nag(r)
			if day == lossDay {
				digest(r)
			}
		}
		if day == lossDay {
			lossy.loseLedger()
			for _, r := range []*rig{control, lossy} {
				r.Clock.Advance(30 * time.Minute)
				nag(r)
				digest(r)
				r.Clock.Advance(-30 * time.Minute)
			}
		}
	}

	// Messages per ref; a ref names its recipient and ends in its day
	// (nag/<to>/<day>, escalation/<to>/<owner>/<day>) or week.
	c := refCounts(control.Slack, "nag/", "escalation/", "digest/")
	l := refCounts(lossy.Slack, "nag/", "escalation/", "digest/")
	extra := map[string]int{} // by kind
	maxPerOwnerDay := 0
	for ref, n := range l {
		kind, _, _ := strings.Cut(ref, "/")
		if d := n - c[ref]; d > 0 {
			extra[kind] += d
			if kind != "digest" {
				maxPerOwnerDay = max(maxPerOwnerDay, d)
			}
		}
	}
	totals := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for ref, n := range m {
			kind, _, _ := strings.Cut(ref, "/")
			out[kind] += n
		}
		return out
	}
	// Per ticket and day: how often a ticket is named in reminders.
	perItem := func(r *rig) map[string]int {
		out := map[string]int{}
		for _, m := range r.Slack.All() {
			rf := ref(m)
			if !strings.HasPrefix(rf, "nag/") || part(m) > 1 {
				continue
			}
			day := rf[strings.LastIndex(rf, "/")+1:]
			for k := range keysIn(m.Texts()...) {
				out[k+"@"+day]++
			}
		}
		return out
	}
	ci, li := perItem(control), perItem(lossy)
	maxPerItemDay, itemExtra := 0, 0
	for k, n := range li {
		if d := n - ci[k]; d > 0 {
			itemExtra += d
			maxPerItemDay = max(maxPerItemDay, d)
		}
	}
	t.Logf("ledger lost on day %d of %d days of nags: messages by kind %v without the loss, %v with it; "+
		"sent again or earlier than without the loss %v; at most %d extra message per recipient and day and %d extra mention per ticket and day (%d extra ticket mentions in all)",
		lossDay, days, totals(c), totals(l), extra, maxPerOwnerDay, maxPerItemDay, itemExtra)
	if maxPerOwnerDay > 1 || maxPerItemDay > 1 {
		t.Errorf("a lost ledger cost more than one extra message per owner and day (%d) or per ticket and day (%d)", maxPerOwnerDay, maxPerItemDay)
	}
	if extra["nag"] == 0 {
		t.Errorf("no repeated reminder measured: the test no longer exercises the loss")
	}
}
