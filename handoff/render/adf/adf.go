package adf

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// adfNode is one node of an Atlassian Document Format document.
type adfNode struct {
	Type    string    `json:"type"`
	Attrs   *adfAttrs `json:"attrs,omitempty"`
	Content []adfNode `json:"content,omitempty"`
	Text    string    `json:"text,omitempty"`
	Marks   []adfMark `json:"marks,omitempty"`
}

// adfAttrs are the attributes of the nodes and marks RenderADF writes:
// a heading's level, a mention's id and text, a link's href. The fields
// are in alphabetical order, as Atlassian's own tools write them.
type adfAttrs struct {
	Href  string `json:"href,omitempty"`
	ID    string `json:"id,omitempty"`
	Level int    `json:"level,omitempty"`
	Text  string `json:"text,omitempty"`
}

// adfMark is a mark on a text node.
type adfMark struct {
	Type  string    `json:"type"`
	Attrs *adfAttrs `json:"attrs,omitempty"`
}

// adfDoc is the document root; content is always present.
type adfDoc struct {
	Type    string    `json:"type"`
	Version int       `json:"version"`
	Content []adfNode `json:"content"`
}

// Render renders a Doc as an Atlassian Document Format (v1) document for
// Jira Cloud comments. It uses only nodes every comment accepts: heading,
// paragraph, bulletList/listItem, rule, text, hardBreak and mention, with
// the marks strong, em, code and link (code never combined with another
// mark). Quoted text only ever lands in text nodes, which Jira shows as
// typed; empty text nodes are never written. Checklist items are bullets
// with ☐/☑, since taskList is not allowed in every comment.
func Render(d richtext.Doc) json.RawMessage {
	doc := adfDoc{Type: "doc", Version: 1, Content: []adfNode{}}
	if t := adfInlines([]richtext.Inline{richtext.Text(d.Title)}, false); len(t) > 0 {
		doc.Content = append(doc.Content, adfNode{Type: "heading", Attrs: &adfAttrs{Level: 3}, Content: t})
	}
	for _, bl := range d.Blocks {
		if n, ok := adfBlock(bl); ok {
			doc.Content = append(doc.Content, n)
		}
	}
	out, err := marshalPlain(doc)
	if err != nil { // cannot happen: only strings, ints and slices
		return json.RawMessage(`{"type":"doc","version":1,"content":[]}`)
	}
	return out
}

func adfBlock(bl richtext.Block) (adfNode, bool) {
	switch bl.Kind {
	case richtext.BlockParagraph:
		return adfNode{Type: "paragraph", Content: adfInlines(bl.Inlines, false)}, true
	case richtext.BlockContext:
		return adfNode{Type: "paragraph", Content: adfInlines(bl.Inlines, true)}, true
	case richtext.BlockHeading:
		c := adfInlines(bl.Inlines, false)
		if len(c) == 0 {
			return adfNode{}, false
		}
		return adfNode{Type: "heading", Attrs: &adfAttrs{Level: min(max(bl.Level, 1)+2, 6)}, Content: c}, true
	case richtext.BlockList:
		list := adfNode{Type: "bulletList"}
		for _, it := range bl.Items {
			in := it.Inlines
			if it.Check != nil {
				in = append([]richtext.Inline{richtext.Text(richtext.CheckMark(*it.Check) + " ")}, in...)
			}
			list.Content = append(list.Content, adfNode{Type: "listItem",
				Content: []adfNode{{Type: "paragraph", Content: adfInlines(in, false)}}})
		}
		return list, len(list.Content) > 0
	case richtext.BlockFields:
		p := adfNode{Type: "paragraph"}
		for i, f := range bl.Fields {
			if i > 0 {
				p.Content = append(p.Content, adfNode{Type: "hardBreak"})
			}
			// Label and value are one run: the run's outer spaces are
			// trimmed, so the space after the colon must be inside it.
			run := append([]richtext.Inline{richtext.Strong(strings.TrimSpace(f.Label) + ":"), richtext.Text(" ")}, f.Value...)
			p.Content = append(p.Content, adfInlines(run, false)...)
		}
		return p, len(p.Content) > 0
	case richtext.BlockDivider:
		return adfNode{Type: "rule"}, true
	}
	return adfNode{}, false
}

// adfInlines turns inlines into text and mention nodes; small marks the
// whole run as emphasis (small print). Adjacent runs with the same marks
// are merged; the run's outer spaces are trimmed and text nodes left
// empty dropped.
func adfInlines(in []richtext.Inline, small bool) []adfNode {
	var out []adfNode
	add := func(text string, marks ...adfMark) {
		if text == "" {
			return
		}
		if small && !hasMark(marks, "code") && !hasMark(marks, "em") {
			marks = append(marks, adfMark{Type: "em"})
		}
		if n := len(out); n > 0 && out[n-1].Type == "text" && sameMarks(out[n-1].Marks, marks) {
			out[n-1].Text += text
			return
		}
		out = append(out, adfNode{Type: "text", Text: text, Marks: marks})
	}
	for _, x := range in {
		t := escape.Quote(x.Text)
		switch x.Kind {
		case richtext.InlineStrong:
			add(t, adfMark{Type: "strong"})
		case richtext.InlineEmphasis:
			add(t, adfMark{Type: "em"})
		case richtext.InlineCode:
			add(t, adfMark{Type: "code"})
		case richtext.InlineLink:
			if u := escape.SafeURL(x.URL); u != "" {
				if t == "" {
					t = u
				}
				add(t, adfMark{Type: "link", Attrs: &adfAttrs{Href: u}})
			} else {
				add(t)
			}
		case richtext.InlineMention:
			if id := x.User.AccountID; escape.IDOK(id) {
				out = append(out, adfNode{Type: "mention", Attrs: &adfAttrs{ID: id, Text: "@" + t}})
			} else {
				add("@" + t)
			}
		default:
			add(t)
		}
	}
	if n := len(out); n > 0 {
		if out[0].Type == "text" {
			out[0].Text = strings.TrimLeft(out[0].Text, " ")
		}
		if out[n-1].Type == "text" {
			out[n-1].Text = strings.TrimRight(out[n-1].Text, " ")
		}
	}
	kept := out[:0]
	for _, n := range out {
		if n.Type != "text" || n.Text != "" {
			kept = append(kept, n)
		}
	}
	return kept
}

func hasMark(ms []adfMark, t string) bool {
	for _, m := range ms {
		if m.Type == t {
			return true
		}
	}
	return false
}

func sameMarks(a, b []adfMark) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Attrs.href() != b[i].Attrs.href() {
			return false
		}
	}
	return true
}

func (a *adfAttrs) href() string {
	if a == nil {
		return ""
	}
	return a.Href
}

// marshalPlain is json.Marshal without HTML escaping, so that < > & in
// text read as themselves; both are valid JSON of the same value.
func marshalPlain(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
