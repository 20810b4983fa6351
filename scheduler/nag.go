package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// collect scans every project's whole scope and returns what is due soon
// or overdue (with overdueOnly, what is overdue), in the order read.
// Tickets created before the backlog cut-off are left out of nags
// (withBacklog false) so a new install does not blast old tickets.
//
// It keeps briefs, not Dues: a Due holds a copy of its ticket's whole
// handoff (3.5 KiB), and a scope of 100,000 tickets has some 12,000 items
// due; the texts are rendered from the few of them a message is about.
func (c *cycle) collect(ctx context.Context, withBacklog, overdueOnly bool) []handoff.DueBrief {
	var dues []handoff.DueBrief
	for _, p := range c.e.opt.Projects {
		err := c.e.opt.Tracker.Scan(ctx, ports.ScanRequest{Project: p.Name}, func(t ports.Ticket) error {
			c.rep.Tickets++
			if !withBacklog && !c.e.opt.Since.IsZero() && t.Input.Ticket.Created.Before(c.e.opt.Since) {
				return ctx.Err()
			}
			h := c.e.handoffOf(p, t)
			ev := handoff.Evaluate(h, p.Policy, c.now, c.e.opt.Location)
			c.observe(p, &ev, t.Trail.Snooze) // status_view.go
			c.e.noteTrail(t, ev.Lane, c.now)
			n := len(dues)
			dues = handoff.AppendDueBriefs(dues, &ev, p.Policy, c.now, c.e.opt.Location)
			kept := dues[:n]
			for _, d := range dues[n:] {
				if overdueOnly && d.Kind == handoff.DueSoon {
					continue
				}
				if d.EscalateTo == "" {
					d.EscalateTo = p.EscalateTo
				}
				kept = append(kept, d)
			}
			clear(dues[len(kept):])
			dues = kept
			return ctx.Err()
		})
		if err != nil {
			c.e.opt.Metrics.apiError("jira", err)
			c.rep.Errors = append(c.rep.Errors, fmt.Errorf("project %s: %w", p.Name, err))
		}
	}
	return dues
}

// owner resolves a person in Slack once per run.
func (c *cycle) owner(ctx context.Context, p handoff.Person) (ports.Recipient, error) {
	k := ownerKey(p)
	if r, ok := c.owners[k]; ok {
		return r.r, r.err
	}
	r, err := c.e.opt.Messenger.Owner(ctx, p)
	if err != nil {
		c.e.opt.Metrics.apiError("slack", err)
	}
	c.owners[k] = ownerResult{r, err}
	return r, err
}

// byOwner groups items by owner, as indexes into dues in the order given,
// and returns the owners in a stable order.
func byOwner(dues []handoff.DueBrief) ([]string, map[string][]int) {
	groups := map[string][]int{}
	for i, d := range dues {
		k := ownerKey(d.Owner)
		groups[k] = append(groups[k], i)
	}
	owners := make([]string, 0, len(groups))
	for k := range groups {
		owners = append(owners, k)
	}
	sort.Strings(owners)
	return owners, groups
}

// pick is the items of dues at the indexes.
func pick(dues []handoff.DueBrief, idx []int) []handoff.DueBrief {
	out := make([]handoff.DueBrief, len(idx))
	for i, j := range idx {
		out[i] = dues[j]
	}
	return out
}

// full turns briefs back into the Dues the owner texts (Reminder, HeadsUp,
// Escalation) take: one owner's items at a time. The digests are built
// from the briefs themselves (DigestBriefs, PersonalDigestBriefs).
func full(bs []handoff.DueBrief) []handoff.Due {
	if len(bs) == 0 {
		return nil
	}
	out := make([]handoff.Due, len(bs))
	for i, b := range bs {
		out[i] = b.Due()
	}
	return out
}

// ownerKey identifies an owner for batching and the manager map.
func ownerKey(p handoff.Person) string {
	for _, s := range []string{p.User.AccountID, p.User.Name, p.User.Email, strings.ToLower(p.Text)} {
		if s != "" {
			return s
		}
	}
	return "(no owner)"
}

// NagOptions narrows a nag run.
type NagOptions struct {
	DryRun bool
	// CountsOnly keeps the report's counts but not the texts sent.
	CountsOnly bool
	// OnAction, when set, is called with each action as it is done (in a
	// dry run, planned), its text included, and whether the run is dry: a
	// caller that prints the texts as they go can ask for CountsOnly and
	// hold none of them.
	OnAction func(a Action, dryRun bool)
}

// Nag reminds owners of what is due soon or overdue: one message per
// owner batching all their items, each item repeated on the backoff while
// it stays overdue and never twice in one day, and escalated after the
// configured number of reminders.
func (e *Engine) Nag(ctx context.Context, o NagOptions) (*Report, error) {
	unlock, err := e.lock("nag", o.DryRun || e.opt.DryRun)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := e.newCycle(ctx, "nag", o.DryRun || e.opt.DryRun, o.CountsOnly)
	if err != nil {
		return nil, err
	}
	c.rep.onAction = o.OnAction
	dues := c.collect(ctx, false, false)
	if len(c.rep.Errors) > 0 {
		// An owner's reminder batches their items from every project under
		// one ref a day: sent from a partial scan, it would use up the day
		// and drop the unread project's items. Send nothing; the retry (or
		// catch-up) sends the whole batch.
		return c.finish(ctx, nil)
	}
	owners, groups := byOwner(dues)
	for _, k := range owners {
		if ctx.Err() != nil {
			break
		}
		if err := c.nagOwner(ctx, k, pick(dues, groups[k])); err != nil {
			c.rep.Errors = append(c.rep.Errors, err)
			e.log.Error("owner not nagged; the next run retries", "owner", k, "err", err)
		}
	}
	e.statusAfter(ctx, c, false) // status_view.go
	return c.finish(ctx, func(s *Status) { s.LastNag = c.now })
}

func (c *cycle) finish(ctx context.Context, set func(*Status)) (*Report, error) {
	c.rep.Finished = c.e.opt.Now()
	c.e.opt.Metrics.cycle(c.rep.Job, c.rep)
	if len(c.rep.Errors) > 0 {
		return c.rep, fmt.Errorf("%s: %w: %w", c.rep.Job, ErrPartial, errors.Join(c.rep.Errors...))
	}
	if !c.dry {
		c.e.setStatus(set)
	}
	return c.rep, ctx.Err()
}

// plan is what one owner is told in one run.
type plan struct {
	remind, soon []handoff.DueBrief
	escalate     map[string][]handoff.DueBrief // by target
	level        int
}

func (c *cycle) nagOwner(ctx context.Context, k string, dues []handoff.DueBrief) error {
	person := dues[0].Owner
	sort.Slice(dues, func(i, j int) bool {
		if dues[i].Days != dues[j].Days {
			return dues[i].Days > dues[j].Days
		}
		return dues[i].Key < dues[j].Key
	})
	p := plan{escalate: map[string][]handoff.DueBrief{}}
	today := c.e.day(c.now)
	for _, d := range dues {
		if err := c.planItem(ctx, k, d, today, &p); err != nil {
			return err
		}
	}
	if len(p.remind)+len(p.soon) == 0 && len(p.escalate) == 0 {
		return nil
	}
	to, err := c.owner(ctx, person)
	if err != nil {
		return fmt.Errorf("owner %s: resolve in slack: %w", k, err)
	}
	if len(p.remind)+len(p.soon) > 0 && !c.quiet(k, to) {
		o := c.e.textOptions(c.now)
		o.OwnerSlackID = to.UserID
		doc := joinDocs(texts.Reminder(person, full(p.remind), o), texts.HeadsUp(person, full(p.soon), o), len(p.remind) > 0, len(p.soon) > 0)
		dest := to.UserID
		if !to.Reachable || dest == "" {
			dest = to.Channel + "/" + k
		}
		s := ports.Send{Kind: "reminder", Ref: "nag/" + dest + "/" + today, Recipient: firstNonEmpty(to.UserID, to.Channel),
			Items: append(itemKeys(p.remind), itemKeys(p.soon)...)}
		if err := c.sendOnce(ctx, s, ports.Message{To: to, Doc: doc, Buttons: c.e.dueButtons(p.remind, p.soon)}); err != nil {
			return fmt.Errorf("owner %s: %w", k, err)
		}
	}
	targets := make([]string, 0, len(p.escalate))
	for t := range p.escalate {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		items := p.escalate[t]
		rcpt, err := c.target(ctx, t)
		if err != nil {
			return fmt.Errorf("owner %s: escalation target %s: %w", k, t, err)
		}
		doc := texts.Escalation(person, full(items), p.level, c.e.textOptions(c.now))
		s := ports.Send{Kind: "escalation", Ref: "escalation/" + t + "/" + k + "/" + today, Recipient: firstNonEmpty(rcpt.UserID, rcpt.Channel),
			Items: itemKeys(items), Level: p.level}
		if err := c.sendOnce(ctx, s, ports.Message{To: rcpt, Doc: doc, Buttons: c.e.escalationButtons(items)}); err != nil {
			return fmt.Errorf("owner %s: %w", k, err)
		}
	}
	return nil
}

// planItem decides whether one item is reminded, warned of or escalated
// today, from what the ledger says was already sent about it.
func (c *cycle) planItem(ctx context.Context, owner string, d handoff.DueBrief, today string, p *plan) error {
	if until, err := c.e.opt.Snoozes.SnoozedUntil(ctx, d.Key); err != nil {
		return fmt.Errorf("%s: ledger snooze: %w", d.Key, err)
	} else if c.now.Before(until) {
		return nil
	}
	if quiet, err := c.e.answered(ctx, d, c.now); err != nil || quiet { // snooze.go
		return err
	}
	hist, err := c.e.opt.History.History(ctx, d.ItemKey())
	if err != nil {
		return fmt.Errorf("%s: ledger history: %w", d.Key, err)
	}
	var reminders int
	var lastReminder, lastEscalation time.Time
	for _, s := range hist {
		if c.e.day(s.Done) == today {
			return nil // never two messages about one item on one day
		}
		switch s.Kind {
		case "reminder":
			reminders++
			lastReminder = s.Done
		case "escalation":
			lastEscalation = s.Done
		}
	}
	if d.Kind == handoff.DueSoon {
		if reminders == 0 {
			p.soon = append(p.soon, d)
		}
		return nil
	}
	if reminders == 0 || c.daysSince(lastReminder) >= c.backoff(reminders) {
		p.remind = append(p.remind, d)
	}
	esc := c.e.opt.Nag.EscalateAfter
	if esc > 0 && reminders >= esc && (lastEscalation.IsZero() || c.daysSince(lastEscalation) >= c.e.opt.Nag.EscalateEvery) {
		t := c.escalationTarget(owner, d)
		if t != "" {
			p.escalate[t] = append(p.escalate[t], d)
			p.level = max(p.level, 1+(reminders-esc)/max(1, c.e.opt.Nag.EscalateEvery))
		}
	}
	return nil
}

// backoff is the wait in days after the n-th reminder.
func (c *cycle) backoff(n int) int {
	b := c.e.opt.Nag.Backoff
	if n-1 < len(b) {
		return b[n-1]
	}
	return c.e.opt.Nag.ThenEvery
}

// daysSince counts calendar days in the team's location, so a DST change
// or a late run does not shift the cadence.
func (c *cycle) daysSince(t time.Time) int {
	loc := c.e.opt.Location
	a := t.In(loc)
	b := c.now.In(loc)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

func (c *cycle) escalationTarget(owner string, d handoff.DueBrief) string {
	if f := c.e.opt.Nag.Escalate; f != nil {
		return f(d.Ticket.Project, d.Owner)
	}
	if m := c.e.opt.Nag.Managers[owner]; m != "" {
		return m
	}
	if d.EscalateTo != "" {
		return d.EscalateTo
	}
	return c.e.opt.Nag.EscalationChannel
}

// target resolves an escalation target: an email through Slack's lookup,
// an id or channel as it is.
func (c *cycle) target(ctx context.Context, t string) (ports.Recipient, error) {
	if strings.Contains(t, "@") && !strings.HasPrefix(t, "#") {
		return c.owner(ctx, handoff.Person{Value: handoff.Value{Text: t}, User: handoff.User{Email: t}})
	}
	return recipientFor(t), nil
}

// quiet reports whether now is inside an owner's quiet hours for a DM.
func (c *cycle) quiet(owner string, to ports.Recipient) bool {
	q := c.e.opt.Nag.QuietHours
	if oq, ok := c.e.opt.Nag.OwnerQuiet[owner]; ok {
		q = &oq
	}
	if q == nil || to.UserID == "" {
		return false
	}
	loc := q.Loc
	if loc == nil {
		loc = c.e.opt.Location
	}
	l := c.now.In(loc)
	m := l.Hour()*60 + l.Minute()
	if q.Start <= q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// sendOnce records and delivers one message.
func (c *cycle) sendOnce(ctx context.Context, s ports.Send, m ports.Message) error {
	in, err := c.intend(ctx, s)
	if err != nil {
		return err
	}
	_, _, err = c.deliver(ctx, in, m)
	return err
}

func itemKeys(ds []handoff.DueBrief) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ItemKey()
	}
	return out
}

// joinDocs puts a reminder and a heads-up in one message.
func joinDocs(rem, soon richtext.Doc, hasRem, hasSoon bool) richtext.Doc {
	switch {
	case hasRem && hasSoon:
		rem.Blocks = append(append(rem.Blocks, richtext.Block{Kind: richtext.BlockDivider}), soon.Blocks...)
		return rem
	case hasRem:
		return rem
	default:
		return soon
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
