package handoff

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// RenderADF renders a Doc as an Atlassian Document Format (v1) document for
// Jira Cloud comments. It uses only nodes every comment accepts: heading,
// paragraph, bulletList/listItem, rule, text, hardBreak and mention, with
// the marks strong, em, code and link (code never combined with another
// mark). Quoted text only ever lands in text nodes, which Jira shows as
// typed; empty text nodes are never written. Checklist items are bullets
// with ☐/☑, since taskList is not allowed in every comment.
//
// The JSON is written directly, as encoding/json would write the node
// tree (members in the order type, attrs, content, text, marks; empty
// ones left out; attrs keys sorted; strings escaped without HTML
// escaping, so that < > & in text read as themselves; compact).
func RenderADF(d Doc) json.RawMessage {
	w := adfWriters.Get().(*adfWriter)
	w.out = append(w.out[:0], `{"type":"doc","version":1,"content":[`...)
	mark := len(w.out)
	w.beginRun(false)
	title := tx(d.Title)
	w.addInline(&title)
	if w.runLen() > 0 {
		w.out = append(w.out, `{"type":"heading","attrs":{"level":3},"content":[`...)
		w.writeRun(len(w.out))
		w.out = append(w.out, "]}"...)
	}
	for i := range d.Blocks {
		before := len(w.out)
		if len(w.out) > mark {
			w.out = append(w.out, ',')
		}
		if !w.block(&d.Blocks[i]) {
			w.out = w.out[:before]
		}
	}
	w.out = append(w.out, "]}"...)
	out := json.RawMessage(bytes.Clone(w.out))
	if cap(w.out) > 1<<20 {
		w.out = nil // an outsized document: do not keep its space
	}
	adfWriters.Put(w)
	return out
}

// adfWriters keeps the writers' space (the document being written, the
// run being built) from one render to the next: a render allocates only
// the copy it returns.
var adfWriters = sync.Pool{New: func() any { return new(adfWriter) }}

// adfWriter writes one ADF document into out. An inline run (the inlines
// of one paragraph, heading, list item or field) is first collected in
// run, with the text of its text nodes in text, so that adjacent plain
// runs merge and the run's outer spaces are trimmed before it is written.
type adfWriter struct {
	out   []byte
	run   []adfRunNode
	text  []byte
	small bool
}

// The marks of a text node (adfRunNode.m1, m2).
const (
	markNone uint8 = iota
	markStrong
	markEm
	markCode
	markLink
)

var markJSON = [...]string{
	markStrong: `{"type":"strong"}`,
	markEm:     `{"type":"em"}`,
	markCode:   `{"type":"code"}`,
	markLink:   `{"type":"link","attrs":{"href":`,
}

// adfRunNode is a text node (its text is text[start:end] of the writer)
// with up to two marks, or a mention.
type adfRunNode struct {
	mention    bool
	m1, m2     uint8  // marks; markNone for none
	href       string // the link mark's
	start, end int
	id, name   string // a mention's id and text (without the @)
}

// block writes one block; false when it says nothing and is left out.
func (w *adfWriter) block(bl *Block) bool {
	switch bl.Kind {
	case BlockParagraph, BlockContext:
		w.beginRun(bl.Kind == BlockContext)
		for i := range bl.Inlines {
			w.addInline(&bl.Inlines[i])
		}
		w.out = append(w.out, `{"type":"paragraph"`...)
		w.content()
		w.out = append(w.out, '}')
		return true
	case BlockHeading:
		w.beginRun(false)
		for i := range bl.Inlines {
			w.addInline(&bl.Inlines[i])
		}
		if w.runLen() == 0 {
			return false
		}
		w.out = append(w.out, `{"type":"heading","attrs":{"level":`...)
		w.out = strconv.AppendInt(w.out, int64(min(max(bl.Level, 1)+2, 6)), 10)
		w.out = append(w.out, `},"content":[`...)
		w.writeRun(len(w.out))
		w.out = append(w.out, "]}"...)
		return true
	case BlockList:
		if len(bl.Items) == 0 {
			return false
		}
		w.out = append(w.out, `{"type":"bulletList","content":[`...)
		for i := range bl.Items {
			it := &bl.Items[i]
			if i > 0 {
				w.out = append(w.out, ',')
			}
			w.beginRun(false)
			if it.Check != nil {
				w.add(adfCheck[b2i(*it.Check)], markNone, "")
			}
			for j := range it.Inlines {
				w.addInline(&it.Inlines[j])
			}
			w.out = append(w.out, `{"type":"listItem","content":[{"type":"paragraph"`...)
			w.content()
			w.out = append(w.out, "}]}"...)
		}
		w.out = append(w.out, "]}"...)
		return true
	case BlockFields:
		w.out = append(w.out, `{"type":"paragraph","content":[`...)
		start := len(w.out)
		for i := range bl.Fields {
			f := &bl.Fields[i]
			if i > 0 {
				// (The run before is never empty: it has the colon.)
				w.out = append(w.out, `,{"type":"hardBreak"}`[b2i(len(w.out) == start):]...)
			}
			// Label and value are one run: the run's outer spaces are
			// trimmed, so the space after the colon must be inside it.
			w.beginRun(false)
			if l := strings.TrimSpace(f.Label); len(l) < maxInline {
				// quoted(l+":") without building it: the colon changes
				// neither the cleaning nor, l being this short, the cut.
				w.add(quoted(l), markStrong, "")
				w.add(":", markStrong, "")
			} else {
				w.add(quoted(l+":"), markStrong, "")
			}
			w.add(adfSpace, markNone, "")
			for j := range f.Value {
				w.addInline(&f.Value[j])
			}
			w.runLen()
			w.writeRun(start)
		}
		if len(w.out) == start {
			return false
		}
		w.out = append(w.out, "]}"...)
		return true
	case BlockDivider:
		w.out = append(w.out, `{"type":"rule"}`...)
		return true
	}
	return false
}

// adfCheck is a checklist item's prefix, quoted as an inline is.
var adfCheck = [2]string{quoted(checkMark(false) + " "), quoted(checkMark(true) + " ")}

// adfSpace is the space between a field's label and value, quoted.
var adfSpace = quoted(" ")

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// content writes the run as the node's content member, when it has any.
func (w *adfWriter) content() {
	if w.runLen() == 0 {
		return
	}
	w.out = append(w.out, `,"content":[`...)
	w.writeRun(len(w.out))
	w.out = append(w.out, ']')
}

// beginRun starts an inline run; small marks the whole run as emphasis
// (small print).
func (w *adfWriter) beginRun(small bool) {
	w.run, w.text, w.small = w.run[:0], w.text[:0], small
}

// addInline adds one inline to the run: text, marked text, a link or a
// mention.
func (w *adfWriter) addInline(x *Inline) {
	t := quoted(x.Text)
	switch x.Kind {
	case InlineStrong:
		w.add(t, markStrong, "")
	case InlineEmphasis:
		w.add(t, markEm, "")
	case InlineCode:
		w.add(t, markCode, "")
	case InlineLink:
		if u := safeURL(x.URL); u != "" {
			if t == "" {
				t = u
			}
			w.add(t, markLink, u)
		} else {
			w.add(t, markNone, "")
		}
	case InlineMention:
		if id := x.User.AccountID; idOK(id) {
			w.run = append(w.run, adfRunNode{mention: true, id: id, name: t})
		} else {
			// "@"+t, in two steps that merge into one node.
			w.add("@", markNone, "")
			w.add(t, markNone, "")
		}
	default:
		w.add(t, markNone, "")
	}
}

// add adds text with mark m (markNone for plain); in a small run it is
// also emphasis, unless code or emphasis already. Text following a text
// node with the same marks joins it; empty text adds nothing.
func (w *adfWriter) add(text string, m uint8, href string) {
	if text == "" {
		return
	}
	m1, m2 := m, markNone
	if w.small && m != markCode && m != markEm {
		if m1 == markNone {
			m1 = markEm
		} else {
			m2 = markEm
		}
	}
	// The last node's text is always the end of w.text: only text nodes
	// add to it.
	if n := len(w.run); n > 0 && !w.run[n-1].mention && w.run[n-1].m1 == m1 && w.run[n-1].m2 == m2 && w.run[n-1].href == href {
		w.text = append(w.text, text...)
		w.run[n-1].end = len(w.text)
		return
	}
	start := len(w.text)
	w.text = append(w.text, text...)
	w.run = append(w.run, adfRunNode{m1: m1, m2: m2, href: href, start: start, end: len(w.text)})
}

// runLen trims the run's outer spaces and says how many nodes it has
// left to write (a text node left empty is dropped).
func (w *adfWriter) runLen() int {
	r := w.run
	if len(r) == 0 {
		return 0
	}
	if f := &r[0]; !f.mention {
		for f.start < f.end && w.text[f.start] == ' ' {
			f.start++
		}
	}
	if l := &r[len(r)-1]; !l.mention {
		for l.end > l.start && w.text[l.end-1] == ' ' {
			l.end--
		}
	}
	n := 0
	for i := range r {
		if r[i].mention || r[i].start < r[i].end {
			n++
		}
	}
	return n
}

// writeRun writes the run's nodes (runLen first) into the array that
// starts at w.out[start:], comma separated.
func (w *adfWriter) writeRun(start int) {
	for i := range w.run {
		x := &w.run[i]
		if !x.mention && x.start == x.end {
			continue
		}
		if len(w.out) > start {
			w.out = append(w.out, ',')
		}
		if x.mention {
			w.out = append(w.out, `{"type":"mention","attrs":{"id":`...)
			w.out = appendJSONText(w.out, x.id)
			w.out = append(w.out, `,"text":"@`...)
			w.out = appendJSONChars(w.out, x.name)
			w.out = append(w.out, `"}}`...)
			continue
		}
		w.out = append(w.out, `{"type":"text","text":`...)
		w.out = appendJSONText(w.out, w.text[x.start:x.end])
		if x.m1 != markNone {
			w.out = append(w.out, `,"marks":[`...)
			w.mark(x.m1, x.href)
			if x.m2 != markNone {
				w.out = append(w.out, ',')
				w.mark(x.m2, x.href)
			}
			w.out = append(w.out, ']')
		}
		w.out = append(w.out, '}')
	}
}

func (w *adfWriter) mark(m uint8, href string) {
	w.out = append(w.out, markJSON[m]...)
	if m == markLink {
		w.out = appendJSONText(w.out, href)
		w.out = append(w.out, "}}"...)
	}
}
