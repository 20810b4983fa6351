package texts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// ValidationRequest is the living checklist posted on a ticket whose
// handoff is not owner-ready (seed 003: "If those are missing, send a
// validation request instead of a patch-now order"). It reads, in order:
// the ticket; who it is for and why it is a validation request; the
// checklist of what is missing (each with why it matters, what is wrong on
// this ticket and how to fix it) with items provided since ticked off; the
// seed's ask for the situation; the handoff as it stands in the shape of
// the seed's "Patch owner handoff" template; and what to send back.
func ValidationRequest(ev handoff.Evaluation, o Options) richtext.Doc {
	c := newTextCtx(o)
	h := ev.Handoff
	t := h.Ticket
	d := msgData{Key: t.Key, Advisory: quote(h.Scope.Advisory.Text, 60), Lane: c.laneName(ev.Lane, h.Blocked),
		Count: len(ev.Findings), Date: c.today()}
	doc := richtext.Doc{Title: c.say("vr.title", d), Summary: c.say("vr.summary", d)}

	doc.Blocks = append(doc.Blocks, ticketLine(t))
	intro := c.say("vr.intro", d)
	if len(ev.Findings) == 0 {
		intro = c.say("vr.intro_ready", d)
	}
	doc.Blocks = append(doc.Blocks, c.addressed(h.Scope.Owner, intro))

	if len(ev.Findings)+len(o.Ticked) > 0 {
		doc.Blocks = append(doc.Blocks, richtext.Heading(2, c.say("vr.missing", d)), c.checklist(ev.Findings, o.Ticked))
	}
	doc.Blocks = c.appendFeedSuggestion(doc.Blocks, ev)
	if ask := c.ask(ev); ask != "" {
		doc.Blocks = append(doc.Blocks, richtext.Heading(2, c.word("vr.ask")), richtext.Para(richtext.Text(ask)))
	}
	doc.Blocks = append(doc.Blocks,
		richtext.Heading(2, c.word("vr.handoff")), c.handoffFields(ev),
		richtext.Heading(2, c.word("vr.send_back")), richtext.Para(richtext.Text(c.word("vr.send_back_text"))),
		richtext.SmallPrint(c.say("vr.context", d)))
	return doc
}

// Reopened is the short note posted when findings come back after the
// handoff was said to be complete; the checklist itself is updated.
func Reopened(ev handoff.Evaluation, o Options) richtext.Doc {
	c := newTextCtx(o)
	t := ev.Handoff.Ticket
	d := msgData{Key: t.Key, Count: len(ev.Findings), Labels: findingLabels(ev.Findings),
		Lane: c.laneName(ev.Lane, ev.Handoff.Blocked)}
	return richtext.Doc{
		Title:   c.say("re.title", d),
		Summary: c.say("re.summary", d),
		Blocks:  []richtext.Block{c.addressed(ev.Handoff.Scope.Owner, "", ticketRef(t.Key, t.URL), richtext.Text(" "+c.say("re.text", d)))},
	}
}

// Complete says once that the handoff is owner-ready, and what closes it:
// the closure proof the ticket expects, or the seed's closure-evidence ask.
func Complete(ev handoff.Evaluation, o Options) richtext.Doc {
	c := newTextCtx(o)
	h := ev.Handoff
	t := h.Ticket
	d := msgData{Key: t.Key, Lane: c.laneName(ev.Lane, h.Blocked), Labels: joinLabels(o.Ticked)}
	first := []richtext.Inline{ticketRef(t.Key, t.URL), richtext.Text(" " + c.say("co.text", d))}
	if len(o.Ticked) > 0 {
		first = append(first, richtext.Text(" "+c.say("co.provided", d)))
	}
	closes := c.word("ask.closure_evidence")
	if h.Closure.Expected.Present() {
		closes = sentence(quote(h.Closure.Expected.Text, cutValue))
	}
	return richtext.Doc{
		Title:   c.say("co.title", d),
		Summary: c.say("co.summary", d),
		Blocks: []richtext.Block{
			c.addressed(h.Scope.Owner, "", first...),
			richtext.Para(richtext.Strong(c.word("co.closes")), richtext.Text(" "+closes+" "+c.word("co.proof"))),
		},
	}
}

// ticketLine is the ticket key, linked, and its summary.
func ticketLine(t handoff.Ticket) richtext.Block {
	in := []richtext.Inline{ticketRef(t.Key, t.URL)}
	if s := quote(t.Summary, cutSummary); s != "" {
		in = append(in, richtext.Text(" "+s))
	}
	return richtext.Para(in...)
}

// addressed is a paragraph opening with the owner's name as a mention,
// then text, then any further inlines.
func (c *textCtx) addressed(owner handoff.Person, text string, more ...richtext.Inline) richtext.Block {
	var in []richtext.Inline
	if hasOwner(owner) {
		in = append(in, c.ownerMention(owner, c.o.OwnerSlackID))
		if text != "" {
			in = append(in, richtext.Text(": "+text))
		} else {
			in = append(in, richtext.Text(": "))
		}
	} else if text != "" {
		in = append(in, richtext.Text(text))
	}
	if text != "" && len(more) > 0 {
		in = append(in, richtext.Text(" "))
	}
	return richtext.Para(append(in, more...)...)
}

// ask is the seed's ask for the evaluation's situation, as the policy
// words it, else as the wording does.
func (c *textCtx) ask(ev handoff.Evaluation) string {
	a := strings.TrimSpace(ev.Ask)
	if a == "" && ev.Situation != "" {
		a = c.word("ask." + string(ev.Situation))
	}
	if len(a) > 4 && strings.EqualFold(a[:4], "ask:") {
		a = strings.TrimSpace(a[4:])
	}
	if a == "" {
		return ""
	}
	// Evaluate fills the ask already; a hand-built evaluation (or the
	// wording's fallback ask) is filled here. Filled slots are left alone.
	h := ev.Handoff
	a = handoff.FillAsk(a, &h)
	return sentence(upperFirst(quote(a, 900)))
}

// checklist lists each finding unticked (label, why, detail, how to fix),
// then each field provided since it was flagged, ticked.
func (c *textCtx) checklist(fs []handoff.Finding, ticked []handoff.FieldID) richtext.Block {
	b := richtext.Block{Kind: richtext.BlockList}
	for _, f := range fs {
		label := f.Label
		if label == "" {
			label = handoff.FieldLabel(f.Field)
		}
		in := []richtext.Inline{richtext.Strong(label)}
		if why := strings.TrimSpace(f.Why); why != "" {
			in = append(in, richtext.Text(" — "+sentence(quote(why, cutValue))))
		}
		if det := quote(f.Detail, cutDetail); det != "" {
			in = append(in, richtext.Text(" "), richtext.Emphasis(sentence(upperFirst(det))))
		}
		fix := c.say("fix."+string(f.Kind), msgData{Field: label, Section: c.word("section." + sectionOf(f.Field))})
		in = append(in, richtext.Text(" "+fix))
		b.Items = append(b.Items, richtext.CheckItem(false, in...))
	}
	for _, id := range ticked {
		b.Items = append(b.Items, richtext.CheckItem(true, richtext.Strong(shortLabel(id)), richtext.Text(" — "+c.word("vr.provided"))))
	}
	return b
}

// findingLabels joins the labels of findings for a sentence.
func findingLabels(fs []handoff.Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		l := f.Label
		if l == "" {
			l = handoff.FieldLabel(f.Field)
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, ", ")
}

// upperFirst capitalises the first letter of a sentence.
func upperFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+utf8.RuneLen(r):]
	}
	return s
}
