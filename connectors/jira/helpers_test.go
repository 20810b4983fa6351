package jira_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
)

var flavors = []jiratest.Flavor{jiratest.Cloud, jiratest.DataCenter}

// fake starts a fake Jira held to the OpenAPI contract.
func fake(t testing.TB, o jiratest.Options) (*jiratest.Server, *contract) {
	t.Helper()
	c := &contract{t: t}
	o.Wrap = c.wrap
	s := jiratest.New(o)
	t.Cleanup(s.Close)
	return s, c
}

// sleeps records the waits the polite transport asked for, without
// sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// options are client options for the fake, with the given projects.
func options(s *jiratest.Server, projects ...jira.Project) jira.Options {
	o := jira.Options{BaseURL: s.URL, Projects: projects, RequestsPerSecond: -1, Sleep: (&sleeps{}).sleep}
	if s.Flavor() == jiratest.Cloud {
		o.Email, o.Token = "bot@example.com", "cloud-token"
	} else {
		o.PAT = "dc-pat"
	}
	return o
}

func connect(t testing.TB, o jira.Options) *jira.Client {
	t.Helper()
	c, err := jira.New(context.Background(), o)
	if err != nil {
		t.Fatalf("jira.New: %v", err)
	}
	return c
}

// seed adds n plain issues to project SEC.
func seed(t testing.TB, s *jiratest.Server, n int, mod func(i int, sp *jiratest.IssueSpec)) []string {
	t.Helper()
	specs := make([]jiratest.IssueSpec, n)
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := range specs {
		specs[i] = jiratest.IssueSpec{Project: "SEC", Summary: fmt.Sprintf("Patch CVE-2026-%04d", i+1),
			Created: base.Add(time.Duration(i) * time.Minute)}
		if mod != nil {
			mod(i, &specs[i])
		}
	}
	keys, err := s.AddIssues(specs...)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func scanAll(t testing.TB, c *jira.Client, req ports.ScanRequest) []ports.Ticket {
	t.Helper()
	var out []ports.Ticket
	if err := c.Scan(context.Background(), req, func(tk ports.Ticket) error {
		out = append(out, tk)
		return nil
	}); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

// checklist builds what the scheduler would ask for a ticket: findings for
// every required field the ticket lacks, fingerprinted by their names.
func checklist(tk ports.Ticket, required ...handoff.FieldID) ports.Checklist {
	ev := handoff.Evaluation{Handoff: handoff.Handoff{Ticket: tk.Input.Ticket}}
	for _, f := range required {
		if _, ok := tk.Input.Fields[f]; !ok {
			ev.Findings = append(ev.Findings, handoff.Finding{Kind: handoff.FindingMissing, Field: f})
			ev.Fingerprint += string(f) + ";"
		}
	}
	doc := func(title string) richtext.Doc {
		return richtext.Doc{Title: title, Blocks: []richtext.Block{{Kind: richtext.BlockParagraph,
			Inlines: []richtext.Inline{{Text: title + " for " + tk.Input.Ticket.Key}}}}}
	}
	return ports.Checklist{Key: tk.Input.Ticket.Key, Trail: tk.Trail, Evaluation: ev,
		Request: doc("Validation request"), Reopened: doc("Findings are back"), Complete: doc("Handoff complete")}
}

// commentPosts counts comment creations in either API version, through
// the comment endpoint or an issue edit's update.comment add.
func commentPosts(s *jiratest.Server) int {
	adds, _ := s.CommentWrites()
	return adds
}

// commentEdits counts comment edits that succeeded, through either route.
func commentEdits(s *jiratest.Server) int {
	_, edits := s.CommentWrites()
	return edits
}

// commentLookups counts the GETs of a ticket's comments (the bot looking
// for its own comment).
func commentLookups(s *jiratest.Server) int {
	return s.Count("GET /rest/api/2/issue/{key}/comment")
}

// issueEdits counts issue edits in either API version.
func issueEdits(s *jiratest.Server) int {
	return s.Count("PUT /rest/api/2/issue/{key}") + s.Count("PUT /rest/api/3/issue/{key}")
}

func searches(s *jiratest.Server) int {
	return s.Count("GET /rest/api/2/search/jql") + s.Count("GET /rest/api/2/search")
}
