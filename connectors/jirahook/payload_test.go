package jirahook

import (
	"net/http"
	"slices"
	"testing"
)

func TestSelfCaused(t *testing.T) {
	t.Parallel()
	bot, ann := cloudUser(cloudBot.AccountID), cloudUser("5b10:ann")
	dcBotName, dcBotKey := dcUser("PatchBot", "JIRAUSER99999"), dcUser("someone", "JIRAUSER10000")
	dcAnn := dcUser("ann", "JIRAUSER10001")
	const label = "handoff-incomplete"
	cases := []struct {
		name   string
		self   Identity
		body   []byte
		isSelf bool
	}{
		{"Cloud: the bot edits a field", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": bot, "changelog": changes(fieldItem("summary", "a", "b"))}), true},
		{"Cloud: the bot comments (issue_commented)", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": bot, "issue_event_type_name": "issue_commented", "comment": commentOf("9", bot, bot)}), true},
		{"Cloud: a person edits", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(fieldItem("summary", "a", "b"))}), false},
		{"DC: the bot by name (any case)", dcBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": dcBotName, "changelog": changes(fieldItem("summary", "a", "b"))}), true},
		{"DC: the bot by key", dcBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": dcBotKey, "changelog": changes(fieldItem("summary", "a", "b"))}), true},
		{"DC: a person", dcBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": dcAnn, "changelog": changes(fieldItem("summary", "a", "b"))}), false},
		{"the bot's label added by anyone", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(labels("x", "x "+label))}), true},
		{"the bot's label removed", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(labels(label+" x", "x"))}), true},
		{"the bot's label and another", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(labels("x", "y "+label))}), false},
		{"the bot's label and a field", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(labels("", label), fieldItem("duedate", "", "2026-01-01"))}), false},
		{"another label only", cloudBot, event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(labels("", "urgent"))}), false},
		{"comment_created by the bot", cloudBot, event(EventCommentCreated, "SEC-1", map[string]any{"comment": commentOf("9", bot, bot)}), true},
		{"comment_updated by the bot", cloudBot, event(EventCommentUpdated, "SEC-1", map[string]any{"comment": commentOf("9", bot, bot)}), true},
		{"comment_deleted of the bot's comment", cloudBot, event(EventCommentDeleted, "SEC-1", map[string]any{"comment": commentOf("9", bot, bot)}), true},
		{"a person edits the bot's comment", cloudBot, event(EventCommentUpdated, "SEC-1", map[string]any{"comment": commentOf("9", bot, ann)}), false},
		{"a person comments", cloudBot, event(EventCommentCreated, "SEC-1", map[string]any{"comment": commentOf("9", ann, ann)}), false},
		{"DC: comment by the bot", dcBot, event(EventCommentCreated, "SEC-1", map[string]any{"comment": commentOf("9", dcBotName, dcBotName)}), true},
		{"a person deletes the bot's comment, named", cloudBot, event(EventCommentDeleted, "SEC-1", map[string]any{"user": ann, "comment": commentOf("9", bot, bot)}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(t, Options{Self: c.self, Label: label}, &recorder{})
			status := post(h, c.body, nil)
			want, wantOutcome := http.StatusAccepted, outcomeAccepted
			if c.isSelf {
				want, wantOutcome = http.StatusNoContent, outcomeSelf
			}
			if status != want || outcome(h, wantOutcome) != 1 {
				t.Fatalf("status %d (want %d), %s = %v", status, want, wantOutcome, outcome(h, wantOutcome))
			}
			if h.q.len() != b2i(!c.isSelf) {
				t.Errorf("queued = %d", h.q.len())
			}
		})
	}
}

func TestTargetsAndCauses(t *testing.T) {
	t.Parallel()
	ann := cloudUser("5b10:ann")
	cases := []struct {
		name string
		body []byte
		want []call
	}{
		{"created", event(EventIssueCreated, "SEC-1", map[string]any{"user": ann}), []call{{"SEC-1", CauseCreated}}},
		{"updated", event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "changelog": changes(fieldItem("status", "a", "b"))}), []call{{"SEC-1", CauseUpdated}}},
		{"updated, no changelog", event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann}), []call{{"SEC-1", CauseUpdated}}},
		{"commented", event(EventIssueUpdated, "SEC-1", map[string]any{"user": ann, "issue_event_type_name": "issue_commented", "comment": commentOf("3", ann, ann)}), []call{{"SEC-1", CauseComment}}},
		{"deleted", event(EventIssueDeleted, "SEC-1", map[string]any{"user": ann}), []call{{"SEC-1", CauseDeleted}}},
		{"comment event", event(EventCommentDeleted, "SEC-1", map[string]any{"comment": commentOf("3", ann, ann)}), []call{{"SEC-1", CauseComment}}},
		{"comment event without issue: the id in the comment's URL", event(EventCommentCreated, "", map[string]any{"comment": commentOf("3", ann, ann)}), []call{{"10001", CauseComment}}},
		{"issue id only", []byte(`{"webhookEvent":"jira:issue_updated","timestamp":1,"issue":{"id":10077}}`), []call{{"10077", CauseUpdated}}},
		{"moved", event(EventIssueUpdated, "OPS-5", map[string]any{"user": ann, "changelog": changes(
			map[string]any{"field": "Key", "fieldtype": "jira", "from": nil, "fromString": "SEC-1", "to": nil, "toString": "OPS-5"},
			fieldItem("project", "Security", "Operations"))}), []call{{"OPS-5", CauseUpdated}, {"SEC-1", CauseMoved}}},
		{"unknown fields ignored", []byte(`{"webhookEvent":"jira:issue_created","timestamp":1,"matchedWebhookIds":[1,2],"x":{"y":[null,true]},
			"issue":{"id":"1","key":"SEC-9","fields":{"project":{"key":"SEC"},"customfield_10001":{"value":"x"},"updated":"2026-01-01T00:00:00.000+0000"}}}`), []call{{"SEC-9", CauseCreated}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(t, Options{}, &recorder{})
			if got := post(h, c.body, nil); got != http.StatusAccepted {
				t.Fatalf("status = %d, want 202", got)
			}
			var got []call
			for el := h.q.order.Front(); el != nil; el = el.Next() {
				e := el.Value.(*entry)
				got = append(got, call{e.key, e.cause})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("queued %v, want %v", got, c.want)
			}
		})
	}
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"SEC-1": true, "sec-12": true, "A_B2-99": true, "ABC-0001": true,
		"": false, "SEC": false, "SEC-": false, "-1": false, "1SEC-1": false, "_A-1": false, "SEC-1a": false,
		"SEC 1-1": false, `SEC-1"`: false, "SEC-1 OR key=X-2": false, "ÉTÉ-1": false,
	} {
		if got := validKey(s); got != want {
			t.Errorf("validKey(%q) = %v, want %v", s, got, want)
		}
	}
}
