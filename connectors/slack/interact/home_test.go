package interact

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
)

func homeItems() []Item {
	return []Item{
		{Key: "SEC-3", Group: GroupIncomplete, Doc: doc("SEC-3 handoff lacks a fixed version"), Buttons: []Button{ButtonRecheck, ButtonDisown}},
		{Key: "SEC-1", Ref: "SEC-1/review_passed/2026-05-20", Group: GroupOverdue, Doc: doc("SEC-1 review date passed 12 days ago <!here>"),
			Buttons: []Button{ButtonSnooze, ButtonRecheck}},
		{Key: "SEC-2", Ref: "SEC-2/due_soon/2026-06-03", Group: GroupDueSoon, Doc: doc("SEC-2 deadline in 2 days"),
			Buttons: []Button{ButtonAcknowledge, ButtonSnooze}},
	}
}

func TestAppHomeOpenedPublishes(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.mine = func(by Actor) ([]Item, error) { return homeItems(), nil }
	eng.ack = func(string, Actor) (Result, error) { return Result{Reply: doc("Acknowledged.")}, nil }
	h := start(t, eng)

	h.acked(h.s.AppHomeOpened(alice))
	h.settle()
	if c := eng.callsTo("Mine"); len(c) != 1 || c[0].by != (Actor{UserID: alice, TeamID: slacktest.TeamID}) {
		t.Fatalf("Mine calls = %+v", c)
	}
	home, ok := h.s.Home(alice)
	if !ok {
		t.Fatal("no home published")
	}
	texts := strings.Join(home.BlockTexts(), "\n")
	// Groups in order, overdue first, whatever order the engine gave.
	order := []string{"Your patch handoffs", "Overdue", "SEC-1 review date passed", "Due soon", "SEC-2", "Handoffs still incomplete", "SEC-3"}
	at := 0
	for _, s := range order {
		i := strings.Index(texts[at:], s)
		if i < 0 {
			t.Fatalf("home lacks %q after position %d:\n%s", s, at, texts)
		}
		at += i
	}
	if m := (slacktest.Message{Text: texts}).Mentions(); len(m) > 0 {
		t.Errorf("mentions in the home tab: %q", m)
	}

	// A click in the Home tab goes to the engine and republishes the tab;
	// the reply comes in the app's DM (a view has no channel).
	c := clickOn(t, viewBlocks(t, home), ButtonAcknowledge)
	c.User, c.ViewID = alice, home.ID
	h.acked(h.s.Click(c))
	h.settle()
	if a := eng.callsTo("Acknowledge"); len(a) != 1 || a[0].key != "SEC-2/due_soon/2026-06-03" {
		t.Errorf("Acknowledge calls = %+v", a)
	}
	if again, _ := h.s.Home(alice); again.Updates != 1 {
		t.Errorf("home updates = %d, want 1", again.Updates)
	}
	if dms := h.s.DMs(alice); len(dms) != 1 || !strings.Contains(joined(dms[0]), "Acknowledged.") {
		t.Errorf("DMs = %+v", dms)
	}

	// The messages tab is not the home tab.
	before := len(eng.callsTo("Mine"))
	h.acked(h.s.Deliver(slacktest.EnvelopeEvents, json.RawMessage(`{"type":"event_callback","team_id":"T0PATCHBOT","event":{"type":"app_home_opened","user":"`+alice+`","tab":"messages"}}`)))
	h.settle()
	if n := len(eng.callsTo("Mine")); n != before {
		t.Errorf("the messages tab published the home (%d Mine calls)", n)
	}
}

func viewBlocks(t *testing.T, v slacktest.View) json.RawMessage {
	t.Helper()
	var body struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	must(t, json.Unmarshal(v.JSON, &body))
	return body.Blocks
}

func TestPublishHomeFromTheEngine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		items  int
		err    error
		blocks int    // at most
		says   string // in the tab
	}{
		{"nothing due", 0, nil, 2, "Nothing needs you right now."},
		{"many items", 80, nil, maxHomeBlocks, "more not shown"},
		{"engine fails", 1, fmt.Errorf("ledger down"), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine()
			eng.mine = func(Actor) ([]Item, error) {
				var items []Item
				for i := range tc.items {
					items = append(items, Item{Key: fmt.Sprintf("SEC-%d", i+1), Ref: fmt.Sprintf("SEC-%d/due_soon/2026-06-03", i+1), Group: Group(i % 3),
						Doc: doc(fmt.Sprintf("item %d", i+1)), Buttons: []Button{ButtonSnooze, ButtonRecheck}})
				}
				return items, tc.err
			}
			h := start(t, eng)
			err := h.app.PublishHome(h.ctx, bob)
			home, published := h.s.Home(bob)
			if tc.err != nil {
				if err == nil || published {
					t.Fatalf("err %v, published %v", err, published)
				}
				return
			}
			must(t, err)
			var blocks []map[string]any
			must(t, json.Unmarshal(viewBlocks(t, home), &blocks))
			if len(blocks) > tc.blocks || !strings.Contains(strings.Join(home.BlockTexts(), "\n"), tc.says) {
				t.Errorf("%d blocks (at most %d), says %q:\n%s", len(blocks), tc.blocks, tc.says, strings.Join(home.BlockTexts(), "\n"))
			}
		})
	}
}

func TestItemBlocksUniqueIDs(t *testing.T) {
	t.Parallel()
	items := append(homeItems(), homeItems()...) // the same item twice still gets distinct block ids
	seen := map[string]bool{}
	for _, b := range itemBlocks(items, maxHomeBlocks) {
		if id := b.ID(); id != "" {
			if seen[id] {
				t.Errorf("block id %q twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != len(items) {
		t.Errorf("%d action blocks for %d items", len(seen), len(items))
	}
}
