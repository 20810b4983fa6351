package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/patchbot/patchbot/connectors/slack/interact"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Slack's limits the connector enforces itself, as a backstop behind the
// renderer: blocks per message and characters of the top-level text.
const (
	maxBlocks    = 50
	maxTextRunes = 40000
)

// MetadataEventType is the event_type of the metadata attached to every
// message the connector posts; its payload carries the ledger Ref and the
// part number, so Lookup can find the message again.
const MetadataEventType = "patchbot_send"

// part is one Slack message of a rendered Doc.
type part struct {
	text   string
	blocks []slackgo.Block
}

// render turns a Doc into the messages to post, within Slack's limits.
// When the renderer gives nothing (it is not written yet, or the Doc has no
// blocks), the plain-text rendering is posted, escaped so that ticket text
// cannot turn into mentions or links.
func render(renderer func(richtext.Doc) []blockkit.Message, d richtext.Doc) ([]part, error) {
	var parts []part
	for i, m := range renderer(d) {
		blocks, err := blocksOf(m)
		if err != nil {
			return nil, fmt.Errorf("slack: rendering part %d: %w", i+1, err)
		}
		text := m.Text
		if text == "" {
			text = slackutilsx.EscapeMessage(firstNonEmpty(d.Summary, d.Title))
		}
		text = capRunes(text, maxTextRunes)
		if len(blocks) == 0 {
			if text != "" {
				parts = append(parts, part{text: text})
			}
			continue
		}
		// Backstop: a rendering over the block limit becomes several messages.
		for len(blocks) > 0 {
			n := min(len(blocks), maxBlocks)
			parts = append(parts, part{text: text, blocks: blocks[:n:n]})
			blocks = blocks[n:]
		}
	}
	if len(parts) > 0 {
		return parts, nil
	}
	text := strings.TrimSpace(plain.Render(d))
	if text == "" {
		text = firstNonEmpty(d.Summary, d.Title)
	}
	if text == "" {
		return nil, errors.New("slack: nothing to send: the message renders empty")
	}
	return []part{{text: capRunes(slackutilsx.EscapeMessage(text), maxTextRunes)}}, nil
}

// blocksOf returns a rendered message's blocks as slack-go takes them:
// the renderer's own split when it gives one, else Blocks parsed.
func blocksOf(m blockkit.Message) ([]slackgo.Block, error) {
	if len(m.Each) > 0 {
		blocks := make([]slackgo.Block, 0, len(m.Each))
		for _, b := range m.Each {
			if b.Type == "" {
				return nil, fmt.Errorf("a block without a type: %s", capRunes(string(b.JSON), 80))
			}
			blocks = append(blocks, rawBlock{typ: b.Type, raw: b.JSON})
		}
		return blocks, nil
	}
	var raws []json.RawMessage
	if len(m.Blocks) > 0 && string(m.Blocks) != "null" {
		if err := json.Unmarshal(m.Blocks, &raws); err != nil {
			return nil, fmt.Errorf("blocks are not a JSON array: %w", err)
		}
	}
	blocks := make([]slackgo.Block, 0, len(raws))
	for _, r := range raws {
		var head struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil || head.Type == "" {
			return nil, fmt.Errorf("a block without a type: %s", capRunes(string(r), 80))
		}
		blocks = append(blocks, rawBlock{typ: head.Type, id: head.BlockID, raw: r})
	}
	return blocks, nil
}

// metadata is the message metadata carrying the Ref.
func metadata(ref string, n, of int) slackgo.SlackMetadata {
	return slackgo.SlackMetadata{
		EventType:    MetadataEventType,
		EventPayload: map[string]any{"ref": ref, "part": n, "parts": of},
	}
}

// refOf reads the Ref and part number from a message's metadata; part is 1
// when the payload does not say.
func refOf(m slackgo.Message) (ref string, partNo, parts int) {
	if m.Metadata.EventType != MetadataEventType {
		return "", 0, 0
	}
	ref, _ = m.Metadata.EventPayload["ref"].(string)
	partNo, parts = 1, 1
	if f, ok := m.Metadata.EventPayload["part"].(float64); ok {
		partNo = int(f)
	}
	if f, ok := m.Metadata.EventPayload["parts"].(float64); ok {
		parts = int(f)
	}
	return ref, partNo, parts
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// capRunes cuts s to at most n runes. Cutting an escaped entity ("&lt;")
// in half leaves harmless text, never a mention.
func capRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// rawBlock is a Block Kit block the core already rendered to JSON. It is
// posted as it is: decoding it into slack-go's block types only to encode
// it again cost more than the rest of a post (the core's renderer tests
// check its blocks against those types instead).
type rawBlock struct {
	typ, id string
	raw     json.RawMessage
}

// BlockType is the block's "type".
func (b rawBlock) BlockType() slackgo.MessageBlockType { return slackgo.MessageBlockType(b.typ) }

// ID is the block's "block_id".
func (b rawBlock) ID() string { return b.id }

// MarshalJSON returns the block as the core rendered it.
func (b rawBlock) MarshalJSON() ([]byte, error) { return b.raw, nil }

// withButtons puts a message's button rows (the Socket Mode adapter's
// buttons; the engine sets them only while the adapter runs) after the
// text of its last part, within Slack's block limit.
func withButtons(parts []part, rows []ports.ButtonRow) []part {
	if len(rows) == 0 || len(parts) == 0 {
		return parts
	}
	last := &parts[len(parts)-1]
	blocks := slices.Clone(last.blocks)
	if len(blocks) == 0 {
		// A text-only part: with blocks, Slack shows the blocks alone.
		blocks = append(blocks, slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, last.text, false, true), nil, nil))
	}
	if extra := buttonBlocks(rows, maxBlocks-len(blocks)); len(extra) > 0 {
		last.blocks = append(blocks, extra...)
	}
	return parts
}

// buttonBlocks are the blocks a message's button rows add after its text:
// each row an actions block of the Socket Mode adapter's buttons, named
// (in plain text) by its ticket and item when the message is about
// several, within room blocks. Rows that do not fit are left out: the
// text names every item, and the App Home tab has them all.
func buttonBlocks(rows []ports.ButtonRow, room int) []slackgo.Block {
	need := 1
	if len(rows) > 1 {
		need = 2
	}
	var out []slackgo.Block
	for _, r := range rows {
		ab := interact.Actions(r.Key, r.Item, r.Buttons...)
		if ab == nil {
			continue
		}
		if len(out)+need > room {
			break
		}
		if need == 2 {
			out = append(out, slackgo.NewContextBlock("", slackgo.NewTextBlockObject(slackgo.PlainTextType, rowLabel(r), false, false)))
		}
		out = append(out, ab)
	}
	return out
}

// rowLabel names a row: "SEC-1 · review passed 2026-11-20".
func rowLabel(r ports.ButtonRow) string {
	parts := strings.SplitN(r.Item, "/", 3)
	if len(parts) != 3 || parts[0] != r.Key {
		return r.Key
	}
	return r.Key + " · " + strings.ReplaceAll(parts[1], "_", " ") + " " + parts[2]
}
