package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// What people read from Slack: their own open items (the App Home tab and
// /patchbot mine) and one ticket (/patchbot status). The list behind the
// tabs is read from every project at once and reused for HomeTTL; it is
// read again, and the tabs whose items changed are published again, after
// each nag and each sync that changed something.

// Mine lists the actor's open items — overdue, due soon, handoffs still
// incomplete — each with its buttons: the items of the tickets whose owner
// is the actor in Slack.
func (a *Answers) Mine(ctx context.Context, by ports.Actor) ([]ports.Item, error) {
	idx, err := a.e.homeIndex(ctx, false)
	if err != nil {
		return nil, err
	}
	return idx[by.UserID], nil
}

// Status is one ticket as it stands: its validation request (the handoff,
// what is missing), what is due, and its snooze. Only those who may answer
// for the ticket read it.
func (a *Answers) Status(ctx context.Context, key string, by ports.Actor) (richtext.Doc, error) {
	e := a.e
	f, err := e.read(ctx, key)
	if err != nil {
		return richtext.Doc{}, err
	}
	if err := e.allowed(ctx, f, by); err != nil {
		return richtext.Doc{}, err
	}
	o := e.textOptions(f.c.now)
	o.OwnerSlackID = f.owner.UserID
	d := texts.ValidationRequest(f.ev, o)
	for _, x := range handoff.DueItems(f.ev, f.p.Policy, f.c.now, e.opt.Location) {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Text(dueText(x.Kind, x.Field, x.On, x.Days, e.opt.Location))))
	}
	if s := SnoozeLine(f.t.Trail, f.c.now, e.opt.Location); s != "" {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Text("Reminders are "+s+".")))
	}
	return d, nil
}

// refreshHome forgets the list behind the tabs after an answer changed
// it: the person's tab shows the change the next time it is published (on
// opening it, or after the next job).
func (e *Engine) refreshHome(_ context.Context, _ string) {
	e.ix.mu.Lock()
	e.ix.index = nil
	e.ix.mu.Unlock()
}

// homeIndex is everyone's open items by Slack user id: reused for HomeTTL
// unless fresh is asked for.
func (e *Engine) homeIndex(ctx context.Context, fresh bool) (map[string][]ports.Item, error) {
	if e.opt.Interact.Actions == nil {
		return nil, errNoAnswers
	}
	ttl := e.opt.Interact.HomeTTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	e.ix.mu.Lock()
	idx, at := e.ix.index, e.ix.indexAt
	e.ix.mu.Unlock()
	now := e.opt.Now()
	if !fresh && idx != nil && now.Sub(at) < ttl && !now.Before(at) {
		return idx, nil
	}
	idx, err := e.buildHomeIndex(ctx)
	if err != nil {
		return nil, err
	}
	e.ix.mu.Lock()
	e.ix.index, e.ix.indexAt = idx, now
	e.ix.mu.Unlock()
	return idx, nil
}

// buildHomeIndex reads every project's tickets and lists each owner's
// open items. Tickets before the backlog cut-off are left out, as the nag
// leaves them out.
func (e *Engine) buildHomeIndex(ctx context.Context) (map[string][]ports.Item, error) {
	c, err := e.newCycle(ctx, "home", true, true)
	if err != nil {
		return nil, err
	}
	idx := map[string][]ports.Item{}
	loc := e.opt.Location
	for _, p := range e.opt.Projects {
		err := e.opt.Tracker.Scan(ctx, ports.ScanRequest{Project: p.Name}, func(t ports.Ticket) error {
			if !e.opt.Since.IsZero() && t.Input.Ticket.Created.Before(e.opt.Since) {
				return ctx.Err()
			}
			h := e.handoffOf(p, t)
			ev := handoff.Evaluate(h, p.Policy, c.now, loc)
			e.noteTrail(t, ev.Lane, c.now)
			dues := handoff.AppendDueBriefs(nil, &ev, p.Policy, c.now, loc)
			if len(dues) == 0 && ev.Fingerprint == "" {
				return ctx.Err()
			}
			if !h.Scope.Owner.Present() && h.Scope.Owner.User.IsZero() {
				return ctx.Err()
			}
			to, err := c.owner(ctx, h.Scope.Owner)
			if err != nil || !to.Reachable || to.UserID == "" {
				return ctx.Err() // nobody's tab to show it in
			}
			var snooze string
			if z, ok := e.trailSnooze(h.Ticket.Key, c.now); ok {
				snooze = "snoozed " + snoozeText(&z, loc)
			}
			for _, d := range dues {
				g, b := ports.GroupOverdue, overdueButtons
				if d.Kind == handoff.DueSoon {
					g, b = ports.GroupDueSoon, headsUpButtons
				}
				idx[to.UserID] = append(idx[to.UserID], ports.Item{Key: d.Key, Ref: d.ItemKey(), Group: g, Buttons: b,
					Doc: itemDoc(h.Ticket, dueText(d.Kind, d.Field, d.On, d.Days, loc), snooze)})
			}
			if ev.Fingerprint != "" {
				idx[to.UserID] = append(idx[to.UserID], ports.Item{Key: h.Ticket.Key, Group: ports.GroupIncomplete, Buttons: ticketButtons,
					Doc: itemDoc(h.Ticket, fmt.Sprintf("%d missing: %s.", len(ev.Findings), missingLabels(ev.Findings)), snooze)})
			}
			return ctx.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("home: project %s: %w", p.Name, err)
		}
	}
	for _, items := range idx {
		sort.SliceStable(items, func(i, j int) bool {
			if items[i].Group != items[j].Group {
				return items[i].Group < items[j].Group
			}
			return items[i].Key < items[j].Key
		})
	}
	return idx, nil
}

// itemDoc is one line of a tab: the ticket, its summary, what is due or
// missing, and its snooze.
func itemDoc(t handoff.Ticket, what, snooze string) richtext.Doc {
	in := []richtext.Inline{ticketInline(t), richtext.Text(" " + cutRunes(t.Summary, 90))}
	d := doc(in, line(richtext.Text(what)))
	if snooze != "" {
		d.Blocks = append(d.Blocks, richtext.SmallPrint(snooze))
	}
	return d
}

func missingLabels(fs []handoff.Finding) string {
	var s string
	for i, f := range fs {
		if i > 0 {
			s += ", "
		}
		if i == 5 {
			return s + fmt.Sprintf("and %d more", len(fs)-5)
		}
		s += f.Label
	}
	return s
}

func cutRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// RefreshHomes reads everyone's open items again and publishes the App
// Home tab of each person whose items changed since their tab was last
// published (nothing while the Socket Mode adapter is not running). The
// daemon calls it after each nag and each sync that changed something.
func (e *Engine) RefreshHomes(ctx context.Context) error {
	ref := e.ix.home.Load()
	if ref == nil || e.opt.Interact.Actions == nil {
		return nil
	}
	idx, err := e.homeIndex(ctx, true)
	if err != nil {
		return err
	}
	e.ix.mu.Lock()
	if e.ix.published == nil {
		e.ix.published = map[string]string{}
	}
	users := map[string]string{}
	for u, items := range idx {
		users[u] = itemsDigest(items)
	}
	for u := range e.ix.published {
		if _, ok := users[u]; !ok {
			users[u] = itemsDigest(nil) // their last items are gone
		}
	}
	var stale []string
	for u, d := range users {
		if e.ix.published[u] != d {
			stale = append(stale, u)
		}
	}
	e.ix.mu.Unlock()
	sort.Strings(stale)
	var errs int
	for _, u := range stale {
		if err := ref.p.PublishHome(ctx, u); err != nil {
			errs++
			e.log.Warn("could not publish an app home tab; the next refresh tries again", "user", u, "err", err)
			continue
		}
		e.ix.mu.Lock()
		e.ix.published[u] = users[u]
		e.ix.mu.Unlock()
	}
	if errs > 0 {
		return fmt.Errorf("home: %d of %d tabs not published", errs, len(stale))
	}
	return nil
}

// itemsDigest identifies what a tab shows.
func itemsDigest(items []ports.Item) string {
	h := sha256.New()
	for _, it := range items {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%v\x00", it.Group, it.Key, it.Ref, it.Buttons)
		for _, b := range it.Doc.Blocks {
			for _, in := range b.Inlines {
				h.Write([]byte(in.Text))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// afterJob keeps the tabs fresh after a job: after each nag, and after a
// sync that acted on a ticket.
func (e *Engine) afterJob(ctx context.Context, job string, rep *Report) {
	if e.ix.home.Load() == nil {
		return
	}
	if job != JobNag && (rep == nil || len(rep.Actions) == 0) {
		return
	}
	if err := e.RefreshHomes(ctx); err != nil {
		e.log.Warn("app home tabs not all refreshed", "job", job, "err", err)
	}
}
