package texts

import (
	"time"

	"github.com/patchbot/patchbot/handoff/richtext"
)

// backlogListMax bounds how many keys the backlog summary lists by name.
const backlogListMax = 60

// Backlog is the one-time summary of tickets created before the backlog
// cut-off that patchbot would have flagged. A new install on a site with
// years of old tickets reports them once, here, instead of commenting on
// each of them.
func Backlog(keys []string, since time.Time, o Options) richtext.Doc {
	c := newTextCtx(o)
	d := msgData{Count: len(keys), Date: since.Format(time.DateOnly)}
	doc := richtext.Doc{Title: c.say("bl.title", d), Summary: c.say("bl.summary", d)}
	doc.Blocks = append(doc.Blocks, richtext.Para(richtext.Text(c.say("bl.text", d))))
	shown := keys[:min(len(keys), backlogListMax)]
	var items []richtext.Item
	for _, k := range shown {
		items = append(items, richtext.Item{Inlines: []richtext.Inline{{Kind: richtext.InlineCode, Text: k}}})
	}
	if len(items) > 0 {
		doc.Blocks = append(doc.Blocks, richtext.Block{Kind: richtext.BlockList, Items: items})
	}
	if more := len(keys) - len(shown); more > 0 {
		d.Count = more
		doc.Blocks = append(doc.Blocks, richtext.Block{Kind: richtext.BlockContext, Inlines: []richtext.Inline{richtext.Text(c.say("bl.more", d))}})
	}
	return doc
}
