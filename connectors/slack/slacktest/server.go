// Package slacktest is an in-memory fake of the Slack Web API methods
// patchbot uses, served over loopback HTTP so that tests and the demo drive
// the real slack-go client against it.
//
// It speaks the real shapes: form or JSON request bodies, the token as a
// form value or a Bearer header, the {"ok": ..., "error": ...} envelope, the
// x-oauth-scopes response header, per-method scope checks answering
// missing_scope with "needed", and Block Kit limits answering invalid_blocks.
// Message timestamps are unique and carry microseconds, so two posts in the
// same second never collide. Every call is recorded, faults can be injected
// (rate limits, errors, slow answers, dropped connections), and what was
// posted can be read back per channel, thread or DM.
//
// It owns nothing but its own memory; it must not reach the network.
package slacktest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the bot token the server accepts unless SetToken changes it.
const DefaultToken = "xoxb-patchbot-fake-token"

// The identity auth.test reports.
const (
	TeamID    = "T0PATCHBOT"
	BotUserID = "U0PATCHBOT"
	BotID     = "B0PATCHBOT"
)

// DefaultScopes are the scopes granted unless SetScopes changes them: what
// patchbot needs, plus the history and channel-list scopes it uses for
// crash recovery and channel-name resolution.
var DefaultScopes = []string{
	"chat:write", "im:write", "users:read", "users:read.email",
	"channels:read", "groups:read", "channels:history", "groups:history", "im:history",
}

// User is a workspace member. A user with an empty Email cannot be found
// by users.lookupByEmail.
type User struct {
	ID       string
	Name     string
	RealName string
	Email    string
	Deleted  bool
}

// Call is one recorded API call.
type Call struct {
	Method string
	// Params are the request parameters (form values, or the JSON body's
	// top-level fields), without the token.
	Params url.Values
	// Status is the HTTP status answered; 0 when the connection was dropped.
	Status int
	// Error is the Slack error code answered, empty for ok.
	Error string
	// Dropped is set when the connection was closed without an answer.
	Dropped bool
	At      time.Time
}

// Server is the fake Slack Web API. Its zero value is not usable; call New.
type Server struct {
	http *httptest.Server

	mu       sync.Mutex
	token    string
	scopes   []string
	now      func() time.Time
	lastTS   int64 // microseconds of the last ts handed out
	seq      int   // global post order
	users    map[string]*User
	byEmail  map[string]string // lower-case email -> user id
	channels map[string]*channel
	order    []string          // channel ids in creation order (not DMs)
	dms      map[string]string // user id -> DM channel id
	calls    []Call
	faults   []*Fault
	nextID   int
	postGap  time.Duration // EnforcePostRate
	interact *interactive  // Socket Mode, views, response URLs (interactive.go)
}

// New starts a fake Slack on a loopback port. Close it when done.
func New() *Server {
	s := &Server{
		token:    DefaultToken,
		scopes:   slices.Clone(DefaultScopes),
		now:      time.Now,
		users:    map[string]*User{},
		byEmail:  map[string]string{},
		channels: map[string]*channel{},
		dms:      map[string]string{},
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.route))
	return s
}

// URL is the API base URL to give slack-go (OptionAPIURL): it ends in
// "/api/".
func (s *Server) URL() string { return s.http.URL + "/api/" }

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// SetToken sets the only bot token the server accepts.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetScopes sets the scopes granted to the token (reported in
// x-oauth-scopes and checked per method).
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = slices.Clone(scopes)
}

// SetClock sets the clock message timestamps are taken from, so a test
// with a fake clock can look messages up by time. Timestamps stay strictly
// increasing whatever the clock does.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// EnforcePostRate makes chat.postMessage answer HTTP 429 (Retry-After in
// whole seconds, at least 1) when a post to a channel comes less than gap
// after the previous one, by the server's clock, as Slack does to bursts
// beyond about one message a second. Zero turns it off.
func (s *Server) EnforcePostRate(gap time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.postGap = gap
}

// AddUser adds or replaces a workspace member.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.users[u.ID]; ok && old.Email != "" {
		delete(s.byEmail, strings.ToLower(old.Email))
	}
	c := u
	s.users[u.ID] = &c
	if u.Email != "" {
		s.byEmail[strings.ToLower(u.Email)] = u.ID
	}
}

// AddChannel creates a public channel named name (without "#") and returns
// its id. Adding an existing name returns the existing id.
func (s *Server) AddChannel(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimPrefix(name, "#")
	for _, id := range s.order {
		if s.channels[id].name == name {
			return id
		}
	}
	s.nextID++
	id := fmt.Sprintf("C%08d", s.nextID)
	s.channels[id] = newChannel(id, name, "")
	s.order = append(s.order, id)
	return id
}

// Calls returns the recorded calls to method, or every call when method is
// empty, oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// CallCount counts the recorded calls to method.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls (messages stay).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// newTS hands out the next message timestamp, "seconds.micros", strictly
// increasing. Callers hold s.mu.
func (s *Server) newTS() (string, int64) {
	us := s.now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return formatTS(us), us
}

func formatTS(us int64) string { return fmt.Sprintf("%d.%06d", us/1e6, us%1e6) }

// parseTS reads "seconds.micros" (or whole seconds) into microseconds.
func parseTS(ts string) (int64, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, false
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt((frac + "000000")[:6], 10, 64); err != nil {
			return 0, false
		}
	}
	return s*1e6 + f, true
}
