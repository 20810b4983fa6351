package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/config"
)

const testdata = "../../../connectors/feeds/testdata/"

func feedsConfig(t *testing.T, edit func(f *config.Feeds)) *config.Config {
	t.Helper()
	c := config.Default()
	c.Store.Path = filepath.Join(t.TempDir(), "patchbot.db")
	edit(&c.Feeds)
	return c
}

// TestFeedsLookup: local files are read when the feeds are built, and a
// lookup answers in the core's terms.
func TestFeedsLookup(t *testing.T) {
	t.Parallel()
	c := feedsConfig(t, func(f *config.Feeds) {
		f.KEV.Source = testdata + "kev.json"
		f.EPSS.Source = "file://" + filepath.ToSlash(mustAbs(t, testdata+"epss_scores.csv.gz"))
	})
	f, err := NewFeeds(context.Background(), c, nil, time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.CVEs("Patch cve-2023-4966 and CVE\u20112023\u20114966, then CVE-2024-3400"); strings.Join(got, " ") != "CVE-2023-4966 CVE-2024-3400" {
		t.Errorf("CVEs = %v", got)
	}
	in := f.Lookup("CVE-2023-4966")
	if !in.KEV || !in.Ransomware || in.KEVAdded.Format(time.DateOnly) != "2023-10-18" || in.KEVDue.Format(time.DateOnly) != "2023-11-08" {
		t.Errorf("KEV of CVE-2023-4966 = %+v", in)
	}
	if !in.HasEPSS || in.EPSS < 0.9 || in.Percentile < 0.99 || in.ScoreDate.IsZero() {
		t.Errorf("EPSS of CVE-2023-4966 = %+v", in)
	}
	if in := f.Lookup("CVE-2024-3400"); !in.KEV || in.Ransomware {
		t.Errorf("CVE-2024-3400 = %+v, want KEV-listed without known ransomware use", in)
	}
	if in := f.Lookup("CVE-2099-0001"); in.Known() || in.ID != "CVE-2099-0001" {
		t.Errorf("an unknown CVE = %+v", in)
	}
	for name, st := range f.Readiness() {
		if st.Stale || st.Entries == 0 {
			t.Errorf("%s = %+v, want a fresh copy", name, st)
		}
	}
	if off, err := NewFeeds(context.Background(), feedsConfig(t, func(f *config.Feeds) { f.KEV.Source, f.EPSS.Source = "off", "OFF" }), nil, time.Now, nil); off != nil || err != nil {
		t.Errorf("both feeds off: %v, %v; want none", off, err)
	}
}

// TestFeedsAPIAsksForWhatLookupsMissed: in the API mode a lookup never
// waits; the ids it missed are asked for in one request, and found the
// next time.
func TestFeedsAPIAsksForWhatLookupsMissed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Query().Get("cve"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"OK","status-code":200,"total":1,"data":[{"cve":"CVE-2024-3400","epss":"0.943210000","percentile":"0.999120000","date":"2026-12-04"}]}`))
	}))
	defer srv.Close()
	c := feedsConfig(t, func(f *config.Feeds) {
		f.KEV.Source = "off"
		f.EPSS.Mode, f.EPSS.Source = config.EPSSModeAPI, srv.URL+"/data/v1/epss"
	})
	f, err := NewFeeds(context.Background(), c, nil, time.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"CVE-2024-3400", "CVE-2099-0001", "CVE-2024-3400"} {
		if f.Lookup(id).HasEPSS {
			t.Fatal("a score before it was asked for")
		}
	}
	if len(asked) != 0 {
		t.Fatal("a lookup asked the API")
	}
	if err := f.askMissed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != "CVE-2024-3400,CVE-2099-0001" {
		t.Fatalf("asked %q, want one request for both ids", asked)
	}
	if in := f.Lookup("CVE-2024-3400"); !in.HasEPSS || in.EPSS != 0.94321 {
		t.Errorf("after asking: %+v", in)
	}
	_ = f.Lookup("CVE-2099-0001") // known to have no score: asked for again only after the interval
	if err := f.askMissed(context.Background()); err != nil || len(asked) != 1 {
		t.Errorf("asked again within the interval: %q, %v", asked, err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// BenchmarkEnrich is what the engine asks the feeds per ticket: the CVE
// ids of an advisory field and a summary, and a lookup of each.
func BenchmarkEnrich(b *testing.B) {
	c := config.Default()
	c.Store.Path = filepath.Join(b.TempDir(), "patchbot.db")
	c.Feeds.KEV.Source, c.Feeds.EPSS.Source = testdata+"kev.json", testdata+"epss_scores.csv.gz"
	f, err := NewFeeds(context.Background(), c, nil, time.Now, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, text := range []string{"CVE-2023-4966, CVE-2024-3400", "Citrix Bleed (CVE-2023-4966) on the partner gateway"} {
			for _, id := range f.CVEs(text) {
				_ = f.Lookup(id)
			}
		}
	}
}
