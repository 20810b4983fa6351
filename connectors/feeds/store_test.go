package feeds

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var lastModified = time.Date(2026, 12, 4, 15, 2, 0, 0, time.UTC)

// servedStore is a Store reading KEV and the EPSS file from a feedServer.
type servedStore struct {
	*Store
	srv   *feedServer
	clock *fakeClock
	dir   string
	cfg   Config
}

func newServedStore(t *testing.T, edit func(*Config)) *servedStore {
	t.Helper()
	srv := newFeedServer(t)
	srv.set("/kev.json", doc{body: fixture(t, "kev.json"), etag: `"kev-1"`, modTime: lastModified})
	srv.set("/epss.csv.gz", doc{body: fixture(t, "epss_scores.csv.gz"), etag: `"epss-1"`, modTime: lastModified})
	ss := &servedStore{srv: srv, clock: newClock(), dir: t.TempDir()}
	ss.cfg = Config{Dir: ss.dir, KEV: srv.URL + "/kev.json", EPSS: srv.URL + "/epss.csv.gz", Now: ss.clock.Now, HTTPClient: srv.Client()}
	if edit != nil {
		edit(&ss.cfg)
	}
	st, err := New(ss.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ss.Store = st
	return ss
}

func statusOf(t *testing.T, s *Store, f Feed) Status {
	t.Helper()
	for _, st := range s.Status() {
		if st.Feed == f {
			return st
		}
	}
	t.Fatalf("no status for %s", f)
	return Status{}
}

func TestStoreFetchesAndLooksUp(t *testing.T) {
	t.Parallel()
	s := newServedStore(t, nil)
	if in := s.Lookup("CVE-2024-3400"); in.InKEV || in.HasEPSS {
		t.Fatalf("before any refresh: %+v", in)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.srv.requests() {
		if ua := r.Header.Get("User-Agent"); ua != "patchbot" {
			t.Errorf("%s: User-Agent %q", r.URL, ua)
		}
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			t.Errorf("%s: conditional without a copy: %v", r.URL, r.Header)
		}
	}

	in := s.Lookup(" cve-2023-4966\u200b")
	if in.CVE != "CVE-2023-4966" || !in.InKEV || !in.HasEPSS {
		t.Fatalf("lookup: %+v", in)
	}
	if in.KEV.Ransomware != RansomwareKnown || !in.KEV.DueDate.Equal(day("2023-11-08")) || in.KEV.VendorProject != "Citrix" {
		t.Errorf("KEV entry %+v", in.KEV)
	}
	if in.EPSS.EPSS != 0.94339 || in.EPSS.Percentile != 0.99937 || !in.EPSS.Date.Equal(time.Date(2026, 12, 4, 12, 55, 0, 0, time.UTC)) {
		t.Errorf("EPSS %+v", in.EPSS)
	}
	if in := s.Lookup("CVE-2025-31324"); in.InKEV || !in.HasEPSS {
		t.Errorf("scored, not in KEV: %+v", in)
	}
	if in := s.Lookup("not a cve"); in.InKEV || in.HasEPSS {
		t.Errorf("garbage found something: %+v", in)
	}

	kev := statusOf(t, s.Store, FeedKEV)
	now := s.clock.Now()
	if kev.Entries != 10 || kev.Version != "2026.12.04" || !kev.FetchedAt.Equal(now) || !kev.VerifiedAt.Equal(now) || kev.LastError != "" || kev.Age != 0 {
		t.Errorf("KEV status %+v", kev)
	}
	epss := statusOf(t, s.Store, FeedEPSS)
	if epss.Entries != 20 || epss.Version != "v2025.03.14" || epss.Mode != EPSSFile {
		t.Errorf("EPSS status %+v", epss)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "kev.json")); err != nil {
		t.Errorf("not cached: %v", err)
	}
}

func TestStoreConditionalGet(t *testing.T) {
	t.Parallel()
	s := newServedStore(t, nil)
	ctx := context.Background()
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	s.srv.requests()
	cached, _ := os.ReadFile(filepath.Join(s.dir, "kev.json"))
	s.clock.Advance(25 * time.Hour)

	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := s.srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		etag := map[string]string{"/kev.json": `"kev-1"`, "/epss.csv.gz": `"epss-1"`}[r.URL.Path]
		if got := r.Header.Get("If-None-Match"); got != etag {
			t.Errorf("%s: If-None-Match %q, want %q", r.URL.Path, got, etag)
		}
		if got := r.Header.Get("If-Modified-Since"); got != lastModified.Format(http.TimeFormat) {
			t.Errorf("%s: If-Modified-Since %q", r.URL.Path, got)
		}
	}
	st := statusOf(t, s.Store, FeedKEV)
	if !st.VerifiedAt.Equal(s.clock.Now()) || st.FetchedAt.Equal(st.VerifiedAt) || st.Entries != 10 || st.LastError != "" {
		t.Errorf("after a 304: %+v", st)
	}
	if after, _ := os.ReadFile(filepath.Join(s.dir, "kev.json")); !bytes.Equal(after, cached) {
		t.Error("the cached copy changed on a 304")
	}
	meta, err := readMeta(s.dir, kevFile)
	if err != nil || !meta.VerifiedAt.Equal(s.clock.Now()) || meta.ETag != `"kev-1"` {
		t.Errorf("meta after a 304: %+v %v", meta, err)
	}

	// A new catalog with a new ETag replaces the copy.
	more := bytes.Replace(fixture(t, "kev.json"), []byte(`"CVE-2022-22965"`), []byte(`"CVE-2026-20481"`), 1)
	s.srv.set("/kev.json", doc{body: more, etag: `"kev-2"`, modTime: lastModified.Add(24 * time.Hour)})
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.Lookup("CVE-2026-20481").InKEV || s.Lookup("CVE-2022-22965").InKEV {
		t.Error("the new catalog is not in use")
	}
	if meta, _ := readMeta(s.dir, kevFile); meta.ETag != `"kev-2"` {
		t.Errorf("meta ETag %q after an update", meta.ETag)
	}
}

func TestStoreKeepsLastGoodCopy(t *testing.T) {
	t.Parallel()
	kev, epss := fixture(t, "kev.json"), fixture(t, "epss_scores.csv.gz")
	shrunk := []byte(`{"count":2,"vulnerabilities":[
		{"cveID":"CVE-2024-3400","dateAdded":"2024-04-12","dueDate":"2024-04-19"},
		{"cveID":"CVE-2024-1709","dateAdded":"2024-02-22","dueDate":"2024-02-29"}]}`)
	tests := []struct {
		name string
		path string
		next doc
		op   string // the *Error's Op
		want string // in the message
		is   error
	}{
		{"HTTP 503", "/kev.json", doc{status: http.StatusServiceUnavailable}, "fetch", "HTTP 503", nil},
		{"invalid JSON", "/kev.json", doc{body: []byte("<html>maintenance</html>")}, "parse", "invalid JSON at byte 1", nil},
		{"truncated JSON", "/kev.json", doc{body: kev[:len(kev)-40]}, "parse", "truncated JSON", nil},
		{"zero entries", "/kev.json", doc{body: []byte(`{"count":0,"vulnerabilities":[]}`)}, "parse", "no entries", ErrEmpty},
		{"far fewer entries", "/kev.json", doc{body: shrunk}, "check", "2 entries, the last good copy had 10", ErrShrunk},
		{"KEV too large", "/kev.json", doc{body: bytes.Repeat([]byte(" "), len(kev)+5000)}, "fetch", "Content-Length", ErrTooLarge},
		{"truncated gzip", "/epss.csv.gz", doc{body: epss[:len(epss)-12]}, "parse", "after line 21: gzip: unexpected EOF", nil},
		{"no rows", "/epss.csv.gz", doc{body: gz(t, []byte("#model_version:v1\ncve,epss,percentile\n"))}, "parse", "no rows", ErrEmpty},
		{"a bad row", "/epss.csv.gz", doc{body: gz(t, []byte("cve,epss,percentile\nCVE-2024-3400,0.9,0.99\nCVE-2024-1709,x,1\n"))}, "parse", "line 3", nil},
		{"not found", "/epss.csv.gz", doc{status: http.StatusNotFound}, "fetch", "HTTP 404", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServedStore(t, func(c *Config) { c.KEVMaxBytes = 4096 + int64(len(kev)) })
			ctx := context.Background()
			if err := s.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			feed := map[string]Feed{"/kev.json": FeedKEV, "/epss.csv.gz": FeedEPSS}[tt.path]
			cacheFile := map[Feed]string{FeedKEV: kevFile, FeedEPSS: epssFile}[feed]
			before, _ := os.ReadFile(filepath.Join(s.dir, cacheFile))
			fetchedAt := statusOf(t, s.Store, feed).FetchedAt

			s.clock.Advance(24 * time.Hour)
			tt.next.etag = `"broken"`
			s.srv.set(tt.path, tt.next)
			err := s.Refresh(ctx)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *feeds.Error", err)
			}
			url := s.srv.URL + tt.path
			if fe.Feed != feed || fe.Source != url || fe.Op != tt.op || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("error %q (%+v), want feed %s, source %s, op %s, %q", err, fe, feed, url, tt.op, tt.want)
			}
			if in := s.Lookup("CVE-2021-44228"); !in.InKEV || !in.HasEPSS {
				t.Errorf("the last good copy is gone: %+v", in)
			}
			if after, _ := os.ReadFile(filepath.Join(s.dir, cacheFile)); !bytes.Equal(after, before) {
				t.Error("the cache file changed")
			}
			st := statusOf(t, s.Store, feed)
			if st.LastError != err.Error() || !st.FetchedAt.Equal(fetchedAt) || !st.CheckedAt.Equal(s.clock.Now()) || st.Age != 24*time.Hour {
				t.Errorf("status %+v", st)
			}
			left, _ := filepath.Glob(filepath.Join(s.dir, tempPrefix+"*"))
			if len(left) != 0 {
				t.Errorf("temporary files left: %q", left)
			}
			// The validators of the good copy are still the ones sent.
			s.srv.requests()
			s.srv.set(tt.path, doc{body: map[Feed][]byte{FeedKEV: kev, FeedEPSS: epss}[feed], etag: map[Feed]string{FeedKEV: `"kev-1"`, FeedEPSS: `"epss-1"`}[feed], modTime: lastModified})
			if err := s.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, s.Store, feed); st.LastError != "" || !st.FetchedAt.Equal(fetchedAt) {
				t.Errorf("after the source recovered: %+v", st)
			}
		})
	}
}

func TestStoreRestartReadsCache(t *testing.T) {
	t.Parallel()
	s := newServedStore(t, nil)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	fetched := s.clock.Now()
	s.clock.Advance(3 * time.Hour)

	// A temporary file a crash left behind is cleaned up; a recent one may
	// be another process's write in progress, and stays.
	orphan := filepath.Join(s.dir, tempPrefix+"kev.json-123")
	recent := filepath.Join(s.dir, tempPrefix+"epss.csv-456")
	for _, f := range []struct {
		path string
		age  time.Duration
	}{{orphan, 2 * time.Hour}, {recent, time.Minute}} {
		if err := os.WriteFile(f.path, []byte(`{"vulner`), 0o600); err != nil {
			t.Fatal(err)
		}
		mtime := s.clock.Now().Add(-f.age)
		if err := os.Chtimes(f.path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	cfg := s.cfg
	cfg.HTTPClient = &http.Client{Transport: noNetwork{t}}
	again, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := again.Lookup("CVE-2024-3400")
	if !in.InKEV || !in.HasEPSS || in.EPSS.EPSS != 0.94321 {
		t.Errorf("from the cache: %+v", in)
	}
	for _, st := range again.Status() {
		if !st.FetchedAt.Equal(fetched) || st.Age != 3*time.Hour || st.LastError != "" || st.Entries == 0 {
			t.Errorf("status from the cache: %+v", st)
		}
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphan temporary file: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("recent temporary file: %v", err)
	}

	// Back online, the restarted store asks with the cached validators.
	cfg.HTTPClient = s.srv.Client()
	again, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.srv.requests()
	if err := again.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.srv.requests() {
		if r.Header.Get("If-None-Match") == "" {
			t.Errorf("%s: no If-None-Match after a restart", r.URL)
		}
	}
}

func TestStoreCorruptCache(t *testing.T) {
	t.Parallel()
	s := newServedStore(t, nil)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, kevFile), []byte(`{"vulnerabilities":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := statusOf(t, again, FeedKEV)
	if st.Entries != 0 || !strings.Contains(st.LastError, "cache") || again.Lookup("CVE-2024-3400").InKEV {
		t.Errorf("status %+v", st)
	}
	// Without a copy, the refresh must not be conditional, or a 304 would
	// leave the feed empty.
	s.srv.requests()
	if err := again.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.srv.requests() {
		if r.URL.Path == "/kev.json" && r.Header.Get("If-None-Match") != "" {
			t.Error("conditional request without a copy")
		}
	}
	if !again.Lookup("CVE-2024-3400").InKEV {
		t.Error("KEV not reloaded")
	}
}

func TestStoreLocalFiles(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	kevPath, epssPath := filepath.Join(src, "kev.json"), filepath.Join(src, "epss.csv.gz")
	write := func(path string, b []byte, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	mtime := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	write(kevPath, fixture(t, "kev.json"), mtime)
	write(epssPath, fixture(t, "epss_scores.csv.gz"), mtime)

	clock := newClock()
	cfg := Config{Dir: t.TempDir(), KEV: kevPath, EPSS: "file://" + filepath.ToSlash(epssPath), Now: clock.Now,
		HTTPClient: &http.Client{Transport: noNetwork{t}}}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if in := s.Lookup("CVE-2024-1709"); !in.InKEV || !in.HasEPSS {
		t.Fatalf("lookup %+v", in)
	}
	st := statusOf(t, s, FeedKEV)
	if !st.VerifiedAt.Equal(mtime) || st.Age != clock.Now().Sub(mtime) || st.Source != kevPath {
		t.Errorf("status %+v: a local copy is as old as its file", st)
	}

	// Unchanged files are not read again.
	clock.Advance(time.Hour)
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, FeedKEV); !st.FetchedAt.Equal(clock.Now().Add(-time.Hour)) {
		t.Errorf("re-read an unchanged file: %+v", st)
	}

	// A new file is.
	more := bytes.Replace(fixture(t, "kev.json"), []byte(`"CVE-2022-22965"`), []byte(`"CVE-2026-20481"`), 1)
	write(kevPath, more, mtime.Add(24*time.Hour))
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.Lookup("CVE-2026-20481").InKEV {
		t.Error("the changed file was not read")
	}

	// A broken one is refused, and the copy in use stays.
	write(kevPath, more[:100], mtime.Add(48*time.Hour))
	err = s.Refresh(ctx)
	var fe *Error
	if !errors.As(err, &fe) || fe.Source != kevPath || fe.Feed != FeedKEV {
		t.Errorf("error %v, want one naming %s", err, kevPath)
	}
	if !s.Lookup("CVE-2026-20481").InKEV {
		t.Error("the last good copy is gone")
	}

	// A missing file says so.
	if err := os.Remove(epssPath); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(ctx); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), epssPath) {
		t.Errorf("error %v, want not-exist naming %s", err, epssPath)
	}
	if !s.Lookup("CVE-2024-1709").HasEPSS {
		t.Error("EPSS copy lost")
	}
}

func TestStoreAgeGauge(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	s := newServedStore(t, func(c *Config) { c.Registerer = reg })
	const want = `
# HELP patchbot_feed_age_seconds Seconds since each feed's copy in use was last confirmed current by its source (+Inf before the first good copy).
# TYPE patchbot_feed_age_seconds gauge
patchbot_feed_age_seconds{feed="epss"} +Inf
patchbot_feed_age_seconds{feed="kev"} +Inf
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "patchbot_feed_age_seconds"); err != nil {
		t.Error(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(90 * time.Minute)
	s.srv.set("/epss.csv.gz", doc{status: http.StatusBadGateway})
	_ = s.Refresh(context.Background()) // KEV 304, EPSS fails
	s.clock.Advance(30 * time.Second)
	const after = `
# HELP patchbot_feed_age_seconds Seconds since each feed's copy in use was last confirmed current by its source (+Inf before the first good copy).
# TYPE patchbot_feed_age_seconds gauge
patchbot_feed_age_seconds{feed="epss"} 5430
patchbot_feed_age_seconds{feed="kev"} 30
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(after), "patchbot_feed_age_seconds"); err != nil {
		t.Error(err)
	}
}

func TestStoreConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no dir", Config{}, "no cache directory"},
		{"ftp", Config{Dir: dir, KEV: "ftp://example.org/kev.json"}, "only http, https and file"},
		{"remote file URL", Config{Dir: dir, KEV: "file://fileserver/kev.json"}, "must be on this machine"},
		{"API from a file", Config{Dir: dir, EPSS: "/srv/epss.json", EPSSMode: EPSSAPI}, "needs an http(s) URL"},
		{"unknown mode", Config{Dir: dir, EPSSMode: "daily"}, `mode "daily"`},
	}
	for _, tt := range bad {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}

	s, err := New(Config{Dir: dir, KEV: Off, EPSS: Off})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Status()) != 0 || s.Refresh(context.Background()) != nil {
		t.Error("feeds that are off still report or refresh")
	}
	s, err = New(Config{Dir: filepath.Join(dir, "sub"), EPSS: Off})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); len(st) != 1 || st[0].Source != DefaultKEVURL || !math.IsInf(s.kev.st.age(time.Now()), 1) {
		t.Errorf("defaults: %+v", st)
	}
}

func TestStoreRunFetchesAtStartAndStops(t *testing.T) {
	t.Parallel()
	asked := make(chan string, 4)
	s := newServedStore(t, func(c *Config) {
		c.EPSS = Off
		c.HTTPClient = &http.Client{Transport: signalTransport{next: http.DefaultTransport, asked: asked}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if got := <-asked; got != "/kev.json" {
		t.Errorf("asked %s", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
}

func TestSpoolRefusesOverLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The struct hides the reader's size, as a chunked answer does.
	body := func(n int) *strings.Reader { return strings.NewReader(strings.Repeat("x", n)) }
	if _, err := spool(dir, "kev.json", struct{ io.Reader }{body(101)}, 100); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "100 bytes") {
		t.Errorf("error %v, want ErrTooLarge naming the limit", err)
	}
	f, err := spool(dir, "kev.json", struct{ io.Reader }{body(100)}, 100)
	if err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	closeQuietly(f)
	os.Remove(f.Name())
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}

// signalTransport reports each request's path once it has been answered.
type signalTransport struct {
	next  http.RoundTripper
	asked chan<- string
}

func (s signalTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	s.asked <- r.URL.Path
	return resp, err
}
