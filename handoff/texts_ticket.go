package handoff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidationRequest is the living checklist posted on a ticket whose
// handoff is not owner-ready (seed 003: "If those are missing, send a
// validation request instead of a patch-now order"). It reads, in order:
// the ticket; who it is for and why it is a validation request; the
// checklist of what is missing (each with why it matters, what is wrong on
// this ticket and how to fix it) with items provided since ticked off; the
// seed's ask for the situation; the handoff as it stands in the shape of
// the seed's "Patch owner handoff" template; and what to send back.
func ValidationRequest(ev Evaluation, o TextOptions) Doc {
	c := newTextCtx(o)
	h := &ev.Handoff
	t := &h.Ticket
	d := msgData{Key: t.Key, Advisory: quote(h.Scope.Advisory.Text, 60), Lane: c.laneName(ev.Lane, h.Blocked),
		Count: len(ev.Findings), Date: c.today()}
	doc := Doc{Title: c.say("vr.title", d), Summary: c.say("vr.summary", d)}

	missing := len(ev.Findings)+len(o.Ticked) > 0
	ask := c.ask(&ev)
	// The blocks, and the one-inline blocks' inlines, are made at once.
	n := 7 // ticket, owner, handoff heading and fields, send back heading and text, context
	if missing {
		n += 2
	}
	if ask != "" {
		n += 2
	}
	doc.Blocks = make([]Block, 0, n)
	one := make([]Inline, 0, 7) // four headings, the ask, the send back text, the context
	inline := func(in Inline) []Inline {
		one = append(one, in)
		return one[len(one)-1 : len(one) : len(one)]
	}

	doc.Blocks = append(doc.Blocks, ticketLine(t))
	intro := c.say("vr.intro", d)
	if len(ev.Findings) == 0 {
		intro = c.say("vr.intro_ready", d)
	}
	doc.Blocks = append(doc.Blocks, c.addressed(h.Scope.Owner, intro))

	if missing {
		doc.Blocks = append(doc.Blocks, Block{Kind: BlockHeading, Level: 2, Inlines: inline(tx(c.say("vr.missing", d)))},
			c.checklist(ev.Findings, o.Ticked))
	}
	if ask != "" {
		doc.Blocks = append(doc.Blocks, Block{Kind: BlockHeading, Level: 2, Inlines: inline(tx(c.word("vr.ask")))},
			Block{Kind: BlockParagraph, Inlines: inline(tx(ask))})
	}
	doc.Blocks = append(doc.Blocks,
		Block{Kind: BlockHeading, Level: 2, Inlines: inline(tx(c.word("vr.handoff")))}, c.handoffFields(&ev),
		Block{Kind: BlockHeading, Level: 2, Inlines: inline(tx(c.word("vr.send_back")))},
		Block{Kind: BlockParagraph, Inlines: inline(tx(c.word("vr.send_back_text")))},
		Block{Kind: BlockContext, Inlines: inline(tx(c.say("vr.context", d)))})
	return doc
}

// Reopened is the short note posted when findings come back after the
// handoff was said to be complete; the checklist itself is updated.
func Reopened(ev Evaluation, o TextOptions) Doc {
	c := newTextCtx(o)
	t := &ev.Handoff.Ticket
	d := msgData{Key: t.Key, Count: len(ev.Findings), Labels: findingLabels(ev.Findings),
		Lane: c.laneName(ev.Lane, ev.Handoff.Blocked)}
	return Doc{
		Title:   c.say("re.title", d),
		Summary: c.say("re.summary", d),
		Blocks:  []Block{c.addressed(ev.Handoff.Scope.Owner, "", ticketRef(t.Key, t.URL), tx(" "+c.say("re.text", d)))},
	}
}

// Complete says once that the handoff is owner-ready, and what closes it:
// the closure proof the ticket expects, or the seed's closure-evidence ask.
func Complete(ev Evaluation, o TextOptions) Doc {
	c := newTextCtx(o)
	h := &ev.Handoff
	t := &h.Ticket
	d := msgData{Key: t.Key, Lane: c.laneName(ev.Lane, h.Blocked), Labels: joinLabels(o.Ticked)}
	first := make([]Inline, 2, 3)
	first[0], first[1] = ticketRef(t.Key, t.URL), tx(" "+c.say("co.text", d))
	if len(o.Ticked) > 0 {
		first = append(first, tx(" "+c.say("co.provided", d)))
	}
	closes := c.word("ask.closure_evidence")
	if h.Closure.Expected.Present() {
		closes = sentence(quote(h.Closure.Expected.Text, cutValue))
	}
	return Doc{
		Title:   c.say("co.title", d),
		Summary: c.say("co.summary", d),
		Blocks: []Block{
			c.addressed(h.Scope.Owner, "", first...),
			para(st(c.word("co.closes")), tx(" "+closes+" "+c.word("co.proof"))),
		},
	}
}

// ticketLine is the ticket key, linked, and its summary.
func ticketLine(t *Ticket) Block {
	s := quote(t.Summary, cutSummary)
	if s == "" {
		return para(ticketRef(t.Key, t.URL))
	}
	return para(ticketRef(t.Key, t.URL), tx(" "+s))
}

// addressed is a paragraph opening with the owner's name as a mention,
// then text, then any further inlines.
func (c *textCtx) addressed(owner Person, text string, more ...Inline) Block {
	n := len(more)
	switch {
	case hasOwner(owner):
		n += 2
	case text != "":
		n++
	}
	if text != "" && len(more) > 0 {
		n++
	}
	if n == 0 {
		return para() // no inlines at all: nil, as before
	}
	in := make([]Inline, 0, n)
	if hasOwner(owner) {
		in = append(in, c.ownerMention(owner, c.o.OwnerSlackID))
		if text != "" {
			in = append(in, tx(": "+text))
		} else {
			in = append(in, tx(": "))
		}
	} else if text != "" {
		in = append(in, tx(text))
	}
	if text != "" && len(more) > 0 {
		in = append(in, tx(" "))
	}
	return para(append(in, more...)...)
}

// ask is the seed's ask for the evaluation's situation, as the policy
// words it, else as the wording does.
func (c *textCtx) ask(ev *Evaluation) string {
	a := strings.TrimSpace(ev.Ask)
	if a == "" && ev.Situation != "" {
		a = c.word(keyOf(situationKeys[1], "ask.", ev.Situation))
	}
	if len(a) > 4 && strings.EqualFold(a[:4], "ask:") {
		a = strings.TrimSpace(a[4:])
	}
	if a == "" {
		return ""
	}
	// Evaluate fills the ask already; a hand-built evaluation (or the
	// wording's fallback ask) is filled here. Filled slots are left alone.
	a = fillAsk(a, &ev.Handoff) // reads the handoff only
	return sentence(upperFirst(quote(a, 900)))
}

// checklist lists each finding unticked (label, why, detail, how to fix),
// then each field provided since it was flagged, ticked.
func (c *textCtx) checklist(fs []Finding, ticked []FieldID) Block {
	b := Block{Kind: BlockList}
	n := len(fs) + len(ticked)
	if n == 0 {
		return b
	}
	// The items, their ticks and their inlines are made at once: the
	// inlines of each item are a full slice of their own in one array.
	b.Items = make([]Item, 0, n)
	checks := make([]bool, n)
	// Each finding has its label and fix, and a why and a detail (two
	// inlines) at most; each ticked field two.
	all := make([]Inline, 0, 5*len(fs)+2*len(ticked))
	item := func(done bool, in []Inline) {
		checks[len(b.Items)] = done
		b.Items = append(b.Items, Item{Inlines: in[:len(in):len(in)], Check: &checks[len(b.Items)]})
	}
	for i := range fs {
		f := &fs[i]
		label := f.Label
		if label == "" {
			label = FieldLabel(f.Field)
		}
		start := len(all)
		all = append(all, st(label))
		if why := strings.TrimSpace(f.Why); why != "" {
			all = append(all, tx(sentenceAfter(" — ", quote(why, cutValue))))
		}
		if det := quote(f.Detail, cutDetail); det != "" {
			all = append(all, tx(" "), emph(sentence(upperFirst(det))))
		}
		fix := c.sayAfter(" ", keyOf(fixKeys, "fix.", f.Kind), msgData{Field: label, Section: c.word(sectionKeys[sectionIndex(f.Field)])})
		all = append(all, tx(fix))
		item(false, all[start:])
	}
	if len(ticked) > 0 {
		provided := " — " + c.word("vr.provided")
		for _, id := range ticked {
			start := len(all)
			all = append(all, st(shortLabel(id)), tx(provided))
			item(true, all[start:])
		}
	}
	return b
}

// findingLabels joins the labels of findings for a sentence.
func findingLabels(fs []Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		l := f.Label
		if l == "" {
			l = FieldLabel(f.Field)
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, ", ")
}

// upperFirst capitalises the first letter of a sentence.
func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	up := unicode.ToUpper(r)
	if up == r && size == utf8.RuneLen(r) {
		return s // already capital (or caseless), and as written
	}
	// As before: what follows the first rune starts RuneLen(r) bytes in,
	// which skips more than one byte of an invalid first byte.
	return string(up) + s[min(utf8.RuneLen(r), len(s)):]
}
