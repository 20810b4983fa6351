package texts

import (
	"slices"
	"strconv"
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// DigestBriefs is the weekly overdue digest for a channel: the totals
// (items, owners, count per lane), then one section per owner (owners
// whose oldest item is oldest come first) with a count, and in it one list
// per lane in the seeds' order with a count, items oldest first. Heads-up
// items (DueSoon) are not overdue and are left out. Owners are named, not
// mentioned: a channel digest pings nobody.
func DigestBriefs(items []handoff.DueBrief, o Options) richtext.Doc {
	c := newTextCtx(o)
	over := overdueOnly(briefViews(items))
	groups := groupByOwner(over)
	named := 0
	for _, g := range groups {
		if hasOwner(*g.owner) {
			named++
		}
	}
	d := msgData{Total: len(over), Owners: named, Date: c.today(), Labels: laneCounts(c, over), Count: kevCount(over)}
	doc := richtext.Doc{Title: c.say("dg.title", d), Summary: c.say("dg.summary", d)}
	if len(over) == 0 {
		doc.Blocks = []richtext.Block{richtext.Para(richtext.Text(c.word("dg.none")))}
		return doc
	}
	doc.Blocks = append(doc.Blocks, richtext.Para(richtext.Text(c.say(kevKey("dg.totals", over), d))))
	for _, g := range groups {
		name := c.ownerName(*g.owner)
		if !hasOwner(*g.owner) {
			name = c.word("owner.none")
		}
		doc.Blocks = append(doc.Blocks, richtext.Heading(2, c.say("dg.group", msgData{Owner: name, Count: len(g.items)})))
		doc.Blocks = appendByLane(c, doc.Blocks, g.items, false)
	}
	doc.Blocks = append(doc.Blocks, richtext.SmallPrint(c.say(kevKey("dg.context", over), d)))
	return doc
}

// PersonalDigestBriefs is one owner's share of the weekly digest:
// addressed to the owner, their overdue items by lane, oldest first, each
// with what to do.
func PersonalDigestBriefs(owner handoff.Person, items []handoff.DueBrief, o Options) richtext.Doc {
	c := newTextCtx(o)
	over := overdueOnly(briefViews(items))
	d := msgData{Owner: c.ownerName(owner), Total: len(over), Count: len(over), Date: c.today()}
	doc := richtext.Doc{Title: c.say("pd.title", d), Summary: c.say("pd.summary", d)}
	if len(over) == 0 {
		doc.Blocks = []richtext.Block{c.addressed(owner, c.word("dg.none"))}
		return doc
	}
	doc.Blocks = append(doc.Blocks, c.addressed(owner, c.say(kevKey("pd.intro", over), d)))
	doc.Blocks = appendByLane(c, doc.Blocks, over, true)
	return doc
}

// overdueOnly keeps the overdue items (those not DueSoon), oldest first.
func overdueOnly(items []handoff.DueView) []handoff.DueView {
	return overdueFirst(slices.DeleteFunc(items, func(v handoff.DueView) bool { return v.Kind == handoff.DueSoon }))
}

// ownerGroup is one owner's items, oldest first.
type ownerGroup struct {
	owner *handoff.Person // the Owner of the group's first item
	items []handoff.DueView
}

// groupByOwner groups items (already oldest first) by owner, in the order
// of each owner's oldest item.
func groupByOwner(items []handoff.DueView) []ownerGroup {
	var groups []ownerGroup
	index := map[ownerID]int{}
	for _, v := range items {
		k := ownerKey(v.Owner)
		g, ok := index[k]
		if !ok {
			g = len(groups)
			index[k] = g
			groups = append(groups, ownerGroup{owner: v.Owner})
		}
		groups[g].items = append(groups[g].items, v)
	}
	return groups
}

// ownerID identifies a person across items (see ownerKey).
type ownerID struct {
	kind byte // 'a'ccount, 'n'ame, 'e'mail, 't'ext; 0 for nobody
	id   string
}

// ownerKey identifies a person across items: the Jira account, else the
// user name, the email, or the text as written.
func ownerKey(p *handoff.Person) ownerID {
	switch {
	case p.User.AccountID != "":
		return ownerID{'a', p.User.AccountID}
	case p.User.Name != "":
		return ownerID{'n', p.User.Name}
	case p.User.Email != "":
		return ownerID{'e', strings.ToLower(p.User.Email)}
	case p.Present():
		return ownerID{'t', strings.ToLower(strings.TrimSpace(p.Text))}
	}
	return ownerID{}
}

// laneOrder is the seeds' lane order with the unknown lane last.
func laneOrder() []handoff.Lane { return append(slices.Clone(handoff.Lanes()), handoff.LaneUnknown) }

// appendByLane appends to out items (already oldest first) listed under
// one heading per lane.
func appendByLane(c *textCtx, out []richtext.Block, items []handoff.DueView, do bool) []richtext.Block {
	out, items = c.appendKEV(out, items, do)
	for _, l := range laneOrder() {
		list := richtext.Block{Kind: richtext.BlockList}
		for i := range items {
			if items[i].Lane == l {
				list.Items = append(list.Items, c.dueItem(&items[i], do))
			}
		}
		if len(list.Items) > 0 {
			out = append(out, richtext.Heading(3, c.say("dg.lane", msgData{Lane: c.laneName(l, false), Count: len(list.Items)})), list)
		}
	}
	return out
}

// laneCounts is "patch now 3, monitor 1" over the lanes that have items.
func laneCounts(c *textCtx, items []handoff.DueView) string {
	var parts []string
	for _, l := range laneOrder() {
		n := 0
		for _, v := range items {
			if v.Lane == l {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, c.laneName(l, false)+" "+strconv.Itoa(n))
		}
	}
	return strings.Join(parts, ", ")
}
