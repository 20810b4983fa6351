package handoff

import (
	"strings"
	"unicode/utf8"
)

// RenderText renders a Doc as plain text: for logs, the CLI and anywhere
// markup would show as noise. Quoted text is cleaned to one line per inline
// and cut, but not escaped: plain text has no markup to inject.
func RenderText(d Doc) string {
	var b strings.Builder
	if t := strings.TrimSpace(quoted(d.Title)); t != "" {
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

func textBlock(bl Block) string {
	switch bl.Kind {
	case BlockParagraph, BlockContext:
		if s := textInlines(bl.Inlines); s != "" {
			return s + "\n"
		}
	case BlockHeading:
		s := textInlines(bl.Inlines)
		switch {
		case s == "":
		case bl.Level >= 3:
			return s + ":\n"
		default:
			return s + "\n" + rule('-', s) + "\n"
		}
	case BlockList:
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
			b.WriteString(textInlines(it.Inlines) + "\n")
		}
		return b.String()
	case BlockFields:
		var b strings.Builder
		for _, p := range bl.Fields {
			b.WriteString(strings.TrimSpace(quoted(p.Label)) + ": " + textInlines(p.Value) + "\n")
		}
		return b.String()
	case BlockDivider:
		return "----\n"
	}
	return ""
}

func textInlines(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		t := quoted(x.Text)
		switch x.Kind {
		case InlineLink:
			b.WriteString(t)
			if u := safeURL(x.URL); u != "" {
				b.WriteString(" <" + u + ">")
			}
		case InlineMention:
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
