package scheduler

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// refusal is a Jira failure as the connector reports it: a status, and
// whether the same request would meet it again.
type refusal struct {
	status    int
	permanent bool
}

func (r refusal) Error() string   { return "jira: refused" }
func (r refusal) StatusCode() int { return r.status }
func (r refusal) Permanent() bool { return r.permanent }
func docText(d richtext.Doc) string {
	var b strings.Builder
	for _, bl := range d.Blocks {
		for _, in := range bl.Inlines {
			b.WriteString(in.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// flaggedRig is a rig with one incomplete ticket, SEC-1.
func flaggedRig(t *testing.T, mod func(*Options)) *rig {
	t.Helper()
	r := newRig(t, mod)
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), f))
	return r
}

func TestJiraFailureDoesNotHoldBackSlack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		err     error
		partial bool   // the cycle reports the ticket failed (retried)
		says    string // what the Slack note says
	}{
		{"outage", refusal{status: http.StatusServiceUnavailable}, true, "Jira did not answer"},
		{"network", errors.New("connection reset"), true, "Jira did not answer"},
		{"no permission", refusal{permanent: true}, false, "may not comment"},
		{"forbidden", refusal{status: http.StatusForbidden, permanent: true}, false, "may not comment"},
		{"hidden", refusal{status: http.StatusNotFound, permanent: true}, false, "hidden from the bot"},
		{"refused", refusal{status: http.StatusBadRequest, permanent: true}, false, "Jira refused the comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := flaggedRig(t, nil)
			r.jira.pubErr["SEC-1"] = tc.err
			_, err := r.eng.Sync(context.Background(), SyncOptions{})
			if errors.Is(err, ErrPartial) != tc.partial {
				t.Fatalf("sync: err = %v, want partial %v", err, tc.partial)
			}
			if n := r.slack.count("validation/SEC-1/"); n != 1 {
				t.Fatalf("%d Slack validation requests, want 1", n)
			}
			if got := docText(r.slack.sent[0].Doc); !strings.Contains(got, "Not posted on SEC-1") || !strings.Contains(got, tc.says) {
				t.Errorf("the Slack request does not say why the ticket has no comment:\n%s", got)
			}
			if r.jira.comments["SEC-1"] != 0 {
				t.Fatalf("the failed write was recorded as applied")
			}
			// Jira is back: the next cycle (the watermark held for a
			// failure worth retrying) writes the comment; Slack, having
			// heard, hears nothing more.
			delete(r.jira.pubErr, "SEC-1")
			r.clock.Add(5 * time.Minute)
			if _, err := r.eng.Sync(context.Background(), SyncOptions{Full: !tc.partial}); err != nil {
				t.Fatal(err)
			}
			if r.jira.comments["SEC-1"] != 1 || r.slack.count("validation/") != 1 {
				t.Fatalf("after Jira came back: %d comments (want 1), Slack %v (want the one request)", r.jira.comments["SEC-1"], r.slack.refs())
			}
		})
	}
}

func TestPermanentJiraFailureDoesNotHoldTheProjectBack(t *testing.T) {
	t.Parallel()
	r := flaggedRig(t, nil)
	r.jira.pubErr["SEC-1"] = refusal{status: http.StatusForbidden, permanent: true}
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); err != nil {
		t.Fatalf("a refusal the bot cannot get past failed the cycle: %v", err)
	}
	if r.led.marks["SEC"].IsZero() {
		t.Fatal("the watermark did not move: the ticket would fail every cycle")
	}
	applies := len(r.jira.changes)
	for i := 0; i < 3; i++ {
		r.clock.Add(5 * time.Minute)
		r.sync(t)
	}
	if len(r.jira.changes) != applies || r.slack.count("validation/") != 1 {
		t.Fatalf("unchanged ticket tried again: %d applies, Slack %v", len(r.jira.changes)-applies, r.slack.refs())
	}
}

func TestSlackFailureDoesNotHoldBackJira(t *testing.T) {
	t.Parallel()
	r := flaggedRig(t, nil)
	r.slack.sendErr = errors.New("slack: down")
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); !errors.Is(err, ErrPartial) {
		t.Fatalf("err = %v, want ErrPartial", err)
	}
	if r.jira.comments["SEC-1"] != 1 {
		t.Fatalf("Slack down held back the Jira comment: %d", r.jira.comments["SEC-1"])
	}
	r.slack.sendErr = nil
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	if r.jira.comments["SEC-1"] != 1 || r.slack.count("validation/SEC-1/") != 1 {
		t.Fatalf("after Slack came back: %d comments (want 1), %d Slack requests (want 1)", r.jira.comments["SEC-1"], r.slack.count("validation/SEC-1/"))
	}
	if got := docText(r.slack.sent[0].Doc); strings.Contains(got, "Not posted") {
		t.Errorf("the ticket was commented, the message says it was not:\n%s", got)
	}
}

// capTracker is a tracker that reports capabilities.
type capTracker struct {
	*fakeTracker
	caps map[string]map[string]bool
}

func (c capTracker) Capabilities() map[string]map[string]bool { return c.caps }

func TestDegradedAndCapabilityGauge(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var ct capTracker
	r := flaggedRig(t, func(o *Options) {
		ct = capTracker{fakeTracker: o.Tracker.(*fakeTracker), caps: map[string]map[string]bool{
			"SEC": {"add_comment": true, "open_label": false, "resolved_editable": false}}}
		o.Tracker = ct
		o.Metrics = NewMetrics(reg)
	})
	r.sync(t)
	d := r.eng.Degraded()
	if got := strings.Join(d["SEC"], ","); got != "open_label,resolved_editable" || len(d) != 1 {
		t.Fatalf("degraded = %v", d)
	}
	m := r.eng.opt.Metrics.capability
	if v := testutil.ToFloat64(m.WithLabelValues("SEC", "open_label")); v != 0 {
		t.Errorf("patchbot_capability{SEC,open_label} = %v, want 0", v)
	}
	if v := testutil.ToFloat64(m.WithLabelValues("SEC", "add_comment")); v != 1 {
		t.Errorf("patchbot_capability{SEC,add_comment} = %v, want 1", v)
	}
	// The label comes back: the gauge follows after the next cycle.
	ct.caps["SEC"]["open_label"] = true
	r.sync(t)
	if v := testutil.ToFloat64(m.WithLabelValues("SEC", "open_label")); v != 1 {
		t.Errorf("after the label came back: %v, want 1", v)
	}
}
