package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"regexp"
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
	// ErrNotJSON: the answer was not JSON but a web page (a login or
	// single sign-on page, a proxy's error page): the base URL most likely
	// points somewhere other than the Jira REST API.
	ErrNotJSON = errors.New("jira: the answer is not JSON")
	// ErrNotPermitted: the bot's permissions in the project (mypermissions,
	// or an earlier refusal) do not allow the write; it was not attempted.
	ErrNotPermitted = errors.New("jira: not permitted")
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
	if _, page := errors.AsType[*notJSON](e.Err); e.Err != nil && (e.Status == 0 || page) {
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

// Permanent says whether making the same request again would be refused
// again: the bot may not (403, or a permission it lacks: ErrNotPermitted),
// the ticket is hidden from it or gone (404), or Jira refused the request
// as it is (400, 413, 422). Refused credentials (401), a rate limit, a
// conflict, an outage or a network failure are not: they pass, or a
// person fixes them for the whole site.
func (e *Error) Permanent() bool {
	switch e.Status {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return true
	}
	return errors.Is(e.Err, ErrNotPermitted)
}

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

// readError fills e from an error response body (Jira's ErrorCollection);
// a web page instead sets e.Err to say so.
func readError(e *Error, resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if isPage(resp.Header.Get("Content-Type"), body) {
		e.Err = pageError(resp, body)
		return
	}
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

// notJSON is an answer that was a web page where the REST API answers
// JSON. It matches ErrNotJSON.
type notJSON struct {
	status      int
	contentType string // as Jira sent it, or empty
	title       string // the page's <title>, shortened
}

func (n *notJSON) Error() string {
	var b strings.Builder
	b.WriteString("expected JSON from the Jira REST API, got a web page")
	if n.contentType != "" {
		b.WriteString(" (" + n.contentType + ")")
	}
	if n.title != "" {
		fmt.Fprintf(&b, " titled %q", n.title)
	}
	if n.status >= 500 {
		// An outage page from a proxy in front of Jira, most likely.
		return b.String()
	}
	b.WriteString(" (check jira.url: it must be the site's base URL, such as https://example.atlassian.net or the Data Center URL with its context path; a login or single sign-on page answers HTML)")
	return b.String()
}

// Is matches ErrNotJSON.
func (n *notJSON) Is(target error) bool { return target == ErrNotJSON }

// pageSniff is how much of an answer isPage looks at; pageTitleScan how
// much is searched for the title.
const (
	pageSniff     = 512
	pageTitleScan = 32 << 10
)

// isPage reports an answer that is a web page rather than JSON: an HTML
// or XML content type, or a body whose first non-blank byte is '<'.
func isPage(contentType string, head []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		switch {
		case mt == "text/html", mt == "application/xhtml+xml", strings.HasSuffix(mt, "/xml"):
			return true
		}
	}
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	return len(head) > 0 && head[0] == '<'
}

var titleTag = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// pageError describes a page answer from the first bytes of its body.
func pageError(resp *http.Response, body []byte) *notJSON {
	n := &notJSON{status: resp.StatusCode}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		n.contentType = mt
	}
	if m := titleTag.FindSubmatch(body); m != nil {
		t := strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " ")
		if r := []rune(t); len(r) > 80 {
			t = string(r[:80]) + "…"
		}
		n.title = t
	}
	return n
}
