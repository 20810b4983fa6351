package config

import (
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// FeedOff as a feed's source turns that feed off.
const FeedOff = "off"

// The EPSS modes.
const (
	EPSSModeFile = "file" // FIRST's daily file of every score
	EPSSModeAPI  = "api"  // FIRST's API, asked for the CVEs the tickets name
)

// Feeds are the public vulnerability feeds patchbot holds handoffs to —
// CISA's Known Exploited Vulnerabilities catalog (KEV) and FIRST's EPSS
// scores — and the findings drawn from them. Each source is an https URL,
// a local file (a path or a file:// URL, for sites without Internet
// access: point it at a mirrored copy) or "off". A feed that is stale or
// unreachable never holds up sync or nag: patchbot answers from the last
// good copy and says so in the log, /readyz and
// patchbot_feed_age_seconds{feed}.
type Feeds struct {
	// Dir is the feeds' cache directory; empty means "feeds" beside the
	// SQLite ledger, or patchbot-feeds in the temporary directory with
	// PostgreSQL (see FeedsDir).
	Dir string `yaml:"dir"`
	// Interval is how often a URL is asked whether its feed changed (a
	// conditional GET); local files are checked every minute.
	Interval time.Duration `yaml:"interval"`
	// AllowInsecureHTTP accepts http:// sources on a host other than
	// loopback (a mirror inside a trusted network); the daemon logs a
	// warning.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
	// KEV is the KEV catalog's source.
	KEV FeedSource `yaml:"kev"`
	// EPSS is where EPSS scores come from.
	EPSS EPSSFeed `yaml:"epss"`

	// The findings drawn from the feeds, each switchable.
	//
	// KEVLane: a KEV-listed CVE in monitor, planned window or needs review
	// with no stated reason ("KEV-listed since DATE: patch now or mitigate
	// first, or say why").
	KEVLane bool `yaml:"kev_lane"`
	// KEVNotExploited: an urgency driver that says "not exploited" of a
	// KEV-listed CVE.
	KEVNotExploited bool `yaml:"kev_not_exploited"`
	// EPSSMonitor: an EPSS score at or above EPSSThreshold on a monitor
	// lane.
	EPSSMonitor   bool    `yaml:"epss_monitor"`
	EPSSThreshold float64 `yaml:"epss_threshold"`
	// BOD2201: a deadline later than KEV's due date, for teams that follow
	// CISA's BOD 22-01. Off by default.
	BOD2201 bool `yaml:"bod_22_01"`
}

// FeedSource is one feed's source.
type FeedSource struct {
	// Source is an https URL, a local path, a file:// URL, or "off";
	// empty means the public default (CISA's catalog for KEV).
	Source string `yaml:"source"`
}

// EPSSFeed is where EPSS scores come from.
type EPSSFeed struct {
	// Mode is file (FIRST's daily file of every score, the default) or
	// api (FIRST's API, asked for the CVEs the tickets name).
	Mode string `yaml:"mode"`
	// Source is the daily file's URL or local file, or the API's URL, or
	// "off"; empty means FIRST's.
	Source string `yaml:"source"`
}

// defaultFeeds is both feeds on from their public sources, daily, with
// every finding on but BOD 22-01.
func defaultFeeds() Feeds {
	ip := handoff.DefaultIntelPolicy()
	return Feeds{
		Interval: 24 * time.Hour,
		EPSS:     EPSSFeed{Mode: EPSSModeFile},
		KEVLane:  ip.KEVLane, KEVNotExploited: ip.KEVNotExploited,
		EPSSMonitor: ip.EPSSMonitor, EPSSThreshold: ip.EPSSThreshold, BOD2201: ip.KEVDue,
	}
}

// Off reports whether both feeds are off.
func (f Feeds) Off() bool { return isOff(f.KEV.Source) && isOff(f.EPSS.Source) }

func isOff(s string) bool { return strings.EqualFold(strings.TrimSpace(s), FeedOff) }

// Intel is the feed findings' switches in the core's form.
func (f Feeds) Intel() handoff.IntelPolicy {
	return handoff.IntelPolicy{KEVLane: f.KEVLane, KEVNotExploited: f.KEVNotExploited,
		EPSSMonitor: f.EPSSMonitor, EPSSThreshold: f.EPSSThreshold, KEVDue: f.BOD2201}
}

// FeedsDir is the feeds' cache directory: feeds.dir, else "feeds" beside
// the SQLite ledger, else (PostgreSQL, where no ledger file is near)
// patchbot-feeds in the temporary directory — a cache, fetched again when
// lost.
func (c *Config) FeedsDir() string {
	switch {
	case c.Feeds.Dir != "":
		return c.Feeds.Dir
	case c.Store.Driver == DriverSQLite:
		return filepath.Join(filepath.Dir(c.Store.Path), "feeds")
	}
	return filepath.Join(os.TempDir(), "patchbot-feeds")
}

func (v *validator) feeds() {
	f := v.c.Feeds
	if f.Interval != 0 && (f.Interval < 15*time.Minute || f.Interval > 30*24*time.Hour) {
		v.errorf("feeds.interval", "must be between 15m and 720h, got %s", f.Interval)
	}
	if t := f.EPSSThreshold; f.EPSSMonitor && !(t > 0 && t <= 1) || math.IsNaN(t) {
		v.errorf("feeds.epss_threshold", "must be a probability above 0 and at most 1 (0.5 is an even chance of exploitation within 30 days), got %v", t)
	}
	v.feedSource("feeds.kev.source", f.KEV.Source, false, f.AllowInsecureHTTP)
	switch f.EPSS.Mode {
	case EPSSModeFile, EPSSModeAPI:
	default:
		modes := []string{EPSSModeFile, EPSSModeAPI}
		v.errorf("feeds.epss.mode", "must be file or api, got %s%s", quote(f.EPSS.Mode), didYouMean(f.EPSS.Mode, modes))
	}
	v.feedSource("feeds.epss.source", f.EPSS.Source, f.EPSS.Mode == EPSSModeAPI, f.AllowInsecureHTTP)
}

// feedSource checks one feed's source: empty (the default), "off", an
// https URL (http only on loopback or with feeds.allow_insecure_http,
// which draws a warning: a feed read in clear text can be forged on the
// way), a file:// URL on this machine, or a path. needURL refuses a local
// file (the EPSS API).
func (v *validator) feedSource(path, s string, needURL, allowInsecure bool) {
	s = strings.TrimSpace(s)
	if s == "" || isOff(s) {
		return
	}
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "://") {
		if needURL {
			v.errorf(path, "the EPSS API is a URL, got the path %s: use feeds.epss.mode: file for a local copy of the daily file", quote(s))
		}
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.errorf(path, "not a URL: %v", urlErr(err))
	case u.Scheme == "file":
		if needURL {
			v.errorf(path, "the EPSS API is an https URL, got %s: use feeds.epss.mode: file for a local copy of the daily file", quote(s))
		} else if u.Host != "" && u.Host != "localhost" {
			v.errorf(path, "%s names host %s: a file:// source must be on this machine (file:///path)", quote(s), quote(u.Host))
		} else if u.Path == "" {
			v.errorf(path, "%s has no path", quote(s))
		}
	case u.Scheme != "http" && u.Scheme != "https":
		v.errorf(path, "must be an https URL, a file:// URL, a path or off, got %s", quote(u.Redacted()))
	case u.Host == "":
		v.errorf(path, "URL has no host: %s", quote(u.Redacted()))
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		if !allowInsecure {
			v.errorf(path, "http:// lets anyone on the way forge the feed: use https://, or set feeds.allow_insecure_http: true for a mirror on a trusted network")
			return
		}
		v.warnings = append(v.warnings, path+": reading the feed over plain http (feeds.allow_insecure_http)")
	}
}
