package handoff

import "time"

// HeadsUp warns an owner of what falls due soon: each item with its
// ticket, the date that falls due and how many days are left, soonest
// first.
func HeadsUp(owner Person, items []Due, o TextOptions) Doc {
	c := newTextCtx(o)
	d := msgData{Owner: c.ownerName(owner), Count: len(items)}
	list := Block{Kind: BlockList}
	for _, it := range soonestFirst(dueRefs(items)) {
		list.Items = append(list.Items, c.dueItem(it, false))
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
	for _, it := range overdueFirst(dueRefs(items)) {
		b.Items = append(b.Items, c.dueItem(it, true))
	}
	return b
}

// ClosureRequest asks for closure proof on a ticket resolved without it
// ("close with proof, not intent"): when it was resolved, the seed's
// closure-evidence ask, a checklist of the proof (seed 003's closure
// evidence plus owner validation and residual risk, seed 000 step 7) with
// what is already there ticked, and what to send back.
func ClosureRequest(due Due, o TextOptions) Doc {
	c := newTextCtx(o)
	h := &due.Handoff
	t := &h.Ticket
	key := dueKey(&due)
	d := msgData{Key: key, Resolution: quote(t.Resolution, 60), Date: resolvedOn(&due, c.loc)}
	rest := " " + c.say("cr.text", d)
	if s := quote(t.Summary, cutSummary); s != "" {
		rest = " " + s + " —" + rest
	}
	first := c.addressed(pickOwner(&due), "", ticketRef(key, t.URL), tx(rest))
	cl := &h.Closure
	proof := []struct {
		id FieldID
		v  Value
	}{
		{FieldPatchedVersion, cl.PatchedVersion}, {FieldDeploymentRecord, cl.DeploymentRecord},
		{FieldAssetList, cl.AssetList}, {FieldScanEvidence, cl.ScanEvidence},
		{FieldValidatedAt, cl.ValidatedAt.Value}, {FieldOwnerValidation, cl.OwnerValidation},
		{FieldClosureExceptions, cl.Exceptions}, {FieldRemainingExposure, cl.RemainingExposure},
		{FieldResidualRisk, h.Fallback.ResidualRisk},
	}
	list := Block{Kind: BlockList}
	for _, p := range proof {
		in := []Inline{st(FieldLabel(p.id))}
		if p.v.Present() {
			in = append(in, tx(": "+quote(p.v.Text, cutValue)))
		}
		list.Items = append(list.Items, checkItem(p.v.Present(), in...))
	}
	return Doc{
		Title:   c.say("cr.title", d),
		Summary: c.say("cr.summary", d),
		Blocks: []Block{
			first,
			heading(2, c.word("cr.ask")), para(tx(c.word("ask.closure_evidence"))),
			heading(2, c.word("cr.proof")), list,
			para(tx(c.word("cr.send_back"))),
		},
	}
}

// pickOwner is who a due item is addressed to: its owner, else the
// handoff's.
func pickOwner(d *Due) Person {
	if hasOwner(d.Owner) {
		return d.Owner
	}
	return d.Handoff.Scope.Owner
}

// resolvedOn is the day a ticket was resolved, in loc.
func resolvedOn(d *Due, loc *time.Location) string {
	switch {
	case !d.Handoff.Ticket.Resolved.IsZero():
		return d.Handoff.Ticket.Resolved.In(loc).Format(time.DateOnly)
	case !d.On.IsZero():
		return d.On.Format(time.DateOnly)
	}
	return "?"
}
