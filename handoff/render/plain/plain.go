package plain

import (
	"strings"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Render renders a Doc as plain text: for logs, the CLI and anywhere
// markup would show as noise. Quoted text is cleaned to one line per inline
// and cut, but not escaped: plain text has no markup to inject.
func Render(d richtext.Doc) string {
	var b strings.Builder
	if t := strings.TrimSpace(escape.Quote(d.Title)); t != "" {
		b.WriteString(t + "\n" + rule('=', t) + "\n")
	}
	for _, bl := range d.Blocks {
		s := textBlock(bl)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(s)
	}
	return b.String()
}

func textBlock(bl richtext.Block) string {
	switch bl.Kind {
	case richtext.BlockParagraph, richtext.BlockContext:
		if s := Inlines(bl.Inlines); s != "" {
			return s + "\n"
		}
	case richtext.BlockHeading:
		s := Inlines(bl.Inlines)
		switch {
		case s == "":
		case bl.Level >= 3:
			return s + ":\n"
		default:
			return s + "\n" + rule('-', s) + "\n"
		}
	case richtext.BlockList:
		var b strings.Builder
		for _, it := range bl.Items {
			switch {
			case it.Check == nil:
				b.WriteString("- ")
			case *it.Check:
				b.WriteString("[x] ")
			default:
				b.WriteString("[ ] ")
			}
			b.WriteString(Inlines(it.Inlines) + "\n")
		}
		return b.String()
	case richtext.BlockFields:
		var b strings.Builder
		for _, p := range bl.Fields {
			b.WriteString(strings.TrimSpace(escape.Quote(p.Label)) + ": " + Inlines(p.Value) + "\n")
		}
		return b.String()
	case richtext.BlockDivider:
		return "----\n"
	}
	return ""
}

func Inlines(in []richtext.Inline) string {
	var b strings.Builder
	for _, x := range in {
		t := escape.Quote(x.Text)
		switch x.Kind {
		case richtext.InlineLink:
			b.WriteString(t)
			if u := escape.SafeURL(x.URL); u != "" {
				b.WriteString(" <" + u + ">")
			}
		case richtext.InlineMention:
			b.WriteString("@" + t)
		default:
			b.WriteString(t)
		}
	}
	return strings.TrimSpace(b.String())
}

// rule underlines s, up to 72 characters.
func rule(c byte, s string) string {
	return strings.Repeat(string(c), min(utf8.RuneCountInString(s), 72))
}
