package scheduler

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/patchbot/patchbot/handoff"
)

type httpErr struct{ code int }

func (e httpErr) Error() string   { return fmt.Sprintf("status %d", e.code) }
func (e httpErr) StatusCode() int { return e.code }

func TestMetricsCountWhatTheEngineDid(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := newRig(t, func(o *Options) { o.Metrics = NewMetrics(reg) })
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-1", handoff.LanePatchNow, t0, f))
	r.jira.put(input("SEC-2", handoff.LaneMonitor, t0, complete(t0)))
	r.sync(t)

	m := r.eng.opt.Metrics
	if got := testutil.ToFloat64(m.tickets.WithLabelValues("SEC", string(handoff.VerdictValidationRequest))); got != 1 {
		t.Errorf("validation-request tickets = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.findings.WithLabelValues("patch_now", "rollback", "missing")); got != 1 {
		t.Errorf("rollback findings = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.sends.WithLabelValues("comment")); got != 1 {
		t.Errorf("comments = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.sends.WithLabelValues("validation")); got != 1 {
		t.Errorf("validation messages = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("sync")); got != float64(t0.Unix()) {
		t.Errorf("last success = %v, want %d", got, t0.Unix())
	}

	r.jira.scanErr = fmt.Errorf("jira: search: %w", httpErr{503})
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); !errors.Is(err, ErrPartial) {
		t.Fatalf("err = %v", err)
	}
	if got := testutil.ToFloat64(m.apiErrors.WithLabelValues("jira", "503")); got != 1 {
		t.Errorf("jira 503 errors = %v, want 1", got)
	}
	out, err := testutil.CollectAndLint(m.tickets)
	if err != nil || len(out) > 0 {
		t.Errorf("metric lint: %v %v", out, err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n == 0 {
		t.Errorf("gathered %d series: %v", n, err)
	}
}
