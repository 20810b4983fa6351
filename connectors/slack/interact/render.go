package interact

import (
	"encoding/json"
	"strings"

	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/slack-go/slack"
)

// Every text the adapter shows goes through the core's Slack renderer
// (blockkit.Render), which escapes what it quotes: & < > become
// entities and a literal @here, @channel or @everyone is broken, so text a
// person typed or a ticket holds never pings or links. The adapter builds
// its own few sentences as Docs too, with what it quotes as plain text
// inlines.

// rendered is a Doc as Slack takes it: the fallback text and the blocks.
type rendered struct {
	text   string
	blocks []slack.Block
}

// maxMessageBlocks is Slack's limit of blocks in a message.
const maxMessageBlocks = 50

// render renders d with the core's renderer. A Doc long enough to be split
// over several messages is kept to its first message's worth of blocks:
// what the adapter shows privately is short.
func render(d richtext.Doc) rendered {
	msgs := blockkit.Render(d)
	if len(msgs) == 0 {
		return rendered{}
	}
	m := msgs[0]
	out := rendered{text: m.Text}
	for _, b := range m.Each {
		out.blocks = append(out.blocks, rawBlock{typ: b.Type, raw: b.JSON})
	}
	if len(m.Each) == 0 && len(m.Blocks) > 0 {
		var raws []json.RawMessage
		if json.Unmarshal(m.Blocks, &raws) == nil {
			for _, r := range raws {
				var head struct {
					Type string `json:"type"`
				}
				if json.Unmarshal(r, &head) == nil && head.Type != "" {
					out.blocks = append(out.blocks, rawBlock{typ: head.Type, raw: r})
				}
			}
		}
	}
	return out
}

// empty reports whether d says nothing.
func empty(d richtext.Doc) bool {
	return strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Summary) == "" && len(d.Blocks) == 0
}

// rawBlock is a block as the core rendered it, passed to slack-go as is.
type rawBlock struct {
	typ string
	raw json.RawMessage
}

// BlockType is the block's "type".
func (b rawBlock) BlockType() slack.MessageBlockType { return slack.MessageBlockType(b.typ) }

// ID is the block's id: the core sets none.
func (b rawBlock) ID() string { return "" }

// MarshalJSON returns the block as the core rendered it.
func (b rawBlock) MarshalJSON() ([]byte, error) { return b.raw, nil }

// The adapter's own sentences, as Docs: quoted parts are text inlines,
// which the renderer escapes.

func code(s string) richtext.Inline { return richtext.Inline{Kind: richtext.InlineCode, Text: s} }

// say is a one-paragraph Doc; its summary (the notification fallback) is
// the same words.
func say(parts ...richtext.Inline) richtext.Doc {
	var sum strings.Builder
	for _, p := range parts {
		sum.WriteString(p.Text)
	}
	return richtext.Doc{Summary: sum.String(), Blocks: []richtext.Block{{Kind: richtext.BlockParagraph, Inlines: parts}}}
}

func notYours(key string) richtext.Doc {
	if key == "" {
		return say(richtext.Text("That is not yours to change: only the owner, their manager or the people configured for it can."))
	}
	return say(richtext.Strong(key), richtext.Text(" is not yours to change: only its owner, their manager or the people configured for it can."))
}

func notFound(key string) richtext.Doc {
	return say(richtext.Text("patchbot does not watch "), richtext.Strong(key), richtext.Text("."))
}

func failed(key string) richtext.Doc {
	if key == "" {
		return say(richtext.Text("patchbot could not do that just now. Try again in a minute."))
	}
	return say(richtext.Text("patchbot could not do that for "), richtext.Strong(key),
		richtext.Text(" just now. Try again in a minute."))
}

func refused(key string, r *Refusal) richtext.Doc {
	return say(richtext.Text("Not done for "), richtext.Strong(key), richtext.Text(": "+r.Reason))
}

// refusalText is the text of a modal validation error: plain text, which
// Slack shows as it is.
func refusalText(r *Refusal) string {
	if strings.TrimSpace(r.Reason) == "" {
		return "The policy does not allow this."
	}
	return cut(r.Reason, 1000)
}
