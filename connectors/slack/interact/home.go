package interact

import (
	"context"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/patchbot/patchbot/handoff/richtext"
)

// The App Home tab: a person's open items, grouped, each with its buttons.

// maxHomeBlocks is Slack's limit of blocks in a Home tab.
const maxHomeBlocks = 100

// homeCallback is the Home view's callback id.
const homeCallback = "patchbot_home"

// groupTitle is the heading of a group.
func groupTitle(g Group) string {
	switch g {
	case GroupOverdue:
		return "Overdue"
	case GroupDueSoon:
		return "Due soon"
	default:
		return "Handoffs still incomplete"
	}
}

// PublishHome publishes a person's App Home tab (a Slack user id) with
// their open items as the engine lists them. The engine calls it after a
// sync or a nag changed what someone sees; the adapter calls it when the
// person opens the tab and after a click in it.
func (a *App) PublishHome(ctx context.Context, user string) error {
	return a.publishHome(ctx, Actor{UserID: user})
}

func (a *App) publishHome(ctx context.Context, by Actor) error {
	// One publish at a time, so an older list never lands after a newer.
	a.homeMu.Lock()
	defer a.homeMu.Unlock()
	items, err := a.engine.Mine(ctx, by)
	if err != nil {
		return fmt.Errorf("interact: listing the items of %s: %w", by.UserID, err)
	}
	header := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Your patch handoffs", false, false))
	blocks := append([]slack.Block{header}, itemBlocks(items, maxHomeBlocks-1)...)
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: homeCallback, Blocks: slack.Blocks{BlockSet: blocks}}
	if _, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: by.UserID, View: view}); err != nil {
		return fmt.Errorf("interact: views.publish for %s: %w", by.UserID, err)
	}
	return nil
}

// itemBlocks lays items out in their groups, each rendered by the core's
// renderer and followed by its buttons, within limit blocks: what does not
// fit is counted at the end.
func itemBlocks(items []Item, limit int) []slack.Block {
	if len(items) == 0 {
		return render(say(richtext.Text("Nothing needs you right now."))).blocks
	}
	var out []slack.Block
	shown := 0
	for _, g := range []Group{GroupOverdue, GroupDueSoon, GroupIncomplete} {
		headed := false
		for i, it := range items {
			if groupOf(it) != g {
				continue
			}
			var these []slack.Block
			if !headed {
				if len(out) > 0 {
					these = append(these, slack.NewDividerBlock())
				}
				these = append(these, render(say(richtext.Strong(groupTitle(g)))).blocks...)
			}
			these = append(these, render(it.Doc).blocks...)
			if ab := actionsBlock(blockID(it.Key, it.Ref, strconv.Itoa(i)), target{Key: it.Key, Item: it.Ref}, it.Buttons); ab != nil {
				these = append(these, ab)
			}
			if len(out)+len(these) > limit-1 { // keep room for the "more" line
				return append(out, more(len(items)-shown)...)
			}
			out = append(out, these...)
			headed = true
			shown++
		}
	}
	return out
}

// groupOf is an item's group, an unknown one counting as incomplete.
func groupOf(it Item) Group {
	if it.Group < GroupOverdue || it.Group > GroupIncomplete {
		return GroupIncomplete
	}
	return it.Group
}

func more(n int) []slack.Block {
	return render(say(richtext.Text(fmt.Sprintf("…and %d more not shown.", n)))).blocks
}
