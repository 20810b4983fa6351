package handoff

import (
	"strconv"
	"strings"
)

// RenderWiki renders a Doc as Jira wiki markup, for Jira Data Center
// comments (and the v2 API). Every piece of text is escaped (wikiEscape) so
// that quoted ticket text cannot mention anyone ([~user]), embed an image
// (!x.png!), link ([text|url]), open a macro ({noformat}, {color}), format
// (*b* _i_ -s- +u+ ^sup^ ~sub~ ??cite??), start a heading, list or table,
// or break a line (\\). Real mentions and links come only from explicit
// nodes.
func RenderWiki(d Doc) string {
	var out []string
	if t := wikiInlines([]Inline{tx(d.Title)}); t != "" {
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

func wikiBlock(bl Block) string {
	switch bl.Kind {
	case BlockParagraph, BlockContext:
		return wikiLineStart(wikiInlines(bl.Inlines))
	case BlockHeading:
		if s := wikiInlines(bl.Inlines); s != "" {
			return "h" + strconv.Itoa(min(max(bl.Level, 1)+2, 6)) + ". " + s
		}
	case BlockList:
		lines := make([]string, 0, len(bl.Items))
		for _, it := range bl.Items {
			prefix := "* "
			if it.Check != nil {
				prefix += checkMark(*it.Check) + " "
			}
			lines = append(lines, prefix+wikiInlines(it.Inlines))
		}
		return strings.Join(lines, "\n")
	case BlockFields:
		lines := make([]string, 0, len(bl.Fields))
		for _, p := range bl.Fields {
			lines = append(lines, wikiLineStart(wikiMark("*", strings.TrimSpace(quoted(p.Label))+":")+" "+wikiInlines(p.Value)))
		}
		return strings.Join(lines, "\n")
	case BlockDivider:
		return "----"
	}
	return ""
}

// checkMark is how a checklist item shows its state, the same in every
// rendering (ADF task lists are not allowed in every comment).
func checkMark(done bool) string {
	if done {
		return "☑"
	}
	return "☐"
}

func wikiInlines(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		t := quoted(x.Text)
		switch x.Kind {
		case InlineStrong:
			b.WriteString(wikiMark("*", t))
		case InlineEmphasis:
			b.WriteString(wikiMark("_", t))
		case InlineCode:
			if s := strings.TrimSpace(t); s != "" {
				b.WriteString("{{" + wikiEscape(s) + "}}")
			}
		case InlineLink:
			u := safeURL(x.URL)
			switch {
			case u == "":
				b.WriteString(wikiEscape(t))
			case strings.TrimSpace(t) == "":
				b.WriteString("[" + u + "]")
			default:
				b.WriteString("[" + wikiEscape(t) + "|" + u + "]")
			}
		case InlineMention:
			switch {
			case idOK(x.User.AccountID):
				b.WriteString("[~accountid:" + x.User.AccountID + "]")
			case idOK(x.User.Name):
				b.WriteString("[~" + x.User.Name + "]")
			default:
				b.WriteString(wikiEscape("@" + t))
			}
		default:
			b.WriteString(wikiEscape(t))
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
	return lead + m + wikiEscape(s) + m + trail
}
