package wiki

import (
	"strconv"
	"strings"

	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Render renders a Doc as Jira wiki markup, for Jira Data Center
// comments (and the v2 API). Every piece of text is escaped (wikiEscape) so
// that quoted ticket text cannot mention anyone ([~user]), embed an image
// (!x.png!), link ([text|url]), open a macro ({noformat}, {color}), format
// (*b* _i_ -s- +u+ ^sup^ ~sub~ ??cite??), start a heading, list or table,
// or break a line (\\). Real mentions and links come only from explicit
// nodes.
func Render(d richtext.Doc) string {
	var out []string
	if t := wikiInlines([]richtext.Inline{richtext.Text(d.Title)}); t != "" {
		out = append(out, "h3. "+t)
	}
	for _, bl := range d.Blocks {
		if s := wikiBlock(bl); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n\n") + "\n"
}

func wikiBlock(bl richtext.Block) string {
	switch bl.Kind {
	case richtext.BlockParagraph, richtext.BlockContext:
		return escape.WikiLineStart(wikiInlines(bl.Inlines))
	case richtext.BlockHeading:
		if s := wikiInlines(bl.Inlines); s != "" {
			return "h" + strconv.Itoa(min(max(bl.Level, 1)+2, 6)) + ". " + s
		}
	case richtext.BlockList:
		lines := make([]string, 0, len(bl.Items))
		for _, it := range bl.Items {
			prefix := "* "
			if it.Check != nil {
				prefix += richtext.CheckMark(*it.Check) + " "
			}
			lines = append(lines, prefix+wikiInlines(it.Inlines))
		}
		return strings.Join(lines, "\n")
	case richtext.BlockFields:
		lines := make([]string, 0, len(bl.Fields))
		for _, p := range bl.Fields {
			lines = append(lines, escape.WikiLineStart(wikiMark("*", strings.TrimSpace(escape.Quote(p.Label))+":")+" "+wikiInlines(p.Value)))
		}
		return strings.Join(lines, "\n")
	case richtext.BlockDivider:
		return "----"
	}
	return ""
}

func wikiInlines(in []richtext.Inline) string {
	var b strings.Builder
	for _, x := range in {
		t := escape.Quote(x.Text)
		switch x.Kind {
		case richtext.InlineStrong:
			b.WriteString(wikiMark("*", t))
		case richtext.InlineEmphasis:
			b.WriteString(wikiMark("_", t))
		case richtext.InlineCode:
			if s := strings.TrimSpace(t); s != "" {
				b.WriteString("{{" + escape.Wiki(s) + "}}")
			}
		case richtext.InlineLink:
			u := escape.SafeURL(x.URL)
			switch {
			case u == "":
				b.WriteString(escape.Wiki(t))
			case strings.TrimSpace(t) == "":
				b.WriteString("[" + u + "]")
			default:
				b.WriteString("[" + escape.Wiki(t) + "|" + u + "]")
			}
		case richtext.InlineMention:
			switch {
			case escape.IDOK(x.User.AccountID):
				b.WriteString("[~accountid:" + x.User.AccountID + "]")
			case escape.IDOK(x.User.Name):
				b.WriteString("[~" + x.User.Name + "]")
			default:
				b.WriteString(escape.Wiki("@" + t))
			}
		default:
			b.WriteString(escape.Wiki(t))
		}
	}
	return strings.TrimSpace(b.String())
}

// wikiMark wraps text in an effect, keeping surrounding spaces outside the
// marks (Jira only closes an effect on a non-space).
func wikiMark(m, t string) string {
	s := strings.TrimSpace(t)
	if s == "" {
		return t
	}
	lead := t[:len(t)-len(strings.TrimLeft(t, " "))]
	trail := t[len(strings.TrimRight(t, " ")):]
	return lead + m + escape.Wiki(s) + m + trail
}
