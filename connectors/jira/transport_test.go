package jira_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// TestRetryAfterHonoured measures a real wait: Jira says 429 with
// Retry-After: 1 and the scan goes on a second later.
func TestRetryAfterHonoured(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			t.Parallel()
			s, _ := fake(t, jiratest.Options{Flavor: fl})
			seed(t, s, 3, nil)
			o := options(s, jira.Project{Name: "sec", JQL: "project = SEC"})
			o.Sleep = nil // real timer
			c := connect(t, o)
			s.Inject(jiratest.Fault{Status: 429, RetryAfter: "1", Path: "/search"})
			start := time.Now()
			got := scanAll(t, c, ports.ScanRequest{Project: "sec"})
			waited := time.Since(start)
			if len(got) != 3 {
				t.Fatalf("%d tickets", len(got))
			}
			if waited < time.Second || waited > 5*time.Second {
				t.Errorf("waited %v for Retry-After: 1", waited)
			}
			if searches(s) != 2 {
				t.Errorf("%d searches, want 2 (refused, then answered)", searches(s))
			}
		})
	}
}

func TestServerGivenWaits(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.Cloud})
	seed(t, s, 1, nil)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	sl := &sleeps{}
	o := options(s, jira.Project{Name: "sec", JQL: "project = SEC"})
	o.Sleep, o.Now = sl.sleep, func() time.Time { return now }
	c := connect(t, o)
	s.Inject(
		jiratest.Fault{Status: 429, RetryAfter: now.Add(7 * time.Second).Format(http.TimeFormat)},
		jiratest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Reset": {now.Add(3 * time.Second).Format(time.RFC3339)}}},
		jiratest.Fault{Status: 503, RetryAfter: "2"},
		jiratest.Fault{Status: 502},
	)
	scanAll(t, c, ports.ScanRequest{Project: "sec"})
	got := sl.all()
	if len(got) != 4 || got[0] != 7*time.Second || got[1] != 3*time.Second || got[2] != 2*time.Second {
		t.Fatalf("waits = %v, want [7s 3s 2s backoff]", got)
	}
	// The 4th try failed with a plain 502: exponential backoff with
	// jitter, 500ms<<3 = 4s halved to [2s, 4s].
	if got[3] < 2*time.Second || got[3] > 4*time.Second {
		t.Errorf("backoff after the 4th failure = %v", got[3])
	}
}

func TestRetriesBounded(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: fl})
			seed(t, s, 1, nil)
			o := options(s, jira.Project{Name: "sec", JQL: "project = SEC"})
			o.MaxRetries = 3
			c := connect(t, o)
			s.InjectN(10, jiratest.Fault{Status: 500, Path: "/search"})
			err := c.Scan(context.Background(), ports.ScanRequest{Project: "sec"}, func(ports.Ticket) error { return nil })
			if err == nil {
				t.Fatal("scan succeeded through 10 failures")
			}
			if n := searches(s); n != 4 {
				t.Errorf("%d tries, want 4 (1 + 3 retries)", n)
			}
			var je *jira.Error
			if !errors.As(err, &je) || je.Status != 500 || !strings.Contains(err.Error(), "scan sec") ||
				!strings.Contains(err.Error(), "/rest/api/2/search") || !strings.Contains(err.Error(), "Injected failure 500.") {
				t.Errorf("error = %v", err)
			}

			if n := s.PendingFaults(); n != 6 {
				t.Errorf("%d faults left, want 6", n)
			}
			s.ClearFaults()
			// Rate limited past the retries: a sentinel callers can test.
			s.InjectN(10, jiratest.Fault{Status: 429, RetryAfter: "0", Path: "/search"})
			err = c.Scan(context.Background(), ports.ScanRequest{Project: "sec"}, func(ports.Ticket) error { return nil })
			if !errors.Is(err, jira.ErrRateLimited) {
				t.Errorf("after 429s: %v", err)
			}
		})
	}
}

func TestWaitsStayInsideTheDeadline(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.Cloud})
	seed(t, s, 1, nil)
	o := options(s, jira.Project{Name: "sec", JQL: "project = SEC"})
	o.Sleep = nil
	c := connect(t, o)
	s.Inject(jiratest.Fault{Status: 429, RetryAfter: "30", Path: "/search"})
	// Retry-After (30 s) is past the deadline (5 s): the scan gives up at
	// once, well before the deadline, instead of sleeping into it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err := c.Scan(ctx, ports.ScanRequest{Project: "sec"}, func(ports.Ticket) error { return nil })
	if !errors.Is(err, jira.ErrRateLimited) || time.Since(start) > 2*time.Second {
		t.Errorf("after %v: %v", time.Since(start), err)
	}
}

func TestUnauthorisedIsClear(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: fl})
			o := options(s)
			if fl == jiratest.Cloud {
				o.Token = "wrong-secret-token"
			} else {
				o.PAT = "wrong-secret-token"
			}
			o.Deployment = jira.Deployment(fl)
			_, err := jira.New(context.Background(), o)
			if !errors.Is(err, jira.ErrUnauthorized) {
				t.Fatalf("err = %v", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "401") || !strings.Contains(msg, "/rest/api/2/myself") ||
				!strings.Contains(msg, "Client must be authenticated") || strings.Contains(msg, "wrong-secret-token") {
				t.Errorf("error = %s", msg)
			}
			if s := o.String(); strings.Contains(s, "wrong-secret-token") || !strings.Contains(s, "<secret>") {
				t.Errorf("Options.String() = %s", s)
			}
		})
	}
}

func TestMalformedAnswersAreRetried(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.DataCenter})
	seed(t, s, 5, nil)
	c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC"}))
	s.Inject(jiratest.Fault{Malformed: true, Path: "/search"}, jiratest.Fault{Truncated: true, Path: "/search"})
	if got := scanAll(t, c, ports.ScanRequest{Project: "sec"}); len(got) != 5 {
		t.Errorf("%d tickets after malformed answers", len(got))
	}
	if searches(s) != 3 {
		t.Errorf("%d searches, want 3", searches(s))
	}
}

// TestUndecodableAnswerNamesThePlace: a search answer that never decodes
// fails the scan, past the retries, with an error naming the operation,
// the endpoint and that the answer did not decode.
func TestUndecodableAnswerNamesThePlace(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: fl})
			seed(t, s, 5, nil)
			c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC"}))
			s.InjectN(5, jiratest.Fault{Truncated: true, Path: "/search"})
			err := c.Scan(context.Background(), ports.ScanRequest{Project: "sec"}, func(ports.Ticket) error { return nil })
			endpoint := "GET /rest/api/2/search"
			if fl == jiratest.Cloud {
				endpoint += "/jql"
			}
			if err == nil || !strings.Contains(err.Error(), "scan sec") || !strings.Contains(err.Error(), endpoint+":") ||
				!strings.Contains(err.Error(), "decode response") {
				t.Errorf("err = %v", err)
			}
			if searches(s) != 5 {
				t.Errorf("%d searches, want 5 (the first and 4 retries)", searches(s))
			}
		})
	}
}

func TestPostNotRetriedBlindly(t *testing.T) {
	s := publishFake(t, jiratest.Cloud)
	seed(t, s, 1, nil)
	c := connect(t, options(s, publishProject()))
	tks := scanAll(t, c, ports.ScanRequest{Project: "sec"})
	// Two 503s on the issue edit that posts the comment: the first is
	// ambiguous (checked, then posted once more), the second is returned;
	// never a blind retry loop (the transport does not repeat an edit that
	// adds a comment, although PUT).
	s.ResetRequests()
	s.InjectN(2, jiratest.Fault{Method: "PUT", Path: "/rest/api/3/issue/SEC-1", Status: 503})
	_, err := c.Apply(context.Background(), mustChange(t, c, tks[0], required...))
	if err == nil || !strings.Contains(err.Error(), "SEC-1") || !strings.Contains(err.Error(), "PUT /rest/api/3/issue/SEC-1") {
		t.Errorf("err = %v", err)
	}
	if n, p := issueEdits(s), commentPosts(s); n != 2 || p != 0 {
		t.Errorf("%d issue edits (%d posted), want 2 (0)", n, p)
	}
	if commentLookups(s) != 1 {
		t.Errorf("%d comment lookups, want 1 between the two tries", commentLookups(s))
	}
}
