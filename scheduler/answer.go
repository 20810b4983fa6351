package scheduler

import (
	"context"
	"fmt"
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Disown records that a ticket is not the actor's: a comment on the
// ticket (who says so, whom they suggest, their note, and the owner map
// entry that would route it), a message to the project's escalation
// target or the escalation channel so that someone routes it, and the
// entry to suggest in the person's answer. Said again the same day, it
// is said once.
func (a *Answers) Disown(ctx context.Context, r ports.DisownRequest) (ports.Result, error) {
	e := a.e
	f, unlock, err := e.answering(ctx, r.Key, r.By)
	if err != nil {
		return ports.Result{}, err
	}
	defer unlock()
	t := f.t.Input.Ticket
	mapping := ownerMapping(f.ev.Handoff.Scope.Owner, r.Suggested)
	told := firstNonEmpty(f.p.EscalateTo, e.opt.Interact.Channel)
	res := ports.Result{Reply: disownReply(t, told, mapping)}
	if e.opt.DryRun {
		return ports.Result{Reply: dryRunReply(r.Key)}, nil
	}
	id := e.actionID("disown", r.Key, r.Item, r.By, r.Suggested, typed(r.Note))
	rec := ports.ActionRecord{ID: id, Kind: "disown", Key: r.Key, Item: r.Item, Actor: r.By.UserID, ActorName: r.By.Name,
		Note: strings.TrimSpace("suggested " + r.Suggested + "; " + typed(r.Note))}
	if done, err := e.recorded(ctx, rec); err != nil || done {
		return res, err
	}
	if err := e.note(ctx, f, f.t.Trail, disownNote(t, r, mapping, false), true); err != nil {
		return ports.Result{}, err
	}
	if told != "" {
		c, err := e.newCycle(ctx, "answer", false, true)
		if err != nil {
			return ports.Result{}, err
		}
		s := ports.Send{Kind: "disown", Ref: "disown/" + r.Key + "/" + r.By.UserID + "/" + e.day(c.now), Recipient: told, Items: []string{r.Key}}
		if err := c.sendOnce(ctx, s, ports.Message{To: recipientFor(told), Doc: disownNote(t, r, mapping, true)}); err != nil {
			return ports.Result{}, fmt.Errorf("%s: tell %s: %w", r.Key, told, err)
		}
	}
	if _, err := e.record(ctx, rec); err != nil {
		return ports.Result{}, err
	}
	e.log.Info("ticket disowned from slack", "ticket", r.Key, "user", r.By.UserID, "suggested", r.Suggested)
	return res, nil
}

// recorded says whether an answer is on record already (a re-delivery):
// the ledger's audit is the last write of an answer, so one on record was
// carried out whole.
func (e *Engine) recorded(ctx context.Context, a ports.ActionRecord) (bool, error) {
	l, ok := e.opt.Interact.Actions.(interface {
		Action(ctx context.Context, id string) (ports.ActionRecord, bool, error)
	})
	if !ok {
		return false, nil
	}
	_, found, err := l.Action(ctx, a.ID)
	if err != nil {
		return false, fmt.Errorf("%s: read the audit: %w", a.Key, err)
	}
	return found, nil
}

// ownerMapping is the owner map entry that routes the ticket's owner to
// the suggested Slack user: `slack.owner_map: {"<owner>": "<U…>"}`.
func ownerMapping(owner handoff.Person, suggested string) string {
	k := firstNonEmpty(owner.User.AccountID, owner.User.Name, owner.User.Email, strings.TrimSpace(owner.Text))
	if k == "" {
		k = "<the owner's Jira account id or email>"
	}
	v := suggested
	if v == "" {
		v = "<their Slack user id>"
	}
	return fmt.Sprintf("slack.owner_map: {%q: %q}", k, v)
}

// Acknowledge records that the actor saw a heads-up: the item's heads-up
// stops (the overdue reminder that may follow does not). An item that is
// the ticket's key acknowledges every heads-up the ticket has now.
func (a *Answers) Acknowledge(ctx context.Context, item string, by ports.Actor) (ports.Result, error) {
	e := a.e
	key, _, _ := strings.Cut(item, "/")
	unlock := e.lockKey(key)
	defer unlock()
	f, err := e.read(ctx, key)
	if err != nil {
		return ports.Result{}, err
	}
	if err := e.allowed(ctx, f, by); err != nil {
		return ports.Result{}, err
	}
	t := f.t.Input.Ticket
	var items, what []string
	for _, d := range handoff.AppendDueBriefs(nil, &f.ev, f.p.Policy, f.c.now, e.opt.Location) {
		if d.Kind == handoff.DueSoon && (item == key || d.ItemKey() == item) {
			items = append(items, d.ItemKey())
			what = append(what, dueText(d.Kind, d.Field, d.On, d.Days, e.opt.Location))
		}
	}
	if len(items) == 0 && item != key {
		items, what = []string{item}, []string{"the heads-up"}
	}
	if len(items) == 0 {
		return ports.Result{Reply: doc(line(ticketInline(t), richtext.Text(" has no heads-up to acknowledge now.")))}, nil
	}
	res := ports.Result{Reply: ackReply(t, what)}
	if e.opt.DryRun {
		return ports.Result{Reply: dryRunReply(key)}, nil
	}
	var recs []ports.ActionRecord
	for _, it := range items {
		rec := ports.ActionRecord{ID: e.actionID("ack", key, it, by), Kind: "ack", Key: key, Item: it, Actor: by.UserID, ActorName: by.Name}
		done, err := e.recorded(ctx, rec)
		if err != nil {
			return ports.Result{}, err
		}
		if !done {
			recs = append(recs, rec)
		}
	}
	if len(recs) == 0 {
		return res, nil
	}
	if err := e.note(ctx, f, f.t.Trail, ackNote(t, by, what), false); err != nil {
		return ports.Result{}, err
	}
	for _, rec := range recs {
		if _, err := e.record(ctx, rec); err != nil {
			return ports.Result{}, err
		}
	}
	e.log.Info("heads-up acknowledged from slack", "ticket", key, "items", items, "user", by.UserID)
	e.refreshHome(ctx, by.UserID)
	return res, nil
}
