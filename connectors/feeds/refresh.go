package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// shrinkFloor is how far a feed may shrink from the last good copy of the
// same source before the new copy is refused: KEV and EPSS only grow, bar
// a few withdrawn entries, so a tenth fewer means a broken export.
const shrinkFloor = 0.9

// fileFeed is a feed read whole from one file or URL: KEV, or EPSS's daily
// file.
type fileFeed struct {
	name     Feed
	src      source
	file     string // its name in the cache directory
	maxBytes int64
	parse    func(r io.Reader, sizeHint int) (*loaded, error)

	mu sync.Mutex // one refresh at a time
	st state
}

// loaded is a parsed copy, ready to be put in use.
type loaded struct {
	n        int
	version  string
	released time.Time
	problems []string
	install  func()
}

func (s *Store) parseKEV(r io.Reader, _ int) (*loaded, error) {
	c, err := ParseKEV(r)
	if err != nil {
		return nil, err
	}
	return &loaded{n: len(c.Entries), version: c.Version, released: c.Released, problems: c.Problems,
		install: func() { s.kevData.Store(c) }}, nil
}

func (s *Store) parseEPSS(r io.Reader, sizeHint int) (*loaded, error) {
	e, err := parseEPSSCSV(r, s.cfg.EPSSMaxUncompressed, sizeHint)
	if err != nil {
		return nil, err
	}
	return &loaded{n: e.Len(), version: e.Model, released: e.Date,
		install: func() { s.epssData.Store(e) }}, nil
}

// use puts a parsed copy in use and records it in the feed's state.
func (f *fileFeed) use(ld *loaded, meta cacheMeta) {
	ld.install()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	f.st.meta, f.st.entries, f.st.version, f.st.released, f.st.problems = meta, ld.n, ld.version, ld.released, ld.problems
}

// loadCache puts the cached copy of f in use, if there is a readable one.
func (s *Store) loadCache(f *fileFeed) {
	path := filepath.Join(s.cfg.Dir, f.file)
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	fail := func(err error) {
		err = wrap(f.name, path, "cache", err)
		f.st.mu.Lock()
		f.st.lastErr = err
		f.st.mu.Unlock()
		s.log.Warn("feed cache unreadable; waiting for a refresh", "feed", f.name, "err", err)
	}
	if err != nil {
		fail(err)
		return
	}
	defer closeQuietly(file)
	ld, err := f.parse(file, 0)
	if err != nil {
		fail(err)
		return
	}
	meta, err := readMeta(s.cfg.Dir, f.file)
	if err != nil {
		// Without its record the copy is still good, but its validators
		// are lost: the next refresh downloads in full.
		fi, serr := file.Stat()
		if serr != nil {
			fail(serr)
			return
		}
		meta = cacheMeta{FetchedAt: fi.ModTime(), VerifiedAt: fi.ModTime()}
	}
	f.use(ld, meta)
}

// refreshFile brings f up to date once, keeping the copy in use on any
// failure.
func (s *Store) refreshFile(ctx context.Context, f *fileFeed) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := s.now()
	changed, err := s.fetch(ctx, f, now)
	f.st.mu.Lock()
	f.st.checkedAt, f.st.lastErr = now, err
	n, version := f.st.entries, f.st.version
	f.st.mu.Unlock()
	switch {
	case err != nil:
		s.log.Warn("feed refresh failed; the last good copy stays in use", "feed", f.name, "entries", n, "err", err)
	case changed:
		s.log.Info("feed updated", "feed", f.name, "entries", n, "version", version)
	default:
		s.log.Debug("feed unchanged", "feed", f.name)
	}
	return err
}

// fetch reads f's source and, if it changed and the new copy is sound,
// puts it in use and in the cache. changed reports whether it did.
func (s *Store) fetch(ctx context.Context, f *fileFeed, now time.Time) (changed bool, err error) {
	f.st.mu.Lock()
	meta, have := f.st.meta, f.st.entries
	f.st.mu.Unlock()
	// Validators and the shrink check speak of the copy from this source;
	// after a change of source, the first copy is taken as it comes.
	same := have > 0 && meta.Source == f.src.raw
	where := f.src.where()
	fail := func(op string, err error) (bool, error) { return false, wrap(f.name, where, op, err) }

	next := cacheMeta{Source: f.src.raw, FetchedAt: now, VerifiedAt: now}
	var tmp *os.File
	if f.src.local() {
		file, err := os.Open(f.src.path)
		if err != nil {
			return fail("read", err)
		}
		defer closeQuietly(file)
		fi, err := file.Stat()
		if err != nil {
			return fail("read", err)
		}
		if same && fi.ModTime().Equal(meta.FileModTime) && fi.Size() == meta.FileSize {
			return false, nil
		}
		if fi.Size() > f.maxBytes {
			return fail("read", fmt.Errorf("%d bytes: %w of %d bytes", fi.Size(), ErrTooLarge, f.maxBytes))
		}
		if tmp, err = spool(s.cfg.Dir, f.file, file, f.maxBytes); err != nil {
			return fail("read", err)
		}
		next.FileModTime, next.FileSize, next.VerifiedAt = fi.ModTime(), fi.Size(), fi.ModTime()
	} else {
		resp, err := s.get(ctx, f.src.url, same, meta)
		if err != nil {
			return fail("fetch", err)
		}
		defer closeQuietly(resp.Body)
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusNotModified:
			if !same {
				return fail("fetch", errors.New("304 Not Modified to a request that named no copy"))
			}
			meta.VerifiedAt = now
			f.st.mu.Lock()
			f.st.meta = meta
			f.st.mu.Unlock()
			if err := writeMeta(s.cfg.Dir, f.file, meta); err != nil {
				return false, wrap(f.name, s.cfg.Dir, "cache", err)
			}
			return false, nil
		default:
			e := wrap(f.name, where, "fetch", fmt.Errorf("HTTP %s", resp.Status)).(*Error)
			e.Status = resp.StatusCode
			return false, e
		}
		if resp.ContentLength > f.maxBytes {
			return fail("fetch", fmt.Errorf("Content-Length %d: %w of %d bytes", resp.ContentLength, ErrTooLarge, f.maxBytes))
		}
		if tmp, err = spool(s.cfg.Dir, f.file, resp.Body, f.maxBytes); err != nil {
			return fail("fetch", err)
		}
		next.ETag, next.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	}

	ld, err := f.parse(tmp, have)
	if err == nil && same && float64(ld.n) < shrinkFloor*float64(have) {
		err = fmt.Errorf("%w: %d entries, the last good copy had %d", ErrShrunk, ld.n, have)
		err = &Error{Feed: f.name, Source: where, Op: "check", Err: err}
	}
	if err != nil {
		closeQuietly(tmp)
		os.Remove(tmp.Name())
		return fail("parse", err)
	}
	// The copy is sound: it goes in use even if the cache cannot keep it.
	cacheErr := commitTemp(tmp, filepath.Join(s.cfg.Dir, f.file))
	if cacheErr == nil {
		cacheErr = writeMeta(s.cfg.Dir, f.file, next)
	}
	f.use(ld, next)
	return true, wrap(f.name, s.cfg.Dir, "cache", cacheErr)
}

// get sends a GET, conditional on the copy in use when there is one.
func (s *Store) get(ctx context.Context, url string, conditional bool, meta cacheMeta) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	if conditional {
		if meta.ETag != "" {
			req.Header.Set("If-None-Match", meta.ETag)
		}
		if meta.LastModified != "" {
			req.Header.Set("If-Modified-Since", meta.LastModified)
		}
	}
	return s.http.Do(req)
}
