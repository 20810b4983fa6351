package demo

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/scheduler"
)

// The public feeds end to end: the real feeds package reads the demo's KEV
// catalog and EPSS file (as local files, or from an HTTP server), the
// engine passes what they say into the core, and the real connectors post
// the texts to the fake Jira and Slack.

const (
	veeam   = "Veeam Backup & Replication RCE — left on monitor"
	citrix  = "Planned: NetScaler Gateway CVE-2026-40111 on the partner gateway"
	ivanti  = "CVE-2026-1127 Ivanti Connect Secure auth bypass — deadline passed"
	fortios = "CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"
)

// comment is the bot's last comment on a ticket, as Jira shows it.
func comment(t *testing.T, w *World, key string) string {
	t.Helper()
	is, ok := w.Jira.Issue(key)
	if !ok || len(is.Comments) == 0 {
		t.Fatalf("%s: no comment", key)
	}
	return adf.Text(is.Comments[len(is.Comments)-1].ADF)
}

// texts are the Slack texts of the actions of a kind, in order.
func texts(rep *scheduler.Report, send string) []string {
	var out []string
	for _, a := range rep.Actions {
		if a.Send == send && a.Kind == scheduler.ActSlack {
			out = append(out, plain.Render(a.Doc))
		}
	}
	return out
}

func kinds(ev handoff.Evaluation) map[handoff.FindingKind]handoff.FieldID {
	m := map[handoff.FindingKind]handoff.FieldID{}
	for _, f := range ev.Findings {
		m[f.Kind] = f.Field
	}
	return m
}

func TestFeedsEndToEnd(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rep, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := map[string]handoff.Evaluation{}
	for _, r := range rep.Results {
		evs[r.Evaluation.Handoff.Ticket.Key] = r.Evaluation
	}

	// Two CVEs in the advisory field, one KEV-listed and scored high, on
	// monitor with no urgency driver.
	key := w.Keys[veeam]
	if k := kinds(evs[key]); k[handoff.FindingKEVLane] != handoff.FieldKEV || k[handoff.FindingEPSSMonitor] != handoff.FieldEPSS {
		t.Errorf("%s findings %+v, want the KEV listing and the EPSS score on monitor", key, evs[key].Findings)
	}
	if n := len(evs[key].Handoff.Intel.CVEs); n != 2 {
		t.Errorf("%s: intel on %d CVEs, want the advisory field's 2", key, n)
	}
	c := comment(t, w, key)
	for _, want := range []string{"KEV-listed since 2026-11-04 (CVE-2026-33017): patch now or mitigate first, or say why",
		"What the public feeds say", "CVE-2026-33017: KEV since 2026-11-04, known ransomware use; EPSS 0.94, 99th percentile on 2026-11-23",
		"CVE-2026-33018: EPSS 0.12, 93rd percentile on 2026-11-23", "Why this matters: missing"} {
		if !strings.Contains(c, want) {
			t.Errorf("%s: the comment lacks %q:\n%s", key, want, c)
		}
	}

	// The CVE only in the summary; a planned window "not exploited".
	key = w.Keys[citrix]
	if k := kinds(evs[key]); k[handoff.FindingKEVLane] == "" || k[handoff.FindingKEVNotExploited] != handoff.FieldUrgencyDriver {
		t.Errorf("%s findings %+v, want the KEV listing and the contradicted driver", key, evs[key].Findings)
	}
	if c := comment(t, w, key); !strings.Contains(c, `says "not exploited", but CVE-2026-40111 is KEV-listed since 2026-11-18`) || strings.Contains(c, "What the public feeds say") {
		t.Errorf("%s: the comment should hold the contradiction and no suggestion (the driver is given):\n%s", key, c)
	}

	// A KEV-listed patch-now ticket: no finding of the feeds' own.
	if k := kinds(evs[w.Keys[fortios]]); k[handoff.FindingKEVLane] != "" || !evs[w.Keys[fortios]].Handoff.Intel.CVEs[0].KEV {
		t.Errorf("FortiOS: findings %+v", evs[w.Keys[fortios]].Findings)
	}

	// The morning reminder and the digest list the KEV-listed Ivanti
	// ticket first, marked.
	nag, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, text := range texts(nag, "reminder") {
		if !strings.Contains(text, "Ana Ortiz") {
			continue
		}
		found = true
		first := text[strings.Index(text, "\n- ")+3:]
		if !strings.HasPrefix(first, "KEV since 2026-11-10 (patch now) · "+w.Keys[ivanti]) {
			t.Errorf("Ana's reminder does not open with the KEV-listed Ivanti ticket:\n%s", text)
		}
	}
	if !found {
		t.Fatal("no reminder for Ana")
	}
	dg, err := w.App.Engine.Digest(ctx, scheduler.DigestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := texts(dg, "digest"); len(d) != 1 || !strings.Contains(d[0], "KEV-listed (1):\n\n- KEV since 2026-11-10 (patch now) · "+w.Keys[ivanti]) {
		t.Errorf("the digest does not list the KEV-listed item first:\n%s", strings.Join(d, "\n"))
	}
}

// serveMirror serves the demo's mirrored feed files over HTTP, counting
// full answers and 304s.
func serveMirror(t *testing.T, w *World) (url string, full, notModified *atomic.Int64) {
	t.Helper()
	full, notModified = new(atomic.Int64), new(atomic.Int64)
	files := http.FileServer(http.Dir(w.mirrorDir()))
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: rw}
		files.ServeHTTP(rec, r)
		if rec.status == http.StatusNotModified {
			notModified.Add(1)
		} else {
			full.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, full, notModified
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// TestFeedsOverHTTP: the same findings from the feeds fetched over HTTP;
// asking again costs a 304 each.
func TestFeedsOverHTTP(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	url, full, notModified := serveMirror(t, w)
	w.Config.Feeds.KEV.Source = url + "/kev.json"
	w.Config.Feeds.EPSS.Source = url + "/epss_scores-current.csv.gz"
	w.Config.Feeds.Dir = t.TempDir()
	if err := w.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := w.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.App.Feeds.Store.Lookup("CVE-2026-33017"); got.InKEV {
		t.Fatal("a URL was fetched while the daemon was built")
	}
	if err := w.App.Feeds.Store.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.App.Feeds.Store.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if full.Load() != 2 || notModified.Load() != 2 {
		t.Errorf("%d full answers and %d 304s, want 2 and 2", full.Load(), notModified.Load())
	}
	rep, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Evaluation.Handoff.Ticket.Key == w.Keys[veeam] {
			if k := kinds(r.Evaluation); k[handoff.FindingKEVLane] == "" {
				t.Errorf("no KEV finding from the feeds over HTTP: %+v", r.Evaluation.Findings)
			}
		}
	}
	for name, st := range w.App.Feeds.Readiness() {
		if st.Stale || st.Entries == 0 {
			t.Errorf("%s: %+v, want a fresh copy", name, st)
		}
	}
}

// TestFeedsUnreachable: feeds that cannot be fetched hold up nothing: one
// warning per feed, the sync and nag run, the tickets are judged without
// them, and /readyz's detail says so.
func TestFeedsUnreachable(t *testing.T) {
	var logs bytes.Buffer
	w, err := NewWorld(context.Background(), Options{Now: tuesday, Dir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	ctx := context.Background()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	w.Config.Feeds.KEV.Source = dead.URL + "/kev.json"
	w.Config.Feeds.EPSS.Source = dead.URL + "/epss.csv.gz"
	w.Config.Feeds.Dir = t.TempDir()
	if err := w.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.App.Feeds.Store.Refresh(ctx); err == nil {
		t.Fatal("a refresh from a closed server succeeded")
	}
	rep, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true, Keep: true})
	if err != nil {
		t.Fatalf("sync with the feeds unreachable: %v", err)
	}
	if _, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatalf("nag with the feeds unreachable: %v", err)
	}
	for _, r := range rep.Results {
		for _, f := range r.Evaluation.Findings {
			if f.Kind == handoff.FindingKEVLane || f.Kind == handoff.FindingEPSSMonitor {
				t.Errorf("%s: a feed finding without feed data: %+v", r.Evaluation.Handoff.Ticket.Key, f)
			}
		}
	}
	warned := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "service=feeds") {
			warned++
		}
	}
	if warned != 2 {
		t.Errorf("%d feed warnings, want one per feed:\n%s", warned, logs.String())
	}
	ready := w.App.Feeds.Readiness()
	for _, name := range []string{"kev", "epss"} {
		if st := ready[name]; !st.Stale || st.LastError == "" {
			t.Errorf("readiness of %s = %+v, want stale with the error", name, st)
		}
	}
	// The daemon's registry carries the feeds' age gauge: +Inf before a
	// first good copy, so an alert on its threshold fires.
	mfs, err := w.App.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ages := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == "patchbot_feed_age_seconds" {
			for _, m := range mf.GetMetric() {
				ages[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	if len(ages) != 2 || !math.IsInf(ages["kev"], 1) || !math.IsInf(ages["epss"], 1) {
		t.Errorf("patchbot_feed_age_seconds = %v, want +Inf for kev and epss", ages)
	}
}
