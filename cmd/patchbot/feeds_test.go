package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/scheduler"
)

// withFeeds appends a feeds section to the CLI's config file.
func (c *cli) withFeeds(section string) {
	c.t.Helper()
	b, err := os.ReadFile(c.path)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(c.path, append(b, []byte("feeds:\n"+section)...), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// TestFeedsCommandAndCheck: `patchbot feeds` shows each copy's version and
// age, and `patchbot check` each ticket's enrichment, from the demo's
// mirrored files; without a copy, check says how to fetch one.
func TestFeedsCommandAndCheck(t *testing.T) {
	c := newCLI(t, nil)
	veeam := c.w.Keys["Veeam Backup & Replication RCE — left on monitor"]

	// The default sources are URLs: nothing is fetched by check or by
	// feeds without --refresh, and both say there is no copy yet.
	code, out, errOut := c.run("feeds")
	if code != exitOK || strings.Count(out, "no copy yet") != 2 || !strings.Contains(out, "cisa.gov") {
		t.Fatalf("feeds with no copy: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = c.run("check", "--issue", veeam)
	if code != exitOK || strings.Contains(out, "kev_lane") || !strings.Contains(out, "kev has no copy yet, epss has no copy yet") {
		t.Fatalf("check without feed copies: exit %d, want %d (owner-ready without the feeds)\n%s", code, exitOK, out)
	}

	c.withFeeds("  kev:\n    source: " + c.w.Config.Feeds.KEV.Source + "\n  epss:\n    source: " + c.w.Config.Feeds.EPSS.Source + "\n")
	code, out, errOut = c.run("feeds")
	if code != exitOK {
		t.Fatalf("feeds: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"FEED", "kev ", "epss (file)", "v2025.03.14", " 8 ", " 15 ", "kev.json", "cache: "} {
		if !strings.Contains(out, want) {
			t.Errorf("feeds output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no copy yet") {
		t.Errorf("feeds from local files read no copy:\n%s", out)
	}
	code, out, _ = c.run("check", "--issue", veeam)
	if code != exitFindings {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	for _, want := range []string{"feeds: CVE-2026-33017: KEV since ", "known ransomware use; EPSS 0.94, 99th percentile on ",
		"feeds: CVE-2026-33018: not in KEV; EPSS 0.12, 93rd percentile", "- kev_lane KEV listing: KEV-listed since", "- epss_monitor EPSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no copy yet") {
		t.Errorf("check warns of missing copies:\n%s", out)
	}
}

// TestFeedsRefresh: --refresh fetches over HTTP (a loopback mirror) and
// shows the copies; a source that fails makes the command fail and keeps
// what there was.
func TestFeedsRefresh(t *testing.T) {
	c := newCLI(t, nil)
	kev, err := os.ReadFile(c.w.Config.Feeds.KEV.Source)
	if err != nil {
		t.Fatal(err)
	}
	broken := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		http.ServeContent(w, r, "kev.json", time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC), strings.NewReader(string(kev)))
	}))
	defer srv.Close()
	c.withFeeds("  kev:\n    source: " + srv.URL + "/kev.json\n  epss:\n    source: off\n")
	code, out, errOut := c.run("feeds", "--refresh")
	if code != exitOK || !strings.Contains(out, " 8 ") || strings.Contains(out, "epss") {
		t.Fatalf("feeds --refresh: exit %d\n%s%s", code, out, errOut)
	}
	broken = true
	code, out, errOut = c.run("feeds", "--refresh")
	if code != exitError || !strings.Contains(errOut, "502") || !strings.Contains(out, " 8 ") {
		t.Fatalf("feeds --refresh from a failing source: exit %d, want %d with the last good copy shown\n%s%s", code, exitError, out, errOut)
	}
}

// TestReadyzFeedDetail: a stale feed is a detail of /readyz, never a
// reason to be unready.
func TestReadyzFeedDetail(t *testing.T) {
	t.Parallel()
	now := time.Now()
	srv := &server{status: func() scheduler.Status { return scheduler.Status{LastSync: now} }, now: func() time.Time { return now },
		reg: prometheus.NewRegistry(), maxSyncAge: time.Hour, probes: map[string]probe{},
		feeds: func() any {
			return map[string]any{"kev": map[string]any{"stale": true, "last_error": "dial tcp: refused"}}
		}}
	rec := httptest.NewRecorder()
	srv.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || body["ready"] != true {
		t.Fatalf("/readyz = %d %s, want ready despite a stale feed", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"feeds":{"kev":{"last_error":"dial tcp: refused","stale":true}}`) {
		t.Errorf("/readyz lacks the feed detail: %s", rec.Body)
	}
}
