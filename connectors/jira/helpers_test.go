package jira_test

import (
	"context"
	"fmt"
	"slices"
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

// change decides, as the engine would, what a ticket's living comment,
// label and trail become: findings for every required field the ticket
// lacks, fingerprinted by their names, decided by the core; the body is a
// short document named for the operation. ok is false when nothing is to
// be written (the engine then does not call Apply).
func change(c *jira.Client, tk ports.Ticket, required ...handoff.FieldID) (ch ports.CommentChange, ok bool) {
	ev := handoff.Evaluation{Handoff: handoff.Handoff{Ticket: tk.Input.Ticket}}
	for _, f := range required {
		if _, ok := tk.Input.Fields[f]; !ok {
			ev.Findings = append(ev.Findings, handoff.Finding{Kind: handoff.FindingMissing, Field: f})
			ev.Fingerprint += string(f) + ";"
		}
	}
	plan := handoff.DecideComment(tk.Trail, ev)
	key := tk.Input.Ticket.Key
	doc := func(title string) richtext.Doc {
		return richtext.Doc{Title: title, Blocks: []richtext.Block{{Kind: richtext.BlockParagraph,
			Inlines: []richtext.Inline{{Text: title + " for " + key}}}}}
	}
	ch = ports.CommentChange{Key: key, Op: plan.Op, CommentID: tk.Trail.CommentID, LastWritten: tk.Trail.Written,
		Notify: plan.Notify, Trail: plan.Next}
	switch plan.Op {
	case handoff.CommentPost, handoff.CommentEdit:
		ch.Doc = doc("Validation request")
	case handoff.CommentReopen:
		ch.Doc = doc("Findings are back")
	case handoff.CommentComplete:
		ch.Doc = doc("Handoff complete")
	}
	if l := c.Label(); l != "" {
		has := slices.Contains(tk.Input.Ticket.Labels, l)
		switch {
		case plan.Labeled && !has:
			ch.Label = ports.LabelAdd
		case !plan.Labeled && has:
			ch.Label = ports.LabelRemove
		}
	}
	// As the engine does, a change is made when the plan changes
	// something; the label follows it.
	return ch, plan.Changed
}

// mustChange is change for a ticket that has something to write.
func mustChange(t testing.TB, c *jira.Client, tk ports.Ticket, required ...handoff.FieldID) ports.CommentChange {
	t.Helper()
	ch, ok := change(c, tk, required...)
	if !ok {
		t.Fatalf("%s: nothing to write", tk.Input.Ticket.Key)
	}
	return ch
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

// commentChecks counts the GETs of one comment (the bot checking that the
// comment its trail names is its own).
func commentChecks(s *jiratest.Server) int {
	return s.Count("GET /rest/api/2/issue/{key}/comment/{id}")
}

// issueEdits counts issue edits in either API version.
func issueEdits(s *jiratest.Server) int {
	return s.Count("PUT /rest/api/2/issue/{key}") + s.Count("PUT /rest/api/3/issue/{key}")
}

func searches(s *jiratest.Server) int {
	return s.Count("GET /rest/api/2/search/jql") + s.Count("GET /rest/api/2/search")
}
