package handoff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// BenchmarkRenderSlack renders for Slack the validation requests of the
// flagged tickets among 1,000 (validation: adfBenchDocs, as the ADF
// benchmark; validation_linked: the same with the ticket's browse link,
// as the Jira connector reads every ticket) and a digest long enough to
// split (digest120); reference is the same with the encoding/json
// renderer RenderSlack replaced.
//
//	go test ./handoff -run '^$' -bench RenderSlack -benchmem
func BenchmarkRenderSlack(b *testing.B) {
	sets := []struct {
		name string
		docs []Doc
	}{
		{"validation", adfBenchDocs(b)},
		{"validation_linked", slackLinkedDocs()},
		{"digest120", []Doc{Digest(fxManyDigest(120), fxOpts())}},
	}
	for _, set := range sets {
		n := 0
		for _, d := range set.docs {
			for _, m := range RenderSlack(d) {
				n += len(m.Blocks)
			}
		}
		for _, r := range []struct {
			name   string
			render func(Doc) []SlackMessage
		}{{"direct", RenderSlack}, {"reference", refRenderSlack}} {
			b.Run(set.name+"/"+r.name, func(b *testing.B) {
				b.SetBytes(int64(n / len(set.docs)))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					r.render(set.docs[i%len(set.docs)])
					i++
				}
			})
		}
	}
}

// slackLinkedDocs are adfBenchDocs' validation requests with each
// ticket's browse link.
func slackLinkedDocs() []Doc {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := TextOptions{Now: now, Loc: time.UTC}
	var docs []Doc
	for _, in := range genInputs(1000, 1) {
		in.Ticket.URL = "https://example.atlassian.net/browse/" + in.Ticket.Key
		if ev := Evaluate(Read(in), DefaultPolicy(), now, time.UTC); ev.Fingerprint != "" {
			docs = append(docs, ValidationRequest(ev, o))
		}
	}
	return docs
}

// sameSlack fails t when RenderSlack and the reference differ for d: the
// messages, their fallback texts, their Blocks byte for byte, and Each
// block by block (type, bytes, and each a full slice of its own).
func sameSlack(t *testing.T, name string, d Doc) {
	t.Helper()
	got, want := RenderSlack(d), refRenderSlack(d)
	if len(got) != len(want) {
		t.Errorf("%s: %d messages, the reference %d", name, len(got), len(want))
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Text != w.Text {
			t.Errorf("%s[%d]: text\n got: %q\nwant: %q", name, i, g.Text, w.Text)
		}
		if !bytes.Equal(g.Blocks, w.Blocks) || (g.Blocks == nil) != (w.Blocks == nil) {
			j := 0
			for j < len(g.Blocks) && j < len(w.Blocks) && g.Blocks[j] == w.Blocks[j] {
				j++
			}
			t.Errorf("%s[%d]: blocks differ from the reference at byte %d\n got: %s\nwant: %s", name, i, j,
				g.Blocks[max(j-80, 0):min(j+80, len(g.Blocks))], w.Blocks[max(j-80, 0):min(j+80, len(w.Blocks))])
			continue
		}
		if len(g.Each) != len(w.Each) || (g.Each == nil) != (w.Each == nil) {
			t.Errorf("%s[%d]: %d blocks in Each (nil %v), the reference %d (nil %v)", name, i, len(g.Each), g.Each == nil, len(w.Each), w.Each == nil)
			continue
		}
		for j := range w.Each {
			if g.Each[j].Type != w.Each[j].Type || !bytes.Equal(g.Each[j].JSON, w.Each[j].JSON) || cap(g.Each[j].JSON) != len(g.Each[j].JSON) {
				t.Errorf("%s[%d] block %d: %s %s (cap %d), the reference %s %s", name, i, j,
					g.Each[j].Type, g.Each[j].JSON, cap(g.Each[j].JSON), w.Each[j].Type, w.Each[j].JSON)
			}
		}
	}
}

// slackEdgeDoc is adfEdgeDoc (every block and inline kind, s wherever
// text goes) with what only Slack has: Slack ids on mentions, sections
// past 3,000 units, lists that fill several sections, more than 10
// fields, headings of every level, runs cut in every kind of inline.
func slackEdgeDoc(s string) Doc {
	d := adfEdgeDoc(s)
	yes := true
	long := strings.Repeat(s+" x ", 1+1200/max(len(s), 1))
	kinds := []Inline{{Text: long}, {Kind: InlineStrong, Text: long}, {Kind: InlineEmphasis, Text: long}, {Kind: InlineCode, Text: long},
		{Kind: InlineLink, Text: long, URL: "https://example.com/" + s}, {Kind: InlineMention, Text: long, SlackID: "U0DANA"},
		{Kind: InlineMention, Text: long}, {Kind: InlineLink, Text: long, URL: "ftp://x"}}
	mentions := []Inline{{Kind: InlineMention, Text: s, SlackID: "U0DANA"}, {Kind: InlineMention, Text: s, SlackID: "W123ABC"},
		{Kind: InlineMention, Text: s, SlackID: s}, {Kind: InlineMention, Text: s, SlackID: "U1> <!channel"}, {Kind: InlineMention, Text: s, SlackID: "u0dana"}}
	d.Blocks = append(d.Blocks, Block{Kind: BlockParagraph, Inlines: mentions}, Block{Kind: BlockContext, Inlines: mentions})
	for i := range kinds {
		// Four runs of about 1,000 each: the third or fourth is cut, in
		// every kind of inline, after every kind.
		run := []Inline{kinds[i], kinds[(i+1)%len(kinds)], kinds[i], kinds[(i+3)%len(kinds)]}
		d.Blocks = append(d.Blocks, Block{Kind: BlockParagraph, Inlines: run}, Block{Kind: BlockContext, Inlines: run},
			Block{Kind: BlockHeading, Level: i, Inlines: run},
			Block{Kind: BlockList, Items: []Item{{Inlines: run}, {Inlines: run, Check: &yes}, {Inlines: kinds[i : i+1]}}},
			Block{Kind: BlockFields, Fields: []Pair{{Label: long, Value: run}, {Label: s, Value: run}}})
	}
	var items []Item
	var fields []Pair
	for i := 0; i < 45; i++ {
		items = append(items, Item{Inlines: []Inline{{Text: fmt.Sprint(i) + " "}, {Kind: InlineStrong, Text: s}, {Text: strings.Repeat("é", 7*i)}}})
		fields = append(fields, Pair{Label: s + fmt.Sprint(i), Value: []Inline{{Text: s}, {Kind: InlineCode, Text: strings.Repeat("`", i)}}})
	}
	d.Blocks = append(d.Blocks, Block{Kind: BlockList, Items: items}, Block{Kind: BlockFields, Fields: fields},
		Block{Kind: BlockFields, Fields: fields[:10]}, Block{Kind: BlockFields, Fields: fields[:11]}, Block{Kind: BlockFields, Fields: fields[:20]})
	for level := -1; level < 6; level++ {
		d.Blocks = append(d.Blocks, Block{Kind: BlockHeading, Level: level, Inlines: []Inline{{Text: s}, {Kind: InlineStrong, Text: " a "}, {Text: s}}})
	}
	return d
}

// slackEdgeStrings are texts for slackEdgeDoc: adfEdgeStrings and more
// of what only Slack reads (mentions, entities, UTF-16 units).
var slackEdgeStrings = append(append([]string{}, adfEdgeStrings...),
	"<!channel> <!here> <@U123> <#C1> <https://x|y>", "&amp; &lt; &gt; a@b @ @@here x@ @é é@here",
	"emoji 😀👩‍💻🇩🇪 \U0001F600\U0001F600 ", strings.Repeat("😀", 151), strings.Repeat("😀", 1600), strings.Repeat("a", 3100),
	"rtl مرحبا بالعالم עברית \u200f\u061c", "`code` ``` `", "*bold* _em_ ~strike~", " \u00a0nbsp\u00a0 ", "\u3000ideographic\u3000",
	"\u0085next line\u0085", "a\u2028b\u2029c", "\u200d@here\ufe0f", strings.Repeat("é", 149)+"😀", strings.Repeat("x", 150), strings.Repeat("x", 151),
	"\ufffd@\ufffd", "a\xed\xa0\x80b", "\xf4\x90\x80\x80", "ends with @",
)

// slackShapeDoc is a doc of headings of every level, paragraphs,
// dividers and blocks that render to nothing, in the order shape says:
// the cases of splitting into messages of 50 blocks.
func slackShapeDoc(title string, shape []byte) Doc {
	d := Doc{Title: title, Summary: "shape"}
	for i, c := range shape {
		switch c % 8 {
		case 0, 1, 2:
			d.Blocks = append(d.Blocks, para(tx(fmt.Sprint("p", i))))
		case 3:
			d.Blocks = append(d.Blocks, divider())
		case 4:
			d.Blocks = append(d.Blocks, Block{Kind: BlockParagraph}) // renders nothing
		case 5, 6, 7:
			d.Blocks = append(d.Blocks, heading(int(c/8%5), fmt.Sprint("h", c/8%5, " ", i)))
		}
	}
	return d
}

// TestRenderSlackSameBytes: RenderSlack gives byte for byte what the
// encoding/json renderer it replaced gave, for every text the bot sends
// (the golden fixtures), a full sync's validation requests, digests long
// enough to split, docs of every block and inline kind with hostile and
// edge-case text, and splits of every shape.
func TestRenderSlackSameBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenTexts() {
		sameSlack(t, tc.name, tc.doc)
	}
	for i, d := range adfBenchDocs(t) {
		sameSlack(t, fmt.Sprint("validation request ", i), d)
	}
	for i, d := range slackLinkedDocs() {
		sameSlack(t, fmt.Sprint("linked validation request ", i), d)
	}
	o := fxOpts()
	o.OwnerSlackID = "U0DANA"
	for _, n := range []int{0, 1, 40, 49, 50, 51, 99, 120, 300} {
		items := fxManyDigest(n)
		sameSlack(t, fmt.Sprint("digest ", n), Digest(items, fxOpts()))
		if n > 0 {
			sameSlack(t, fmt.Sprint("personal digest ", n), PersonalDigest(fxDana, items, o))
			sameSlack(t, fmt.Sprint("reminder ", n), Reminder(fxDana, items, o))
			sameSlack(t, fmt.Sprint("escalation ", n), Escalation(fxDana, items, 2, o))
		}
	}
	for _, s := range slackEdgeStrings {
		sameSlack(t, fmt.Sprintf("edge %.40q", s), slackEdgeDoc(s))
		sameSlack(t, fmt.Sprintf("edge title %.40q", s), Doc{Title: s, Summary: s})
		sameSlack(t, fmt.Sprintf("edge summary %.40q", s), Doc{Title: "t", Summary: s + s + s})
		ev := fxHostile()
		ev.Handoff.Ticket.Summary, ev.Ask = s, s
		sameSlack(t, fmt.Sprintf("edge validation request %.40q", s), ValidationRequest(ev, o))
	}
	for k := -3; k <= 3; k++ {
		sameSlack(t, fmt.Sprint("at the limits ", k), slackLimitsDoc(k))
	}
	sameSlack(t, "empty", Doc{})
	sameSlack(t, "blank", Doc{Title: " ", Summary: " ", Blocks: []Block{{Kind: BlockParagraph}, {Kind: BlockList}, {Kind: BlockFields}}})
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		shape := make([]byte, r.IntN(260))
		for j := range shape {
			shape[j] = byte(r.Uint32())
		}
		if i%3 == 0 { // long runs of headings
			for j := range shape {
				if r.IntN(10) > 0 {
					shape[j] = byte(5 + 8*r.IntN(5))
				}
			}
		}
		sameSlack(t, fmt.Sprint("shape ", i), slackShapeDoc(fmt.Sprint("shape ", i), shape))
	}
}

// FuzzRenderSlackSameBytes holds RenderSlack to the reference for
// arbitrary text in every block and inline kind, and arbitrary shapes of
// blocks to split. (Kept light: CI fuzzes it 10 s.)
func FuzzRenderSlackSameBytes(f *testing.F) {
	for i, s := range slackEdgeStrings {
		f.Add(s, s, i, []byte(s))
	}
	f.Add(fxHostileText, "U0DANA", 3, bytes.Repeat([]byte{5}, 120))
	f.Add(strings.Repeat("<@U1>", 700), "https://x.example/a", 1, []byte{5, 13, 0, 5, 5, 5})
	f.Fuzz(func(t *testing.T, s, label string, level int, shape []byte) {
		if len(s) > 5000 || len(label) > 5000 || len(shape) > 400 {
			return // the renderer cuts long before; keep runs quick
		}
		yes, no := true, false
		all := []Inline{{Text: s}, {Kind: InlineStrong, Text: s}, {Kind: InlineEmphasis, Text: label}, {Kind: InlineCode, Text: s},
			{Kind: InlineLink, Text: label, URL: s}, {Kind: InlineLink, Text: s, URL: "https://jira.example.com/browse/" + label},
			{Kind: InlineMention, Text: s, SlackID: label}, {Kind: InlineMention, Text: label, SlackID: "U0DANA"}, {Text: " "}, {Text: s}}
		d := Doc{Title: s, Summary: label, Blocks: []Block{
			{Kind: BlockParagraph, Inlines: all}, {Kind: BlockContext, Inlines: all[2:]},
			{Kind: BlockHeading, Level: level, Inlines: []Inline{{Text: label}, {Text: s}}},
			{Kind: BlockList, Items: []Item{{Inlines: all[:3]}, {Inlines: all[3:6], Check: &yes}, {Inlines: all[6:], Check: &no}, {Inlines: all}}},
			{Kind: BlockDivider},
		}}
		fields := Block{Kind: BlockFields}
		for i := 0; i < 12; i++ {
			fields.Fields = append(fields.Fields, Pair{Label: label, Value: all[i%len(all) : i%len(all)+1]}, Pair{Label: s, Value: all[:2]})
		}
		d.Blocks = append(d.Blocks, fields)
		sameSlack(t, "fuzz", d)
		sameSlack(t, "fuzz shape", slackShapeDoc(label, shape))
		ev := fxValidation()
		ev.Handoff.Ticket.Summary, ev.Handoff.Scope.Product, ev.Ask = s, Value{Text: label}, s
		o := fxOpts()
		o.OwnerSlackID = label
		sameSlack(t, "fuzz validation request", ValidationRequest(ev, o))
	})
}

// slackLimitsDoc has texts k units from Slack's limits: list sections,
// paragraphs (runs of at most 1,000), fields, the header, in ASCII and in
// runes of two units.
func slackLimitsDoc(k int) Doc {
	a := func(n int) string { return strings.Repeat("a", max(n, 0)) }
	e := func(n int) string { return strings.Repeat("😀", max(n, 0)) }
	// Lines "• " + text: 1,500 and 1,499+k units, joined by a line break.
	// (An inline holds at most 1,000 runes.)
	list := Block{Kind: BlockList, Items: []Item{{Inlines: []Inline{tx(a(1000)), tx(a(498))}}, {Inlines: []Inline{tx(a(1000)), tx(a(497 + k))}}}}
	list2 := Block{Kind: BlockList, Items: []Item{{Inlines: []Inline{tx(e(749))}}, {Inlines: []Inline{tx(a(1000)), tx(a(497 + k))}}}}
	var many []Item
	for i := 0; i < 30; i++ {
		many = append(many, Item{Inlines: []Inline{tx(a(97 + k)), st("x")}})
	}
	return Doc{Title: a(150 + k), Summary: a(1000) + " " + a(1000) + " " + a(982+k), Blocks: []Block{
		list, list2, {Kind: BlockList, Items: many},
		para(tx(a(1000)), tx(a(1000)), tx(a(1000+k))), para(tx(a(1000)), tx(a(1000)), st(a(998+k))),
		para(tx(e(500)), tx(e(500)), tx(e(500+k))), para(tx(a(1000)), tx(a(1000)), tx(a(999)), tx(a(1+k))),
		para(tx(a(1000)), tx(a(1000)), tx(a(990+k)), Inline{Kind: InlineLink, Text: "SEC-1", URL: "https://x.example/SEC-1"}),
		para(tx(a(1000)), tx(a(1000)), tx(a(990+k)), Inline{Kind: InlineMention, Text: "Dana", SlackID: "U0DANA"}),
		{Kind: BlockFields, Fields: []Pair{{Label: a(198 + k), Value: []Inline{tx(a(1000)), tx(a(800 - k))}},
			{Label: "L", Value: []Inline{tx(a(1000)), tx(a(997 + k))}}, {Label: e(99), Value: []Inline{tx(e(900)), tx(e(100 + k))}}}},
		{Kind: BlockHeading, Inlines: []Inline{tx(a(999 + k))}},
	}}
}
