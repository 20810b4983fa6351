package handoff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// adfBenchDocs are the validation requests of the flagged tickets among
// 1,000 mixed ones, as a full sync renders them for Jira Cloud.
func adfBenchDocs(tb testing.TB) []Doc {
	tb.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := TextOptions{Now: now, Loc: time.UTC}
	var docs []Doc
	for _, in := range genInputs(1000, 1) {
		if ev := Evaluate(Read(in), DefaultPolicy(), now, time.UTC); ev.Fingerprint != "" {
			docs = append(docs, ValidationRequest(ev, o))
		}
	}
	if len(docs) < 100 {
		tb.Fatalf("%d flagged tickets", len(docs))
	}
	return docs
}

// BenchmarkRenderADF renders each of those requests as ADF; Reference is
// the same with the encoding/json renderer RenderADF replaced.
//
//	go test ./handoff -run '^$' -bench RenderADF -benchmem
func BenchmarkRenderADF(b *testing.B) {
	docs := adfBenchDocs(b)
	n := 0
	for _, d := range docs {
		n += len(RenderADF(d))
	}
	for _, r := range []struct {
		name   string
		render func(Doc) json.RawMessage
	}{{"direct", RenderADF}, {"reference", refRenderADF}} {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(n / len(docs)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r.render(docs[i%len(docs)])
				i++
			}
		})
	}
}

// sameADF fails t when RenderADF and the reference differ for d.
func sameADF(t *testing.T, name string, d Doc) {
	t.Helper()
	got, want := RenderADF(d), refRenderADF(d)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: RenderADF differs from the reference at byte %d\n got: %s\nwant: %s", name, i, got[max(i-80, 0):min(i+80, len(got))], want[max(i-80, 0):min(i+80, len(want))])
	}
}

// adfEdgeDoc is a doc with every block and inline kind, holding s
// wherever text goes, and the edge cases of runs: empty and all-space
// inlines, merges across inlines, links that are not safe, mentions
// without a usable id, empty headings, lists and fields.
func adfEdgeDoc(s string) Doc {
	yes, no := true, false
	all := []Inline{
		{Text: s}, {Kind: InlineStrong, Text: s}, {Kind: InlineEmphasis, Text: s}, {Kind: InlineCode, Text: s},
		{Kind: InlineLink, Text: s, URL: "https://example.com/a?b=1&c=<2>|" + s}, {Kind: InlineLink, URL: "https://example.com/x"},
		{Kind: InlineLink, Text: s, URL: "javascript:alert(1)"}, {Kind: InlineLink, Text: s, URL: s},
		{Kind: InlineMention, Text: s, User: User{AccountID: "5b10ac8d82e05b22cc7d4ef5"}},
		{Kind: InlineMention, Text: s, User: User{AccountID: s}}, {Kind: InlineMention, User: User{AccountID: "x] [~admin"}},
		{Kind: InlineMention, User: User{AccountID: "abc"}},
		{Text: "  "}, {Text: ""}, {Kind: InlineStrong, Text: " "}, {Text: " " + s + " "}, {Text: s}, {Kind: 99, Text: s},
	}
	var blocks []Block
	for _, kind := range []BlockKind{BlockParagraph, BlockContext, BlockHeading} {
		blocks = append(blocks, Block{Kind: kind, Inlines: all}, Block{Kind: kind}, Block{Kind: kind, Inlines: []Inline{{Text: "   "}}},
			Block{Kind: kind, Inlines: []Inline{{Text: " a "}, {Text: " b "}}}, Block{Kind: kind, Level: 9, Inlines: []Inline{{Kind: InlineStrong, Text: s}}},
			Block{Kind: kind, Level: -1, Inlines: []Inline{{Kind: InlineMention, User: User{AccountID: "id1"}}, {Text: "  "}}})
		for _, x := range all {
			blocks = append(blocks, Block{Kind: kind, Level: 2, Inlines: []Inline{x}}, Block{Kind: kind, Inlines: []Inline{{Text: " "}, x, {Text: " "}}})
		}
	}
	blocks = append(blocks,
		Block{Kind: BlockList}, Block{Kind: BlockList, Items: []Item{{}}},
		Block{Kind: BlockList, Items: []Item{{Inlines: all, Check: &yes}, {Inlines: all, Check: &no}, {Inlines: all}, {Check: &no}, {Inlines: []Inline{{Text: " "}}}}},
		Block{Kind: BlockFields}, Block{Kind: BlockFields, Fields: []Pair{{}}},
		Block{Kind: BlockFields, Fields: []Pair{{Label: s, Value: all}, {Label: " Owner ", Value: []Inline{{Text: s}}}, {Label: "", Value: nil},
			{Label: strings.Repeat("L", 998)}, {Label: strings.Repeat("L", 999)}, {Label: strings.Repeat("L", 1000)}, {Label: strings.Repeat("é", 999)},
			{Label: strings.Repeat("\x01", 999) + "x"}, {Label: strings.Repeat("L", 1200), Value: all}}},
		Block{Kind: BlockDivider}, Block{Kind: 42, Inlines: all})
	for _, x := range all {
		blocks = append(blocks, Block{Kind: BlockFields, Fields: []Pair{{Label: s, Value: []Inline{x}}, {Label: "b", Value: []Inline{x, x}}}})
		blocks = append(blocks, Block{Kind: BlockList, Items: []Item{{Inlines: []Inline{x}, Check: &yes}, {Inlines: []Inline{x, {Text: " "}}}}})
	}
	return Doc{Title: s, Summary: s, Blocks: blocks}
}

// adfEdgeStrings are texts for adfEdgeDoc.
var adfEdgeStrings = []string{
	"", " ", "plain", "  spaced  ", `say "hi" \ back\slash`, "<script>alert(1)</script> & <b>bold</b>",
	"tab\there\nnew line\r\n\b\f \x00\x01\x1b[31m \x7f", "unicode äöü 日本語 مرحبا 👩‍💻 \u202eevil\u202c \ufeff \u200d",
	"separators \u2028 and \u2029", "invalid \xff\xfe utf-8 \xc3", "@here <!channel> [~admin] *bold*",
	strings.Repeat("A<b>&c@here ", 120), strings.Repeat("é", 1001), strings.Repeat(" ", 1200) + "x",
}

// TestRenderADFSameBytes: RenderADF writes byte for byte what the
// encoding/json renderer it replaced wrote, for every text the bot sends
// (the golden fixtures), a full sync's validation requests, and docs of
// every block and inline kind with hostile and edge-case text.
func TestRenderADFSameBytes(t *testing.T) {
	for _, tc := range goldenTexts() {
		sameADF(t, tc.name, tc.doc)
	}
	for i, d := range adfBenchDocs(t) {
		sameADF(t, "bench doc "+string(rune('0'+i%10)), d)
	}
	for _, s := range adfEdgeStrings {
		sameADF(t, "edge "+s, adfEdgeDoc(s))
	}
	sameADF(t, "empty", Doc{})
}

// FuzzRenderADFSameBytes holds RenderADF to the reference for arbitrary
// text.
func FuzzRenderADFSameBytes(f *testing.F) {
	for _, s := range adfEdgeStrings {
		f.Add(s, s, 2)
	}
	f.Add(fxHostileText, "SEC-1", 3)
	f.Fuzz(func(t *testing.T, s, label string, level int) {
		d := adfEdgeDoc(s)
		d.Blocks = append(d.Blocks, Block{Kind: BlockHeading, Level: level, Inlines: []Inline{{Text: label}}},
			Block{Kind: BlockFields, Fields: []Pair{{Label: label, Value: []Inline{{Text: s}}}}},
			Block{Kind: BlockParagraph, Inlines: []Inline{{Kind: InlineLink, Text: label, URL: s}, {Kind: InlineMention, Text: s, User: User{AccountID: label}}}})
		sameADF(t, "fuzz", d)
		ev := fxValidation()
		ev.Handoff.Ticket.Summary, ev.Handoff.Scope.Product, ev.Ask = s, Value{Text: label}, s
		sameADF(t, "fuzz validation request", ValidationRequest(ev, fxOpts()))
	})
}

// refADFNode is one node of an Atlassian Document Format document.
type refADFNode struct {
	Type    string         `json:"type"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []refADFNode   `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []refADFMark   `json:"marks,omitempty"`
}

// refADFMark is a mark on a text node.
type refADFMark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// refADFDoc is the document root; content is always present.
type refADFDoc struct {
	Type    string       `json:"type"`
	Version int          `json:"version"`
	Content []refADFNode `json:"content"`
}

// refRenderADF is RenderADF as it was before it wrote the JSON itself: a
// tree of nodes that encoding/json marshals. RenderADF must give the same
// bytes.
func refRenderADF(d Doc) json.RawMessage {
	doc := refADFDoc{Type: "doc", Version: 1, Content: []refADFNode{}}
	if t := refADFInlines([]Inline{tx(d.Title)}, false); len(t) > 0 {
		doc.Content = append(doc.Content, refADFNode{Type: "heading", Attrs: map[string]any{"level": 3}, Content: t})
	}
	for _, bl := range d.Blocks {
		if n, ok := refADFBlock(bl); ok {
			doc.Content = append(doc.Content, n)
		}
	}
	out, err := refMarshalPlain(doc)
	if err != nil { // cannot happen: only strings, ints and slices
		return json.RawMessage(`{"type":"doc","version":1,"content":[]}`)
	}
	return out
}

func refADFBlock(bl Block) (refADFNode, bool) {
	switch bl.Kind {
	case BlockParagraph:
		return refADFNode{Type: "paragraph", Content: refADFInlines(bl.Inlines, false)}, true
	case BlockContext:
		return refADFNode{Type: "paragraph", Content: refADFInlines(bl.Inlines, true)}, true
	case BlockHeading:
		c := refADFInlines(bl.Inlines, false)
		if len(c) == 0 {
			return refADFNode{}, false
		}
		return refADFNode{Type: "heading", Attrs: map[string]any{"level": min(max(bl.Level, 1)+2, 6)}, Content: c}, true
	case BlockList:
		list := refADFNode{Type: "bulletList"}
		for _, it := range bl.Items {
			in := it.Inlines
			if it.Check != nil {
				in = append([]Inline{tx(checkMark(*it.Check) + " ")}, in...)
			}
			list.Content = append(list.Content, refADFNode{Type: "listItem",
				Content: []refADFNode{{Type: "paragraph", Content: refADFInlines(in, false)}}})
		}
		return list, len(list.Content) > 0
	case BlockFields:
		p := refADFNode{Type: "paragraph"}
		for i, f := range bl.Fields {
			if i > 0 {
				p.Content = append(p.Content, refADFNode{Type: "hardBreak"})
			}
			// Label and value are one run: the run's outer spaces are
			// trimmed, so the space after the colon must be inside it.
			run := append([]Inline{st(strings.TrimSpace(f.Label) + ":"), tx(" ")}, f.Value...)
			p.Content = append(p.Content, refADFInlines(run, false)...)
		}
		return p, len(p.Content) > 0
	case BlockDivider:
		return refADFNode{Type: "rule"}, true
	}
	return refADFNode{}, false
}

// refADFInlines turns inlines into text and mention nodes; small marks the
// whole run as emphasis (small print). Adjacent plain runs are merged.
func refADFInlines(in []Inline, small bool) []refADFNode {
	var out []refADFNode
	add := func(text string, marks ...refADFMark) {
		if text == "" {
			return
		}
		if small && !refHasMark(marks, "code") && !refHasMark(marks, "em") {
			marks = append(marks, refADFMark{Type: "em"})
		}
		if n := len(out); n > 0 && out[n-1].Type == "text" && refSameMarks(out[n-1].Marks, marks) {
			out[n-1].Text += text
			return
		}
		out = append(out, refADFNode{Type: "text", Text: text, Marks: marks})
	}
	for _, x := range in {
		t := quoted(x.Text)
		switch x.Kind {
		case InlineStrong:
			add(t, refADFMark{Type: "strong"})
		case InlineEmphasis:
			add(t, refADFMark{Type: "em"})
		case InlineCode:
			add(t, refADFMark{Type: "code"})
		case InlineLink:
			if u := safeURL(x.URL); u != "" {
				if t == "" {
					t = u
				}
				add(t, refADFMark{Type: "link", Attrs: map[string]any{"href": u}})
			} else {
				add(t)
			}
		case InlineMention:
			if id := x.User.AccountID; idOK(id) {
				out = append(out, refADFNode{Type: "mention", Attrs: map[string]any{"id": id, "text": "@" + t}})
			} else {
				add("@" + t)
			}
		default:
			add(t)
		}
	}
	// Trim the run's outer spaces; a text node left empty is dropped.
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

func refHasMark(ms []refADFMark, t string) bool {
	for _, m := range ms {
		if m.Type == t {
			return true
		}
	}
	return false
}

func refSameMarks(a, b []refADFMark) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Attrs["href"] != b[i].Attrs["href"] {
			return false
		}
	}
	return true
}

// refMarshalPlain is json.Marshal without HTML escaping, so that < > & in
// text read as themselves; both are valid JSON of the same value.
func refMarshalPlain(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
