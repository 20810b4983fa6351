package scheduler

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/patchbot/patchbot/handoff"
)

// syncBuffer is a log destination the test reads after the jobs ran.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records decodes the JSON log lines.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func dryRig(t *testing.T) (*rig, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	r := newRig(t, func(o *Options) {
		o.DryRun = true
		o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-6", handoff.LanePatchNow, t0, f))
	r.jira.put(overdueMonitor("SEC-70", "ana"))
	return r, logs
}

// runJobs runs the daemon's jobs once each, as its cron would.
func (r *rig) runJobs(t *testing.T, s Schedules) {
	t.Helper()
	for _, j := range r.eng.jobs(s) {
		r.eng.runJob(context.Background(), j, false)
	}
}

// TestDryRunSyncCountsForReadiness: a dry-run daemon's sync that read and
// judged every ticket is a sync; /readyz reads it from the status.
func TestDryRunSyncCountsForReadiness(t *testing.T) {
	t.Parallel()
	r, _ := dryRig(t)
	if !r.eng.DryRun() {
		t.Fatal("DryRun() = false for a dry-run engine")
	}
	r.runJobs(t, Schedules{Sync: sched(t, "*/5 * * * *", nil)})
	st := r.eng.Status()
	if !st.LastSync.Equal(t0) || st.LastSyncError != "" {
		t.Fatalf("after a dry-run sync: status %+v, want LastSync %v", st, t0)
	}
	if len(r.jira.comments) != 0 || len(r.slack.sent) != 0 {
		t.Fatalf("a dry run wrote: %v %v", r.jira.comments, r.slack.refs())
	}
}

// TestDryRunDaemonLogsEachPlannedAction: in a dry run each action the
// daemon would take is one log line naming its ticket, kind, recipient and
// channel, and each cycle ends with the counts check prints.
func TestDryRunDaemonLogsEachPlannedAction(t *testing.T) {
	t.Parallel()
	r, logs := dryRig(t)
	r.runJobs(t, Schedules{Sync: sched(t, "*/5 * * * *", nil), Nag: sched(t, "0 9 * * 1-5", nil)})
	var planned, done []map[string]any
	for _, m := range logs.records(t) {
		switch m["msg"] {
		case "dry run: would post":
			planned = append(planned, m)
		case "job done":
			done = append(done, m)
		}
	}
	want := []map[string]any{
		{"kind": "jira_comment", "send": "validation", "ticket": "SEC-6", "op": "post"},
		{"kind": "slack", "send": "validation", "ticket": "SEC-6", "channel": "#patching"},
		{"kind": "slack", "send": "reminder", "ticket": "SEC-70", "recipient": "ana", "slack_user": "UANA", "channel": "DM"},
	}
	for _, w := range want {
		found := false
		for _, p := range planned {
			match := true
			for k, v := range w {
				if p[k] != v {
					match = false
				}
			}
			found = found || match
		}
		if !found {
			t.Errorf("no planned-action line with %v among %v", w, planned)
		}
	}
	if len(done) < 2 {
		t.Fatalf("job done lines: %v", done)
	}
	sync := done[0]
	if sync["job"] != "sync" || sync["dry_run"] != true || sync["tickets"] != 2.0 || sync["jira_comments"] != 1.0 || sync["slack_messages"] != 1.0 {
		t.Errorf("sync summary = %v, want 2 tickets, 1 comment and 1 message planned in a dry run", sync)
	}
	if len(r.jira.comments) != 0 || len(r.slack.sent) != 0 || len(r.led.sends) != 0 {
		t.Fatalf("a dry run wrote: %v %v %d", r.jira.comments, r.slack.refs(), len(r.led.sends))
	}
}
