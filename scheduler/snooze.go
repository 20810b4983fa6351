package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// defaultMaxSnoozeDays bounds a snooze when the config names no bound for
// the lane.
const defaultMaxSnoozeDays = 14

// maxSnoozeDays is the longest snooze the policy allows a lane.
func (e *Engine) maxSnoozeDays(l handoff.Lane) int {
	m := e.opt.Interact.MaxSnoozeDays
	if d := m[l]; d > 0 {
		return d
	}
	if d := m[handoff.LaneUnknown]; d > 0 {
		return d
	}
	return defaultMaxSnoozeDays
}

// civil is the calendar day of t in loc, at midnight UTC, so that days
// compare and subtract without DST.
func civil(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// dateDay is a handoff date's calendar day in loc: a date without a time
// of day is that day.
func dateDay(d handoff.Date, loc *time.Location) time.Time {
	if d.DateOnly {
		return time.Date(d.At.Year(), d.At.Month(), d.At.Day(), 0, 0, 0, 0, time.UTC)
	}
	return civil(d.At, loc)
}

// snoozeBound checks a snooze until day (a calendar day at midnight UTC)
// against the policy: after today; at most the lane's bound; never past an
// exception's expiry or a patch-now deadline without a reason. It is nil
// when the snooze is allowed, else the refusal to show next to the input
// it concerns.
func snoozeBound(ev handoff.Evaluation, day time.Time, reason string, maxDays int, now time.Time, loc *time.Location) *ports.Refusal {
	today := civil(now, loc)
	if !day.After(today) {
		return &ports.Refusal{Field: ports.FieldUntil, Reason: "Pick a day after today."}
	}
	if last := today.AddDate(0, 0, maxDays); day.After(last) {
		lane := strings.ReplaceAll(string(ev.Lane), "_", " ")
		return &ports.Refusal{Field: ports.FieldUntil, Reason: fmt.Sprintf("A %s ticket may be snoozed for at most %d %s: pick %s or earlier.",
			lane, maxDays, plural(maxDays, "day", "days"), last.Format("Mon 2 Jan 2006"))}
	}
	if strings.TrimSpace(reason) != "" {
		return nil
	}
	h := ev.Handoff
	if d := h.Fallback.ExceptionExpiry; d.Valid() && day.After(dateDay(d, loc)) {
		return &ports.Refusal{Field: ports.FieldReason, Reason: fmt.Sprintf("Snoozing past the exception's expiry (%s) needs a reason.",
			dateDay(d, loc).Format(time.DateOnly))}
	}
	if d := h.Change.Deadline; ev.Lane == handoff.LanePatchNow && d.Valid() && day.After(dateDay(d, loc)) {
		return &ports.Refusal{Field: ports.FieldReason, Reason: fmt.Sprintf("Snoozing a patch-now ticket past its deadline (%s) needs a reason.",
			dateDay(d, loc).Format(time.DateOnly))}
	}
	return nil
}

// Snooze silences reminders about a ticket until the day picked, within
// the policy's bound: written to the ledger (the nag reads it) and to the
// ticket, as its trail's snooze (so that it survives a lost ledger) and a
// comment saying who, until when and why. The same snooze asked again
// changes nothing.
func (a *Answers) Snooze(ctx context.Context, r ports.SnoozeRequest) (ports.Result, error) {
	e := a.e
	f, unlock, err := e.answering(ctx, r.Key, r.By)
	if err != nil {
		return ports.Result{}, err
	}
	defer unlock()
	loc := e.opt.Location
	now := e.opt.Now()
	day := time.Date(r.Until.Year(), r.Until.Month(), r.Until.Day(), 0, 0, 0, 0, time.UTC)
	if ref := snoozeBound(f.ev, day, r.Reason, e.maxSnoozeDays(f.ev.Lane), now, loc); ref != nil {
		return ports.Result{}, ref
	}
	until := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	z := &handoff.Snooze{Until: until, By: r.By.UserID, Name: who(r.By), Reason: typed(r.Reason), At: now}
	t := f.t.Input.Ticket
	res := ports.Result{Reply: snoozedReply(t, z, loc)}
	if e.opt.DryRun {
		return ports.Result{Reply: dryRunReply(r.Key)}, nil
	}
	if old := f.t.Trail.Snooze; old != nil && old.Until.Equal(until) && old.By == z.By && old.Reason == z.Reason {
		return ports.Result{Reply: snoozedReply(t, old, loc)}, nil // asked again: it holds
	}
	if err := e.opt.Interact.Snoozes.Snooze(ctx, r.Key, until, r.By.UserID); err != nil {
		return ports.Result{}, fmt.Errorf("%s: ledger snooze: %w", r.Key, err)
	}
	next := f.t.Trail
	next.Snooze = z
	if err := e.note(ctx, f, next, snoozeNote(t, z, loc), false); err != nil {
		return ports.Result{}, err
	}
	if _, err := e.record(ctx, ports.ActionRecord{ID: e.actionID("snooze", r.Key, r.Item, r.By, day.Format(time.DateOnly), z.Reason),
		Kind: "snooze", Key: r.Key, Item: r.Item, Actor: r.By.UserID, ActorName: r.By.Name, Until: until, Note: z.Reason}); err != nil {
		return ports.Result{}, err
	}
	e.noteSnooze(r.Key, *z, f.ev.Lane)
	e.log.Info("snoozed from slack", "ticket", r.Key, "until", until.Format(time.DateOnly), "user", r.By.UserID)
	e.refreshHome(ctx, r.By.UserID)
	return res, nil
}

// The snoozes read on the tickets' trails, kept by every scan: the nag
// honours them as it honours the ledger's, so that a snooze survives a
// lost ledger.

// noteTrail keeps what a ticket's trail says of its snooze.
func (e *Engine) noteTrail(t ports.Ticket, lane handoff.Lane, now time.Time) {
	key := t.Input.Ticket.Key
	if t.Trail.Snoozed(now) {
		e.noteSnooze(key, *t.Trail.Snooze, lane)
		return
	}
	e.ix.mu.Lock()
	delete(e.ix.snoozed, key)
	e.ix.mu.Unlock()
}

// noteSnooze keeps a ticket's snooze, bounded: the trail is a property
// anyone who may edit the ticket can write, so a snooze on it holds at
// most the lane's bound from when it was asked, like one asked in Slack.
func (e *Engine) noteSnooze(key string, z handoff.Snooze, lane handoff.Lane) {
	if limit := z.At.AddDate(0, 0, e.maxSnoozeDays(lane)+1); z.Until.After(limit) {
		z.Until = limit
	}
	e.ix.mu.Lock()
	defer e.ix.mu.Unlock()
	if e.ix.snoozed == nil {
		e.ix.snoozed = map[string]handoff.Snooze{}
	}
	e.ix.snoozed[key] = z
}

// trailSnooze is the snooze the last scan read on a ticket, if it holds
// at now.
func (e *Engine) trailSnooze(key string, now time.Time) (handoff.Snooze, bool) {
	e.ix.mu.Lock()
	defer e.ix.mu.Unlock()
	z, ok := e.ix.snoozed[key]
	return z, ok && now.Before(z.Until)
}

// answered says whether a due item is silenced by what people answered:
// a snooze on the ticket's trail, or (a heads-up only) an acknowledgement.
// The ledger's own snooze is checked by the nag beside it.
func (e *Engine) answered(ctx context.Context, d handoff.DueBrief, now time.Time) (bool, error) {
	if _, ok := e.trailSnooze(d.Key, now); ok {
		return true, nil
	}
	if d.Kind != handoff.DueSoon || e.opt.Interact.Actions == nil {
		return false, nil
	}
	acked, err := e.opt.Interact.Actions.Acknowledged(ctx, d.ItemKey())
	if err != nil {
		return false, fmt.Errorf("%s: ledger acknowledgements: %w", d.Key, err)
	}
	return acked, nil
}

// withSnoozes adds to a digest the snoozes of the tickets it lists
// ("SEC-1 snoozed until Wed 1 Jul 2026 by alice: waiting for the vendor"),
// so that a silenced item is seen as silenced, by whom and why.
func (e *Engine) withSnoozes(d richtext.Doc, items []handoff.DueBrief, now time.Time) richtext.Doc {
	var list []richtext.Item
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.Key] || it.Kind == handoff.DueSoon {
			continue
		}
		seen[it.Key] = true
		if z, ok := e.trailSnooze(it.Key, now); ok {
			list = append(list, richtext.Item{Inlines: []richtext.Inline{ticketInline(it.Ticket), richtext.Text(" snoozed " + snoozeText(&z, e.opt.Location))}})
		}
	}
	if len(list) == 0 {
		return d
	}
	d.Blocks = append(d.Blocks, richtext.Heading(2, fmt.Sprintf("Snoozed (%d)", len(list))), richtext.Block{Kind: richtext.BlockList, Items: list})
	return d
}
