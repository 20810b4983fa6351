package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// actionIDs lists the buttons of a message's actions blocks, block by
// block, and the plain texts of its context blocks.
func actionIDs(t *testing.T, blocks json.RawMessage) (rows [][]string, labels []string) {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string          `json:"action_id"`
			Text     json.RawMessage `json:"text"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		switch b.Type {
		case "actions":
			var ids []string
			for _, el := range b.Elements {
				ids = append(ids, el.ActionID)
			}
			rows = append(rows, ids)
		case "context":
			for _, el := range b.Elements {
				var text string
				_ = json.Unmarshal(el.Text, &text) // a context element's text is a string
				labels = append(labels, text)
			}
		}
	}
	return rows, labels
}

// Button rows on a message become actions blocks after its text (named by
// ticket when there are several); a message without rows has none; an
// update keeps them; and a message near Slack's block limit keeps its
// text whole and drops the rows that do not fit.
func TestButtonsOnMessages(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	to := ports.Recipient{Channel: "#sec-patching", Reachable: true}
	send := func(ref string, rows []ports.ButtonRow, paras ...string) slacktest.Message {
		t.Helper()
		d := richtext.Doc{Title: paras[0], Summary: paras[0]}
		for _, p := range paras[1:] {
			d.Blocks = append(d.Blocks, richtext.Para(richtext.Text(p)))
		}
		if _, err := e.c.Send(ctx, ports.Message{To: to, Ref: ref, Doc: d, Buttons: rows}); err != nil {
			t.Fatal(err)
		}
		msgs := e.srv.Messages(e.sec)
		return msgs[len(msgs)-1]
	}

	plain := send("r/1", nil, "SEC-1 needs a rollback plan", "Rollback plan is missing.")
	if rows, _ := actionIDs(t, plain.Blocks); len(rows) != 0 {
		t.Errorf("a message without rows has buttons: %v", rows)
	}

	one := []ports.ButtonRow{{Key: "SEC-1", Buttons: []ports.Button{ports.ButtonRecheck, ports.ButtonSnooze, ports.ButtonDisown}}}
	m := send("r/2", one, "SEC-1 needs a rollback plan", "Rollback plan is missing.")
	rows, labels := actionIDs(t, m.Blocks)
	if want := [][]string{{"patchbot_recheck", "patchbot_snooze", "patchbot_disown"}}; !slices.EqualFunc(rows, want, slices.Equal) || len(labels) > 1 {
		t.Errorf("rows = %v, labels = %v", rows, labels)
	}
	if !strings.Contains(strings.Join(m.BlockTexts(), "\n"), "Rollback plan is missing.") {
		t.Errorf("the text is gone: %v", m.BlockTexts())
	}

	two := []ports.ButtonRow{
		{Key: "SEC-1", Item: "SEC-1/review_passed/2026-11-20", Buttons: []ports.Button{ports.ButtonSnooze}},
		{Key: "SEC-2", Item: "SEC-2/due_soon/2026-11-28", Buttons: []ports.Button{ports.ButtonAcknowledge, "not_a_patchbot_button"}},
	}
	m = send("r/3", two, "Two items", "One overdue, one due soon.")
	rows, labels = actionIDs(t, m.Blocks)
	if want := [][]string{{"patchbot_snooze"}, {"patchbot_ack"}}; !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows = %v", rows)
	}
	if !slices.Contains(labels, "SEC-1 · review passed 2026-11-20") || !slices.Contains(labels, "SEC-2 · due soon 2026-11-28") {
		t.Errorf("labels = %v", labels)
	}

	if err := e.c.Update(ctx, ports.Receipt{Channel: e.sec, TS: m.TS, Parts: 1}, ports.Message{To: to, Ref: "r/3", Doc: para("Two items", "Changed."), Buttons: two[:1]}); err != nil {
		t.Fatal(err)
	}
	m, _ = e.srv.Message(e.sec, m.TS)
	if rows, _ := actionIDs(t, m.Blocks); len(rows) != 1 || rows[0][0] != "patchbot_snooze" {
		t.Errorf("after the update: rows = %v", rows)
	}

	// A header and 47 paragraphs: room for one named row only.
	texts := []string{"Many items"}
	for range 47 {
		texts = append(texts, "an item")
	}
	var lots []ports.ButtonRow
	for range 10 {
		lots = append(lots, one[0])
	}
	m = send("r/4", lots, texts...)
	var bs []json.RawMessage
	if err := json.Unmarshal(m.Blocks, &bs); err != nil {
		t.Fatal(err)
	}
	rows, _ = actionIDs(t, m.Blocks)
	if len(bs) != 50 || len(rows) != 1 || len(e.srv.Messages(e.sec)) != 4 {
		t.Errorf("%d blocks, %d rows, %d messages; want 50 blocks, one row, in one message", len(bs), len(rows), len(e.srv.Messages(e.sec)))
	}
}

// A configured user group's members are read with usergroups.users.list;
// an unknown group is an error.
func TestGroupMembers(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.SetUserGroup("S0SECOPS", alice, "U0BOB")
	got, err := e.c.GroupMembers(context.Background(), "S0SECOPS")
	if err != nil || !slices.Equal(got, []string{alice, "U0BOB"}) {
		t.Errorf("GroupMembers = %v, %v", got, err)
	}
	if _, err := e.c.GroupMembers(context.Background(), "S0NOPE"); err == nil || !strings.Contains(err.Error(), "usergroups.users.list") {
		t.Errorf("unknown group: %v", err)
	}
}
