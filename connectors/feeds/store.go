package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Feed names a feed in errors, statuses and the age gauge's label.
type Feed string

// The feeds this package reads.
const (
	FeedKEV  Feed = "kev"
	FeedEPSS Feed = "epss"
)

// Intel is what the feeds say about one CVE.
type Intel struct {
	CVE     string   // normalised
	KEV     KEVEntry // valid when InKEV
	InKEV   bool
	EPSS    Score // valid when HasEPSS
	HasEPSS bool
}

// Status is one feed's state, for /readyz and the CLI.
type Status struct {
	Feed     Feed
	Source   string    // the URL or file as configured
	Mode     EPSSMode  // EPSS only
	Version  string    // KEV catalogVersion, EPSS model version ("" from the API)
	Released time.Time // KEV dateReleased, EPSS score date (the API: the newest)
	Entries  int       // CVEs held; 0 when there is no copy yet
	// FetchedAt is when the copy in use was downloaded or read; VerifiedAt
	// when the source last confirmed it current (a 200 or a 304, or, for a
	// local file, the file's modification time); CheckedAt the last
	// attempt, failed or not.
	FetchedAt, VerifiedAt, CheckedAt time.Time
	Age                              time.Duration // now − VerifiedAt; 0 when there is no copy
	LastError                        string        // the last attempt's error, "" if it succeeded
	Problems                         []string      // what the copy in use had that was tolerated (KEV)
}

// Store holds the last good copy of each feed, answers lookups from memory
// and refreshes the copies from their sources. Its methods are safe for
// concurrent use; lookups never wait for a refresh.
type Store struct {
	cfg  Config
	log  *slog.Logger
	now  func() time.Time
	http *http.Client

	kev  *fileFeed // nil when off
	epss *fileFeed // nil when off or in API mode
	api  *apiFeed  // nil unless EPSS is in API mode

	kevData  atomic.Pointer[KEVCatalog]
	epssData atomic.Pointer[EPSSScores]
}

// state is a feed's status fields, guarded by its mutex.
type state struct {
	mu        sync.Mutex
	meta      cacheMeta // of the copy in use
	entries   int
	version   string
	released  time.Time
	problems  []string
	checkedAt time.Time
	lastErr   error
}

// New prepares the cache directory and loads the last good copies from it,
// without the network; a copy that cannot be read is reported in Status
// and replaced by the next refresh. Call Run (or Refresh) to fetch.
func New(cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("feeds: no cache directory")
	}
	defaults(&cfg)
	s := &Store{cfg: cfg, log: cfg.Logger, now: cfg.Now, http: cfg.HTTPClient}
	if cfg.KEV != Off {
		src, err := parseSource(cfg.KEV)
		if err != nil {
			return nil, &Error{Feed: FeedKEV, Source: cfg.KEV, Op: "config", Err: err}
		}
		s.kev = &fileFeed{name: FeedKEV, src: src, file: kevFile, maxBytes: cfg.KEVMaxBytes, parse: s.parseKEV}
	}
	if cfg.EPSS != Off {
		src, err := parseSource(cfg.EPSS)
		if err != nil {
			return nil, &Error{Feed: FeedEPSS, Source: cfg.EPSS, Op: "config", Err: err}
		}
		switch cfg.EPSSMode {
		case EPSSFile:
			s.epss = &fileFeed{name: FeedEPSS, src: src, file: epssFile, maxBytes: cfg.EPSSMaxBytes, parse: s.parseEPSS}
		case EPSSAPI:
			if src.local() {
				return nil, &Error{Feed: FeedEPSS, Source: cfg.EPSS, Op: "config", Err: errors.New("the API mode needs an http(s) URL")}
			}
			s.api = &apiFeed{src: src}
		default:
			return nil, &Error{Feed: FeedEPSS, Source: cfg.EPSS, Op: "config", Err: fmt.Errorf("mode %q: want %q or %q", cfg.EPSSMode, EPSSFile, EPSSAPI)}
		}
	}

	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("feeds: cache directory: %w", err)
	}
	if err := removeTemps(cfg.Dir, cfg.Now().Add(-staleTemp)); err != nil {
		return nil, fmt.Errorf("feeds: cache directory: %w", err)
	}
	for _, f := range s.fileFeeds() {
		s.loadCache(f)
	}
	if s.api != nil {
		s.loadAPICache()
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(ageCollector{s}); err != nil {
			return nil, fmt.Errorf("feeds: register metrics: %w", err)
		}
	}
	return s, nil
}

func (s *Store) fileFeeds() []*fileFeed {
	var fs []*fileFeed
	for _, f := range []*fileFeed{s.kev, s.epss} {
		if f != nil {
			fs = append(fs, f)
		}
	}
	return fs
}

// Lookup returns what the feeds hold on one CVE id, normalised first
// (NormalizeCVE); an id that is no CVE id finds nothing. Constant time,
// from memory, whatever the state of the sources.
func (s *Store) Lookup(id string) Intel {
	norm, ok := NormalizeCVE(id)
	in := Intel{CVE: norm}
	if !ok {
		return in
	}
	in.KEV, in.InKEV = s.kevLookup(norm)
	in.EPSS, in.HasEPSS = s.epssLookup(norm)
	return in
}

// KEV returns the catalog's entry for a CVE id (normalised first).
func (s *Store) KEV(id string) (KEVEntry, bool) {
	norm, ok := NormalizeCVE(id)
	if !ok {
		return KEVEntry{}, false
	}
	return s.kevLookup(norm)
}

// EPSS returns the EPSS score of a CVE id (normalised first).
func (s *Store) EPSS(id string) (Score, bool) {
	norm, ok := NormalizeCVE(id)
	if !ok {
		return Score{}, false
	}
	return s.epssLookup(norm)
}

func (s *Store) kevLookup(id string) (KEVEntry, bool) {
	c := s.kevData.Load()
	if c == nil {
		return KEVEntry{}, false
	}
	e, ok := c.Entries[id]
	return e, ok
}

func (s *Store) epssLookup(id string) (Score, bool) {
	if s.api != nil {
		return s.api.lookup(id)
	}
	return s.epssData.Load().Lookup(id)
}

// Status reports each feed that is on, KEV first.
func (s *Store) Status() []Status {
	now := s.now()
	var out []Status
	for _, f := range s.fileFeeds() {
		out = append(out, f.st.status(f.name, f.src.raw, now))
	}
	if s.api != nil {
		st := s.api.st.status(FeedEPSS, s.api.src.raw, now)
		out = append(out, st)
	}
	for i := range out {
		if out[i].Feed == FeedEPSS {
			out[i].Mode = s.cfg.EPSSMode
		}
	}
	return out
}

func (st *state) status(feed Feed, src string, now time.Time) Status {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := Status{
		Feed: feed, Source: src, Version: st.version, Released: st.released, Entries: st.entries,
		FetchedAt: st.meta.FetchedAt, VerifiedAt: st.meta.VerifiedAt, CheckedAt: st.checkedAt,
		Problems: slices.Clone(st.problems),
	}
	if st.entries > 0 && !st.meta.VerifiedAt.IsZero() {
		s.Age = max(now.Sub(st.meta.VerifiedAt), 0)
	}
	if st.lastErr != nil {
		s.LastError = st.lastErr.Error()
	}
	return s
}

// Refresh brings every feed that is on up to date once: a conditional GET
// for a URL, a modification-time check for a local file, the stale scores
// for the API. A feed that fails keeps its last good copy; the error names
// it, and with several, all are joined.
func (s *Store) Refresh(ctx context.Context) error {
	var errs []error
	for _, f := range s.fileFeeds() {
		errs = append(errs, s.refreshFile(ctx, f))
	}
	if s.api != nil {
		errs = append(errs, s.RefreshScores(ctx, nil))
	}
	return errors.Join(errs...)
}

// Run refreshes each feed on its own schedule until ctx ends: a URL every
// Interval (Retry after a failure), a local file every FilePoll. A copy
// loaded from the cache that is younger than Interval is not fetched again
// at start. Errors are logged and kept in Status; Run returns ctx's error.
func (s *Store) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, f := range s.fileFeeds() {
		first := f.st.nextDue(s.cfg.Interval, f.src)
		wg.Go(func() { s.loop(ctx, first, func() time.Duration { return s.refreshFileDue(ctx, f) }) })
	}
	if s.api != nil {
		wg.Go(func() {
			s.loop(ctx, s.now(), func() time.Duration {
				if err := s.RefreshScores(ctx, nil); err != nil {
					return s.cfg.Retry
				}
				return s.cfg.Interval
			})
		})
	}
	wg.Wait()
	return ctx.Err()
}

// loop calls step at first, then again after the wait step returns, until
// ctx ends.
func (s *Store) loop(ctx context.Context, first time.Time, step func() time.Duration) {
	wait := max(first.Sub(s.now()), 0)
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = step()
	}
}

func (s *Store) refreshFileDue(ctx context.Context, f *fileFeed) time.Duration {
	err := s.refreshFile(ctx, f)
	switch {
	case f.src.local():
		return s.cfg.FilePoll
	case err != nil:
		return s.cfg.Retry
	}
	return s.cfg.Interval
}

// nextDue is when a feed loaded from the cache is next due: at once for a
// local file (a cheap stat), a copy never confirmed or one from another
// source, else Interval after the last confirmation.
func (st *state) nextDue(interval time.Duration, src source) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	if src.local() || st.entries == 0 || st.meta.VerifiedAt.IsZero() || st.meta.Source != src.raw {
		return time.Time{}
	}
	return st.meta.VerifiedAt.Add(interval)
}

// closeQuietly is for read-only files, whose Close error says nothing new.
func closeQuietly(c io.Closer) { _ = c.Close() }
