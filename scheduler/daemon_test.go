package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseScheduleRejectsWithoutPanic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ spec, want string }{
		{"CRON_TZ=Europe/Berlin", "needs a schedule after the zone"},
		{"CRON_TZ=Mars/Olympus 0 9 * * *", `unknown time zone "Mars/Olympus"`},
		{"0 9 * *", "expected exactly 5 fields"},
		{"61 9 * * *", "above maximum"},
		{"TZ=", "needs a schedule"},
		{"CRON_TZ= 0 9 * * *", "names no time zone"},
		{"0 0 30 2 *", "never fires"},
		{"", "empty schedule"},
	} {
		_, _, err := ParseSchedule(tc.spec, time.UTC)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSchedule(%q) = %v, want an error saying %q", tc.spec, err, tc.want)
		}
	}
	// The daemon names the job and the spec when it refuses one.
	e, err := New(Options{Tracker: newFakeTracker(time.Now), Messenger: newFakeMessenger(), Ledger: newMemLedger(), Projects: []Project{{Name: "P"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.jobs(Schedules{Nag: "0 9 * *"}); err == nil || !strings.Contains(err.Error(), `nag schedule "0 9 * *"`) {
		t.Errorf("jobs error = %v, want it to name the job and spec", err)
	}
	if _, loc, err := ParseSchedule("CRON_TZ=America/New_York 0 9 * * 1-5", time.UTC); err != nil || loc.String() != "America/New_York" {
		t.Fatalf("zoned spec: %v %v", loc, err)
	}
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
		s, loc, err := ParseSchedule(tc.spec, berlin)
		if err != nil {
			t.Fatal(err)
		}
		if got := missed(s, loc, tc.last, tc.now); got != tc.want {
			t.Errorf("%s: missed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCatchUpRunsMissedNagOnceAndNotOnFirstStart(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.jira.put(overdueMonitor("SEC-70", ""))
	jobs, err := r.eng.jobs(Schedules{Nag: "0 9 * * 1-5"})
	if err != nil {
		t.Fatal(err)
	}
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
	jobs, err := r.eng.jobs(Schedules{Sync: "*/5 * * * *", FullSync: "0 3 * * *"})
	if err != nil {
		t.Fatal(err)
	}
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
