package feeds

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// source is where a feed is read from: an http(s) URL, or a local file
// given as a path or a file:// URL.
type source struct {
	raw  string // as configured, for messages and the cache's record
	url  string // http(s) URL, or ""
	path string // local file, or ""
}

func parseSource(raw string) (source, error) {
	s := source{raw: raw}
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		u, err := url.Parse(raw)
		if err != nil {
			return s, err
		}
		if u.Host == "" {
			return s, fmt.Errorf("%q has no host", raw)
		}
		s.url = u.String()
	case strings.HasPrefix(lower, "file://"):
		u, err := url.Parse(raw)
		if err != nil {
			return s, err
		}
		if u.Host != "" && u.Host != "localhost" {
			return s, fmt.Errorf("%q names host %q: a file:// source must be on this machine (file:///path)", raw, u.Host)
		}
		if u.Path == "" {
			return s, fmt.Errorf("%q has no path", raw)
		}
		s.path = filepath.FromSlash(u.Path)
	case strings.Contains(raw, "://"):
		return s, fmt.Errorf("%q: only http, https and file sources are read", raw)
	case strings.TrimSpace(raw) == "":
		return s, fmt.Errorf("empty source")
	default:
		s.path = raw
	}
	return s, nil
}

func (s source) local() bool { return s.path != "" }

// where names the source in errors: the URL, or the file path.
func (s source) where() string {
	if s.local() {
		return s.path
	}
	return s.url
}

// userAgent is sent with every request.
const userAgent = "patchbot"

// NewHTTPClient returns the client the feeds use when Config.HTTPClient is
// nil: the default transport's proxy and TLS settings, with a bound on each
// step and on the whole download.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{Transport: t, Timeout: 5 * time.Minute}
}
