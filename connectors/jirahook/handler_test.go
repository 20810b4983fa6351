package jirahook

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	cases := []struct {
		name string
		o    Options
		rc   Rechecker
		want string
	}{
		{"no auth", Options{Self: cloudBot}, rc, "unauthenticated"},
		{"short token", Options{Token: "short", Self: cloudBot}, rc, "at least 24"},
		{"no identity", Options{Secret: testSecret}, rc, "identity"},
		{"no rechecker", Options{Secret: testSecret, Self: cloudBot}, nil, "Rechecker"},
		{"negative window", Options{Secret: testSecret, Self: cloudBot, Window: -time.Second}, rc, "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.o, c.rc)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, want an error mentioning %q", err, c.want)
			}
		})
	}
	if _, err := New(Options{Self: cloudBot}, rc); !errors.Is(err, ErrNoAuth) {
		t.Errorf("New without auth = %v, want ErrNoAuth", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Options{Secret: testSecret, Self: cloudBot, Registerer: reg}, rc); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Secret: testSecret, Self: cloudBot, Registerer: reg}, rc); err == nil {
		t.Error("a second Handler registered the same metrics without error")
	}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	body := event(EventIssueUpdated, "SEC-1", map[string]any{"user": cloudUser("5b10:ann"), "changelog": changes(fieldItem("status", "To Do", "Done"))})
	good := sign(testSecret, body)
	cases := []struct {
		name   string
		sig    string
		body   []byte
		status int
		reason string
	}{
		{"good", good, body, http.StatusAccepted, ""},
		{"upper-case method", "SHA256=" + strings.TrimPrefix(good, "sha256="), body, http.StatusAccepted, ""},
		{"missing", "", body, http.StatusUnauthorized, reasonSignatureMissing},
		{"wrong secret", sign([]byte("another secret"), body), body, http.StatusUnauthorized, reasonSignatureMismatch},
		{"body changed", good, append(bytes.Clone(body[:len(body)-1]), ' ', '}'), http.StatusUnauthorized, reasonSignatureMismatch},
		{"truncated", good[:len(good)-2], body, http.StatusUnauthorized, reasonSignatureMalformed},
		{"empty digest", "sha256=", body, http.StatusUnauthorized, reasonSignatureMalformed},
		{"sha1", "sha1=" + strings.TrimPrefix(good, "sha256=")[:40], body, http.StatusUnauthorized, reasonSignatureMalformed},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), body, http.StatusUnauthorized, reasonSignatureMalformed},
		{"no method", strings.TrimPrefix(good, "sha256="), body, http.StatusUnauthorized, reasonSignatureMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(t, Options{}, &recorder{})
			req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(c.body))
			if c.sig != "" {
				req.Header.Set(HeaderSignature, c.sig)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status = %d, want %d", rec.Code, c.status)
			}
			wantQueued := 0
			if c.reason != "" {
				if got := rejected(h, c.reason); got != 1 {
					t.Errorf("rejected{%s} = %v, want 1", c.reason, got)
				}
			} else {
				wantQueued = 1
			}
			if n := h.q.len(); n != wantQueued {
				t.Errorf("queued = %d, want %d", n, wantQueued)
			}
		})
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	body := event(EventIssueCreated, "SEC-1", map[string]any{"user": dcUser("ann", "JIRAUSER10001")})
	cases := []struct {
		name   string
		secret bool // the Handler also has a secret
		url    string
		signed bool
		status int
		reason string
	}{
		{"query", false, Path + "?token=" + testToken, false, http.StatusAccepted, ""},
		{"path", false, Path + "/" + testToken, false, http.StatusAccepted, ""},
		{"missing", false, Path, false, http.StatusUnauthorized, reasonTokenMissing},
		{"wrong", false, Path + "?token=" + strings.ToUpper(testToken), false, http.StatusUnauthorized, reasonTokenMismatch},
		{"prefix", false, Path + "/" + testToken[:len(testToken)-1], false, http.StatusUnauthorized, reasonTokenMismatch},
		{"both, both given", true, Path + "?token=" + testToken, true, http.StatusAccepted, ""},
		{"both, no signature", true, Path + "?token=" + testToken, false, http.StatusUnauthorized, reasonSignatureMissing},
		{"both, no token", true, Path, true, http.StatusUnauthorized, reasonTokenMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Token: testToken, Self: dcBot}
			if c.secret {
				o.Secret = testSecret
			}
			h := newHandler(t, o, &recorder{})
			mux := http.NewServeMux()
			h.Register(mux)
			req := httptest.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
			if c.signed {
				req.Header.Set(HeaderSignature, sign(testSecret, body))
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status = %d, want %d", rec.Code, c.status)
			}
			if c.reason != "" && rejected(h, c.reason) != 1 {
				t.Errorf("rejected{%s} not counted", c.reason)
			}
			if got, want := h.q.len(), b2i(c.status == http.StatusAccepted); got != want {
				t.Errorf("queued = %d, want %d", got, want)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestLimitsAndMalformed(t *testing.T) {
	t.Parallel()
	big := event(EventIssueUpdated, "SEC-1", map[string]any{"pad": strings.Repeat("x", 2048)})
	cases := []struct {
		name   string
		method string
		body   []byte
		status int
		reason string
	}{
		{"too large", http.MethodPost, big, http.StatusRequestEntityTooLarge, reasonTooLarge},
		{"not JSON", http.MethodPost, []byte("webhookEvent=jira:issue_updated"), http.StatusBadRequest, reasonBadJSON},
		{"null", http.MethodPost, []byte("null"), http.StatusBadRequest, reasonBadJSON},
		{"no event", http.MethodPost, []byte(`{"issue":{"key":"SEC-1"}}`), http.StatusBadRequest, reasonBadJSON},
		{"event not a string", http.MethodPost, []byte(`{"webhookEvent":5}`), http.StatusBadRequest, reasonBadJSON},
		{"truncated JSON", http.MethodPost, event(EventIssueUpdated, "SEC-1", nil)[:40], http.StatusBadRequest, reasonBadJSON},
		{"issue event without issue", http.MethodPost, event(EventIssueUpdated, "", nil), http.StatusBadRequest, reasonNoIssue},
		{"key that is not a key", http.MethodPost, event(EventIssueUpdated, "SEC-1 OR 1=1", nil), http.StatusBadRequest, reasonNoIssue},
		{"GET", http.MethodGet, nil, http.StatusMethodNotAllowed, reasonMethod},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(t, Options{MaxBody: 1024}, &recorder{})
			req := httptest.NewRequest(c.method, Path, bytes.NewReader(c.body))
			req.Header.Set(HeaderSignature, sign(testSecret, c.body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status = %d, want %d", rec.Code, c.status)
			}
			if rejected(h, c.reason) != 1 {
				t.Errorf("rejected{%s} not counted", c.reason)
			}
			if h.q.len() != 0 {
				t.Error("a refused delivery queued a ticket")
			}
		})
	}
}

func TestUnusedEvents(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{}, &recorder{})
	for _, name := range []string{"worklog_updated", "issue_property_set", "issue_property_deleted",
		"attachment_created", "issuelink_created", "project_updated", "jira:version_released", "sprint_started"} {
		if got := post(h, event(name, "SEC-1", nil), nil); got != http.StatusNoContent {
			t.Errorf("%s: status = %d, want 204", name, got)
		}
	}
	if h.q.len() != 0 {
		t.Error("an unused event queued a ticket")
	}
	if got := outcome(h, outcomeUnused); got != 8 {
		t.Errorf("unused = %v, want 8", got)
	}
}

func TestDeduplication(t *testing.T) {
	t.Parallel()
	update := func(to string) []byte {
		return event(EventIssueUpdated, "SEC-1", map[string]any{"user": cloudUser("5b10:ann"),
			"changelog": changes(fieldItem("status", "To Do", to))})
	}
	t.Run("replayed identifier", func(t *testing.T) {
		t.Parallel()
		h := newHandler(t, Options{}, &recorder{})
		hdr := map[string]string{HeaderIdentifier: "a1b2c3"}
		if got := post(h, update("Done"), hdr); got != http.StatusAccepted {
			t.Fatalf("first = %d", got)
		}
		// The same delivery again, even with another body, is a replay.
		if got := post(h, update("Blocked"), hdr); got != http.StatusNoContent {
			t.Fatalf("replay = %d, want 204", got)
		}
		if outcome(h, outcomeDuplicate) != 1 || outcome(h, outcomeAccepted) != 1 || coalescedCount(h) != 0 {
			t.Errorf("duplicate %v accepted %v coalesced %v", outcome(h, outcomeDuplicate), outcome(h, outcomeAccepted), coalescedCount(h))
		}
	})
	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		h := newHandler(t, Options{}, &recorder{})
		for retry := range 4 {
			hdr := map[string]string{HeaderIdentifier: "d-42"}
			want := http.StatusAccepted
			if retry > 0 {
				hdr[HeaderRetry] = strconv.Itoa(retry)
				want = http.StatusNoContent
			}
			if got := post(h, update("Done"), hdr); got != want {
				t.Fatalf("retry %d: status %d, want %d", retry, got, want)
			}
		}
		if outcome(h, outcomeDuplicate) != 3 {
			t.Errorf("duplicates = %v, want 3", outcome(h, outcomeDuplicate))
		}
	})
	t.Run("no header: event, issue, changelog, timestamp", func(t *testing.T) {
		t.Parallel()
		h := newHandler(t, Options{}, &recorder{})
		body := update("Done")
		if post(h, body, nil) != http.StatusAccepted || post(h, body, nil) != http.StatusNoContent {
			t.Fatal("the same body without an identifier was not deduplicated")
		}
		// Another change (another changelog id) is processed.
		other := event(EventIssueUpdated, "SEC-1", map[string]any{"user": cloudUser("5b10:ann"),
			"changelog": map[string]any{"id": "10501", "items": []any{fieldItem("status", "Done", "To Do")}}})
		if got := post(h, other, nil); got != http.StatusAccepted {
			t.Fatalf("another change = %d, want 202", got)
		}
	})
	t.Run("no header, no timestamp: not deduplicated", func(t *testing.T) {
		t.Parallel()
		h := newHandler(t, Options{}, &recorder{})
		body := []byte(`{"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"SEC-1"}}`)
		if post(h, body, nil) != http.StatusAccepted || post(h, body, nil) != http.StatusAccepted {
			t.Fatal("two deliveries with nothing to tell them apart were not both accepted")
		}
		if coalescedCount(h) != 1 || h.q.len() != 1 {
			t.Errorf("coalesced %v queued %d, want 1 and 1", coalescedCount(h), h.q.len())
		}
	})
}

func TestUnwatchedProjects(t *testing.T) {
	t.Parallel()
	h := newHandler(t, Options{Projects: []string{"sec", "OPS"}}, &recorder{})
	person := map[string]any{"user": cloudUser("5b10:ann")}
	if got := post(h, event(EventIssueCreated, "HR-3", person), nil); got != http.StatusNoContent {
		t.Errorf("HR-3: %d, want 204", got)
	}
	if got := post(h, event(EventIssueCreated, "SEC-3", person), nil); got != http.StatusAccepted {
		t.Errorf("SEC-3: %d, want 202", got)
	}
	// No project in the payload: the key's prefix says.
	if got := post(h, []byte(`{"webhookEvent":"jira:issue_deleted","timestamp":1,"issue":{"id":"9","key":"HR-4"}}`), nil); got != http.StatusNoContent {
		t.Errorf("HR-4 without fields: %d, want 204", got)
	}
	// Nothing says the project: passed on for the engine to judge.
	if got := post(h, []byte(`{"webhookEvent":"jira:issue_deleted","timestamp":2,"issue":{"id":"9"}}`), nil); got != http.StatusAccepted {
		t.Errorf("id only: %d, want 202", got)
	}
	if outcome(h, outcomeUnwatched) != 2 || h.q.len() != 2 {
		t.Errorf("unwatched %v queued %d, want 2 and 2", outcome(h, outcomeUnwatched), h.q.len())
	}
}

func TestNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHandler(t, Options{Secret: testSecret, Token: testToken, Logger: log}, &recorder{})
	body := event(EventCommentCreated, "SEC-1", map[string]any{"comment": commentOf("7", cloudUser("5b10:ann"), cloudUser("5b10:ann"))})
	for _, url := range []string{Path + "?token=" + testToken, Path + "?token=wrong-" + testToken, Path} {
		for _, sig := range []string{sign(testSecret, body), "sha256=00", ""} {
			req := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set(HeaderSignature, sig)
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	out := buf.String()
	if !strings.Contains(out, "jira webhook") {
		t.Fatalf("nothing logged: %q", out)
	}
	for _, leak := range []string{string(testSecret), testToken, "secret-body-text", "token="} {
		if strings.Contains(out, leak) {
			t.Errorf("the log holds %q:\n%s", leak, out)
		}
	}
}

func TestRecheckErrorCounted(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{err: errors.New("jira: 503")}
		h := newHandler(t, Options{}, rc)
		start(t, h)
		post(h, event(EventIssueCreated, "SEC-1", nil), nil)
		advance(DefaultWindow)
		if got := len(rc.got()); got != 1 {
			t.Fatalf("Rechecks = %d, want 1", got)
		}
		if got := testutilRechecks(h, "error"); got != 1 {
			t.Errorf("rechecks{error} = %v, want 1", got)
		}
	})
}

func TestRunTwice(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHandler(t, Options{}, &recorder{})
		start(t, h)
		synctest.Wait()
		if err := h.Run(t.Context()); err == nil {
			t.Error("a second Run started")
		}
	})
}
