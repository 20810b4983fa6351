// Package jiratest is an in-memory fake Jira (Cloud or Data Center) behind an
// httptest server. It speaks the real REST shapes of the endpoints patchbot
// uses (serverInfo, myself, field, both searches, issue get and edit,
// comments in v2 wiki and v3 ADF, entity properties on issues and comments,
// mypermissions, editmeta, user search), checks auth the way each
// deployment does, records every request, and can be told to fail (429 with
// Retry-After, 5xx, slow, malformed JSON, 401) so the connector's
// reliability tests and the demo run on it. SetSite makes it a site that
// differs as real ones do (a screen without Labels, a bot without Edit
// Issues, a done step that takes no edits, a refused property, ignored
// notifyUsers); Hide puts a ticket under an issue security level.
//
// It holds issues in a map plus a key-sorted slice and builds JSON per page,
// so seeding 100,000 issues is cheap. It must not reach the network.
package jiratest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Flavor is the deployment the fake imitates.
type Flavor string

// The flavours.
const (
	Cloud      Flavor = "cloud"
	DataCenter Flavor = "datacenter"
)

// Options configures a fake.
type Options struct {
	Flavor Flavor
	// Email and Token are the Cloud basic-auth credentials; PAT is the Data
	// Center bearer token. Defaults: bot@example.com / cloud-token / dc-pat.
	Email, Token, PAT string
	// Bot is the authenticated user (GET /myself). Defaults to a bot user.
	Bot User
	// TimeZone is the bot user's Jira time zone (default "UTC").
	TimeZone string
	// MaxResults caps a search page (default 100 on Cloud, 1000 on DC).
	MaxResults int
	// ResultWindow is the Data Center startAt limit (default 10000).
	ResultWindow int
	// Now is the fake's clock (default time.Now). Writes stamp `updated`.
	Now func() time.Time
	// Wrap, when set, wraps the fake's handler (e.g. a contract validator).
	Wrap func(http.Handler) http.Handler
}

// Request is one recorded request.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   []byte
	Status int
}

// Fault is an injected failure.
type Fault struct {
	// Status is the HTTP status to answer (429, 500, 502, 503, 401...).
	// Zero with Malformed or Truncated answers 200 with a broken body.
	Status int
	// RetryAfter is sent as the Retry-After header when not empty
	// (seconds or an HTTP date).
	RetryAfter string
	// Header adds response headers (e.g. X-RateLimit-Reset).
	Header http.Header
	// Delay holds the response this long (or until the client gives up).
	Delay time.Duration
	// Malformed answers a body that is not JSON; Truncated answers the
	// real body cut in half. Both with status 200 unless Status is set.
	Malformed, Truncated bool
	// Path, when set, limits the fault to requests whose path contains it.
	Path string
	// Method, when set, limits the fault to that method.
	Method string
}

// Server is a running fake Jira.
type Server struct {
	*httptest.Server
	opts Options

	mu       sync.Mutex
	issues   map[string]*Issue
	sorted   []*Issue // by project, then number
	dirty    bool
	fields   []*Field
	nextID   int
	nextCF   int
	nextCmt  int
	faults   []Fault
	requests []Request
	counts   map[string]int
	cursors  map[string][]string
	nextCur  int
	users    []User
	// version moves on every change; the last Data Center query's hits
	// are reused while it stands, so paging a large scope stays cheap.
	version   int
	cacheJQL  string
	cacheVer  int
	cacheHits []*Issue
	// site is what the bot may do (site.go); hidden the issues under a
	// security level the bot is not in; hideOnWrite those hidden when
	// the first write about them arrives; notified counts notification
	// mails the bot's writes caused.
	site        Site
	hidden      map[string]bool
	hideOnWrite map[string]bool
	notified    int
}

// New starts a fake Jira. Close it when done.
func New(o Options) *Server {
	if o.Flavor == "" {
		o.Flavor = Cloud
	}
	if o.Email == "" {
		o.Email = "bot@example.com"
	}
	if o.Token == "" {
		o.Token = "cloud-token"
	}
	if o.PAT == "" {
		o.PAT = "dc-pat"
	}
	if o.Bot.IsZero() {
		if o.Flavor == Cloud {
			o.Bot = User{AccountID: "557058:bot", DisplayName: "patchbot", Email: o.Email}
		} else {
			o.Bot = User{Name: "patchbot", Key: "JIRAUSER10000", DisplayName: "patchbot", Email: o.Email}
		}
	}
	if o.TimeZone == "" {
		o.TimeZone = "UTC"
	}
	if o.MaxResults == 0 {
		o.MaxResults = 100
		if o.Flavor == DataCenter {
			o.MaxResults = 1000
		}
	}
	if o.ResultWindow == 0 {
		o.ResultWindow = 10000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{
		opts:    o,
		issues:  map[string]*Issue{},
		nextID:  10000,
		nextCF:  10000,
		nextCmt: 20000,
		counts:  map[string]int{},
		cursors: map[string][]string{},
		users:   []User{o.Bot},

		hidden:      map[string]bool{},
		hideOnWrite: map[string]bool{},
	}
	s.fields = systemFields()
	var h http.Handler = http.HandlerFunc(s.serve)
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	s.Server = httptest.NewServer(h)
	return s
}

// Flavor reports the deployment the fake imitates.
func (s *Server) Flavor() Flavor { return s.opts.Flavor }

// Bot is the authenticated user.
func (s *Server) Bot() User { return s.opts.Bot }

// Inject queues faults: each one answers one matching request, in order.
func (s *Server) Inject(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// InjectN queues the same fault n times.
func (s *Server) InjectN(n int, f Fault) {
	for i := 0; i < n; i++ {
		s.Inject(f)
	}
}

// ClearFaults drops every fault not fired yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults reports how many injected faults have not fired yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// Requests returns a copy of every request recorded so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count reports how many requests matched "METHOD /path" exactly as
// routed, with issue keys and ids replaced by {key} and {id}; for example
// "GET /rest/api/2/search/jql", "POST /rest/api/3/issue/{key}/comment",
// "PUT /rest/api/2/issue/{key}/properties/{prop}".
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

// Counts returns a copy of every route's request count.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Writes reports how many non-GET requests were recorded.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method != http.MethodGet {
			n++
		}
	}
	return n
}

// CommentWrites counts the comment changes that succeeded, through either
// API version and either route: adds (POST .../comment, or an issue edit's
// update.comment add) and edits (PUT .../comment/{id}, or update.comment
// edit).
func (s *Server) CommentWrites() (adds, edits int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		if r.Status < 200 || r.Status > 299 {
			continue
		}
		route, _ := s.route(r.Method, r.Path)
		switch {
		case strings.HasSuffix(route, "/issue/{key}/comment") && r.Method == http.MethodPost:
			adds++
		case strings.HasSuffix(route, "/issue/{key}/comment/{id}") && r.Method == http.MethodPut:
			edits++
		case strings.HasSuffix(route, "/issue/{key}") && r.Method == http.MethodPut:
			var req struct {
				Update struct {
					Comment []map[string]json.RawMessage `json:"comment"`
				} `json:"update"`
			}
			_ = json.Unmarshal(r.Body, &req)
			for _, op := range req.Update.Comment {
				if _, ok := op["add"]; ok {
					adds++
				}
				if _, ok := op["edit"]; ok {
					edits++
				}
			}
		}
	}
	return adds, edits
}

// ResetRequests forgets the recorded requests and counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.counts = map[string]int{}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, h := s.route(r.Method, r.URL.Path)

	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
	s.counts[route]++
	fault, faulted := s.takeFault(r)
	s.mu.Unlock()

	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		s.requests[idx].Status = rec.status
		s.mu.Unlock()
	}()

	if faulted {
		if s.applyFault(rec, r, body, fault, h) {
			return
		}
	}
	if !s.authorised(r) {
		writeError(rec, http.StatusUnauthorized, "Client must be authenticated to access this resource.")
		return
	}
	if h == nil {
		writeError(rec, http.StatusNotFound, "No handler for "+r.Method+" "+r.URL.Path)
		return
	}
	h(rec, r, body)
}

func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	for i, f := range s.faults {
		if f.Path != "" && !strings.Contains(r.URL.Path, f.Path) {
			continue
		}
		if f.Method != "" && f.Method != r.Method {
			continue
		}
		s.faults = append(s.faults[:i], s.faults[i+1:]...)
		return f, true
	}
	return Fault{}, false
}

// applyFault answers the fault; it reports false when the request should
// go on to its handler (a pure delay).
func (s *Server) applyFault(w *statusRecorder, r *http.Request, body []byte, f Fault, h handler) bool {
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	w.Header().Set("X-Jiratest-Fault", "1")
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(statusOr(f.Status, http.StatusOK))
		_, _ = io.WriteString(w, `{"issues": [ {"key": oops`)
		return true
	case f.Truncated && h != nil:
		buf := &bufferWriter{header: http.Header{}}
		h(buf, r, body)
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.WriteHeader(statusOr(f.Status, http.StatusOK))
		_, _ = w.Write(buf.body.Bytes()[:buf.body.Len()/2])
		return true
	case f.Status != 0:
		switch f.Status {
		case http.StatusTooManyRequests:
			writeError(w, f.Status, "Rate limit exceeded.")
		case http.StatusUnauthorized:
			writeError(w, f.Status, "Client must be authenticated to access this resource.")
		default:
			writeError(w, f.Status, fmt.Sprintf("Injected failure %d.", f.Status))
		}
		return true
	}
	w.Header().Del("X-Jiratest-Fault")
	return false
}

func statusOr(s, d int) int {
	if s == 0 {
		return d
	}
	return s
}

func (s *Server) authorised(r *http.Request) bool {
	if s.opts.Flavor == Cloud {
		u, p, ok := r.BasicAuth()
		return ok && u == s.opts.Email && p == s.opts.Token
	}
	return r.Header.Get("Authorization") == "Bearer "+s.opts.PAT
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

type bufferWriter struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferWriter) WriteHeader(code int)        { b.status = code }

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers Jira's error collection shape.
func writeError(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string]any{"errorMessages": msgs, "errors": map[string]string{}})
}
