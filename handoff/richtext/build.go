package richtext

// CheckMark is how a checklist item shows its state, the same in every
// rendering (ADF task lists are not allowed in every comment).
func CheckMark(done bool) string {
	if done {
		return "☑"
	}
	return "☐"
}

// Text is a run of plain text.
func Text(s string) Inline { return Inline{Kind: InlineText, Text: s} }

// Strong is a run of strong (bold) text.
func Strong(s string) Inline { return Inline{Kind: InlineStrong, Text: s} }

// Emphasis is a run of emphasised (italic) text.
func Emphasis(s string) Inline { return Inline{Kind: InlineEmphasis, Text: s} }

// Para is a paragraph of inlines.
func Para(in ...Inline) Block { return Block{Kind: BlockParagraph, Inlines: in} }

// Heading is a heading of the given level (1..3) holding s as text.
func Heading(level int, s string) Block {
	return Block{Kind: BlockHeading, Level: level, Inlines: []Inline{Text(s)}}
}

// SmallPrint is a context block: small print holding s as text.
func SmallPrint(s string) Block { return Block{Kind: BlockContext, Inlines: []Inline{Text(s)}} }

// CheckItem is a checklist item, ticked off when done.
func CheckItem(done bool, in ...Inline) Item {
	d := done
	return Item{Inlines: in, Check: &d}
}
