// Package richtext is the neutral document every text the bot sends is built
// as: blocks of inlines (text, strong, link, mention), rendered for each
// destination by the packages under handoff/render.
package richtext

import "github.com/patchbot/patchbot/handoff"

// Doc is a small neutral document: every text the bot sends is built as a
// Doc and then rendered for its destination (ADF for Jira Cloud, wiki markup
// for Jira Data Center, Slack Block Kit, plain text). Text quoted from a
// ticket only ever sits in Inline.Text, which every renderer escapes; the
// only way to mention someone or link something is an explicit node.
type Doc struct {
	// Title is a one-line heading (Slack header block, Jira heading).
	Title string
	// Summary is a one-line plain-text digest of the document, used as the
	// Slack notification fallback and in logs.
	Summary string
	Blocks  []Block
}

// BlockKind is the kind of a Block.
type BlockKind uint8

// The block kinds.
const (
	BlockParagraph BlockKind = iota
	BlockHeading             // Level 1..3
	BlockList                // Items, bulleted; with Checks, a checklist
	BlockFields              // Fields, label/value pairs
	BlockDivider
	BlockContext // small print: who sent this, why, when
)

// Block is one block of a Doc.
type Block struct {
	Kind    BlockKind
	Level   int      // headings
	Inlines []Inline // paragraph, heading, context
	Items   []Item   // lists
	Fields  []Pair   // fields
}

// Item is one list item. Check is nil for a plain bullet; for a checklist
// item it says whether the item is done (ticked off).
type Item struct {
	Inlines []Inline
	Check   *bool
}

// Pair is one label/value field.
type Pair struct {
	Label string
	Value []Inline
}

// InlineKind is the kind of an Inline.
type InlineKind uint8

// The inline kinds.
const (
	InlineText InlineKind = iota
	InlineStrong
	InlineEmphasis
	InlineCode
	InlineLink    // Text shown, URL target
	InlineMention // User; rendered as a real mention where the target supports it
)

// Inline is a run of text or an explicit link or mention.
type Inline struct {
	Kind InlineKind
	Text string
	URL  string
	User handoff.User
	// SlackID, when set on a mention, is the resolved Slack user id.
	SlackID string
}
