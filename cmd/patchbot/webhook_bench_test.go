package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/jirahook"
	"github.com/patchbot/patchbot/scheduler"
)

// The webhook benchmarks run only with PATCHBOT_WEBHOOK_BENCH=1; they
// take a minute or two each on two cores:
//
//	PATCHBOT_WEBHOOK_BENCH=1 go test -run 'WebhookBench' -v -timeout 30m ./cmd/patchbot/
//
// PATCHBOT_WEBHOOK_BENCH_TICKETS (default 1000) sets the tickets,
// PATCHBOT_WEBHOOK_BENCH_WINDOW (default 10ms for the latency, 2s for the
// burst) the coalescing window.

func hookBenchEnv(t *testing.T) {
	if os.Getenv("PATCHBOT_WEBHOOK_BENCH") != "1" {
		t.Skip("set PATCHBOT_WEBHOOK_BENCH=1 to run the webhook benchmarks")
	}
}

func hookBenchTickets() int {
	n := 1000
	if s := os.Getenv("PATCHBOT_WEBHOOK_BENCH_TICKETS"); s != "" {
		_, _ = fmt.Sscan(s, &n)
	}
	return n
}

func hookBenchWindow(def time.Duration) time.Duration {
	if s := os.Getenv("PATCHBOT_WEBHOOK_BENCH_WINDOW"); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			return d
		}
	}
	return def
}

// jiraTap sits between the daemon and the fake Jira: it stamps when each
// comment write reaches Jira, and how long the fake took over each
// request, so the fake's own time can be told apart.
type jiraTap struct {
	*httptest.Server
	mu     sync.Mutex
	writes map[string][]time.Time // comment writes (issue edits) by ticket, as they arrived
	spans  []tapSpan              // every request the fake answered
}

type tapSpan struct{ start, end time.Time }

var tapIssueEdit = regexp.MustCompile(`^/rest/api/[23]/issue/([^/]+)$`)

func newJiraTap(t testing.TB, target string) *jiraTap {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tap := &jiraTap{writes: map[string][]time.Time{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	tap.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// An issue edit (the comment, label and trail): PUT
		// /rest/api/N/issue/KEY.
		if m := tapIssueEdit.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPut {
			key := m[1]
			tap.mu.Lock()
			tap.writes[key] = append(tap.writes[key], start)
			tap.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
		tap.mu.Lock()
		tap.spans = append(tap.spans, tapSpan{start, time.Now()})
		tap.mu.Unlock()
	}))
	t.Cleanup(tap.Close)
	return tap
}

// firstWrite is when the first comment write for key arrived (zero: none).
func (tp *jiraTap) firstWrite(key string) time.Time {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if w := tp.writes[key]; len(w) > 0 {
		return w[0]
	}
	return time.Time{}
}

// fakeTime is how long the fake spent answering requests that started
// and ended within [from, to].
func (tp *jiraTap) fakeTime(from, to time.Time) time.Duration {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var d time.Duration
	for _, s := range tp.spans {
		if !s.start.Before(from) && !s.end.After(to) {
			d += s.end.Sub(s.start)
		}
	}
	return d
}

func (tp *jiraTap) reset() {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	clear(tp.writes)
	tp.spans = nil
}

// hookBenchRig is a hook rig with n more tickets like the Fortinet one (no
// rollback or test plan), all synced once, the Jira tap in front.
func hookBenchRig(t *testing.T, window time.Duration, n int) (*hookRig, *jiraTap, []string) {
	var tap *jiraTap
	r := newHookRig(t, hookOptions{window: window, edit: func(c *config.Config) {
		tap = newJiraTap(t, c.Jira.URL)
		c.Jira.URL = tap.URL
		c.Safety.MaxWritesPerCycle = 100000
	}})
	like, _ := r.Jira.Issue(r.Keys[fortinet])
	specs := make([]jiratest.IssueSpec, n)
	for i := range specs {
		specs[i] = jiratest.IssueSpec{Project: "SEC", Summary: fmt.Sprintf("Bench %d: %s", i, like.Summary), Status: like.Status,
			Assignee: like.Assignee, Reporter: like.Reporter, Created: like.Created, Fields: like.Fields}
	}
	keys, err := r.Jira.AddIssues(specs...)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := r.App.Engine.Sync(t.Context(), scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("first full sync of %d tickets: %s", r.Jira.Len(), time.Since(start).Round(time.Millisecond))
	r.lead()
	for _, k := range keys {
		if err := r.Jira.SetField(k, "Rollback Plan", "Restore the previous image"); err != nil {
			t.Fatal(err)
		}
	}
	tap.reset()
	return r, tap, keys
}

// hookQuantile is the nearest-rank q-hookQuantile of sorted d.
func hookQuantile(d []time.Duration, q float64) time.Duration {
	i := int(float64(len(d))*q+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

// TestWebhookBenchLatency: from a webhook's receipt to the Jira write of
// the living comment it causes, one event at a time, each for its own
// ticket (a field filled in): p50 and p99 over 1,000 events, in total and
// without the time the fake Jira itself spent answering.
func TestWebhookBenchLatency(t *testing.T) {
	hookBenchEnv(t)
	window := hookBenchWindow(10 * time.Millisecond)
	r, tap, keys := hookBenchRig(t, window, hookBenchTickets())
	rollback, _ := r.Jira.FieldID("Rollback Plan")
	total := make([]time.Duration, 0, len(keys))
	net := make([]time.Duration, 0, len(keys))
	for _, key := range keys {
		wh := jiratest.Webhook{Key: key, User: &ann, Changes: []jiratest.WebhookChange{jiratest.FieldChange("Rollback Plan", rollback, "", "Restore the previous image")}}
		req, err := r.Jira.WebhookRequest(t.Context(), r.url, []byte(hookSecret), wh)
		if err != nil {
			t.Fatal(err)
		}
		received := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %d", key, resp.StatusCode)
		}
		r.waitRecheck(key)
		wrote := tap.firstWrite(key)
		if wrote.IsZero() {
			t.Fatalf("%s: no comment write", key)
		}
		d := wrote.Sub(received)
		total = append(total, d)
		net = append(net, d-tap.fakeTime(received, wrote))
	}
	slices.Sort(total)
	slices.Sort(net)
	report := fmt.Sprintf("webhook → Jira write, %d events, window %s: total p50 %s p90 %s p99 %s max %s; without the fake's own time p50 %s p90 %s p99 %s max %s",
		len(total), window, hookQuantile(total, .5), hookQuantile(total, .9), hookQuantile(total, .99), total[len(total)-1],
		hookQuantile(net, .5), hookQuantile(net, .9), hookQuantile(net, .99), net[len(net)-1])
	t.Log(report)
	fmt.Println(report)
	if p50, p99 := hookQuantile(net, .5), hookQuantile(net, .99); p50 > 500*time.Millisecond || p99 > 2*time.Second {
		t.Errorf("p50 %s (target < 500ms), p99 %s (target < 2s)", p50, p99)
	}
}

// TestWebhookBenchBurst: 10 events for each of 1,000 tickets, interleaved,
// sent by 8 connections at once, make at most one targeted sync per
// ticket, and every ticket's living comment is written exactly once.
func TestWebhookBenchBurst(t *testing.T) {
	hookBenchEnv(t)
	window := hookBenchWindow(2 * time.Second)
	r, tap, keys := hookBenchRig(t, window, hookBenchTickets())
	rollback, _ := r.Jira.FieldID("Rollback Plan")
	const perTicket = 10
	type delivery struct {
		body []byte
		sig  string
	}
	deliveries := make([]delivery, 0, perTicket*len(keys))
	for range perTicket {
		for _, key := range keys {
			body, err := r.Jira.WebhookPayload(jiratest.Webhook{Key: key, User: &ann,
				Changes: []jiratest.WebhookChange{jiratest.FieldChange("Rollback Plan", rollback, "", "Restore the previous image")}})
			if err != nil {
				t.Fatal(err)
			}
			deliveries = append(deliveries, delivery{body, jiratest.SignWebhook([]byte(hookSecret), body)})
		}
	}
	before, _ := r.rechecks()
	var next, accepted atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(deliveries) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(deliveries[i].body))
				req.Header.Set(jirahook.HeaderSignature, deliveries[i].sig)
				req.Header.Set(jirahook.HeaderIdentifier, fmt.Sprintf("burst-%d", i))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					accepted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	sent := time.Since(start)
	r.eventually("every ticket is written", func() bool {
		for _, k := range keys {
			if tap.firstWrite(k).IsZero() {
				return false
			}
		}
		return true
	})
	written := time.Since(start)
	// Nothing is waiting any more (the window has passed since the last
	// delivery and the queue is empty): every targeted sync has been asked.
	r.eventually("the queue is empty", func() bool {
		return time.Since(start) > sent+window && r.ep.h.Idle()
	})
	after, errs := r.rechecks()
	syncs := 0
	for _, k := range keys {
		syncs += after[k] - before[k]
	}
	tap.mu.Lock()
	once, more := 0, 0
	for _, k := range keys {
		switch len(tap.writes[k]) {
		case 1:
			once++
		default:
			more++
		}
	}
	tap.mu.Unlock()
	report := fmt.Sprintf("burst: %d events over %d tickets sent in %s (8 connections, %d accepted), window %s: %d targeted syncs, %d errors; all written after %s; tickets written once %d, more than once %d",
		len(deliveries), len(keys), sent.Round(time.Millisecond), accepted.Load(), window, syncs, len(errs), written.Round(time.Millisecond), once, more)
	t.Log(report)
	fmt.Println(report)
	if syncs > len(keys) || once != len(keys) || len(errs) > 0 {
		t.Errorf("want at most %d targeted syncs and every ticket written exactly once", len(keys))
	}
}
