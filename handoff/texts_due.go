package handoff

// HeadsUp warns an owner of what falls due soon: each item with its
// ticket, the date that falls due and how many days are left, soonest
// first.
func HeadsUp(owner Person, items []Due, o TextOptions) Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items)}
	list := Block{Kind: BlockList}
	views := soonestFirst(dueViews(items))
	for i := range views {
		list.Items = append(list.Items, c.dueItem(&views[i], false))
	}
	blocks := []Block{c.addressed(owner, c.say("hu.intro", d))}
	if len(list.Items) > 0 {
		blocks = append(blocks, list, para(tx(c.say("do.due_soon", d))))
	}
	return Doc{Title: c.say("hu.title", d), Summary: c.say("hu.summary", d), Blocks: blocks}
}

// Reminder is one owner's batch of overdue items, oldest first: each with
// its ticket, what is overdue and by how many days, and what to do.
func Reminder(owner Person, items []Due, o TextOptions) Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items)}
	blocks := []Block{c.addressed(owner, c.say("rm.intro", d))}
	if l := c.dueList(items); len(l.Items) > 0 {
		blocks = append(blocks, l)
	}
	return Doc{Title: c.say("rm.title", d), Summary: c.say("rm.summary", d), Blocks: blocks}
}

// Escalation tells the escalation target what an owner left overdue after
// being reminded: the level, the owner named, and the items oldest first.
func Escalation(owner Person, items []Due, level int, o TextOptions) Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items), Level: level, Date: c.today()}
	first := para(c.ownerMention(owner, c.o.OwnerSlackID), tx(" "+c.say("es.intro", d)))
	if !hasOwner(owner) {
		first = para(tx(c.word("owner.none") + " — " + c.say("es.intro", d)))
	}
	blocks := []Block{first}
	if l := c.dueList(items); len(l.Items) > 0 {
		blocks = append(blocks, l)
	}
	blocks = append(blocks, smallPrint(c.say("es.context", d)))
	return Doc{Title: c.say("es.title", d), Summary: c.say("es.summary", d), Blocks: blocks}
}

// dueList lists overdue items oldest first, each with what to do.
func (c *textCtx) dueList(items []Due) Block {
	b := Block{Kind: BlockList}
	views := overdueFirst(dueViews(items))
	for i := range views {
		b.Items = append(b.Items, c.dueItem(&views[i], true))
	}
	return b
}
