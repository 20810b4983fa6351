package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/scheduler"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// burst sends n GET /readyz, conc at a time, and counts the answers by
// status.
func burst(t *testing.T, hs *httptest.Server, n, conc int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				resp, err := hs.Client().Get(hs.URL + "/readyz")
				code := 0
				if err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return codes
}

// TestReadyzBurstCostsOnePingPerPeriod: 1,000 /readyz calls, 100 at a
// time, cost one Jira and one Slack request per cache period, counted on
// the fakes, and every one of them answers 200.
func TestReadyzBurstCostsOnePingPerPeriod(t *testing.T) {
	w, err := demo.NewWorld(context.Background(), demo.Options{Now: time.Now(), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	clock := &testClock{t: time.Now()}
	srv := &server{
		status: func() scheduler.Status { return scheduler.Status{LastSync: clock.now()} },
		now:    clock.now, maxSyncAge: time.Hour, reg: prometheus.NewRegistry(),
		probes: map[string]probe{
			"jira":  newCachedProbe(w.App.Jira.Ping, clock.now).check,
			"slack": newCachedProbe(w.App.Slack.Ping, clock.now).check,
		},
	}
	hs := httptest.NewServer(srv.handler())
	defer hs.Close()
	const myself = "GET /rest/api/2/myself"
	jira0, slack0 := w.Jira.Count(myself), w.Slack.CallCount("auth.test")
	for period := 1; period <= 2; period++ {
		codes := burst(t, hs, 1000, 100)
		if codes[http.StatusOK] != 1000 {
			t.Errorf("period %d: answers by status %v, want 1000 × 200", period, codes)
		}
		if got := w.Jira.Count(myself) - jira0; got != period {
			t.Errorf("after %d bursts of 1,000 /readyz in %d cache periods: %d Jira pings, want %d", period, period, got, period)
		}
		if got := w.Slack.CallCount("auth.test") - slack0; got != period {
			t.Errorf("after %d bursts of 1,000 /readyz in %d cache periods: %d Slack pings, want %d", period, period, got, period)
		}
		clock.add(probeMaxAge)
	}
}

// TestCachedProbeSharesOnePing: callers that come while a ping is out
// wait for it instead of sending their own; one of them giving up does
// not fail the others; a failure is cached like a success.
func TestCachedProbeSharesOnePing(t *testing.T) {
	clock := &testClock{t: time.Now()}
	release := make(chan struct{})
	var pings atomic.Int32
	boom := errors.New("jira: ping: 503")
	p := newCachedProbe(func(ctx context.Context) error {
		pings.Add(1)
		<-release
		return boom
	}, clock.now)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.check(gone); !errors.Is(err, context.Canceled) {
		t.Fatalf("a caller that gave up: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = p.check(context.Background()) }()
	}
	close(release)
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, boom) {
			t.Fatalf("caller %d: %v, want the shared ping's answer", i, err)
		}
	}
	if err := p.check(context.Background()); !errors.Is(err, boom) || pings.Load() != 1 {
		t.Fatalf("within the period: %v after %d pings, want the cached failure after 1", err, pings.Load())
	}
}

// TestReadyzStandby: a standby replica, which syncs nothing, is ready on
// its probes alone and says it stands by; a leader without a sync yet is
// not ready.
func TestReadyzStandby(t *testing.T) {
	ok := func(context.Context) error { return nil }
	for _, tc := range []struct {
		name    string
		leading bool
		code    int
		want    []string
	}{
		{"standby", false, http.StatusOK, []string{`"role":"standby"`, `"ready":true`}},
		{"leader before its first sync", true, http.StatusServiceUnavailable, []string{`"role":"leader"`, `"last_sync":"none yet"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &server{status: func() scheduler.Status { return scheduler.Status{} }, leading: func() bool { return tc.leading },
				now: time.Now, maxSyncAge: time.Hour, reg: prometheus.NewRegistry(), probes: map[string]probe{"jira": ok}}
			rec := httptest.NewRecorder()
			srv.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			body := rec.Body.String()
			if rec.Code != tc.code {
				t.Errorf("status %d, want %d: %s", rec.Code, tc.code, body)
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s: %s", w, body)
				}
			}
		})
	}
}
