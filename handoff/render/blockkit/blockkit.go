package blockkit

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/slack-go/slack"
)

// Message is one Slack message: Block Kit blocks and the fallback
// text shown in notifications and by clients without blocks.
type Message struct {
	// Text is the escaped fallback (the Doc's summary), with "(2/3)" on a
	// message of a split document.
	Text string
	// Blocks is the JSON array of Block Kit blocks.
	Blocks json.RawMessage
	// Each is Blocks one block at a time (slices of it), for a client
	// library that takes blocks one by one: no need to parse Blocks again.
	Each []Block
}

// Block is one Block Kit block of a SlackMessage.
type Block struct {
	Type string
	JSON json.RawMessage
}

// Slack's Block Kit limits.
const (
	slackMaxBlocks = 50   // blocks in a message
	slackMaxText   = 3000 // a section's or context element's text
	slackMaxHeader = 150  // a header's plain text
	slackMaxFields = 10   // fields in a section
	slackMaxField  = 2000 // one field's text
)

// slackBlock is a rendered block and the Doc heading level it renders
// (0: not a heading), which the split into messages needs.
type slackBlock struct {
	slack.Block
	level int
}

// slackContext is a context block of text elements. It stands in for
// slack.ContextBlock, whose elements marshal through json.Marshal and so
// come out with < > & escaped (\u003c…) whatever the encoder is told:
// valid JSON of the same value, but not the bytes the goldens hold.
type slackContext struct {
	Type     slack.MessageBlockType   `json:"type"`
	Elements []*slack.TextBlockObject `json:"elements"`
}

// BlockType is the block's type, "context".
func (c *slackContext) BlockType() slack.MessageBlockType { return c.Type }

// ID is the block's id: none.
func (c *slackContext) ID() string { return "" }

// mrkdwn is a verbatim mrkdwn text object: Slack links and mentions
// nothing in it by itself.
func mrkdwn(s string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.MarkdownType, Text: s, Verbatim: true}
}

func slackSection(s string, level int) slackBlock {
	return slackBlock{Block: &slack.SectionBlock{Type: slack.MBTSection, Text: mrkdwn(s)}, level: level}
}

// Render renders a Doc as Block Kit messages within Slack's limits:
// a header of at most 150 characters, mrkdwn sections of at most 3,000
// (verbatim, so Slack links and mentions nothing by itself), at most 10
// fields of 2,000 per section, and at most 50 blocks a message. A longer
// document is split over several messages (a heading never ends one);
// text too long for one block is cut with an ellipsis. Quoted text is
// escaped (&, <, >) and a literal @here, @channel or @everyone broken; the
// only real mention is an explicit mention node with a Slack id.
func Render(d richtext.Doc) []Message {
	var blocks []slackBlock
	if t := slackPlain(d.Title, slackMaxHeader); t != "" {
		emoji := true
		blocks = append(blocks, slackBlock{Block: &slack.HeaderBlock{Type: slack.MBTHeader,
			Text: &slack.TextBlockObject{Type: slack.PlainTextType, Text: t, Emoji: &emoji}}})
	}
	for _, bl := range d.Blocks {
		blocks = append(blocks, slackBlocks(bl)...)
	}
	parts := splitBlocks(blocks)
	fallback := d.Summary
	if strings.TrimSpace(fallback) == "" {
		fallback = d.Title
	}
	fallback = slackLine([]richtext.Inline{richtext.Text(fallback)}, slackMaxText-16)
	out := make([]Message, 0, len(parts))
	for i, p := range parts {
		text := fallback
		if len(parts) > 1 {
			text += " (" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + ")"
		}
		raw, each := marshalBlocks(p)
		out = append(out, Message{Text: text, Blocks: raw, Each: each})
	}
	return out
}

// marshalBlocks encodes blocks as one JSON array (without HTML escaping,
// so < > & read as themselves) and returns each block's encoding as a
// slice of it.
func marshalBlocks(blocks []slackBlock) (json.RawMessage, []Block) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('[')
	spans := make([][2]int, len(blocks))
	for i, bl := range blocks {
		if i > 0 {
			b.WriteByte(',')
		}
		start := b.Len()
		if err := enc.Encode(bl.Block); err != nil { // cannot happen: only strings and slices
			return json.RawMessage("[]"), nil
		}
		b.Truncate(b.Len() - 1) // Encode's newline
		spans[i] = [2]int{start, b.Len()}
	}
	b.WriteByte(']')
	raw := b.Bytes()
	each := make([]Block, len(blocks))
	for i, sp := range spans {
		each[i] = Block{Type: string(blocks[i].BlockType()), JSON: raw[sp[0]:sp[1]:sp[1]]}
	}
	return raw, each
}

// splitBlocks deals blocks into messages of at most 50. Headings never end
// a message: they move to the next one. A message that starts inside a
// section (a digest owner's lanes) opens with that section's heading
// again, so each message reads on its own.
func splitBlocks(blocks []slackBlock) [][]slackBlock {
	var parts [][]slackBlock
	var cur []slackBlock
	var top *slackBlock // the last heading of level 1 or 2
	for _, b := range blocks {
		if len(cur) == slackMaxBlocks {
			var carry []slackBlock
			for len(cur) > 1 && cur[len(cur)-1].level > 0 && len(carry) < slackMaxBlocks-2 {
				carry = append([]slackBlock{cur[len(cur)-1]}, carry...)
				cur = cur[:len(cur)-1]
			}
			parts = append(parts, cur)
			cur = nil
			if top != nil && (len(carry) == 0 || carry[0].level > 2) {
				cur = append(cur, *top)
			}
			cur = append(cur, carry...)
		}
		cur = append(cur, b)
		if b.level == 1 || b.level == 2 {
			t := b
			top = &t
		}
	}
	if len(cur) > 0 || len(parts) == 0 {
		parts = append(parts, cur)
	}
	return parts
}

func slackBlocks(bl richtext.Block) []slackBlock {
	switch bl.Kind {
	case richtext.BlockParagraph:
		if s := slackLine(bl.Inlines, slackMaxText); s != "" {
			return []slackBlock{slackSection(s, 0)}
		}
	case richtext.BlockHeading:
		if s := slackLine([]richtext.Inline{richtext.Strong(inlinePlain(bl.Inlines))}, slackMaxText); s != "" {
			return []slackBlock{slackSection(s, max(bl.Level, 1))}
		}
	case richtext.BlockContext:
		if s := slackLine(bl.Inlines, slackMaxText); s != "" {
			return []slackBlock{{Block: &slackContext{Type: slack.MBTContext, Elements: []*slack.TextBlockObject{mrkdwn(s)}}}}
		}
	case richtext.BlockList:
		// Items are joined by line breaks into sections of at most 3,000.
		var out []slackBlock
		var cur strings.Builder
		flush := func() {
			if cur.Len() > 0 {
				out = append(out, slackSection(cur.String(), 0))
				cur.Reset()
			}
		}
		for _, it := range bl.Items {
			prefix := "• "
			if it.Check != nil {
				prefix = richtext.CheckMark(*it.Check) + " "
			}
			line := prefix + slackLine(it.Inlines, slackMaxText-slackLen(prefix))
			if cur.Len() > 0 && slackLen(cur.String())+1+slackLen(line) > slackMaxText {
				flush()
			}
			if cur.Len() > 0 {
				cur.WriteByte('\n')
			}
			cur.WriteString(line)
		}
		flush()
		return out
	case richtext.BlockFields:
		var out []slackBlock
		for i := 0; i < len(bl.Fields); i += slackMaxFields {
			sec := &slack.SectionBlock{Type: slack.MBTSection}
			for _, f := range bl.Fields[i:min(i+slackMaxFields, len(bl.Fields))] {
				label := slackLine([]richtext.Inline{richtext.Strong(f.Label)}, 200)
				sec.Fields = append(sec.Fields, mrkdwn(label+"\n"+slackLine(f.Value, slackMaxField-slackLen(label)-1)))
			}
			out = append(out, slackBlock{Block: sec})
		}
		return out
	case richtext.BlockDivider:
		return []slackBlock{{Block: slack.NewDividerBlock()}}
	}
	return nil
}

// slackLen counts as Slack does, in UTF-16 code units.
func slackLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// slackPlain is text for a plain_text object, cut to n. Plain text is not
// parsed for mentions or links; angle brackets are still swapped for
// look-alikes and @ broken, so nothing in it reads as markup either.
func slackPlain(s string, n int) string {
	s = strings.TrimSpace(escape.Quote(s))
	s = plainAngles.Replace(s)
	s = breakAt(s)
	return cutUnits(s, n)
}

// plainAngles keeps plain text from reading as Slack's <…> syntax.
var plainAngles = strings.NewReplacer("<", "‹", ">", "›")

// cutUnits cuts s to at most n UTF-16 units, ellipsis included.
func cutUnits(s string, n int) string {
	if slackLen(s) <= n {
		return s
	}
	used := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n-1 {
			return escape.WithEllipsis(s[:i])
		}
		used += w
	}
	return s
}

// breakAt puts a zero-width joiner after an @ that starts a word.
func breakAt(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		b.WriteRune(r)
		if r == '@' && !escape.IsWord(prev) {
			b.WriteString(escape.ZWJ)
		}
		prev = r
	}
	return b.String()
}

// inlinePlain is the text of inlines without marks.
func inlinePlain(in []richtext.Inline) string {
	var b strings.Builder
	for _, x := range in {
		b.WriteString(x.Text)
	}
	return b.String()
}

// slackLine renders inlines as one mrkdwn line of at most budget
// characters. A run that does not fit is cut (rune-safe, before escaping,
// so no entity or link is split) and the line ends with an ellipsis.
func slackLine(in []richtext.Inline, budget int) string {
	var b strings.Builder
	used := 0
	for _, x := range in {
		t := escape.Quote(x.Text)
		piece := slackInline(x, t)
		if used+slackLen(piece) <= budget {
			b.WriteString(piece)
			used += slackLen(piece)
			continue
		}
		room := budget - used - 1
		if x.Kind != richtext.InlineMention && x.Kind != richtext.InlineLink {
			n := len([]rune(t))
			for n > 0 && slackLen(slackInline(x, escape.Cut(t, n))) > room {
				n = n * 3 / 4
			}
			if n > 0 {
				b.WriteString(slackInline(x, escape.Cut(t, n)))
				break
			}
		}
		if room >= 0 {
			b.WriteString(escape.Ellipsis)
		}
		break
	}
	return strings.TrimSpace(b.String())
}

func slackInline(x richtext.Inline, t string) string {
	switch x.Kind {
	case richtext.InlineStrong:
		return slackMark("*", t)
	case richtext.InlineEmphasis:
		return slackMark("_", t)
	case richtext.InlineCode:
		if s := strings.TrimSpace(t); s != "" {
			return "`" + escape.Slack(strings.ReplaceAll(s, "`", "'")) + "`"
		}
		return t
	case richtext.InlineLink:
		u := escape.SafeURL(x.URL)
		switch {
		case u == "":
			return escape.Slack(t)
		case strings.TrimSpace(t) == "":
			return "<" + u + ">"
		}
		return "<" + u + "|" + escape.Slack(t) + ">"
	case richtext.InlineMention:
		if escape.SlackIDOK(x.SlackID) {
			return "<@" + x.SlackID + ">"
		}
		return escape.Slack("@" + t)
	}
	return escape.Slack(t)
}

// slackMark wraps text in a mrkdwn mark, spaces outside.
func slackMark(m, t string) string {
	s := strings.TrimSpace(t)
	if s == "" {
		return t
	}
	lead := t[:len(t)-len(strings.TrimLeft(t, " "))]
	trail := t[len(strings.TrimRight(t, " ")):]
	return lead + m + escape.Slack(s) + m + trail
}
