package handoff

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// SlackMessage is one Slack message: Block Kit blocks and the fallback
// text shown in notifications and by clients without blocks.
type SlackMessage struct {
	// Text is the escaped fallback (the Doc's summary), with "(2/3)" on a
	// message of a split document.
	Text string
	// Blocks is the JSON array of Block Kit blocks.
	Blocks json.RawMessage
	// Each is Blocks one block at a time (slices of it), for a client
	// library that takes blocks one by one: no need to parse Blocks again.
	Each []SlackBlock
}

// SlackBlock is one Block Kit block of a SlackMessage.
type SlackBlock struct {
	Type string
	JSON json.RawMessage
}

// Slack's Block Kit limits.
const (
	slackMaxBlocks = 50   // blocks in a message
	slackMaxText   = 3000 // a section's or context element's text
	slackMaxHeader = 150  // a header's plain text
	slackMaxFields = 10   // fields in a section
	slackMaxField  = 2000 // one field's text
)

// RenderSlack renders a Doc as Block Kit messages within Slack's limits:
// a header of at most 150 characters, mrkdwn sections of at most 3,000
// (verbatim, so Slack links and mentions nothing by itself), at most 10
// fields of 2,000 per section, and at most 50 blocks a message. A longer
// document is split over several messages (a heading never ends one);
// text too long for one block is cut with an ellipsis. Quoted text is
// escaped (&, <, >) and a literal @here, @channel or @everyone broken; the
// only real mention is an explicit mention node with a Slack id.
//
// The JSON is written directly, as encoding/json would write the blocks
// (members in the order type, text, fields, elements, then emoji and
// verbatim on a text object; empty ones left out; strings escaped without
// HTML escaping; compact): every block once, into one pooled scratch
// array, which is copied out as it is for a document of one message and
// dealt into messages for a longer one. A render allocates the copy, its
// Each and the messages.
func RenderSlack(d Doc) []SlackMessage {
	w := slackWriters.Get().(*slackWriter)
	w.out, w.blks = append(w.out[:0], '['), w.blks[:0]
	if t := slackPlain(d.Title, slackMaxHeader); t != "" {
		start := w.begin()
		w.out = append(w.out, `{"type":"header","text":{"type":"plain_text","text":`...)
		w.out = appendJSONText(w.out, t)
		w.out = append(w.out, `,"emoji":true}}`...)
		w.blks = append(w.blks, slackSpan{typ: "header", start: start, end: len(w.out)})
	}
	for i := range d.Blocks {
		w.block(&d.Blocks[i])
	}
	w.out = append(w.out, ']')
	w.split()
	fallback := d.Summary
	if strings.TrimSpace(fallback) == "" {
		fallback = d.Title
	}
	w.line = appendSlackLine(w.line[:0], []Inline{tx(fallback)}, slackMaxText-16)
	text := strings.TrimSpace(fallback)
	if string(w.line) != text { // the fallback as it is, most often: no copy
		text = string(w.line)
	}
	out := w.messages(text)
	if cap(w.out) > 1<<20 || cap(w.line) > 1<<16 || cap(w.sec) > 1<<16 {
		*w = slackWriter{} // an outsized document: do not keep its space
	}
	slackWriters.Put(w)
	return out
}

// slackWriters keeps the writers' space from one render to the next.
var slackWriters = sync.Pool{New: func() any { return new(slackWriter) }}

// slackWriter writes the blocks of one document into out, as one JSON
// array, each block's place in blks, then deals them into messages (order
// and parts).
type slackWriter struct {
	out  []byte
	blks []slackSpan
	// line is the mrkdwn or plain text being built, sec the text of a
	// list's section.
	line, sec []byte
	// order lists the blocks (indices into blks) message by message, a
	// carried heading once more in the message it is carried into; parts
	// are the ends of the messages in order.
	order []int
	parts []int
}

// slackSpan is one block written: its type, its JSON out[start:end], and
// the Doc heading level a section renders (0: not a heading).
type slackSpan struct {
	typ        string
	start, end int
	level      int
}

// The opening and closing of a mrkdwn text object, around its text.
const (
	slackMrkdwnOpen  = `{"type":"mrkdwn","text":`
	slackMrkdwnClose = `,"verbatim":true}`
)

// begin starts a block: it returns where the block starts, after the
// comma that separates it from the one before.
func (w *slackWriter) begin() int {
	if len(w.blks) > 0 {
		w.out = append(w.out, ',')
	}
	return len(w.out)
}

// section writes a section block of the mrkdwn text s.
func (w *slackWriter) section(s []byte, level int) {
	start := w.begin()
	w.out = append(w.out, `{"type":"section","text":`+slackMrkdwnOpen...)
	w.out = appendJSONText(w.out, s)
	w.out = append(w.out, slackMrkdwnClose+"}"...)
	w.blks = append(w.blks, slackSpan{typ: "section", start: start, end: len(w.out), level: level})
}

// slackListPrefix is a list item's bullet: plain, not done, done.
var slackListPrefix = [3]string{"• ", checkMark(false) + " ", checkMark(true) + " "}

// block writes the blocks that one Doc block renders.
func (w *slackWriter) block(bl *Block) {
	switch bl.Kind {
	case BlockParagraph:
		if w.line = appendSlackLine(w.line[:0], bl.Inlines, slackMaxText); len(w.line) > 0 {
			w.section(w.line, 0)
		}
	case BlockHeading:
		h := st(inlinePlain(bl.Inlines))
		if w.line = appendSlackLine(w.line[:0], []Inline{h}, slackMaxText); len(w.line) > 0 {
			w.section(w.line, max(bl.Level, 1))
		}
	case BlockContext:
		if w.line = appendSlackLine(w.line[:0], bl.Inlines, slackMaxText); len(w.line) > 0 {
			start := w.begin()
			w.out = append(w.out, `{"type":"context","elements":[`+slackMrkdwnOpen...)
			w.out = appendJSONText(w.out, w.line)
			w.out = append(w.out, slackMrkdwnClose+"]}"...)
			w.blks = append(w.blks, slackSpan{typ: "context", start: start, end: len(w.out)})
		}
	case BlockList:
		// Items are joined by line breaks into sections of at most 3,000
		// units. (Every text here is valid UTF-8, so units add up.)
		w.sec = w.sec[:0]
		units := 0
		for i := range bl.Items {
			it := &bl.Items[i]
			prefix := slackListPrefix[0]
			if it.Check != nil {
				prefix = slackListPrefix[1+b2i(*it.Check)]
			}
			w.line = append(w.line[:0], prefix...)
			w.line = appendSlackLine(w.line, it.Inlines, slackMaxText-slackLen(prefix))
			n := slackLenBytes(w.line)
			if len(w.sec) > 0 && units+1+n > slackMaxText {
				w.section(w.sec, 0)
				w.sec, units = w.sec[:0], 0
			}
			if len(w.sec) > 0 {
				w.sec = append(w.sec, '\n')
				units++
			}
			w.sec = append(w.sec, w.line...)
			units += n
		}
		if len(w.sec) > 0 {
			w.section(w.sec, 0)
		}
	case BlockFields:
		for i := 0; i < len(bl.Fields); i += slackMaxFields {
			start := w.begin()
			w.out = append(w.out, `{"type":"section","fields":[`...)
			for j, f := range bl.Fields[i:min(i+slackMaxFields, len(bl.Fields))] {
				if j > 0 {
					w.out = append(w.out, ',')
				}
				w.line = appendSlackLine(w.line[:0], []Inline{st(f.Label)}, 200)
				label := slackLenBytes(w.line)
				w.line = append(w.line, '\n')
				w.line = appendSlackLine(w.line, f.Value, slackMaxField-label-1)
				w.out = append(w.out, slackMrkdwnOpen...)
				w.out = appendJSONText(w.out, w.line)
				w.out = append(w.out, slackMrkdwnClose...)
			}
			w.out = append(w.out, "]}"...)
			w.blks = append(w.blks, slackSpan{typ: "section", start: start, end: len(w.out)})
		}
	case BlockDivider:
		start := w.begin()
		w.out = append(w.out, `{"type":"divider"}`...)
		w.blks = append(w.blks, slackSpan{typ: "divider", start: start, end: len(w.out)})
	}
}

// split deals the blocks into messages of at most 50. Headings never end
// a message: they move to the next one. A message that starts inside a
// section (a digest owner's lanes) opens with that section's heading
// again, so each message reads on its own.
func (w *slackWriter) split() {
	w.order, w.parts = w.order[:0], w.parts[:0]
	cur := 0  // where the current message starts in order
	top := -1 // the last heading of level 1 or 2
	for b := range w.blks {
		if len(w.order)-cur == slackMaxBlocks {
			// Carry the headings that end the message into the next,
			// keeping at least one block and carrying at most 48.
			end := len(w.order)
			for end-cur > 1 && w.blks[w.order[end-1]].level > 0 && len(w.order)-end < slackMaxBlocks-2 {
				end--
			}
			w.parts = append(w.parts, end)
			cur = end
			if top >= 0 && (end == len(w.order) || w.blks[w.order[end]].level > 2) {
				w.order = append(w.order, 0)
				copy(w.order[end+1:], w.order[end:])
				w.order[end] = top
			}
		}
		w.order = append(w.order, b)
		if l := w.blks[b].level; l == 1 || l == 2 {
			top = b
		}
	}
	if len(w.order) > cur || len(w.parts) == 0 {
		w.parts = append(w.parts, len(w.order))
	}
}

// messages copies the messages out of the writer: one buffer holds every
// message's Blocks, one slice every message's Each. A document of one
// message is the array written, as it is.
func (w *slackWriter) messages(text string) []SlackMessage {
	each := make([]SlackBlock, len(w.order))
	if len(w.parts) == 1 { // then order is every block, in turn
		raw := bytes.Clone(w.out)
		raw = raw[:len(raw):len(raw)]
		for k := range w.blks {
			sp := &w.blks[k]
			each[k] = SlackBlock{Type: sp.typ, JSON: raw[sp.start:sp.end:sp.end]}
		}
		return []SlackMessage{{Text: text, Blocks: raw, Each: each}}
	}
	size := 0
	for _, b := range w.order {
		size += w.blks[b].end - w.blks[b].start + 1 // a comma or bracket each
	}
	raw := make([]byte, 0, size+len(w.parts))
	out := make([]SlackMessage, len(w.parts))
	from := 0
	for i, to := range w.parts {
		begin := len(raw)
		raw = append(raw, '[')
		for k := from; k < to; k++ {
			if k > from {
				raw = append(raw, ',')
			}
			sp := &w.blks[w.order[k]]
			start := len(raw)
			raw = append(raw, w.out[sp.start:sp.end]...)
			each[k] = SlackBlock{Type: sp.typ, JSON: raw[start:len(raw):len(raw)]}
		}
		raw = append(raw, ']')
		out[i] = SlackMessage{Text: text + " (" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(w.parts)) + ")",
			Blocks: raw[begin:len(raw):len(raw)], Each: each[from:to:to]}
		from = to
	}
	return out
}

// slackLen counts as Slack does, in UTF-16 code units.
func slackLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n++
		if r >= 0x10000 {
			n++
		}
		i += size
	}
	return n
}

// slackLenBytes is slackLen of b; ASCII eight bytes at a time.
func slackLenBytes(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:])&swarHigh == 0 {
			n += 8
			i += 8
			continue
		}
		if b[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		n++
		if r >= 0x10000 {
			n++
		}
		i += size
	}
	return n
}

// slackPlain is text for a plain_text object, cut to n. Plain text is not
// parsed for mentions or links; angle brackets are still swapped for
// look-alikes and @ broken, so nothing in it reads as markup either.
func slackPlain(s string, n int) string {
	s = strings.TrimSpace(quoted(s))
	s = plainAngles.Replace(s)
	s = breakAt(s)
	return cutUnits(s, n)
}

// plainAngles keeps plain text from reading as Slack's <…> syntax.
var plainAngles = strings.NewReplacer("<", "‹", ">", "›")

// cutUnits cuts s to at most n UTF-16 units, ellipsis included.
func cutUnits(s string, n int) string {
	if slackLen(s) <= n {
		return s
	}
	used := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n-1 {
			return withEllipsis(s[:i])
		}
		used += w
	}
	return s
}

// breakAt puts a zero-width joiner after an @ that starts a word.
func breakAt(s string) string {
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

// inlinePlain is the text of inlines without marks.
func inlinePlain(in []Inline) string {
	switch len(in) {
	case 0:
		return ""
	case 1:
		return in[0].Text
	}
	var b strings.Builder
	for _, x := range in {
		b.WriteString(x.Text)
	}
	return b.String()
}

// appendSlackLine appends inlines as one mrkdwn line of at most budget
// characters, trimmed. A run that does not fit is cut (rune-safe, before
// escaping, so no entity or link is split) and the line ends with an
// ellipsis.
func appendSlackLine(dst []byte, in []Inline, budget int) []byte {
	start := len(dst)
	used := 0
	for i := range in {
		x := &in[i]
		t := quoted(x.Text)
		mark := len(dst)
		dst = appendSlackInline(dst, x, t)
		if n := slackLenBytes(dst[mark:]); used+n <= budget {
			used += n
			continue
		}
		room := budget - used - 1
		if x.Kind != InlineMention && x.Kind != InlineLink {
			n := utf8.RuneCountInString(t)
			for n > 0 {
				dst = appendSlackInline(dst[:mark], x, cutText(t, n))
				if slackLenBytes(dst[mark:]) <= room {
					break
				}
				n = n * 3 / 4
			}
			if n > 0 {
				break
			}
		}
		dst = dst[:mark]
		if room >= 0 {
			dst = append(dst, ellipsis...)
		}
		break
	}
	// strings.TrimSpace of the line.
	line := bytes.TrimSpace(dst[start:])
	return dst[:start+copy(dst[start:], line)]
}

// appendSlackInline appends the mrkdwn of one inline whose quoted text
// is t.
func appendSlackInline(dst []byte, x *Inline, t string) []byte {
	switch x.Kind {
	case InlineStrong:
		return appendSlackMark(dst, '*', t)
	case InlineEmphasis:
		return appendSlackMark(dst, '_', t)
	case InlineCode:
		s := strings.TrimSpace(t)
		if s == "" {
			return append(dst, t...)
		}
		if strings.IndexByte(s, '`') >= 0 {
			s = strings.ReplaceAll(s, "`", "'")
		}
		dst = append(dst, '`')
		dst = appendSlackEscape(dst, s)
		return append(dst, '`')
	case InlineLink:
		u := safeURL(x.URL)
		switch {
		case u == "":
			return appendSlackEscape(dst, t)
		case strings.TrimSpace(t) == "":
			dst = append(dst, '<')
			dst = append(dst, u...)
			return append(dst, '>')
		}
		dst = append(dst, '<')
		dst = append(dst, u...)
		dst = append(dst, '|')
		dst = appendSlackEscape(dst, t)
		return append(dst, '>')
	case InlineMention:
		if slackIDOK(x.SlackID) {
			dst = append(dst, "<@"...)
			dst = append(dst, x.SlackID...)
			return append(dst, '>')
		}
		// slackEscape("@" + t), without building "@" + t.
		dst = append(dst, '@')
		if next, _ := utf8.DecodeRuneInString(t); next != utf8.RuneError {
			dst = append(dst, zwj...)
		}
		return appendSlackEscapeAll(dst, t, '@')
	}
	return appendSlackEscape(dst, t)
}

// appendSlackMark appends t in the mrkdwn mark m, spaces outside.
func appendSlackMark(dst []byte, m byte, t string) []byte {
	s := strings.TrimSpace(t)
	if s == "" {
		return append(dst, t...)
	}
	dst = append(dst, t[:len(t)-len(strings.TrimLeft(t, " "))]...)
	dst = append(dst, m)
	dst = appendSlackEscape(dst, s)
	dst = append(dst, m)
	return append(dst, t[len(strings.TrimRight(t, " ")):]...)
}
