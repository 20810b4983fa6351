package handoff

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// refRenderSlack is RenderSlack as it was before it wrote the JSON itself:
// slackBlock structs that encoding/json marshals, one json.Encoder call a
// block, and text built as strings. It is kept, with its own copies of
// the escaping helpers as they were, as the reference RenderSlack must
// match byte for byte (TestRenderSlackSameBytes, FuzzRenderSlackSameBytes).
func refRenderSlack(d Doc) []SlackMessage {
	var blocks []refSlackBlock
	if t := refSlackPlain(d.Title, slackMaxHeader); t != "" {
		blocks = append(blocks, refSlackBlock{Type: "header", Text: &refSlackText{Type: "plain_text", Text: t, Emoji: true}})
	}
	for _, bl := range d.Blocks {
		blocks = append(blocks, refSlackBlocks(bl)...)
	}
	parts := refSplitBlocks(blocks)
	fallback := d.Summary
	if strings.TrimSpace(fallback) == "" {
		fallback = d.Title
	}
	fallback = refSlackLine([]Inline{tx(fallback)}, slackMaxText-16)
	out := make([]SlackMessage, 0, len(parts))
	for i, p := range parts {
		text := fallback
		if len(parts) > 1 {
			text += " (" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + ")"
		}
		raw, each := refMarshalBlocks(p)
		out = append(out, SlackMessage{Text: text, Blocks: raw, Each: each})
	}
	return out
}

type refSlackText struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Emoji    bool   `json:"emoji,omitempty"`
	Verbatim bool   `json:"verbatim,omitempty"`
}

type refSlackBlock struct {
	Type     string         `json:"type"`
	Text     *refSlackText  `json:"text,omitempty"`
	Fields   []refSlackText `json:"fields,omitempty"`
	Elements []refSlackText `json:"elements,omitempty"`
	// level is the Doc heading level a section renders (0: not a heading).
	level int
}

func refMrkdwn(s string) refSlackText { return refSlackText{Type: "mrkdwn", Text: s, Verbatim: true} }

func refMarshalBlocks(blocks []refSlackBlock) (json.RawMessage, []SlackBlock) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('[')
	spans := make([][2]int, len(blocks))
	for i, bl := range blocks {
		if i > 0 {
			b.WriteByte(',')
		}
		start := b.Len()
		if err := enc.Encode(bl); err != nil { // cannot happen: only strings and slices
			return json.RawMessage("[]"), nil
		}
		b.Truncate(b.Len() - 1) // Encode's newline
		spans[i] = [2]int{start, b.Len()}
	}
	b.WriteByte(']')
	raw := b.Bytes()
	each := make([]SlackBlock, len(blocks))
	for i, sp := range spans {
		each[i] = SlackBlock{Type: blocks[i].Type, JSON: raw[sp[0]:sp[1]:sp[1]]}
	}
	return raw, each
}

func refSplitBlocks(blocks []refSlackBlock) [][]refSlackBlock {
	var parts [][]refSlackBlock
	var cur []refSlackBlock
	var top *refSlackBlock // the last heading of level 1 or 2
	for _, b := range blocks {
		if len(cur) == slackMaxBlocks {
			var carry []refSlackBlock
			for len(cur) > 1 && cur[len(cur)-1].level > 0 && len(carry) < slackMaxBlocks-2 {
				carry = append([]refSlackBlock{cur[len(cur)-1]}, carry...)
				cur = cur[:len(cur)-1]
			}
			parts = append(parts, cur)
			cur = nil
			if top != nil && (len(carry) == 0 || carry[0].level > 2) {
				cur = append(cur, *top)
			}
			cur = append(cur, carry...)
		}
		cur = append(cur, b)
		if b.level == 1 || b.level == 2 {
			t := b
			top = &t
		}
	}
	if len(cur) > 0 || len(parts) == 0 {
		parts = append(parts, cur)
	}
	return parts
}

func refSlackBlocks(bl Block) []refSlackBlock {
	switch bl.Kind {
	case BlockParagraph:
		if s := refSlackLine(bl.Inlines, slackMaxText); s != "" {
			return []refSlackBlock{{Type: "section", Text: refPtr(refMrkdwn(s))}}
		}
	case BlockHeading:
		if s := refSlackLine([]Inline{st(refInlinePlain(bl.Inlines))}, slackMaxText); s != "" {
			return []refSlackBlock{{Type: "section", Text: refPtr(refMrkdwn(s)), level: max(bl.Level, 1)}}
		}
	case BlockContext:
		if s := refSlackLine(bl.Inlines, slackMaxText); s != "" {
			return []refSlackBlock{{Type: "context", Elements: []refSlackText{refMrkdwn(s)}}}
		}
	case BlockList:
		var out []refSlackBlock
		var cur strings.Builder
		flush := func() {
			if cur.Len() > 0 {
				out = append(out, refSlackBlock{Type: "section", Text: refPtr(refMrkdwn(cur.String()))})
				cur.Reset()
			}
		}
		for _, it := range bl.Items {
			prefix := "• "
			if it.Check != nil {
				prefix = checkMark(*it.Check) + " "
			}
			line := prefix + refSlackLine(it.Inlines, slackMaxText-refSlackLen(prefix))
			if cur.Len() > 0 && refSlackLen(cur.String())+1+refSlackLen(line) > slackMaxText {
				flush()
			}
			if cur.Len() > 0 {
				cur.WriteByte('\n')
			}
			cur.WriteString(line)
		}
		flush()
		return out
	case BlockFields:
		var out []refSlackBlock
		for i := 0; i < len(bl.Fields); i += slackMaxFields {
			sec := refSlackBlock{Type: "section"}
			for _, f := range bl.Fields[i:min(i+slackMaxFields, len(bl.Fields))] {
				label := refSlackLine([]Inline{st(f.Label)}, 200)
				sec.Fields = append(sec.Fields, refMrkdwn(label+"\n"+refSlackLine(f.Value, slackMaxField-refSlackLen(label)-1)))
			}
			out = append(out, sec)
		}
		return out
	case BlockDivider:
		return []refSlackBlock{{Type: "divider"}}
	}
	return nil
}

func refPtr[T any](v T) *T { return &v }

func refSlackLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func refSlackPlain(s string, n int) string {
	s = strings.TrimSpace(refQuoted(s))
	s = refPlainAngles.Replace(s)
	s = refBreakAt(s)
	return refCutUnits(s, n)
}

var refPlainAngles = strings.NewReplacer("<", "‹", ">", "›")

func refCutUnits(s string, n int) string {
	if refSlackLen(s) <= n {
		return s
	}
	used := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n-1 {
			return refWithEllipsis(s[:i])
		}
		used += w
	}
	return s
}

func refBreakAt(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		b.WriteRune(r)
		if r == '@' && !isWord(prev) {
			b.WriteString(zwj)
		}
		prev = r
	}
	return b.String()
}

func refInlinePlain(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		b.WriteString(x.Text)
	}
	return b.String()
}

func refSlackLine(in []Inline, budget int) string {
	var b strings.Builder
	used := 0
	for _, x := range in {
		t := refQuoted(x.Text)
		piece := refSlackInline(x, t)
		if used+refSlackLen(piece) <= budget {
			b.WriteString(piece)
			used += refSlackLen(piece)
			continue
		}
		room := budget - used - 1
		if x.Kind != InlineMention && x.Kind != InlineLink {
			n := len([]rune(t))
			for n > 0 && refSlackLen(refSlackInline(x, refCutText(t, n))) > room {
				n = n * 3 / 4
			}
			if n > 0 {
				b.WriteString(refSlackInline(x, refCutText(t, n)))
				break
			}
		}
		if room >= 0 {
			b.WriteString(ellipsis)
		}
		break
	}
	return strings.TrimSpace(b.String())
}

func refSlackInline(x Inline, t string) string {
	switch x.Kind {
	case InlineStrong:
		return refSlackMark("*", t)
	case InlineEmphasis:
		return refSlackMark("_", t)
	case InlineCode:
		if s := strings.TrimSpace(t); s != "" {
			return "`" + refSlackEscape(strings.ReplaceAll(s, "`", "'")) + "`"
		}
		return t
	case InlineLink:
		u := refSafeURL(x.URL)
		switch {
		case u == "":
			return refSlackEscape(t)
		case strings.TrimSpace(t) == "":
			return "<" + u + ">"
		}
		return "<" + u + "|" + refSlackEscape(t) + ">"
	case InlineMention:
		if slackIDOK(x.SlackID) {
			return "<@" + x.SlackID + ">"
		}
		return refSlackEscape("@" + t)
	}
	return refSlackEscape(t)
}

func refSlackMark(m, t string) string {
	s := strings.TrimSpace(t)
	if s == "" {
		return t
	}
	lead := t[:len(t)-len(strings.TrimLeft(t, " "))]
	trail := t[len(strings.TrimRight(t, " ")):]
	return lead + m + refSlackEscape(s) + m + trail
}

// The escaping helpers of escape.go as they were.

func refCleanText(s string) string {
	if refIsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case isBidiControl(r) || unicode.IsControl(r):
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func refIsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			return refIsCleanSlow(s)
		}
	}
	return true
}

func refIsCleanSlow(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0x2028 || r == 0x2029 || isBidiControl(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func refCutText(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return refWithEllipsis(s[:i])
}

func refWithEllipsis(head string) string {
	return strings.TrimRightFunc(head, func(r rune) bool {
		return r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f) || unicode.IsSpace(r)
	}) + ellipsis
}

func refQuoted(s string) string { return refCutText(refCleanText(s), maxInline) }

func refSlackEscape(s string) string {
	if !strings.ContainsAny(s, "&<>@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	prev := ' '
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			b.WriteByte('@')
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if !isWord(prev) && next != utf8.RuneError {
				b.WriteString(zwj)
			}
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func refSafeURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range p.String() {
		switch {
		case r == '|' || r == '[' || r == ']' || r == '{' || r == '}' || r == '<' || r == '>' || r == '"' || r == '\\' || r == '^' || r == '`':
			b.WriteString(url.QueryEscape(string(r)))
		case r <= ' ' || r == 0x7f:
			b.WriteString(url.PathEscape(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
