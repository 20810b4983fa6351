package jira_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
)

// TestWebPageInsteadOfJSON points the client at a server that answers web
// pages, as a wrong jira.url does (a login or single sign-on page, a
// portal's 404): the error says JSON was expected from the Jira REST API,
// gives the status and the page's title, suggests checking jira.url, and
// matches ErrNotJSON; the page is not asked for again.
func TestWebPageInsteadOfJSON(t *testing.T) {
	t.Parallel()
	const login = "<!DOCTYPE html>\n<html><head><meta charset=utf-8>\n<title>\n  Sign in &ndash; Acme   SSO\n</title></head><body><form>…</form></body></html>"
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		want        []string
		notWant     []string
	}{
		{"login page", http.StatusOK, "text/html; charset=utf-8", login,
			[]string{"200 OK", "expected JSON from the Jira REST API, got a web page (text/html) titled \"Sign in – Acme SSO\"", "check jira.url", "single sign-on"}, nil},
		{"page without a content type", http.StatusOK, "", "\n  <html><body>Welcome</body></html>",
			[]string{"200 OK", "expected JSON from the Jira REST API, got a web page (check", "check jira.url"}, []string{"titled"}},
		{"page sent as JSON", http.StatusOK, "application/json", login,
			[]string{"expected JSON from the Jira REST API, got a web page (application/json) titled \"Sign in – Acme SSO\""}, nil},
		{"portal 404", http.StatusNotFound, "text/html", "<html><head><title>Page not found</title></head><body>" + strings.Repeat("x", 300) + "</body></html>",
			[]string{"404 Not Found", "titled \"Page not found\"", "check jira.url"}, []string{"<html>", "xxxx"}},
		{"proxy outage page", http.StatusBadGateway, "text/html", "<html><title>502 Bad Gateway</title></html>",
			[]string{"502 Bad Gateway", "expected JSON from the Jira REST API, got a web page (text/html) titled \"502 Bad Gateway\""}, []string{"check jira.url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing by net/http
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := jira.New(ctx, jira.Options{BaseURL: srv.URL, Email: "bot@example.com", Token: "cloud-token",
				RequestsPerSecond: -1, MaxRetries: 2, Sleep: (&sleeps{}).sleep})
			if err == nil {
				t.Fatal("connected to a web page")
			}
			if !errors.Is(err, jira.ErrNotJSON) {
				t.Errorf("error does not match ErrNotJSON: %v", err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(msg, w) {
					t.Errorf("error holds %q:\n%s", w, msg)
				}
			}
			if n, max := hits.Load(), int32(1); tc.status < 500 && n != max {
				t.Errorf("%d requests, want %d: a page is not asked for again", n, max)
			}
		})
	}
}
