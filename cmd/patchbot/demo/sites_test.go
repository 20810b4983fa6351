package demo

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/scheduler"
)

// These tests run the daemon against Jira sites that differ from the
// fake's default as real ones do — a screen without Labels, a bot without
// Edit Issues, a done step that takes no edits, a property refused, a
// ticket hidden mid-run — and hold it to the same promise: every
// incomplete ticket gets exactly one comment (or the documented fallback)
// and one Slack validation request, and a second cycle writes nothing.

// siteCase is one way a site differs, and what the bot does about it.
type siteCase struct {
	name string
	site jiratest.Site
	// hide hides one flagged ticket when the bot first writes to it.
	hide bool
	// label: flagged tickets carry the bot's label afterwards.
	label bool
	// trailOnComment: the trail is kept on the bot's comment, not the
	// issue (for resolved tickets only when resolvedOnly).
	trailOnComment, resolvedOnly bool
	// degraded is a capability the metrics must show missing.
	degraded string
}

var siteCases = []siteCase{
	{name: "default", label: true},
	{name: "labels off the edit screen", site: jiratest.Site{NoLabelsOnScreen: true}, degraded: "open_label"},
	{name: "comment not in editmeta", site: jiratest.Site{NoCommentOnScreen: true}, label: true, degraded: "open_comment_field"},
	{name: "no Edit Issues", site: jiratest.Site{NoEditIssues: true}, trailOnComment: true, degraded: "edit_issue"},
	{name: "resolved step not editable", site: jiratest.Site{ResolvedNotEditable: true}, label: true, trailOnComment: true, resolvedOnly: true, degraded: "resolved_editable"},
	{name: "notifyUsers ignored", site: jiratest.Site{NoAdmin: true}, label: true, degraded: "quiet_edit"},
	{name: "ticket hidden mid-run", hide: true, label: true},
	{name: "property refused", site: jiratest.Site{PropertyForbidden: true}, label: true, trailOnComment: true, degraded: "open_property"},
}

func TestSitesEveryTicketOneCommentOneRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range siteCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			// The fake answers at once: no need to pace the requests.
			w.Config.Jira.RequestsPerSecond = -1
			if err := w.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			w.Jira.SetSite(tc.site)
			want := plan(t, w)
			var flagged []string
			resolved := map[string]bool{}
			for _, r := range want.Results {
				if r.Evaluation.Fingerprint != "" {
					k := r.Evaluation.Handoff.Ticket.Key
					flagged = append(flagged, k)
					resolved[k] = r.Evaluation.Handoff.Ticket.Done()
				}
			}
			if len(flagged) < 10 || !slices.ContainsFunc(flagged, func(k string) bool { return resolved[k] }) {
				t.Fatalf("the seed should flag open and resolved tickets; flagged %v", flagged)
			}
			hidden := ""
			if tc.hide {
				hidden = flagged[len(flagged)/2]
				w.Jira.HideOnFirstWrite(hidden)
			}

			if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
				t.Fatalf("sync: %v", err)
			}
			for _, k := range flagged {
				wantComments := 1
				if k == hidden {
					wantComments = 0
				}
				if k != hidden {
					if got := botComments(t, w, k); got != wantComments {
						t.Errorf("%s: %d bot comments, want %d", k, got, wantComments)
					}
				}
				msgs := sent(w, "validation/"+k+"/")
				if len(msgs) != 1 {
					t.Errorf("%s: %d Slack validation requests, want 1", k, len(msgs))
					continue
				}
				note := slices.ContainsFunc(msgs[0].Texts(), func(s string) bool { return strings.Contains(s, "Not posted on "+k) })
				if note != (k == hidden) {
					t.Errorf("%s: the Slack request says the ticket could not be commented: %v, want %v", k, note, k == hidden)
				}
				if k == hidden {
					if !slices.ContainsFunc(msgs[0].Texts(), func(s string) bool { return strings.Contains(s, "hidden from the bot") }) {
						t.Errorf("%s: the note does not say why: %q", k, msgs[0].Texts())
					}
					continue
				}
				is, _ := w.Jira.Issue(k)
				if has := slices.Contains(is.Labels, "handoff-incomplete"); has != (tc.label && !(resolved[k] && tc.resolvedOnly)) {
					t.Errorf("%s: labelled %v (labels %v)", k, has, is.Labels)
				}
				onComment := tc.trailOnComment && (!tc.resolvedOnly || resolved[k])
				checkTrailHome(t, is, w.Jira.Bot(), onComment)
			}
			if tc.degraded != "" {
				if caps := w.App.Engine.Degraded(); !slices.Contains(caps["SEC"], tc.degraded) {
					t.Errorf("degraded capabilities %v, want %s among SEC's", caps, tc.degraded)
				}
			} else if d := w.App.Engine.Degraded(); len(d) != 0 {
				t.Errorf("nothing should run degraded; %v", d)
			}

			// A person fills in one of several missing fields of an open
			// ticket: the bot edits its comment in place, once, without
			// notifying watchers (where notifyUsers=false is ignored on
			// issue edits, through the comment endpoint).
			if key, field := oneFieldOfMany(want, hidden); key != "" {
				notified := w.Jira.Notifications()
				if err := w.Jira.SetField(key, field, "given by a person"); err != nil {
					t.Fatal(err)
				}
				w.Clock.Advance(5 * time.Minute)
				if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{}); err != nil {
					t.Fatal(err)
				}
				if n := botComments(t, w, key); n != 1 {
					t.Errorf("%s: %d bot comments after a field arrived, want the one, edited", key, n)
				}
				if n := w.Jira.Notifications() - notified; n != 0 {
					t.Errorf("%s: the edit in place notified watchers %d times", key, n)
				}
			} else {
				t.Fatal("no open ticket with several missing mapped fields in the seed")
			}

			// The same cycle again says nothing, in Jira or Slack, nor
			// after a restart, which reads the trails back from where
			// they were kept.
			writes, msgs := okWrites(w), len(w.Slack.All())
			for i := 0; i < 2; i++ {
				w.Clock.Advance(5 * time.Minute)
				if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{}); err != nil {
					t.Fatal(err)
				}
				if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
					t.Fatal(err)
				}
				if okWrites(w) != writes || len(w.Slack.All()) != msgs {
					t.Fatalf("cycle %d after the first wrote %d Jira writes and %d Slack messages, want none", i+1, okWrites(w)-writes, len(w.Slack.All())-msgs)
				}
				if err := w.Restart(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// oneFieldOfMany picks an open SEC ticket (not skip) missing several
// mapped fields, and the Jira name of one of them.
func oneFieldOfMany(rep *scheduler.Report, skip string) (key, field string) {
	mapping := SECMapping()
	for _, r := range rep.Results {
		ev := r.Evaluation
		k := ev.Handoff.Ticket.Key
		if k == skip || !strings.HasPrefix(k, "SEC-") || ev.Handoff.Ticket.Done() || len(ev.Findings) < 2 {
			continue
		}
		for _, f := range ev.Findings {
			if name, ok := mapping[f.Field]; ok && f.Field != "deadline" {
				return k, name
			}
		}
	}
	return "", ""
}

// okWrites counts the writes Jira accepted. (Where only a refusal showed
// that the issue property is off limits, the first write of each project
// after a restart is refused once more: nothing is written.)
func okWrites(w *World) int {
	n := 0
	for _, r := range w.Jira.Requests() {
		if r.Method != "GET" && r.Status >= 200 && r.Status < 300 {
			n++
		}
	}
	return n
}

// checkTrailHome checks where a ticket's trail is: on the issue
// property, or on the bot's comment.
func checkTrailHome(t *testing.T, is jiratest.Issue, bot jiratest.User, onComment bool) {
	t.Helper()
	_, onIssue := is.Properties["patchbot"]
	onCmt := false
	for _, c := range is.Comments {
		if c.Author == bot {
			_, onCmt = c.Properties["patchbot"]
		}
	}
	if onIssue == onComment || onCmt != onComment {
		t.Errorf("%s: trail on the issue %v, on the bot's comment %v; want on the comment: %v", is.Key, onIssue, onCmt, onComment)
	}
	if onComment {
		for _, c := range is.Comments {
			if raw, ok := c.Properties["patchbot"]; ok && !json.Valid(raw) {
				t.Errorf("%s: comment trail %s", is.Key, raw)
			}
		}
	}
}
