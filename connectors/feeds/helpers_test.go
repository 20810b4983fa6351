package feeds

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fixture returns a file of testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gz compresses b.
func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fakeClock is the stores' clock in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// doc is what feedServer serves at one path. A status other than 0 or 200
// is answered as is, with no body.
type doc struct {
	body    []byte
	etag    string
	modTime time.Time
	status  int
}

// feedServer serves documents with http.ServeContent, which answers
// If-None-Match and If-Modified-Since as a real server does, and records
// each request's headers.
type feedServer struct {
	*httptest.Server
	mu   sync.Mutex
	docs map[string]doc
	reqs []http.Request
}

func newFeedServer(t testing.TB) *feedServer {
	s := &feedServer{docs: map[string]doc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, http.Request{Method: r.Method, URL: r.URL, Header: r.Header.Clone()})
		d, ok := s.docs[r.URL.Path]
		s.mu.Unlock()
		switch {
		case !ok:
			http.NotFound(w, r)
		case d.status != 0 && d.status != http.StatusOK:
			w.WriteHeader(d.status)
		default:
			if d.etag != "" {
				w.Header().Set("ETag", d.etag)
			}
			http.ServeContent(w, r, "", d.modTime, bytes.NewReader(d.body))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) set(path string, d doc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = d
}

// requests returns the requests made so far and forgets them.
func (s *feedServer) requests() []http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reqs
	s.reqs = nil
	return r
}

// noNetwork is a transport that fails the test if anything asks it.
type noNetwork struct{ t testing.TB }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	return nil, http.ErrServerClosed
}
