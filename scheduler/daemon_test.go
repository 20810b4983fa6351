package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// sched is a schedule for a test, parsed as config parses a spec without
// a zone prefix.
func sched(t *testing.T, spec string, loc *time.Location) Schedule {
	t.Helper()
	c, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Schedule{Spec: spec, Cron: c, Loc: loc}
}

func TestMissedAcrossDST(t *testing.T) {
	t.Parallel()
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	for _, tc := range []struct {
		name      string
		spec      string
		last, now time.Time
		want      bool
	}{
		{"daily run not yet due", "0 9 * * *", at(2026, 11, 24, 9, 0), at(2026, 11, 25, 8, 59), false},
		{"daily run due at its minute", "0 9 * * *", at(2026, 11, 24, 9, 0), at(2026, 11, 25, 9, 0), true},
		{"down over a weekend, Monday digest missed", "0 9 * * 1", at(2026, 11, 16, 9, 0), at(2026, 11, 24, 7, 0), true},
		// Spring forward in Berlin: 2026-03-29 02:00 → 03:00. robfig/cron
		// skips a 02:30 job that day; the catch-up must not.
		{"spring gap: before the gap", "30 2 * * *", at(2026, 3, 28, 2, 30), at(2026, 3, 29, 1, 59), false},
		{"spring gap: right after it", "30 2 * * *", at(2026, 3, 28, 2, 30), at(2026, 3, 29, 3, 0), true},
		// Fall back: 2026-10-25 03:00 → 02:00, 02:30 happens twice.
		{"fall back: second 02:30 is not a new run", "30 2 * * *",
			time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // 02:30 CEST
			time.Date(2026, 10, 25, 1, 45, 0, 0, time.UTC), // 02:45 CET
			false},
	} {
		s := sched(t, tc.spec, berlin)
		if got := missed(s.Cron, s.Loc, tc.last, tc.now); got != tc.want {
			t.Errorf("%s: missed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCatchUpRunsMissedNagOnceAndNotOnFirstStart(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.jira.put(overdueMonitor("SEC-70", ""))
	jobs := r.eng.jobs(Schedules{Nag: sched(t, "0 9 * * 1-5", nil)})
	ctx := context.Background()
	r.eng.catchUp(ctx, jobs, time.Minute)
	if len(r.slack.sent) != 0 {
		t.Fatalf("first start sent %v; it should only record the time", r.slack.refs())
	}
	// The daemon was down from Tuesday 09:00 to Thursday 11:00.
	r.clock.Add(50 * time.Hour)
	r.eng.catchUp(ctx, jobs, time.Minute)
	r.eng.catchUp(ctx, jobs, time.Minute)
	if got := r.slack.count("nag/"); got != 1 {
		t.Fatalf("caught-up reminders = %d, want 1", got)
	}
	if last, _ := r.led.LastRun(ctx, JobNag); !last.Equal(r.clock.Now()) {
		t.Fatalf("last run = %v, want %v", last, r.clock.Now())
	}
}

// TestSyncJobsNeverOverlap: while one sync job runs, the incremental sync
// skips its turn and the full sync waits for it; neither scans alongside
// the other.
func TestSyncJobsNeverOverlap(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	jobs := r.eng.jobs(Schedules{Sync: sched(t, "*/5 * * * *", nil), FullSync: sched(t, "0 3 * * *", nil)})
	var inc, full *job
	for _, j := range jobs {
		switch j.name {
		case JobSync:
			inc = j
		case JobFullSync:
			full = j
		}
	}
	if inc == nil || full == nil || inc.syncs == nil || inc.syncs != full.syncs {
		t.Fatal("the two sync jobs do not share one lock")
	}
	ctx := context.Background()
	scans := func() int { r.jira.mu.Lock(); defer r.jira.mu.Unlock(); return len(r.jira.scans) }

	inc.syncs.Lock() // a sync is running
	r.eng.runJob(ctx, inc, false)
	if n := scans(); n != 0 {
		t.Fatalf("the incremental sync scanned %d times while another sync ran", n)
	}
	done := make(chan struct{})
	go func() { r.eng.runJob(ctx, full, false); close(done) }()
	select {
	case <-done:
		t.Fatal("the full sync ran while another sync held the lock")
	case <-time.After(50 * time.Millisecond):
	}
	inc.syncs.Unlock()
	<-done
	if n := scans(); n != 1 {
		t.Fatalf("%d scans after the lock was released, want the full sync's 1", n)
	}
}
