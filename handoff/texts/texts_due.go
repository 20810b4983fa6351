package texts

import (
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// HeadsUp warns an owner of what falls due soon: each item with its
// ticket, the date that falls due and how many days are left, soonest
// first.
func HeadsUp(owner handoff.Person, items []handoff.Due, o Options) richtext.Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items)}
	list := richtext.Block{Kind: richtext.BlockList}
	views := soonestFirst(dueViews(items))
	for i := range views {
		list.Items = append(list.Items, c.dueItem(&views[i], false))
	}
	blocks := []richtext.Block{c.addressed(owner, c.say("hu.intro", d))}
	if len(list.Items) > 0 {
		blocks = append(blocks, list, richtext.Para(richtext.Text(c.say("do.due_soon", d))))
	}
	return richtext.Doc{Title: c.say("hu.title", d), Summary: c.say("hu.summary", d), Blocks: blocks}
}

// Reminder is one owner's batch of overdue items, oldest first: each with
// its ticket, what is overdue and by how many days, and what to do.
func Reminder(owner handoff.Person, items []handoff.Due, o Options) richtext.Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items)}
	blocks := []richtext.Block{c.addressed(owner, c.say("rm.intro", d))}
	if l := c.dueList(items); len(l.Items) > 0 {
		blocks = append(blocks, l)
	}
	return richtext.Doc{Title: c.say("rm.title", d), Summary: c.say("rm.summary", d), Blocks: blocks}
}

// Escalation tells the escalation target what an owner left overdue after
// being reminded: the level, the owner named, and the items oldest first.
func Escalation(owner handoff.Person, items []handoff.Due, level int, o Options) richtext.Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items), Level: level, Date: c.today()}
	first := richtext.Para(c.ownerMention(owner, c.o.OwnerSlackID), richtext.Text(" "+c.say("es.intro", d)))
	if !hasOwner(owner) {
		first = richtext.Para(richtext.Text(c.word("owner.none") + " — " + c.say("es.intro", d)))
	}
	blocks := []richtext.Block{first}
	if l := c.dueList(items); len(l.Items) > 0 {
		blocks = append(blocks, l)
	}
	blocks = append(blocks, richtext.SmallPrint(c.say("es.context", d)))
	return richtext.Doc{Title: c.say("es.title", d), Summary: c.say("es.summary", d), Blocks: blocks}
}

// dueList lists overdue items oldest first, each with what to do.
func (c *textCtx) dueList(items []handoff.Due) richtext.Block {
	b := richtext.Block{Kind: richtext.BlockList}
	views := overdueFirst(dueViews(items))
	for i := range views {
		b.Items = append(b.Items, c.dueItem(&views[i], true))
	}
	return b
}
