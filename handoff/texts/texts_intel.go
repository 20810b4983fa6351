package texts

import (
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// What the public feeds (KEV, EPSS) said, in the texts: a suggestion in
// the validation request where the urgency driver is missing, and a mark
// on KEV-listed due items, which the owner texts and digests list first.
// Without feed data (feeds off, no CVE id the feeds know) every text is
// what it was without them, byte for byte.

// appendFeedSuggestion appends, when the ticket is open, its urgency
// driver is missing and the feeds know one of its CVEs, what the feeds say
// as a suggestion for the owner to confirm: one line per CVE the feeds
// know ("CVE-2026-1234: KEV since 2026-11-02, known ransomware use; EPSS
// 0.94, 99th percentile on 2026-12-04"). patchbot never fills the field
// itself: the owner confirms or corrects it.
func (c *textCtx) appendFeedSuggestion(blocks []richtext.Block, ev handoff.Evaluation) []richtext.Block {
	h := &ev.Handoff
	if h.Ticket.Done() || h.Satisfied(handoff.FieldUrgencyDriver) || !h.Intel.Known() {
		return blocks
	}
	list := richtext.Block{Kind: richtext.BlockList}
	for _, x := range h.Intel.CVEs {
		if !x.Known() {
			continue
		}
		list.Items = append(list.Items, richtext.Item{Inlines: []richtext.Inline{
			richtext.Strong(x.ID), richtext.Text(": " + c.feedFacts(x)),
		}})
	}
	d := msgData{Section: c.word("section.why"), Count: len(list.Items)}
	return append(blocks,
		richtext.Heading(2, c.say("intel.heading", d)),
		richtext.Para(richtext.Text(c.say("intel.suggest", d))),
		list)
}

// feedFacts is what the feeds hold on one CVE, as a phrase: "KEV since
// 2026-11-02, known ransomware use; EPSS 0.94, 99th percentile on
// 2026-12-04".
func (c *textCtx) feedFacts(x handoff.CVEIntel) string {
	var parts []string
	if x.KEV {
		kev := c.say("intel.kev", msgData{Date: feedDay(x.KEVAdded)})
		if x.Ransomware {
			kev += ", " + c.word("intel.ransomware")
		}
		parts = append(parts, kev)
	}
	if x.HasEPSS {
		parts = append(parts, c.say("intel.epss", msgData{Score: handoff.FormatScore(x.EPSS),
			Percentile: handoff.Ordinal(x.Percentile), Date: feedDay(x.ScoreDate)}))
	}
	return strings.Join(parts, "; ")
}

// feedDay is a feed's date (a UTC midnight) as YYYY-MM-DD; "" when the
// feed did not say.
func feedDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// kevMark opens a KEV-listed due item with its mark ("KEV since
// 2026-11-02 (monitor)"), its lane included since a KEV-listed item is
// listed apart from its lane; nothing for any other item.
func (c *textCtx) kevMark(d *handoff.DueView) []richtext.Inline {
	if d.KEVSince.IsZero() {
		return nil
	}
	mark := c.say("intel.mark", msgData{Date: feedDay(d.KEVSince), Lane: c.laneName(d.Lane, d.Blocked)})
	return []richtext.Inline{richtext.Strong(mark), richtext.Text(" · ")}
}

// appendKEV appends the KEV-listed items (in their order) as a list of
// their own under a heading, and returns the rest: a digest lists them
// before its lanes.
func (c *textCtx) appendKEV(out []richtext.Block, items []handoff.DueView, do bool) ([]richtext.Block, []handoff.DueView) {
	list := richtext.Block{Kind: richtext.BlockList}
	var rest []handoff.DueView
	for i := range items {
		if items[i].KEVSince.IsZero() {
			rest = append(rest, items[i])
			continue
		}
		list.Items = append(list.Items, c.dueItem(&items[i], do))
	}
	if len(list.Items) == 0 {
		return out, items
	}
	return append(out, richtext.Heading(3, c.say("dg.kev", msgData{Count: len(list.Items)})), list), rest
}

// kevCount is how many items are KEV-listed.
func kevCount(items []handoff.DueView) int {
	n := 0
	for i := range items {
		if !items[i].KEVSince.IsZero() {
			n++
		}
	}
	return n
}

// kevFirst orders KEV-listed items before the others; 0 when both are or
// neither is.
func kevFirst(a, b handoff.DueView) int {
	switch ka, kb := !a.KEVSince.IsZero(), !b.KEVSince.IsZero(); {
	case ka && !kb:
		return -1
	case kb && !ka:
		return 1
	}
	return 0
}

// kevKey is the wording key for a text about items: key, or key + "_kev"
// when some item is KEV-listed (and so listed first, which the text says).
func kevKey(key string, items []handoff.DueView) string {
	if kevCount(items) > 0 {
		return key + "_kev"
	}
	return key
}
