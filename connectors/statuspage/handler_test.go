package statuspage

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func newHandler(t *testing.T, o Options) *Handler {
	t.Helper()
	if o.Source == nil {
		o.Source = fixtureSource()
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get serves one request and returns the answer and its body.
func get(t *testing.T, h http.Handler, method, target string, mod func(*http.Request)) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if mod != nil {
		mod(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{})
	for _, c := range []struct {
		name, method, target string
		status               int
	}{
		{"page", http.MethodGet, "/status", http.StatusOK},
		{"page slash", http.MethodGet, "/status/", http.StatusOK},
		{"stylesheet", http.MethodGet, "/status/static/status.css", http.StatusOK},
		{"not found", http.MethodGet, "/status/nope", http.StatusNotFound},
		{"static dir", http.MethodGet, "/status/static/", http.StatusNotFound},
		{"post", http.MethodPost, "/status", http.StatusMethodNotAllowed},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, _ := get(t, h, c.method, c.target, nil)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			for k, want := range map[string]string{
				"Content-Security-Policy": ContentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
	csp := ContentSecurityPolicy
	for _, must := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, must) {
			t.Errorf("CSP lacks %q", must)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP allows script or inline: %s", csp)
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		res, body := get(t, h, m, "/status", nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q", m, res.StatusCode, res.Header.Get("Allow"))
		}
		if strings.Contains(body, "SEC-1") {
			t.Errorf("%s: 405 carries ticket data", m)
		}
	}
	res, body := get(t, h, http.MethodHead, "/status", nil)
	if res.StatusCode != http.StatusOK || body != "" || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, body %d bytes, length %q", res.StatusCode, len(body), res.Header.Get("Content-Length"))
	}
}

func TestPageIsHTMLWithStylesheet(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{})
	res, body := get(t, h, http.MethodGet, "/status", nil)
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	for _, want := range []string{`<html lang="en">`, "<title>Patch handoff status</title>", `href="/status/static/status.css"`,
		`<th scope="col">`, `<th scope="row"`, `role="img"`, `<desc id="chart-desc">`, `<p id="chart-summary">Daily counts on 84 of the 84 days`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// No style attributes (the CSP would block them) and no script.
	if regexp.MustCompile(`(?i)\sstyle=|<script|<link[^>]+https?:`).MatchString(body) {
		t.Error("page has a style attribute, a script or an outside resource")
	}
	res, css := get(t, h, http.MethodGet, "/status/static/status.css", nil)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, ".table-wrap") {
		t.Errorf("stylesheet: %q, %d bytes", res.Header.Get("Content-Type"), len(css))
	}
}

func TestHostileTextStaysText(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{})
	_, body := get(t, h, http.MethodGet, "/status", nil)
	for _, bad := range []string{
		"<script", "<img", "<b onclick", `onerror="`, `onmouseover="`, `onclick="`, "javascript:",
	} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(bad)) {
			i := strings.Index(strings.ToLower(body), strings.ToLower(bad))
			t.Errorf("page holds %q unescaped: …%s…", bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
	for _, want := range []string{
		"&lt;script&gt;document.title=&#39;pwned&#39;;window.pwned=true&lt;/script&gt;&lt;img src=x onerror=&#34;window.pwned=true&#34;&gt;",
		"&#34;&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;",
		"&#34; onmouseover=&#34;window.pwned=1&#34; x=&#34;",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks the escaped text %q", want)
		}
	}
	// The hostile ticket's key is shown without a link.
	if !regexp.MustCompile(`<th scope="row" class="key">SEC-13</th>`).MatchString(body) {
		t.Error("SEC-13 should be shown unlinked")
	}
	// Its owner filter link is a query, escaped as one.
	if !strings.Contains(body, `href="?owner=%22%3E%3Cscript%3Ewindow.pwned%3D1%3C%2Fscript%3E"`) {
		t.Error("the hostile owner's filter link is not query-escaped")
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, Options{Auth: &BasicAuth{User: "ops", Hash: string(hash)}})
	for _, c := range []struct {
		name       string
		user, pass string
		set        bool
		target     string
		status     int
	}{
		{name: "none", target: "/status", status: http.StatusUnauthorized},
		{name: "none, stylesheet", target: "/status/static/status.css", status: http.StatusUnauthorized},
		{name: "wrong user", user: "opx", pass: "s3cret pass", set: true, target: "/status", status: http.StatusUnauthorized},
		{name: "user prefix", user: "op", pass: "s3cret pass", set: true, target: "/status", status: http.StatusUnauthorized},
		{name: "wrong password", user: "ops", pass: "s3cret", set: true, target: "/status", status: http.StatusUnauthorized},
		{name: "empty", user: "", pass: "", set: true, target: "/status", status: http.StatusUnauthorized},
		{name: "right", user: "ops", pass: "s3cret pass", set: true, target: "/status?project=SEC", status: http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := get(t, h, http.MethodGet, c.target, func(r *http.Request) {
				if c.set {
					r.SetBasicAuth(c.user, c.pass)
				}
			})
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			if c.status != http.StatusUnauthorized {
				if !strings.Contains(body, "SEC-1") {
					t.Error("authorised page lacks the tickets")
				}
				return
			}
			if got := res.Header.Get("WWW-Authenticate"); got != `Basic realm="patchbot status", charset="UTF-8"` {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if strings.TrimSpace(body) != "authentication required" {
				t.Errorf("401 body %q", body)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"no source", Options{}},
		{"plain password as hash", Options{Source: fixtureSource(), Auth: &BasicAuth{User: "ops", Hash: "s3cret"}}},
		{"no user", Options{Source: fixtureSource(), Auth: &BasicAuth{Hash: "$2a$04$abcdefghijklmnopqrstuuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}},
	} {
		if _, err := New(c.o); err == nil {
			t.Errorf("%s: New accepted it", c.name)
		}
	}
}

func TestSourceFailureTellsNothing(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{Source: SourceFunc(func(context.Context) (View, error) {
		return View{}, errors.New("ledger: open /var/lib/patchbot/ledger.db: permission denied")
	})})
	res, body := get(t, h, http.MethodGet, "/status", nil)
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "ledger") {
		t.Errorf("%d %q", res.StatusCode, body)
	}
}

// rowKeys lists the ticket keys of one section's table, in order.
func rowKeys(t *testing.T, body, section string) []string {
	t.Helper()
	start := strings.Index(body, `id="`+section+`"`)
	if start < 0 {
		t.Fatalf("no section %s", section)
	}
	rest := body[start:]
	if end := strings.Index(rest, "</section>"); end >= 0 {
		rest = rest[:end]
	}
	var keys []string
	for _, m := range regexp.MustCompile(`<th scope="row" class="key">(?:<a href="[^"]*">)?([A-Z]+-\d+)`).FindAllStringSubmatch(rest, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

func TestFiltersAndPages(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{PageSize: 4})
	for _, c := range []struct {
		name, target string
		overdue      []string
		incomplete   []string
		page         string
	}{
		{name: "all, page 1", target: "/status", overdue: wantOverdue[:4], page: "Page 1 of 2"},
		{name: "page 2", target: "/status?page=2", overdue: wantOverdue[4:], page: "Page 2 of 2"},
		{name: "page -1", target: "/status?page=-1", overdue: wantOverdue[:4], page: "Page 1 of 2"},
		{name: "page abc", target: "/status?page=abc", overdue: wantOverdue[:4], page: "Page 1 of 2"},
		{name: "page huge", target: "/status?page=1000000", overdue: wantOverdue[4:], page: "Page 2 of 2"},
		{name: "page overflows int", target: "/status?page=99999999999999999999999", overdue: wantOverdue[:4], page: "Page 1 of 2"},
		{name: "project OPS", target: "/status?project=OPS", overdue: []string{"OPS-1"}, incomplete: []string{"OPS-1", "OPS-4"}},
		{name: "project, any case", target: "/status?project=ops", overdue: []string{"OPS-1"}, incomplete: []string{"OPS-1", "OPS-4"}},
		{name: "owner alice", target: "/status?owner=Alice", overdue: []string{"SEC-1", "SEC-10", "SEC-3"}, incomplete: []string{"SEC-1"}},
		{name: "owner and project", target: "/status?owner=alice&project=OPS", overdue: nil, incomplete: nil},
		{name: "unknown owner", target: "/status?owner=nobody", overdue: nil, incomplete: nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := get(t, h, http.MethodGet, c.target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := rowKeys(t, body, "overdue"); strings.Join(got, " ") != strings.Join(c.overdue, " ") {
				t.Errorf("overdue %v, want %v", got, c.overdue)
			}
			if c.incomplete != nil || strings.Contains(c.target, "owner") || strings.Contains(c.target, "project") {
				if got := rowKeys(t, body, "incomplete"); strings.Join(got, " ") != strings.Join(c.incomplete, " ") {
					t.Errorf("incomplete %v, want %v", got, c.incomplete)
				}
			}
			if c.page != "" && !strings.Contains(body, c.page) {
				t.Errorf("page lacks %q", c.page)
			}
		})
	}
}

func TestPagerLinksKeepTheFilter(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{PageSize: 1})
	_, body := get(t, h, http.MethodGet, "/status?project=SEC&page=2&incomplete_page=2", nil)
	for _, want := range []string{
		`href="?incomplete_page=2&amp;page=3&amp;project=SEC#overdue"`,
		`href="?incomplete_page=2&amp;project=SEC#overdue"`,
		`href="?incomplete_page=3&amp;page=2&amp;project=SEC#incomplete"`,
		`href="?page=2&amp;project=SEC#incomplete"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks the link %s", want)
		}
	}
}
