package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// TestFeedsKeys: the feeds' sources, mode, interval and finding switches,
// their defaults, and every mistake named at its key.
func TestFeedsKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		feeds string
		want  string // an error's text; "" for none
	}{
		{"defaults", "", ""},
		{"mirrored files", "feeds:\n  kev:\n    source: /srv/mirror/kev.json\n  epss:\n    source: file:///srv/mirror/epss_scores-current.csv.gz\n", ""},
		{"api mode", "feeds:\n  epss:\n    mode: api\n    source: https://api.first.org/data/v1/epss\n", ""},
		{"both off", "feeds:\n  kev:\n    source: off\n  epss:\n    source: \"off\"\n", ""},
		{"switches and threshold", "feeds:\n  kev_lane: false\n  kev_not_exploited: false\n  epss_monitor: true\n  epss_threshold: 0.2\n  bod_22_01: true\n  interval: 6h\n", ""},
		{"a loopback mirror over http", "feeds:\n  kev:\n    source: http://127.0.0.1:8000/kev.json\n", ""},
		{"http elsewhere", "feeds:\n  kev:\n    source: http://mirror.internal/kev.json\n", "feeds.kev.source: http:// lets anyone on the way forge the feed"},
		{"http allowed", "feeds:\n  allow_insecure_http: true\n  kev:\n    source: http://mirror.internal/kev.json\n", ""},
		{"ftp", "feeds:\n  epss:\n    source: ftp://mirror.internal/epss.csv.gz\n", "feeds.epss.source: must be an https URL, a file:// URL, a path or off"},
		{"file on another host", "feeds:\n  kev:\n    source: file://nas/kev.json\n", `names host "nas"`},
		{"api from a file", "feeds:\n  epss:\n    mode: api\n    source: /srv/epss.json\n", "feeds.epss.source: the EPSS API is a URL"},
		{"a misspelt mode", "feeds:\n  epss:\n    mode: fiel\n", `feeds.epss.mode: must be file or api, got "fiel" (did you mean "file"?)`},
		{"threshold 0", "feeds:\n  epss_threshold: 0\n", "feeds.epss_threshold: must be a probability above 0 and at most 1"},
		{"threshold a percentage", "feeds:\n  epss_threshold: 50\n", "feeds.epss_threshold: must be a probability"},
		{"threshold 0 with the finding off", "feeds:\n  epss_monitor: false\n  epss_threshold: 0\n", ""},
		{"interval too short", "feeds:\n  interval: 1m\n", "feeds.interval: must be between 15m and 720h"},
		{"a misspelt key", "feeds:\n  bod2201: true\n", `did you mean "bod_22_01"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse("config.yaml", []byte(base+tc.feeds), testEnv, testFiles)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			_ = c
		})
	}
}

func TestFeedsDefaultsAndPolicy(t *testing.T) {
	t.Parallel()
	c, err := Parse("config.yaml", []byte(base), testEnv, testFiles)
	if err != nil {
		t.Fatal(err)
	}
	f := c.Feeds
	if f.Off() || f.KEV.Source != "" || f.EPSS.Mode != EPSSModeFile || f.Interval != 24*time.Hour || f.BOD2201 {
		t.Errorf("default feeds = %+v: want both on from their public sources, daily, BOD 22-01 off", f)
	}
	if got := c.FeedsDir(); got != filepath.Join(".", "feeds") {
		t.Errorf("FeedsDir = %q, want beside the ledger", got)
	}
	p, err := c.Policy(c.Projects[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if p.Intel != handoff.DefaultIntelPolicy() {
		t.Errorf("policy's feed switches %+v, want the core's defaults", p.Intel)
	}

	c, err = Parse("config.yaml", []byte(base+"store:\n  path: /var/lib/patchbot/patchbot.db\nfeeds:\n  kev_lane: false\n  epss_threshold: 0.3\n  bod_22_01: true\n  kev:\n    source: \"OFF\"\n  epss:\n    source: off\n"), testEnv, testFiles)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Feeds.Off() {
		t.Error("both sources off, yet not Off")
	}
	if got := c.FeedsDir(); got != "/var/lib/patchbot/feeds" {
		t.Errorf("FeedsDir = %q", got)
	}
	p, _ = c.Policy(c.Projects[0].Name)
	if want := (handoff.IntelPolicy{KEVNotExploited: true, EPSSMonitor: true, EPSSThreshold: 0.3, KEVDue: true}); p.Intel != want {
		t.Errorf("policy's feed switches %+v, want %+v", p.Intel, want)
	}
	c.Store.Driver, c.Feeds.Dir = DriverPostgres, ""
	if got := c.FeedsDir(); got != filepath.Join(os.TempDir(), "patchbot-feeds") {
		t.Errorf("FeedsDir with postgres = %q", got)
	}
	c.Feeds.Dir = "/cache/feeds"
	if got := c.FeedsDir(); got != "/cache/feeds" {
		t.Errorf("FeedsDir = %q, want feeds.dir", got)
	}
}

func TestFeedsInsecureHTTPWarns(t *testing.T) {
	t.Parallel()
	c, err := Parse("config.yaml", []byte(base+"feeds:\n  allow_insecure_http: true\n  epss:\n    source: http://mirror.internal/epss.csv.gz\n"), testEnv, testFiles)
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "feeds.epss.source") {
		t.Errorf("warnings %q, want one for the plain http feed", w)
	}
}
