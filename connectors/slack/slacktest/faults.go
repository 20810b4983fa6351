package slacktest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is a misbehaviour the server shows on the next matching calls.
// Faults are consumed in the order they were injected; the first one whose
// Method matches (empty matches any method) applies.
type Fault struct {
	// Method is the API method the fault applies to ("chat.postMessage");
	// empty means any method.
	Method string
	// Times is how many calls the fault applies to; 0 means 1.
	Times int

	// Status, when set, answers with this HTTP status and does not run the
	// method. 429 adds a Retry-After header of RetryAfter seconds (when
	// RetryAfter is negative, no header is sent).
	Status     int
	RetryAfter int

	// Error, when set, answers HTTP 200 {"ok": false, "error": Error}
	// without running the method, with Needed (and the granted scopes as
	// "provided") for missing_scope.
	Error  string
	Needed string

	// Delay holds the answer back. When the client gives up (a timeout)
	// during the delay, the method is not run: nothing is stored.
	Delay time.Duration

	// Drop closes the connection without an answer and without running the
	// method. DropAfter runs the method (a post is stored) and then closes
	// the connection without an answer: the client cannot tell whether its
	// request took effect.
	Drop      bool
	DropAfter bool
}

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := f
	s.faults = append(s.faults, &c)
}

// RateLimit makes the next n calls to method answer HTTP 429 with
// Retry-After: retryAfter seconds.
func (s *Server) RateLimit(method string, n, retryAfter int) {
	s.Inject(Fault{Method: method, Times: n, Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
}

// FailWith makes the next call to method answer with the Slack error code.
func (s *Server) FailWith(method, code string) {
	s.Inject(Fault{Method: method, Error: code})
}

// MissingScope makes the next call to method answer missing_scope, naming
// the needed scope (as Slack does when a scope was revoked after start-up).
func (s *Server) MissingScope(method, needed string) {
	s.Inject(Fault{Method: method, Error: "missing_scope", Needed: needed})
}

// DropAfterStore makes the next call to method run and then lose its answer.
func (s *Server) DropAfterStore(method string) {
	s.Inject(Fault{Method: method, DropAfter: true})
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault pops one use of the first fault matching method.
func (s *Server) takeFault(method string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		c := *f
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &c
	}
	return nil
}

// answerStatus writes a bare HTTP error (429 with Retry-After, or 5xx).
func answerStatus(w http.ResponseWriter, f *Fault) {
	if f.Status == http.StatusTooManyRequests && f.RetryAfter >= 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(f.Status)
	if f.Status == http.StatusTooManyRequests {
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
	}
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("slacktest: response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}
