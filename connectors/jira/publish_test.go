package jira_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
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

// cycle scans every ticket and applies the change the core decides for
// it, as the scheduler would; it returns the trails on the tickets after.
func cycle(t *testing.T, c *jira.Client) map[string]handoff.Trail {
	t.Helper()
	out := map[string]handoff.Trail{}
	for _, tk := range scanAll(t, c, ports.ScanRequest{Project: "sec"}) {
		out[tk.Input.Ticket.Key] = tk.Trail
		ch, ok := change(c, tk, required...)
		if !ok {
			continue
		}
		got, err := c.Apply(context.Background(), ch)
		if err != nil {
			t.Fatalf("apply %s: %v", tk.Input.Ticket.Key, err)
		}
		out[tk.Input.Ticket.Key] = got.Trail
	}
	return out
}

func TestApplyLivingComment(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 1, nil)
			o := options(s, publishProject())
			o.Label = "handoff-incomplete"
			c := connect(t, o)
			// step runs a cycle and checks what it cost: comment posts and
			// edits, writes (every non-GET), lookups of the bot's comment
			// (GET comments) and checks that the comment the trail names
			// is the bot's (GET the comment).
			step := func(name string, posts, edits, writes, lookups, checks int) handoff.Trail {
				t.Helper()
				s.ResetRequests()
				tr := cycle(t, c)["SEC-1"]
				if p, e, w, l, k := commentPosts(s), commentEdits(s), s.Writes(), commentLookups(s), commentChecks(s); p != posts || e != edits || w != writes || l != lookups || k != checks {
					t.Errorf("%s: %d posts, %d edits, %d writes, %d lookups, %d checks; want %d, %d, %d, %d, %d; %v",
						name, p, e, w, l, k, posts, edits, writes, lookups, checks, s.Counts())
				}
				for _, r := range s.Requests() {
					if r.Method != "GET" && strings.Contains(r.Path, "/comment") {
						t.Errorf("%s: %s %s: comments go through the issue edit", name, r.Method, r.Path)
					}
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
			newest := func() string {
				is, _ := s.Issue("SEC-1")
				return is.Comments[len(is.Comments)-1].ID
			}

			// The first post: one issue edit with the comment, the label
			// and the trail. The edit does not return the comment's id.
			tr := step("first post", 1, 0, 1, 0, 0)
			if tr.CommentID != "" || !tr.CommentUnknown || tr.Fingerprint != "rollback;test_plan;" || tr.Written.IsZero() {
				t.Fatalf("trail after first post: %+v", tr)
			}
			label(true)
			is, _ := s.Issue("SEC-1")
			if len(is.Comments) != 1 || (fl == jiratest.Cloud) != (is.Comments[0].ADF != nil) {
				t.Fatalf("comments: %+v", is.Comments)
			}
			first := is.Comments[0].ID

			step("nothing changed", 0, 0, 0, 0, 0)

			// The first edit looks the comment up once, then edits it and
			// records its id in the same issue edit.
			_ = s.SetField("SEC-1", "Rollback Plan", "revert the package")
			tr = step("findings change", 0, 1, 1, 1, 0)
			if tr.CommentID != first || tr.CommentUnknown || tr.Fingerprint != "test_plan;" || len(tr.Flagged) != 2 {
				t.Errorf("trail after edit: %+v", tr)
			}
			for _, r := range s.Requests() {
				if r.Method == "PUT" && r.Query != "notifyUsers=false" {
					t.Errorf("edit in place with query %q", r.Query)
				}
			}
			if p, _ := s.Issue("SEC-1"); string(p.Properties["patchbot"]) == "" || !strings.Contains(string(p.Properties["patchbot"]), `"commentId":"`+first+`"`) {
				t.Errorf("trail property after edit: %s", p.Properties["patchbot"])
			}

			_ = s.SetField("SEC-1", "Test Plan", "smoke test the canary")
			tr = step("complete", 0, 1, 1, 0, 1) // id known: no lookup, a check it is the bot's
			if !tr.Complete || tr.Fingerprint != "" || tr.CommentID != first {
				t.Errorf("trail after complete: %+v", tr)
			}
			label(false)
			step("complete again", 0, 0, 0, 0, 0)

			_ = s.SetField("SEC-1", "Rollback Plan", nil)
			tr = step("reopened", 1, 0, 1, 0, 0)
			if tr.Complete || tr.CommentID != "" || !tr.CommentUnknown || tr.Fingerprint != "rollback;" {
				t.Errorf("trail after reopen: %+v", tr)
			}
			label(true)
			reopened := newest()

			_ = s.SetField("SEC-1", "Test Plan", nil)
			tr = step("reopened comment edited", 0, 1, 1, 1, 0)
			if tr.CommentID != reopened || tr.CommentUnknown {
				t.Errorf("trail after editing the reopened comment: %+v (want comment %s)", tr, reopened)
			}

			_ = s.DeleteComment("SEC-1", reopened)
			_ = s.SetField("SEC-1", "Rollback Plan", "revert")
			// The check finds the comment gone (404): nothing is edited,
			// the trail records Deleted in a property-only write.
			tr = step("comment deleted by a person", 0, 0, 1, 0, 1)
			if !tr.Deleted || tr.CommentID != "" || tr.CommentUnknown {
				t.Errorf("trail after deletion: %+v", tr)
			}
			if n := s.Count("PUT /rest/api/2/issue/{key}/properties/{prop}"); n != 1 {
				t.Errorf("%d property writes recording the deletion, want 1", n)
			}
			step("deleted, same findings", 0, 0, 0, 0, 0)

			_ = s.SetField("SEC-1", "Rollback Plan", nil)
			tr = step("deleted, findings change", 1, 0, 1, 0, 0)
			if tr.Deleted || !tr.CommentUnknown {
				t.Errorf("trail after repost: %+v", tr)
			}
			is, _ = s.Issue("SEC-1")
			if len(is.Comments) != 2 {
				t.Errorf("%d comments at the end, want 2 (one deleted by a person)", len(is.Comments))
			}
		})
	}
}

// TestApplyUnknownCommentDeleted: a comment posted through an issue edit
// (id unknown) that a person deleted is not found by the lookup before the
// first edit, even with an older bot comment on the ticket; the trail
// records Deleted and nothing is posted.
func TestApplyUnknownCommentDeleted(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			s, _ := fake(t, jiratest.Options{Flavor: fl, Now: clock})
			s.AddField("Rollback Plan", jiratest.ShapeParagraph)
			s.AddField("Test Plan", jiratest.ShapeText)
			seed(t, s, 1, nil)
			o := options(s, publishProject())
			o.Now = clock
			c := connect(t, o)

			cycle(t, c) // first post
			advance(time.Hour)
			_ = s.SetField("SEC-1", "Rollback Plan", "revert")
			_ = s.SetField("SEC-1", "Test Plan", "canary")
			cycle(t, c) // complete: the first comment says so
			advance(time.Hour)
			_ = s.SetField("SEC-1", "Rollback Plan", nil)
			tr := cycle(t, c)["SEC-1"] // reopened: a new comment, id unknown
			if !tr.CommentUnknown {
				t.Fatalf("trail after reopen: %+v", tr)
			}
			is, _ := s.Issue("SEC-1")
			_ = s.DeleteComment("SEC-1", is.Comments[len(is.Comments)-1].ID)
			advance(time.Hour)
			_ = s.SetField("SEC-1", "Test Plan", nil)

			s.ResetRequests()
			tr = cycle(t, c)["SEC-1"]
			if !tr.Deleted || tr.CommentID != "" || tr.CommentUnknown {
				t.Errorf("trail: %+v", tr)
			}
			if p, e, w, l := commentPosts(s), commentEdits(s), s.Writes(), commentLookups(s); p != 0 || e != 0 || w != 1 || l != 1 {
				t.Errorf("%d posts, %d edits, %d writes, %d lookups; want 0, 0, 1 (the trail), 1", p, e, w, l)
			}
			is, _ = s.Issue("SEC-1")
			if len(is.Comments) != 1 || !strings.Contains(is.Comments[0].Body, "Handoff complete") {
				t.Errorf("the older comment was touched: %+v", is.Comments)
			}
		})
	}
}

// TestApplyResumed: a post whose earlier attempt was interrupted
// looks for the bot's comment before posting; found, it keeps it and
// writes only the trail; not found, it posts.
func TestApplyResumed(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 2, nil)
			c := connect(t, options(s, publishProject()))
			tks := scanAll(t, c, ports.ScanRequest{Project: "sec"})
			start := time.Now()
			// SEC-1: the earlier attempt went through (as one edit, trail
			// included), but the checklist carries the trail read before.
			if _, err := c.Apply(context.Background(), mustChange(t, c, tks[0], required...)); err != nil {
				t.Fatal(err)
			}
			s.ResetRequests()
			ch := mustChange(t, c, tks[0], required...)
			ch.Resumed = start
			got, err := c.Apply(context.Background(), ch)
			if err != nil {
				t.Fatal(err)
			}
			is, _ := s.Issue("SEC-1")
			if len(is.Comments) != 1 || got.Trail.CommentID != is.Comments[0].ID || got.Outcome != ports.OutcomeAlreadyThere ||
				commentPosts(s) != 0 || s.Writes() != 1 || commentLookups(s) != 1 {
				t.Errorf("SEC-1: %d comments, %d posts, %d writes, %d lookups, %+v", len(is.Comments), commentPosts(s), s.Writes(), commentLookups(s), got)
			}
			// SEC-2: it did not: look, then post.
			s.ResetRequests()
			ch = mustChange(t, c, tks[1], required...)
			ch.Resumed = start
			if got, err = c.Apply(context.Background(), ch); err != nil {
				t.Fatal(err)
			}
			is, _ = s.Issue("SEC-2")
			if len(is.Comments) != 1 || got.Outcome != ports.OutcomePosted || commentPosts(s) != 1 || s.Writes() != 1 || commentLookups(s) != 1 {
				t.Errorf("SEC-2: %d comments, %d posts, %d writes, %d lookups, %+v", len(is.Comments), commentPosts(s), s.Writes(), commentLookups(s), got)
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
// searches plus ONE write per ticket that needs saying something (an issue
// edit carrying the comment, the label and the trail), and nothing for the
// others. A later change costs one write per changed ticket, plus, the
// first time a comment posted this way is edited, one GET of its comments
// (the edit did not return the new comment's id); after that, one GET of
// the comment the trail names (is it the bot's own?) and one write.
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
			searchCalls := (n + page - 1) / page
			// The first scan of the project reads what the bot may do
			// there: its permissions and the edit screen of one open
			// ticket (all are open).
			const rights = 2
			if total, want := len(s.Requests()), rights+searchCalls+needy; total != want {
				t.Errorf("full sync of %d tickets (%d needing a comment): %d requests, want %d; %v", n, needy, total, want, s.Counts())
			}
			if searches(s) != searchCalls || issueEdits(s) != needy || commentPosts(s) != needy {
				t.Errorf("%d searches, %d issue edits, %d comments posted; %v", searches(s), issueEdits(s), commentPosts(s), s.Counts())
			}

			// A later change on the needy tickets: the first edit of each
			// comment costs a lookup and one write.
			for i := 1; i <= needy; i++ {
				_ = s.SetField(fmt.Sprintf("SEC-%d", i), "Rollback Plan", "revert")
			}
			s.ResetRequests()
			cycle(t, c)
			if total, want := len(s.Requests()), searchCalls+2*needy; total != want || commentLookups(s) != needy || s.Writes() != needy || commentEdits(s) != needy {
				t.Errorf("first edit: %d requests (want %d), %d lookups, %d writes, %d edits; %v", total, want, commentLookups(s), s.Writes(), commentEdits(s), s.Counts())
			}
			// The next: a check and one write each, the id is on the trail now.
			for i := 1; i <= needy; i++ {
				_ = s.SetField(fmt.Sprintf("SEC-%d", i), "Rollback Plan", nil)
			}
			s.ResetRequests()
			cycle(t, c)
			if total, want := len(s.Requests()), searchCalls+2*needy; total != want || commentLookups(s) != 0 || commentChecks(s) != needy || commentEdits(s) != needy || s.Writes() != needy {
				t.Errorf("later edit: %d requests (want %d), %d lookups, %d checks, %d edits, %d writes; %v",
					total, want, commentLookups(s), commentChecks(s), commentEdits(s), s.Writes(), s.Counts())
			}
		})
	}
}

// TestApplyDoesNotRepostBlindly: an issue edit posting a comment whose
// answer was lost is checked against the ticket's comments before being
// sent again.
func TestApplyDoesNotRepostBlindly(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 2, nil)
			c := connect(t, options(s, publishProject()))
			tks := scanAll(t, c, ports.ScanRequest{Project: "sec"})

			// SEC-1: the edit went through (comment, label, trail) but the
			// answer was a 502 from a proxy.
			s.Inject(jiratest.Fault{Method: "PUT", Path: "/issue/SEC-1", Truncated: true, Status: 502})
			got, err := c.Apply(context.Background(), mustChange(t, c, tks[0], required...))
			if err != nil {
				t.Fatal(err)
			}
			tr := got.Trail
			is, _ := s.Issue("SEC-1")
			if len(is.Comments) != 1 || !tr.CommentUnknown || !strings.Contains(string(is.Properties["patchbot"]), `"commentUnknown":true`) {
				t.Errorf("SEC-1: %d comments, trail %+v, property %s", len(is.Comments), tr, is.Properties["patchbot"])
			}

			// SEC-2: the edit failed with 502 before reaching Jira.
			s.ResetRequests()
			s.Inject(jiratest.Fault{Method: "PUT", Path: "/issue/SEC-2", Status: 502})
			if _, err = c.Apply(context.Background(), mustChange(t, c, tks[1], required...)); err != nil {
				t.Fatal(err)
			}
			is, _ = s.Issue("SEC-2")
			if len(is.Comments) != 1 || commentPosts(s) != 1 || issueEdits(s) != 2 {
				t.Errorf("SEC-2: %d comments, %d posted, %d issue edits", len(is.Comments), commentPosts(s), issueEdits(s))
			}
			if commentLookups(s) != 1 {
				t.Errorf("did not look before posting again: %v", s.Counts())
			}
		})
	}
}

// TestEditInPlaceRetriedWithItsBody: an edit in place (an idempotent PUT,
// not marked once) that meets a 502 is sent again by the transport, with
// its whole body: the comment edit and the trail both land.
func TestEditInPlaceRetriedWithItsBody(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s := publishFake(t, fl)
			seed(t, s, 1, nil)
			c := connect(t, options(s, publishProject()))
			cycle(t, c) // posts the comment
			_ = s.SetField("SEC-1", "Rollback Plan", "revert")
			before := cycle(t, c)["SEC-1"] // looks the comment up, then edits it: its id is on the trail
			_ = s.SetField("SEC-1", "Rollback Plan", nil)
			s.ResetRequests()
			s.Inject(jiratest.Fault{Method: "PUT", Path: "/issue/SEC-1", Status: 502})
			tr := cycle(t, c)["SEC-1"]
			if s.PendingFaults() != 0 || issueEdits(s) != 2 || commentEdits(s) != 1 || commentPosts(s) != 0 || commentLookups(s) != 0 {
				t.Errorf("%d faults left, %d issue edits, %d comment edits, %d posts, %d lookups; want 0, 2, 1, 0, 0; %v",
					s.PendingFaults(), issueEdits(s), commentEdits(s), commentPosts(s), commentLookups(s), s.Counts())
			}
			is, _ := s.Issue("SEC-1")
			if len(is.Comments) != 1 || !strings.Contains(is.Comments[0].Body, "Validation request for SEC-1") {
				t.Errorf("comments: %+v", is.Comments)
			}
			if tr.Fingerprint != "rollback;test_plan;" || tr.CommentID == "" || tr.CommentID != before.CommentID ||
				!strings.Contains(string(is.Properties["patchbot"]), `"fingerprint":"rollback;test_plan;"`) {
				t.Errorf("trail %+v, property %s", tr, is.Properties["patchbot"])
			}
		})
	}
}

// TestApplyForgedTrail: a trail property naming a person's comment (the
// property is writable by anyone who may edit the ticket, and the fake,
// like Jira for an admin, lets the bot edit that comment) is not trusted:
// the bot checks the comment is its own, leaves the person's untouched,
// posts its own instead and reports the forged trail. Its next edit goes
// to its own comment.
func TestApplyForgedTrail(t *testing.T) {
	for _, fl := range flavors {
		for _, tc := range []struct {
			name   string
			fields map[string]any // what the ticket holds: some findings, or none
			op     handoff.CommentOp
		}{
			{"edit", nil, handoff.CommentEdit},
			{"complete", map[string]any{"Rollback Plan": "revert", "Test Plan": "canary"}, handoff.CommentComplete},
		} {
			t.Run(string(fl)+"/"+tc.name, func(t *testing.T) {
				s := publishFake(t, fl)
				seed(t, s, 1, func(_ int, sp *jiratest.IssueSpec) { sp.Fields = tc.fields })
				sam := jiratest.User{AccountID: "acc-sam", Name: "sam", Key: "JIRAUSER20", DisplayName: "Sam Reyes"}
				const notes = "My notes on the rollout: do not touch"
				theirs, err := s.AddPersonComment("SEC-1", sam, notes)
				if err != nil {
					t.Fatal(err)
				}
				forged := fmt.Sprintf(`{"v":1,"fingerprint":"rollback;","flagged":["rollback"],"commentId":%q}`, theirs)
				if err := s.Update("SEC-1", func(is *jiratest.Issue) { is.Properties["patchbot"] = json.RawMessage(forged) }); err != nil {
					t.Fatal(err)
				}
				c := connect(t, options(s, publishProject()))
				tk := scanAll(t, c, ports.ScanRequest{Project: "sec"})[0]
				ch := mustChange(t, c, tk, required...)
				if ch.Op != tc.op || ch.CommentID != theirs {
					t.Fatalf("the decided change is %s of comment %q, want %s of %q", ch.Op, ch.CommentID, tc.op, theirs)
				}
				s.ResetRequests()
				got, err := c.Apply(context.Background(), ch)
				if err != nil {
					t.Fatal(err)
				}
				is, _ := s.Issue("SEC-1")
				if len(is.Comments) != 2 || is.Comments[0].ID != theirs || is.Comments[0].Body != notes || is.Comments[0].Author != sam {
					t.Fatalf("the person's comment was touched: %+v", is.Comments[0])
				}
				mine := is.Comments[1]
				if mine.Author != s.Bot() || !strings.Contains(mine.Body, ch.Doc.Title+" for SEC-1") {
					t.Errorf("the bot's own comment: %+v", mine)
				}
				if got.Outcome != ports.OutcomeForgedTrail || got.Trail.CommentID != "" || !got.Trail.CommentUnknown ||
					commentPosts(s) != 1 || commentEdits(s) != 0 || commentChecks(s) != 1 {
					t.Errorf("applied %+v; %d posts, %d edits, %d checks; %v", got, commentPosts(s), commentEdits(s), commentChecks(s), s.Counts())
				}
				if p := string(is.Properties["patchbot"]); strings.Contains(p, theirs) && !strings.Contains(p, `"commentUnknown":true`) {
					t.Errorf("the trail still names the person's comment: %s", p)
				}
				if tc.op != handoff.CommentEdit {
					return
				}
				// The findings change again: the bot's own comment is edited.
				_ = s.SetField("SEC-1", "Rollback Plan", "revert")
				s.ResetRequests()
				tr := cycle(t, c)["SEC-1"]
				is, _ = s.Issue("SEC-1")
				if is.Comments[0].Body != notes || tr.CommentID != mine.ID || commentEdits(s) != 1 || commentPosts(s) != 0 {
					t.Errorf("after the next edit: theirs %q, trail %+v (the bot's is %s), %d edits, %d posts",
						is.Comments[0].Body, tr, mine.ID, commentEdits(s), commentPosts(s))
				}
			})
		}
	}
}
