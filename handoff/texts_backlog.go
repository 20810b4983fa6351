package handoff

import (
	"fmt"
	"strings"
	"time"
)

// backlogListMax bounds how many keys the backlog summary lists by name.
const backlogListMax = 60

// Backlog is the one-time summary of tickets created before the backlog
// cut-off that patchbot would have flagged. A new install on a site with
// years of old tickets reports them once, here, instead of commenting on
// each of them.
func Backlog(keys []string, since time.Time, o TextOptions) Doc {
	day := since.Format("2006-01-02")
	d := Doc{
		Title:   "Backlog: older patch tickets with incomplete handoffs",
		Summary: fmt.Sprintf("%d tickets created before %s have incomplete handoffs; patchbot left them alone.", len(keys), day),
	}
	d.Blocks = append(d.Blocks, Block{Kind: BlockParagraph, Inlines: []Inline{{Kind: InlineText, Text: fmt.Sprintf(
		"%d tickets created before %s lack fields a patch owner needs. patchbot did not comment on them "+
			"(safety.since); review them as a batch, or move the cut-off to let patchbot ask for the missing fields.",
		len(keys), day)}}})
	shown := keys
	if len(shown) > backlogListMax {
		shown = shown[:backlogListMax]
	}
	var items []Item
	for _, k := range shown {
		items = append(items, Item{Inlines: []Inline{{Kind: InlineCode, Text: k}}})
	}
	if len(items) > 0 {
		d.Blocks = append(d.Blocks, Block{Kind: BlockList, Items: items})
	}
	if more := len(keys) - len(shown); more > 0 {
		d.Blocks = append(d.Blocks, Block{Kind: BlockContext, Inlines: []Inline{{Kind: InlineText,
			Text: fmt.Sprintf("…and %d more: run `patchbot check --jql 'created < %q'` for the full list.", more, strings.TrimSpace(day))}}})
	}
	return d
}
