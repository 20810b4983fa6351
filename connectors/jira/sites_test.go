package jira_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// logBuffer collects a client's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// siteClient connects to a fake configured as site, logging into logs.
func siteClient(t *testing.T, s *jiratest.Server, logs *logBuffer, now func() time.Time) *jira.Client {
	t.Helper()
	o := options(s, publishProject())
	o.Label = "handoff-incomplete"
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	o.Now = now
	return connect(t, o)
}

// refused counts the requests Jira refused.
func refused(s *jiratest.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Status >= 400 {
			n++
		}
	}
	return n
}

func labelled(s *jiratest.Server, key string) bool {
	is, _ := s.Issue(key)
	for _, l := range is.Labels {
		if l == "handoff-incomplete" {
			return true
		}
	}
	return false
}

// TestRefusedFieldRetriedOnceWithout: where the edit screen could not be
// read, the first issue edit that Jira refuses naming a field is made
// again once without it; the project's rights learn it (one warning),
// and every later ticket takes the way that works at once.
func TestRefusedFieldRetriedOnceWithout(t *testing.T) {
	for _, tc := range []struct {
		name           string
		site           jiratest.Site
		warn           string
		edits, comment int // issue edits and comment-endpoint posts for 3 tickets
		label          bool
	}{
		// 1 refused + 1 without labels, then 1 each.
		{"labels", jiratest.Site{NoLabelsOnScreen: true}, "cannot set the label on open tickets", 4, 0, false},
		// 1 refused, then per ticket a post and an issue edit (label, trail).
		{"comment", jiratest.Site{NoCommentOnScreen: true}, "cannot comment within an issue edit", 4, 3, true},
	} {
		for _, fl := range flavors {
			t.Run(tc.name+"/"+string(fl), func(t *testing.T) {
				s := publishFake(t, fl)
				s.SetSite(tc.site)
				keys := seed(t, s, 3, nil)
				// The edit screen cannot be read: it is assumed whole.
				s.InjectN(1, jiratest.Fault{Status: http.StatusNotFound, Path: "/editmeta"})
				var logs logBuffer
				c := siteClient(t, s, &logs, time.Now)
				s.ResetRequests()
				cycle(t, c)
				if refused(s) != 2 { // the faulted editmeta and one edit
					t.Errorf("%d refused requests, want 2: %v", refused(s), s.Counts())
				}
				if n := issueEdits(s); n != tc.edits {
					t.Errorf("%d issue edits, want %d: %v", n, tc.edits, s.Counts())
				}
				if n := s.Count("POST /rest/api/2/issue/{key}/comment") + s.Count("POST /rest/api/3/issue/{key}/comment"); n != tc.comment {
					t.Errorf("%d posts through the comment endpoint, want %d", n, tc.comment)
				}
				for _, k := range keys {
					is, _ := s.Issue(k)
					if len(is.Comments) != 1 || labelled(s, k) != tc.label || len(is.Properties["patchbot"]) == 0 {
						t.Errorf("%s: %d comments, labelled %v (want %v), trail %s", k, len(is.Comments), labelled(s, k), tc.label, is.Properties["patchbot"])
					}
				}
				if n := logs.count(tc.warn); n != 1 {
					t.Errorf("%d warnings %q, want 1:\n%s", n, tc.warn, logs.b.String())
				}
				if caps := c.Capabilities()["sec"]; caps == nil || caps["open_"+strings.Split(tc.name, "/")[0]] {
					t.Logf("capabilities %v", caps)
				}
				s.ResetRequests()
				cycle(t, c)
				if s.Writes() != 0 {
					t.Errorf("second cycle: %d writes, want none: %v", s.Writes(), s.Counts())
				}
			})
		}
	}
}

// TestTrailOnlyInMemory: a bot with Browse and Add Comments alone posts
// its comment and keeps its trail in memory; a restart forgets it, and
// the bot keeps its newest comment rather than posting a second.
func TestTrailOnlyInMemory(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			s.SetSite(jiratest.Site{NoEditIssues: true, NoEditOwnComments: true})
			keys := seed(t, s, 2, nil)
			var logs logBuffer
			c := siteClient(t, s, &logs, time.Now)
			cycle(t, c)
			for _, k := range keys {
				is, _ := s.Issue(k)
				if len(is.Comments) != 1 || len(is.Properties) != 0 || len(is.Comments[0].Properties) != 0 || labelled(s, k) {
					t.Errorf("%s: %d comments, issue properties %v, comment properties %v, labelled %v", k, len(is.Comments), is.Properties, is.Comments[0].Properties, labelled(s, k))
				}
			}
			s.ResetRequests()
			cycle(t, c)
			if s.Writes() != 0 {
				t.Fatalf("second cycle wrote %d", s.Writes())
			}
			// A restart: the trails are gone; the bot keeps its comments.
			c2 := siteClient(t, s, &logs, time.Now)
			trails := cycle(t, c2)
			if s.Writes() != 0 {
				t.Fatalf("after a restart the bot wrote %d: %v", s.Writes(), s.Counts())
			}
			for _, k := range keys {
				if is, _ := s.Issue(k); len(is.Comments) != 1 || trails[k].CommentID != is.Comments[0].ID {
					t.Errorf("%s after a restart: %d comments, trail %+v", k, len(is.Comments), trails[k])
				}
			}
			// A field arrives: the bot may not edit its comment; nothing
			// is written, and nothing fails.
			_ = s.SetField(keys[0], "Rollback Plan", "revert")
			s.ResetRequests()
			cycle(t, c2)
			if s.Writes() != 0 {
				t.Fatalf("an edit the bot may not make was attempted: %v", s.Counts())
			}
		})
	}
}

// TestCapabilityEdgesLogged: a missing capability is logged once when it
// goes missing and once when it comes back, not on every scan.
func TestCapabilityEdgesLogged(t *testing.T) {
	s := publishFake(t, jiratest.Cloud)
	s.SetSite(jiratest.Site{NoLabelsOnScreen: true})
	seed(t, s, 2, nil)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var logs logBuffer
	c := siteClient(t, s, &logs, clock)
	for i := 0; i < 3; i++ {
		scanAll(t, c, ports.ScanRequest{Project: "sec"})
	}
	if n := logs.count("cannot set the label"); n != 1 {
		t.Fatalf("%d warnings over 3 scans, want 1:\n%s", n, logs.b.String())
	}
	if caps := c.Capabilities()["sec"]; caps["open_label"] || !caps["open_comment_field"] || !caps["edit_issue"] {
		t.Fatalf("capabilities %v", caps)
	}
	// Someone puts Labels on the screen; within RightsTTL the bot reads
	// the screen again and says so, once.
	s.SetSite(jiratest.Site{})
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	for i := 0; i < 3; i++ {
		scanAll(t, c, ports.ScanRequest{Project: "sec"})
	}
	if n := logs.count("can set the label on open tickets (Labels on the edit screen) again"); n != 1 {
		t.Fatalf("%d 'again' lines, want 1:\n%s", n, logs.b.String())
	}
	if !c.Capabilities()["sec"]["open_label"] {
		t.Fatal("label capability not back")
	}
}

// TestProbeReadsPermissionsAndScreens: Probe samples an open and a
// resolved ticket and says what the bot may do and how it writes.
func TestProbeReadsPermissionsAndScreens(t *testing.T) {
	s := publishFake(t, jiratest.Cloud)
	s.SetSite(jiratest.Site{ResolvedNotEditable: true, NoAdmin: true})
	seed(t, s, 3, func(i int, sp *jiratest.IssueSpec) {
		if i == 1 {
			sp.Status, sp.Resolution, sp.Resolved = "Done", "Done", sp.Created.Add(time.Hour)
		}
	})
	var logs logBuffer
	c := siteClient(t, s, &logs, time.Now)
	got := c.Probe(context.Background())
	if len(got) != 1 {
		t.Fatalf("probe: %+v", got)
	}
	pr := got[0]
	if pr.Project != "sec" || pr.Open != "SEC-3" || pr.Resolved != "SEC-2" || strings.Join(pr.JiraProjects, ",") != "SEC" || pr.Err != nil {
		t.Errorf("probe samples: %+v", pr)
	}
	for k, want := range map[string]bool{"browse": true, "add_comment": true, "edit_own_comment": true, "edit_issue": true,
		"quiet_edit": false, "open_editable": true, "open_label": true, "resolved_editable": false, "resolved_label": false, "resolved_property": false} {
		if pr.Caps[k] != want {
			t.Errorf("%s = %v, want %v", k, pr.Caps[k], want)
		}
	}
	if !strings.Contains(pr.OpenPath, "one issue edit") || !strings.Contains(pr.OpenPath, "silent edits through the comment endpoint") {
		t.Errorf("open path %q", pr.OpenPath)
	}
	if !strings.Contains(pr.ResolvedPath, "comment endpoint, the trail on the bot's comment, no label") {
		t.Errorf("resolved path %q", pr.ResolvedPath)
	}
	for _, k := range jira.CapabilityNames() {
		if e := jira.Explain(k); e.What == k || e.Cost == "" || e.Fix == "" {
			t.Errorf("%s is not explained: %+v", k, e)
		}
	}
}

// TestHiddenTicketIsPermanent: a ticket that turns 404 between the scan
// and the write (an issue security level) fails in a way retrying does
// not cure, and says so.
func TestHiddenTicketIsPermanent(t *testing.T) {
	s := publishFake(t, jiratest.DataCenter)
	keys := seed(t, s, 1, nil)
	var logs logBuffer
	c := siteClient(t, s, &logs, time.Now)
	tk := scanAll(t, c, ports.ScanRequest{Project: "sec"})[0]
	s.Hide(keys[0])
	_, err := c.Apply(context.Background(), mustChange(t, c, tk, required...))
	var je *jira.Error
	if !errors.As(err, &je) || !je.Permanent() || !errors.Is(err, jira.ErrNotFound) {
		t.Fatalf("apply on a hidden ticket: %v", err)
	}
	if got := scanAll(t, c, ports.ScanRequest{Project: "sec"}); len(got) != 0 {
		t.Fatalf("a hidden ticket is still scanned: %d", len(got))
	}
}

func TestErrorPermanent(t *testing.T) {
	for status, want := range map[int]bool{400: true, 401: false, 403: true, 404: true, 409: false, 413: true, 422: true, 429: false, 500: false, 503: false, 0: false} {
		if got := (&jira.Error{Status: status}).Permanent(); got != want {
			t.Errorf("%d: permanent %v, want %v", status, got, want)
		}
	}
	if !(&jira.Error{Err: jira.ErrNotPermitted}).Permanent() {
		t.Error("a write not permitted is permanent")
	}
}
