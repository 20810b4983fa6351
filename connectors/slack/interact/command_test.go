package interact

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/richtext"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, in string
		want     command
		problem  string // a part of the problem, when one is expected
	}{
		{"empty", "", command{verb: verbHelp}, ""},
		{"blank", "  \t ", command{verb: verbHelp}, ""},
		{"help", "HELP", command{verb: verbHelp}, ""},
		{"mine", " mine ", command{verb: verbMine}, ""},
		{"mine with more", "mine please", command{}, "takes nothing"},
		{"status", "status sec-12", command{verb: verbStatus, key: "SEC-12"}, ""},
		{"status without key", "status", command{}, "one ticket key"},
		{"status bad key", "status 12", command{}, "not a ticket key"},
		{"snooze", "snooze SEC-1 2026-07-01  waiting for  the vendor ", command{verb: verbSnooze, key: "SEC-1", until: day, reason: "waiting for  the vendor"}, ""},
		{"snooze without reason", "snooze SEC-1 2026-07-01", command{verb: verbSnooze, key: "SEC-1", until: day}, ""},
		{"snooze escaped by Slack", "snooze SEC-1 2026-07-01 &lt;!channel&gt; &amp; co", command{verb: verbSnooze, key: "SEC-1", until: day, reason: "<!channel> & co"}, ""},
		{"snooze bad day", "snooze SEC-1 tomorrow because", command{}, "not a day"},
		{"snooze bad key", "snooze <@U1> 2026-07-01 x", command{}, "not a ticket key"},
		{"snooze short", "snooze SEC-1", command{}, "takes a ticket key, a day and a reason"},
		{"unknown", "frobnicate now", command{}, "does not know “frobnicate”"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseCommand(tc.in)
			if tc.problem != "" {
				if got.verb != verbHelp || !strings.Contains(got.problem, tc.problem) {
					t.Errorf("parse(%q) = %+v, want usage with %q", tc.in, got, tc.problem)
				}
				return
			}
			if got != tc.want {
				t.Errorf("parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSlashCommands(t *testing.T) {
	t.Parallel()
	type want struct {
		method  string // the engine call, "" for none
		key     string
		reason  string
		says    []string
		notSays []string
	}
	for _, tc := range []struct {
		name string
		text string
		err  error
		want want
	}{
		{"help", "help", nil, want{says: []string{"/patchbot mine", "/patchbot status SEC-123", "answers only you"}}},
		{"nothing", "", nil, want{says: []string{"/patchbot snooze"}}},
		{"unknown input", "drop table tickets; &lt;!channel&gt;", nil,
			want{says: []string{"does not know", "/patchbot help"}, notSays: []string{"error"}}},
		{"unknown hostile word", "&lt;!channel&gt;", nil, want{says: []string{"&lt;!channel&gt;"}}},
		{"mine", "mine", nil, want{method: "Mine", says: []string{"Overdue", "SEC-7 review date passed", "Recheck now"}}},
		{"status", "status sec-7", nil, want{method: "Status", key: "SEC-7", says: []string{"SEC-7 is missing a rollback plan"}}},
		{"status unknown", "status NOPE-1", ErrNotFound, want{method: "Status", key: "NOPE-1", says: []string{"does not watch", "NOPE-1"}}},
		{"status failure", "status SEC-7", errors.New("db exploded: /var/lib/secret"), want{method: "Status", key: "SEC-7", says: []string{"could not do that"}, notSays: []string{"exploded", "secret"}}},
		{"status not allowed", "status SEC-7", ErrNotAllowed, want{method: "Status", key: "SEC-7", says: []string{"not yours"}}},
		{"snooze", "snooze SEC-7 2026-07-01 vendor &lt;https://evil|patch&gt; due", nil,
			want{method: "Snooze", key: "SEC-7", reason: "vendor <https://evil|patch> due", says: []string{"snoozed until 2026-07-01"}}},
		{"snooze refused", "snooze SEC-7 2027-01-01 later", &Refusal{Reason: "Past the patch-now deadline (2026-06-10): not without a reason."},
			want{method: "Snooze", key: "SEC-7", reason: "later", says: []string{"Not done for", "patch-now deadline"}}},
		{"snooze bad day", "snooze SEC-7 someday x", nil, want{says: []string{"not a day"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine()
			eng.mine = func(Actor) ([]Item, error) {
				return []Item{{Key: "SEC-7", Ref: "SEC-7/review_passed/2026-05-01", Group: GroupOverdue,
					Doc: doc("SEC-7 review date passed"), Buttons: []Button{ButtonRecheck}}}, tc.err
			}
			eng.status = func(key string, _ Actor) (richtext.Doc, error) {
				return doc(key + " is missing a rollback plan"), tc.err
			}
			eng.snooze = func(SnoozeRequest) (Result, error) { return Result{}, tc.err }
			h := start(t, eng)
			h.acked(h.s.Command(slacktest.Command{User: alice, Channel: h.ch, Text: tc.text}))
			h.settle()

			calls := eng.callsTo(tc.want.method)
			if tc.want.method == "" && eng.total() != 0 || tc.want.method != "" && (eng.total() != 1 || len(calls) != 1) {
				t.Fatalf("engine calls: %+v", eng.calls)
			}
			if tc.want.method != "" {
				c := calls[0]
				if c.key != tc.want.key || c.by.UserID != alice || c.by.TeamID != slacktest.TeamID {
					t.Errorf("call = %+v", c)
				}
				if c.method == "Snooze" && (c.snooze.Reason != tc.want.reason || c.snooze.Item != "") {
					t.Errorf("snooze = %+v, want reason %q", c.snooze, tc.want.reason)
				}
			}
			posts := h.posts(alice)
			if len(posts) != 1 || posts[0].ResponseType != "ephemeral" {
				t.Fatalf("answers = %+v", posts)
			}
			said := joined(posts[0].Message)
			for _, s := range tc.want.says {
				if !strings.Contains(strings.ToLower(said), strings.ToLower(s)) {
					t.Errorf("answer lacks %q:\n%s", s, said)
				}
			}
			for _, s := range tc.want.notSays {
				if strings.Contains(said, s) {
					t.Errorf("answer has %q:\n%s", s, said)
				}
			}
			if m := posts[0].Message.Mentions(); len(m) > 0 || strings.Contains(said, "<https://evil") {
				t.Errorf("unescaped: %q in %s", m, said)
			}
			if len(h.s.Messages(h.ch)) != 0 || len(h.s.Ephemerals("")) != 0 {
				t.Error("the answer was not private to the response URL")
			}
		})
	}
}

func TestRedeliveredCommandRunsOnce(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.status = func(key string, _ Actor) (richtext.Doc, error) { return doc(key + " is fine"), nil }
	h := start(t, eng)
	h.s.LoseNextAck()
	id := h.s.Command(slacktest.Command{User: alice, Channel: h.ch, Text: "status SEC-1"})
	must(t, h.s.WaitConnected(h.ctx, 2))
	if env := h.acked(id); env.Deliveries != 2 || env.RetryAttempt != 1 {
		t.Errorf("envelope = %+v, want a re-delivery", env)
	}
	h.settle()
	if n := len(eng.callsTo("Status")); n != 1 {
		t.Errorf("Status ran %d times, want 1", n)
	}
	if n := len(h.posts(alice)); n != 1 {
		t.Errorf("%d answers, want 1", n)
	}
}
