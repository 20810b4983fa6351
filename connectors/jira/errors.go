package jira

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// Sentinel errors callers branch on; an *Error matches them with errors.Is.
var (
	// ErrUnauthorized: Jira refused the credentials (401) or the
	// permission (403).
	ErrUnauthorized = errors.New("jira: not authorised")
	// ErrNotFound: the issue, comment or property does not exist (404).
	ErrNotFound = errors.New("jira: not found")
	// ErrRateLimited: Jira kept answering 429 past the retries.
	ErrRateLimited = errors.New("jira: rate limited")
)

// Error is a failed Jira call: what was being done, to which ticket,
// through which endpoint, and what Jira said. It never holds credentials.
type Error struct {
	Op       string // "scan SEC", "publish", "resolve fields"...
	Key      string // the ticket, when there is one
	Method   string
	Endpoint string // path without query
	Status   int    // HTTP status; 0 for transport failures
	Messages []string
	Fields   map[string]string // Jira's "errors" object
	Err      error             // the underlying failure
}

// Error says what failed, on which ticket and endpoint, and what Jira said.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("jira: ")
	b.WriteString(e.Op)
	if e.Key != "" {
		b.WriteString(" " + e.Key)
	}
	fmt.Fprintf(&b, ": %s %s", e.Method, e.Endpoint)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	msgs := append([]string(nil), e.Messages...)
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msgs = append(msgs, k+": "+e.Fields[k])
	}
	if len(msgs) > 0 {
		b.WriteString(": " + strings.Join(msgs, "; "))
	}
	if e.Err != nil && e.Status == 0 {
		b.WriteString(": " + e.Err.Error())
	}
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString(" (check the Jira email and API token, or the personal access token, and that the deployment is right)")
	case http.StatusTooManyRequests:
		b.WriteString(" (still rate limited after the allowed retries)")
	}
	return b.String()
}

// StatusCode is the HTTP status Jira answered (0 for a transport
// failure); the metrics label API errors with it.
func (e *Error) StatusCode() int { return e.Status }

// Unwrap returns the underlying failure.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel errors by status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// readError fills e from an error response body (Jira's ErrorCollection).
func readError(e *Error, resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ec struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
		Message       string            `json:"message"`
	}
	if json.Unmarshal(body, &ec) == nil {
		e.Messages = ec.ErrorMessages
		if ec.Message != "" {
			e.Messages = append(e.Messages, ec.Message)
		}
		if len(ec.Errors) > 0 {
			e.Fields = ec.Errors
		}
		return
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		e.Messages = []string{s}
	}
}
