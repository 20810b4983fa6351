package handoff

import (
	"strconv"
	"strings"
)

// Digest is the weekly overdue digest for a channel: the totals (items,
// owners, count per lane), then one section per owner (owners whose oldest
// item is oldest come first) with a count, and in it one list per lane in
// the seeds' order with a count, items oldest first. Heads-up items
// (DueSoon) are not overdue and are left out. Owners are named, not
// mentioned: a channel digest pings nobody.
func Digest(items []Due, o TextOptions) Doc { return digest(items, o) }

// DigestBriefs is the Digest of the Dues the briefs were made from, built
// from the briefs: a job that keeps briefs need not make a Due of each.
func DigestBriefs(items []DueBrief, o TextOptions) Doc { return digest(items, o) }

func digest[T any, P dueRef[T]](items []T, o TextOptions) Doc {
	c := newTextCtx(o)
	over := overdueOnly[T, P](items)
	groups := groupByOwner(over)
	named := 0
	for _, g := range groups {
		if hasOwner(*g.owner) {
			named++
		}
	}
	d := msgData{Total: len(over), Owners: named, Date: c.today(), Labels: laneCounts(c, over)}
	doc := Doc{Title: c.say("dg.title", d), Summary: c.say("dg.summary", d)}
	if len(over) == 0 {
		doc.Blocks = []Block{para(tx(c.word("dg.none")))}
		return doc
	}
	doc.Blocks = append(doc.Blocks, para(tx(c.say("dg.totals", d))))
	for _, g := range groups {
		name := c.ownerName(*g.owner)
		if !hasOwner(*g.owner) {
			name = c.word("owner.none")
		}
		doc.Blocks = append(doc.Blocks, heading(2, c.say("dg.group", msgData{Owner: name, Count: len(g.items)})))
		doc.Blocks = appendByLane(c, doc.Blocks, g.items, false)
	}
	doc.Blocks = append(doc.Blocks, smallPrint(c.say("dg.context", d)))
	return doc
}

// PersonalDigest is one owner's share of the weekly digest: addressed to
// the owner, their overdue items by lane, oldest first, each with what to
// do.
func PersonalDigest(owner Person, items []Due, o TextOptions) Doc {
	return personalDigest(owner, items, o)
}

// PersonalDigestBriefs is the PersonalDigest of the Dues the briefs were
// made from, built from the briefs.
func PersonalDigestBriefs(owner Person, items []DueBrief, o TextOptions) Doc {
	return personalDigest(owner, items, o)
}

func personalDigest[T any, P dueRef[T]](owner Person, items []T, o TextOptions) Doc {
	c := newTextCtx(o)
	over := overdueOnly[T, P](items)
	d := msgData{Owner: c.ownerName(owner), Total: len(over), Count: len(over), Date: c.today()}
	doc := Doc{Title: c.say("pd.title", d), Summary: c.say("pd.summary", d)}
	if len(over) == 0 {
		doc.Blocks = []Block{c.addressed(owner, c.word("dg.none"))}
		return doc
	}
	doc.Blocks = append(doc.Blocks, c.addressed(owner, c.say("pd.intro", d)))
	doc.Blocks = appendByLane(c, doc.Blocks, over, true)
	return doc
}

// overdueOnly points at the overdue items of items (those not DueSoon),
// oldest first.
func overdueOnly[T any, P dueRef[T]](items []T) []P {
	n := 0
	for i := range items {
		if P(&items[i]).view().Kind != DueSoon {
			n++
		}
	}
	out := make([]P, 0, n)
	for i := range items {
		if p := P(&items[i]); p.view().Kind != DueSoon {
			out = append(out, p)
		}
	}
	return overdueFirst(out)
}

// ownerGroup is one owner's items, oldest first.
type ownerGroup[P any] struct {
	owner *Person // the Owner of the group's first item
	items []P
}

// groupByOwner groups items (already oldest first) by owner, in the order
// of each owner's oldest item. The groups' item lists share one backing
// array, each sized to its owner's count.
func groupByOwner[T any, P dueRef[T]](items []P) []ownerGroup[P] {
	var groups []ownerGroup[P]
	index := map[ownerID]int{}
	of := make([]int, len(items)) // the group of each item
	count := []int{}
	for i, d := range items {
		owner := d.view().Owner
		k := ownerKey(owner)
		g, ok := index[k]
		if !ok {
			g = len(groups)
			index[k] = g
			groups = append(groups, ownerGroup[P]{owner: owner})
			count = append(count, 0)
		}
		of[i] = g
		count[g]++
	}
	all := make([]P, len(items))
	at := 0
	for g := range groups {
		groups[g].items = all[at : at : at+count[g]]
		at += count[g]
	}
	for i, d := range items {
		groups[of[i]].items = append(groups[of[i]].items, d)
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
func ownerKey(p *Person) ownerID {
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
func laneOrder() []Lane { return append(append([]Lane(nil), Lanes...), LaneUnknown) }

// laneOrder is laneOrder(), made once per text.
func (c *textCtx) laneOrder() []Lane {
	if c.lanes == nil {
		c.lanes = laneOrder()
	}
	return c.lanes
}

// appendByLane appends to out items (already oldest first) listed under
// one heading per lane.
func appendByLane[T any, P dueRef[T]](c *textCtx, out []Block, items []P, do bool) []Block {
	for _, l := range c.laneOrder() {
		n := 0
		for _, d := range items {
			if d.view().Lane == l {
				n++
			}
		}
		if n == 0 {
			continue
		}
		list := Block{Kind: BlockList, Items: make([]Item, 0, n)}
		for _, d := range items {
			if v := d.view(); v.Lane == l {
				list.Items = append(list.Items, c.viewItem(&v, do))
			}
		}
		out = append(out, heading(3, c.say("dg.lane", msgData{Lane: c.laneName(l, false), Count: len(list.Items)})), list)
	}
	return out
}

// laneCounts is "patch now 3, monitor 1" over the lanes that have items.
func laneCounts[T any, P dueRef[T]](c *textCtx, items []P) string {
	var parts []string
	for _, l := range c.laneOrder() {
		n := 0
		for _, d := range items {
			if d.view().Lane == l {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, c.laneName(l, false)+" "+strconv.Itoa(n))
		}
	}
	return strings.Join(parts, ", ")
}
