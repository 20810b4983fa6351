package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// The status view: what the status page (connectors/statuspage) and the
// handoff gauges show. The engine keeps a compact row per ticket from the
// latest evaluation that read it — a sync's, a full sync's or a nag's — and
// a full sync, which reads every project's whole scope, drops the rows of
// tickets it no longer finds. After each cycle the rows are counted into
// the gauges and, once a day, into the ledger's daily snapshots; a request
// for the page copies the rows and adds the snoozes in force: the one a
// ticket's trail carries (a snooze from Slack, with its reason) and the
// ledger's (patchbot snooze).

// DayLog keeps the daily snapshots of the handoff counts (the store).
type DayLog interface {
	// RecordDay writes each (day, project) once, the first write of a
	// day staying, and prunes the days before pruneBefore.
	RecordDay(ctx context.Context, counts []ports.DayCount, pruneBefore string) (int, error)
	// Days lists the snapshots from a day ("2006-01-02") on.
	Days(ctx context.Context, from string) ([]ports.DayCount, error)
}

// SnoozeList lists the snoozes in force (the store).
type SnoozeList interface {
	ActiveSnoozes(ctx context.Context, at time.Time) ([]ports.Snoozed, error)
}

// FeedHealth reports the outside feeds' state for the page.
type FeedHealth interface {
	FeedHealth() []ports.StatusFeed
}

// Capabilities reports what the bot runs without, and why.
type Capabilities interface {
	Degraded() []ports.StatusDegraded
}

// StatusOptions turn on the status view. Every field is optional.
type StatusOptions struct {
	// Days keeps the daily snapshots; nil: no trend.
	Days DayLog
	// Snoozes lists the snoozes in force; nil: none on the page.
	Snoozes SnoozeList
	// Feeds are the feeds' ages for the page's health section (the KEV
	// marks come with the evaluation: handoff.Intel).
	Feeds        FeedHealth
	Capabilities Capabilities
	// MaxTickets bounds the rows kept (default 250,000); tickets past it
	// are counted, not kept, and the page says so.
	MaxTickets int
	// KeepDays is how many days of snapshots the ledger keeps (default
	// 120; the chart shows 84).
	KeepDays int
}

// EnableStatus turns on the status view: call it once, before the jobs
// run. Without it StatusView fails and the gauges stay empty.
func (e *Engine) EnableStatus(o StatusOptions) {
	if o.MaxTickets <= 0 {
		o.MaxTickets = 250_000
	}
	if o.KeepDays <= 0 {
		o.KeepDays = 120
	}
	e.board = &board{opt: o, index: map[string]int{}, labels: map[string]string{}}
}

// board holds one row per ticket in scope. rows and meta are parallel;
// index finds a ticket's row. Guarded by mu: a nag may run beside a sync.
type board struct {
	opt    StatusOptions
	mu     sync.Mutex
	rows   []ports.StatusTicket // Overdue left empty: made from meta at read
	meta   []rowMeta
	index  map[string]int
	labels map[string]string // interned labels and owner names
	// full is when the last full sync finished (zero: none since start).
	full time.Time
	// overflow: a ticket was left out for MaxTickets since the last full
	// sync (overflowNow) or during it (overflow).
	overflow, overflowNow bool
	// snapDay is the last day a snapshot was recorded by this process.
	snapDay string
}

// rowMeta is what a row needs besides the page's fields: its due items,
// kept with their day so that their age is counted at read time, and when
// it was last seen.
type rowMeta struct {
	dues   []rowDue
	snooze *handoff.Snooze // the trail's, as read
	seen   time.Time
}

type rowDue struct {
	kind  string
	field string
	on    time.Time // the day due, midnight in the team's zone
}

// observe records a ticket's evaluation at the cycle's instant, with the
// snooze its trail carries (nil: none).
func (c *cycle) observe(p Project, ev *handoff.Evaluation, snooze *handoff.Snooze) {
	b := c.e.board
	if b == nil {
		return
	}
	h := &ev.Handoff
	key := h.Ticket.Key
	inScope := !h.Ticket.Done() || ev.Verdict == handoff.VerdictClosureProof

	// What can be made without the lock is made first.
	var dues []rowDue
	if inScope {
		var briefs [4]handoff.DueBrief
		for _, d := range handoff.AppendDueBriefs(briefs[:0], ev, p.Policy, c.now, c.e.opt.Location) {
			if d.Kind != handoff.DueSoon {
				dues = append(dues, rowDue{kind: string(d.Kind), field: handoff.FieldLabel(d.Field), on: d.On})
			}
		}
	}
	kev := isKEV(h)
	if snooze != nil {
		s := *snooze
		snooze = &s
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	i, known := b.index[key]
	if !inScope {
		if known {
			b.remove(i)
		}
		return
	}
	if known && b.meta[i].seen.After(c.now) {
		return // a later cycle already read it
	}
	row := ports.StatusTicket{
		Key: key, Project: p.Name, Summary: h.Ticket.Summary, URL: h.Ticket.URL,
		Lane: string(ev.Lane), Verdict: string(ev.Verdict), Owner: b.intern(ownerName(h.Scope.Owner)), KEV: kev,
	}
	for _, f := range ev.Findings {
		row.Missing = append(row.Missing, b.intern(findingLabel(f)))
	}
	switch {
	case known:
		b.rows[i], b.meta[i] = row, rowMeta{dues: dues, snooze: snooze, seen: c.now}
	case len(b.rows) < b.opt.MaxTickets:
		b.index[key] = len(b.rows)
		b.rows = append(b.rows, row)
		b.meta = append(b.meta, rowMeta{dues: dues, snooze: snooze, seen: c.now})
	default:
		b.overflowNow = true
	}
}

// remove drops row i, moving the last row into its place.
func (b *board) remove(i int) {
	last := len(b.rows) - 1
	delete(b.index, b.rows[i].Key)
	if i != last {
		b.rows[i], b.meta[i] = b.rows[last], b.meta[last]
		b.index[b.rows[i].Key] = i
	}
	b.rows[last], b.meta[last] = ports.StatusTicket{}, rowMeta{}
	b.rows, b.meta = b.rows[:last], b.meta[:last]
}

// sweep ends a full sync that started at start: rows not seen since are
// of tickets that left the scope.
func (b *board) sweep(start time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.rows) - 1; i >= 0; i-- {
		if b.meta[i].seen.Before(start) {
			b.remove(i)
		}
	}
	b.full = start
	b.overflow, b.overflowNow = b.overflowNow, false
}

func (b *board) intern(s string) string {
	if v, ok := b.labels[s]; ok {
		return v
	}
	if len(b.labels) < 10_000 {
		b.labels[s] = s
	}
	return s
}

// ownerName is how the page names an owner.
func ownerName(p handoff.Person) string {
	for _, s := range []string{p.User.DisplayName, p.Text, p.User.Name, p.User.Email} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// findingLabel names what a finding asks for, with what is wrong when the
// field is not simply missing.
func findingLabel(f handoff.Finding) string {
	l := f.Label
	if l == "" {
		l = handoff.FieldLabel(f.Field)
	}
	switch f.Kind {
	case handoff.FindingUnfilled:
		return l + " (placeholder left)"
	case handoff.FindingInvalid:
		return l + " (invalid)"
	case handoff.FindingOwnerUnreachable:
		return l + " (not found in Slack)"
	}
	return l
}

// isKEV: the feeds list one of the CVEs the ticket names (handoff.Intel,
// set by the engine before evaluating), or the ticket says it is listed.
func isKEV(h *handoff.Handoff) bool {
	for _, c := range h.Intel.CVEs {
		if c.KEV {
			return true
		}
	}
	if v := h.Urgency.KEV; v.Present() {
		switch strings.ToLower(strings.TrimSpace(v.Text)) {
		case "no", "false", "none", "n/a", "-":
		default:
			return true
		}
	}
	return false
}

// tickets copies the rows as the page shows them at now: each due item's
// age counted from its day.
func (e *Engine) tickets(now time.Time) (rows []ports.StatusTicket, trail map[int]*handoff.Snooze, full time.Time, overflow bool) {
	b := e.board
	b.mu.Lock()
	rows = slices.Clone(b.rows)
	dues := make([][]rowDue, len(b.meta))
	trail = map[int]*handoff.Snooze{}
	for i := range b.meta {
		dues[i] = b.meta[i].dues
		if s := b.meta[i].snooze; s != nil {
			trail[i] = s
		}
	}
	full, overflow = b.full, b.overflow || b.overflowNow
	b.mu.Unlock()

	today := civilDay(now, e.opt.Location)
	for i, ds := range dues {
		if len(ds) == 0 {
			continue
		}
		out := make([]ports.StatusOverdue, len(ds))
		for j, d := range ds {
			out[j] = ports.StatusOverdue{Kind: d.kind, Field: d.field, Days: int(today.Sub(civilDay(d.on, e.opt.Location)).Hours() / 24)}
		}
		rows[i].Overdue = out
	}
	return rows, trail, full, overflow
}

// civilDay is t's date in loc as UTC midnight, so that two subtract to
// whole days whatever DST does.
func civilDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ErrNoStatus is StatusView's error when EnableStatus was not called.
var ErrNoStatus = errors.New("scheduler: the status view is not enabled")

// StatusView is the status page's Source: the tickets as last evaluated,
// the snoozes in force, the daily snapshots of the last twelve weeks and
// the bot's health, at the engine's clock.
func (e *Engine) StatusView(ctx context.Context) (ports.StatusView, error) {
	if e.board == nil {
		return ports.StatusView{}, ErrNoStatus
	}
	o := e.board.opt
	now := e.opt.Now()
	rows, trail, full, overflow := e.tickets(now)
	v := ports.StatusView{Now: now, Tickets: rows}
	ledger, err := e.ledgerSnoozes(ctx, now)
	if err != nil {
		return v, fmt.Errorf("status view: %w", err)
	}
	for i := range rows {
		if ls, ts := ledger[rows[i].Key], trail[i]; len(ls) > 0 || ts != nil {
			rows[i].Snoozes = snoozesOf(ts, ls, now)
		}
	}
	if o.Days != nil {
		from := civilDay(now, e.opt.Location).AddDate(0, 0, -(ports.StatusDays - 1)).Format(time.DateOnly)
		days, err := o.Days.Days(ctx, from)
		if err != nil {
			return v, fmt.Errorf("status view: %w", err)
		}
		v.Days = make([]ports.StatusSnapshot, 0, len(days))
		for _, d := range days {
			at, err := time.ParseInLocation(time.DateOnly, d.Day, e.opt.Location)
			if err != nil {
				continue
			}
			v.Days = append(v.Days, ports.StatusSnapshot{Day: at, Project: d.Project, Open: d.Open, Incomplete: d.Incomplete, Overdue: d.Overdue})
		}
	}
	v.Health = e.health()
	var notes []string
	if full.IsZero() {
		notes = append(notes, fmt.Sprintf("No full sync has finished since this process started: the lists hold only the %d tickets read since, and the next full sync completes them.", len(rows)))
	}
	if overflow {
		notes = append(notes, fmt.Sprintf("The page keeps at most %d tickets: some in scope are not shown or counted.", o.MaxTickets))
	}
	v.Notice = strings.Join(notes, " ")
	return v, nil
}

// ledgerSnoozes are the ledger's snoozes in force, by ticket.
func (e *Engine) ledgerSnoozes(ctx context.Context, now time.Time) (map[string][]ports.Snoozed, error) {
	o := e.board.opt.Snoozes
	if o == nil {
		return nil, nil
	}
	list, err := o.ActiveSnoozes(ctx, now)
	if err != nil {
		return nil, err
	}
	by := make(map[string][]ports.Snoozed, len(list))
	for _, s := range list {
		by[s.Key] = append(by[s.Key], s)
	}
	return by, nil
}

// snoozesOf is a ticket's snoozes in force at now, as the page lists them
// and the gauge counts them: its trail's (from Slack: who, until when,
// why), then the ledger's (patchbot snooze) unless the trail's says the
// same.
func snoozesOf(trail *handoff.Snooze, ledger []ports.Snoozed, now time.Time) []ports.StatusSnooze {
	var out []ports.StatusSnooze
	if trail != nil && now.Before(trail.Until) {
		by := trail.Name
		if by == "" {
			by = trail.By
		}
		out = append(out, ports.StatusSnooze{By: by, Until: trail.Until, Reason: trail.Reason})
	}
	for _, s := range ledger {
		if trail != nil && s.Until.Equal(trail.Until) && s.By == trail.By {
			continue
		}
		out = append(out, ports.StatusSnooze{By: s.By, Until: s.Until})
	}
	return out
}

// health is the bot's own state for the page.
func (e *Engine) health() ports.StatusHealth {
	st := e.Status()
	h := ports.StatusHealth{Jobs: []ports.StatusJob{
		{Name: "sync", LastSuccess: st.LastSync, LastError: st.LastSyncError},
		{Name: "nag", LastSuccess: st.LastNag},
		{Name: "digest", LastSuccess: st.LastDigest},
	}}
	if f := e.board.opt.Feeds; f != nil {
		h.Feeds = f.FeedHealth()
	}
	if c := e.board.opt.Capabilities; c != nil {
		h.Degraded = c.Degraded()
	}
	return h
}
