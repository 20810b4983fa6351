package app

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/feeds"
	"github.com/patchbot/patchbot/handoff"
)

// Feeds are the public vulnerability feeds (CISA's KEV catalog, FIRST's
// EPSS) as the daemon uses them: the feeds package's store, answering the
// engine's lookups (scheduler.Intel) in the core's terms. In the EPSS API
// mode it also asks, in the background, for the scores of the CVEs the
// tickets name: a lookup never waits on the network.
type Feeds struct {
	Store    *feeds.Store
	interval time.Duration
	api      bool
	log      *slog.Logger

	mu   sync.Mutex
	want map[string]struct{} // API mode: ids looked up without a score
	wake chan struct{}
}

// NewFeeds builds the feeds the config names; nil, nil when both are off.
// It loads the cached copies (no network); when every source that is on
// is a local file (a mirror, the demo) it reads them at once as well, which
// costs no network either. A URL is fetched only by Run.
func NewFeeds(ctx context.Context, cfg *config.Config, log *slog.Logger, now func() time.Time, reg prometheus.Registerer) (*Feeds, error) {
	fc := cfg.Feeds
	if fc.Off() {
		return nil, nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := feeds.Config{Dir: cfg.FeedsDir(), KEV: fc.KEV.Source, EPSS: fc.EPSS.Source, EPSSMode: feeds.EPSSMode(fc.EPSS.Mode),
		Interval: fc.Interval, Logger: log, Registerer: reg, Now: now}
	if isOffSource(c.KEV) {
		c.KEV = feeds.Off
	}
	if isOffSource(c.EPSS) {
		c.EPSS = feeds.Off
	}
	s, err := feeds.New(c)
	if err != nil {
		return nil, err
	}
	f := &Feeds{Store: s, interval: fc.Interval, api: c.EPSSMode == feeds.EPSSAPI && c.EPSS != feeds.Off,
		log: log, want: map[string]struct{}{}, wake: make(chan struct{}, 1)}
	if f.interval <= 0 {
		f.interval = feeds.DefaultInterval
	}
	if allLocal(c) {
		if err := s.Refresh(ctx); err != nil {
			log.Warn("feed file unreadable; the last good copy stays in use", "err", err)
		}
	}
	return f, nil
}

func isOffSource(s string) bool { return strings.EqualFold(strings.TrimSpace(s), config.FeedOff) }

// allLocal reports whether every feed that is on reads a local file.
func allLocal(c feeds.Config) bool {
	for _, src := range []string{c.KEV, c.EPSS} {
		if src == feeds.Off {
			continue
		}
		if src == "" || c.EPSSMode == feeds.EPSSAPI && src == c.EPSS || isURL(src) {
			return false
		}
	}
	return true
}

func isURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// buildFeeds is NewFeeds for the daemon: feeds that cannot start (an
// unwritable cache directory) are logged and left off, never a reason
// for the daemon not to start.
func buildFeeds(ctx context.Context, cfg *config.Config, d Deps) *Feeds {
	f, err := NewFeeds(ctx, cfg, d.Logger.With("service", "feeds"), d.Now, d.Registry)
	if err != nil {
		d.Logger.Warn("public feeds off: they could not start", "err", err)
		return nil
	}
	return f
}

// CVEs returns the CVE ids text names (scheduler.Intel).
func (f *Feeds) CVEs(text string) []string { return feeds.ExtractCVEs(text) }

// Lookup returns what the feeds hold on a CVE id, in the core's terms
// (scheduler.Intel). In the API mode an id without a score is noted, and
// Run asks for it.
func (f *Feeds) Lookup(id string) handoff.CVEIntel {
	in := f.Store.Lookup(id)
	out := handoff.CVEIntel{ID: in.CVE}
	if in.InKEV {
		k := in.KEV
		out.KEV, out.KEVAdded, out.KEVDue, out.Ransomware = true, k.DateAdded, k.DueDate, k.Ransomware == feeds.RansomwareKnown
	}
	if in.HasEPSS {
		s := in.EPSS
		out.HasEPSS, out.EPSS, out.Percentile, out.ScoreDate = true, s.EPSS, s.Percentile, s.Date
	} else if f.api && in.CVE != "" {
		f.mu.Lock()
		f.want[in.CVE] = struct{}{}
		f.mu.Unlock()
		select {
		case f.wake <- struct{}{}:
		default:
		}
	}
	return out
}

// Run refreshes the feeds on their schedule until ctx ends, and in the
// API mode asks for the scores lookups missed. Failures are logged and
// kept in Status; the copies in use stay.
func (f *Feeds) Run(ctx context.Context) {
	if f == nil {
		return
	}
	var wg sync.WaitGroup
	if f.api {
		wg.Go(func() { f.askLoop(ctx) })
	}
	_ = f.Store.Run(ctx)
	wg.Wait()
}

// askLoop asks the EPSS API for the ids lookups missed, as they come.
func (f *Feeds) askLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		}
		_ = f.askMissed(ctx) // logged by the store
	}
}

// askMissed asks the EPSS API, once, for the ids lookups missed since the
// last time (the store skips those asked for within the interval).
func (f *Feeds) askMissed(ctx context.Context) error {
	f.mu.Lock()
	ids := slices.Sorted(maps.Keys(f.want))
	clear(f.want)
	f.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	return f.Store.RefreshScores(ctx, ids)
}

// FeedState is one feed's state for /readyz: a detail, never a reason to
// be unready.
type FeedState struct {
	Version    string `json:"version,omitempty"`
	Entries    int    `json:"entries"`
	AgeSeconds int64  `json:"age_seconds,omitempty"`
	// Stale: no good copy yet, or none confirmed current for two
	// intervals; lookups answer from what there is.
	Stale     bool   `json:"stale"`
	LastError string `json:"last_error,omitempty"`
}

// Readiness is each feed's state, by name, for /readyz.
func (f *Feeds) Readiness() map[string]FeedState {
	if f == nil {
		return nil
	}
	out := map[string]FeedState{}
	for _, st := range f.Store.Status() {
		out[string(st.Feed)] = FeedState{Version: st.Version, Entries: st.Entries, AgeSeconds: int64(st.Age.Seconds()),
			Stale: f.Stale(st), LastError: st.LastError}
	}
	return out
}

// Stale reports whether a feed has no good copy, or none confirmed
// current for two intervals.
func (f *Feeds) Stale(st feeds.Status) bool {
	return st.Entries == 0 || st.VerifiedAt.IsZero() || st.Age > 2*f.interval
}
