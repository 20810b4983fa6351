package jira_test

import (
	"context"
	"testing"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

var required = []handoff.FieldID{handoff.FieldRollback, handoff.FieldTestPlan}

func publishProject() jira.Project {
	return jira.Project{Name: "sec", JQL: "project = SEC", Fields: map[handoff.FieldID]string{
		handoff.FieldRollback: "Rollback Plan", handoff.FieldTestPlan: "Test Plan"}}
}

func publishFake(t *testing.T, fl jiratest.Flavor) *jiratest.Server {
	s, _ := fake(t, jiratest.Options{Flavor: fl})
	s.AddField("Rollback Plan", jiratest.ShapeParagraph)
	s.AddField("Test Plan", jiratest.ShapeText)
	return s
}

// cycle scans every ticket and publishes its checklist, as the scheduler
// would; it returns the trails Publish gave back.
func cycle(t *testing.T, c *jira.Client) map[string]handoff.Trail {
	t.Helper()
	out := map[string]handoff.Trail{}
	for _, tk := range scanAll(t, c, scheduler.ScanRequest{Project: "sec"}) {
		tr, err := c.Publish(context.Background(), checklist(tk, required...))
		if err != nil {
			t.Fatalf("publish %s: %v", tk.Input.Ticket.Key, err)
		}
		out[tk.Input.Ticket.Key] = tr
	}
	return out
}

func TestPublishLivingComment(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 1, nil)
			o := options(s, publishProject())
			o.Label = "handoff-incomplete"
			c := connect(t, o)
			step := func(name string, posts, edits, writes int) handoff.Trail {
				t.Helper()
				s.ResetRequests()
				tr := cycle(t, c)["SEC-1"]
				if p, e, w := commentPosts(s), commentEdits(s), s.Writes(); p != posts || e != edits || w != writes {
					t.Errorf("%s: %d posts, %d edits, %d writes; want %d, %d, %d", name, p, e, w, posts, edits, writes)
				}
				return tr
			}
			label := func(want bool) {
				t.Helper()
				is, _ := s.Issue("SEC-1")
				has := false
				for _, l := range is.Labels {
					has = has || l == "handoff-incomplete"
				}
				if has != want {
					t.Errorf("label present = %v, want %v (labels %v)", has, want, is.Labels)
				}
			}

			tr := step("first post", 1, 0, 2)
			if tr.CommentID == "" || tr.Fingerprint != "rollback;test_plan;" || tr.Written.IsZero() {
				t.Fatalf("trail after first post: %+v", tr)
			}
			label(true)
			is, _ := s.Issue("SEC-1")
			if len(is.Comments) != 1 || (fl == jiratest.Cloud) != (is.Comments[0].ADF != nil) {
				t.Fatalf("comments: %+v", is.Comments)
			}
			first := tr.CommentID

			step("nothing changed", 0, 0, 0)

			_ = s.SetField("SEC-1", "Rollback Plan", "revert the package")
			tr = step("findings change", 0, 1, 2)
			if tr.CommentID != first || tr.Fingerprint != "test_plan;" || len(tr.Flagged) != 2 {
				t.Errorf("trail after edit: %+v", tr)
			}
			for _, r := range s.Requests() {
				if r.Method == "PUT" && len(r.Query) > 0 && r.Query != "notifyUsers=false" {
					t.Errorf("edit in place with query %q", r.Query)
				}
			}

			_ = s.SetField("SEC-1", "Test Plan", "smoke test the canary")
			tr = step("complete", 0, 1, 2)
			if !tr.Complete || tr.Fingerprint != "" || tr.CommentID != first {
				t.Errorf("trail after complete: %+v", tr)
			}
			label(false)
			step("complete again", 0, 0, 0)

			_ = s.SetField("SEC-1", "Rollback Plan", nil)
			tr = step("reopened", 1, 0, 2)
			if tr.Complete || tr.CommentID == first || tr.Fingerprint != "rollback;" {
				t.Errorf("trail after reopen: %+v", tr)
			}
			label(true)

			_ = s.DeleteComment("SEC-1", tr.CommentID)
			_ = s.SetField("SEC-1", "Test Plan", nil)
			tr = step("comment deleted by a person", 0, 1, 2) // the edit finds it gone
			if !tr.Deleted || tr.CommentID != "" {
				t.Errorf("trail after deletion: %+v", tr)
			}
			step("deleted, same findings", 0, 0, 0)

			_ = s.SetField("SEC-1", "Rollback Plan", "revert")
			tr = step("deleted, findings change", 1, 0, 2)
			if tr.Deleted || tr.CommentID == "" {
				t.Errorf("trail after repost: %+v", tr)
			}
			is, _ = s.Issue("SEC-1")
			if len(is.Comments) != 2 {
				t.Errorf("%d comments at the end, want 2 (one deleted by a person)", len(is.Comments))
			}
		})
	}
}

// TestSecondRunPostsNothing runs the same tickets twice, with a fresh
// client and no local state in between: the trail property alone stops
// the second run from writing anything.
func TestSecondRunPostsNothing(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 120, func(i int, sp *jiratest.IssueSpec) {
				if i%2 == 0 {
					sp.Fields = map[string]any{"Rollback Plan": "revert", "Test Plan": "canary"}
				}
			})
			o := options(s, publishProject())
			o.Label = "handoff-incomplete"
			cycle(t, connect(t, o))
			if p := commentPosts(s); p != 60 {
				t.Fatalf("first run posted %d comments, want 60", p)
			}
			s.ResetRequests()
			cycle(t, connect(t, o)) // a fresh client: nothing local survives
			if p, w := commentPosts(s), s.Writes(); p != 0 || w != 0 {
				t.Errorf("second run posted %d comments and made %d writes, want 0 and 0", p, w)
			}
		})
	}
}

// TestFullSyncRequestCount: a full sync of N tickets costs ceil(N/page)
// searches plus, per ticket that needs saying something, one comment
// write and one trail write (label folded into the trail write), and
// nothing for the others.
func TestFullSyncRequestCount(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			const n, page, needy = 250, 100, 37
			s := publishFake(t, fl)
			seed(t, s, n, func(i int, sp *jiratest.IssueSpec) {
				if i >= needy {
					sp.Fields = map[string]any{"Rollback Plan": "revert", "Test Plan": "canary"}
				}
			})
			o := options(s, publishProject())
			o.PageSize, o.Label = page, "handoff-incomplete"
			c := connect(t, o)
			s.ResetRequests()
			cycle(t, c)
			total := len(s.Requests())
			want := (n+page-1)/page + 2*needy
			if total != want {
				t.Errorf("full sync of %d tickets (%d needing a comment): %d requests, want %d; %v", n, needy, total, want, s.Counts())
			}
			if searches(s) != (n+page-1)/page {
				t.Errorf("%d searches", searches(s))
			}
		})
	}
}

// TestPublishDoesNotRepostBlindly: a comment post whose answer was lost
// is checked against the ticket's comments before being posted again.
func TestPublishDoesNotRepostBlindly(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 2, nil)
			c := connect(t, options(s, publishProject()))
			tks := scanAll(t, c, scheduler.ScanRequest{Project: "sec"})

			// SEC-1: the post went through but the answer was cut short.
			s.Inject(jiratest.Fault{Method: "POST", Path: "/comment", Truncated: true})
			tr, err := c.Publish(context.Background(), checklist(tks[0], required...))
			if err != nil {
				t.Fatal(err)
			}
			is, _ := s.Issue("SEC-1")
			if len(is.Comments) != 1 || tr.CommentID != is.Comments[0].ID {
				t.Errorf("SEC-1: %d comments, trail %+v", len(is.Comments), tr)
			}

			// SEC-2: the post failed with 502 before reaching Jira.
			s.ResetRequests()
			s.Inject(jiratest.Fault{Method: "POST", Path: "/comment", Status: 502})
			tr, err = c.Publish(context.Background(), checklist(tks[1], required...))
			if err != nil {
				t.Fatal(err)
			}
			is, _ = s.Issue("SEC-2")
			if len(is.Comments) != 1 || tr.CommentID != is.Comments[0].ID || commentPosts(s) != 2 {
				t.Errorf("SEC-2: %d comments, %d posts, trail %+v", len(is.Comments), commentPosts(s), tr)
			}
			if s.Count("GET /rest/api/2/issue/{key}/comment") != 1 {
				t.Errorf("did not look before posting again: %v", s.Counts())
			}
		})
	}
}
