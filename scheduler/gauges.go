package scheduler

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/handoff/ports"
)

// After each cycle the status view's rows are counted, per project and
// lane, into the handoff gauges — what the status page shows, for a
// Grafana panel — and, once a day, per project into the ledger's daily
// snapshots.

// laneCount is one (project, lane)'s handoffs now.
type laneCount struct {
	project, lane             string
	open, incomplete, overdue int
}

// handoffGauges export the latest counts. It is a collector rather than a
// GaugeVec so that a scrape sees one cycle's counts whole, and a project
// or lane that no longer has tickets disappears instead of staying at its
// last value.
type handoffGauges struct {
	handoffs, snoozed *prometheus.Desc

	mu    sync.Mutex
	set   bool
	cells []laneCount
	snz   int
}

func newHandoffGauges() *handoffGauges {
	return &handoffGauges{
		handoffs: prometheus.NewDesc("patchbot_handoffs",
			"Handoffs in scope now, as of the last cycle, by project, lane and state: open (every ticket in scope), incomplete (missing required fields), overdue (an item past due). The status page shows the same counts.",
			[]string{"project", "lane", "state"}, nil),
		snoozed: prometheus.NewDesc("patchbot_snoozed_items",
			"Snoozes in force on tickets in scope, as of the last cycle: the status page's snoozed reminders.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (g *handoffGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.handoffs
	ch <- g.snoozed
}

// Collect implements prometheus.Collector. Before the first count there
// is nothing to report.
func (g *handoffGauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.set {
		return
	}
	for _, c := range g.cells {
		for _, s := range []struct {
			state string
			n     int
		}{{"open", c.open}, {"incomplete", c.incomplete}, {"overdue", c.overdue}} {
			ch <- prometheus.MustNewConstMetric(g.handoffs, prometheus.GaugeValue, float64(s.n), c.project, c.lane, s.state)
		}
	}
	ch <- prometheus.MustNewConstMetric(g.snoozed, prometheus.GaugeValue, float64(g.snz))
}

func (g *handoffGauges) update(cells []laneCount, snoozed int) {
	g.mu.Lock()
	g.cells, g.snz, g.set = cells, snoozed, true
	g.mu.Unlock()
}

// setHandoffs records the latest counts; a nil *Metrics records nothing.
func (m *Metrics) setHandoffs(cells []laneCount, snoozed int) {
	if m == nil || m.handoffs == nil {
		return
	}
	m.handoffs.update(cells, snoozed)
}

// countBoard counts the rows by project and lane, in that order. A row is
// open; incomplete with a finding; overdue with an item past due.
func (b *board) count() []laneCount {
	type k struct{ project, lane string }
	cells := map[k]*laneCount{}
	b.mu.Lock()
	for i := range b.rows {
		r := &b.rows[i]
		c := cells[k{r.Project, r.Lane}]
		if c == nil {
			c = &laneCount{project: r.Project, lane: r.Lane}
			cells[k{r.Project, r.Lane}] = c
		}
		c.open++
		if len(r.Missing) > 0 {
			c.incomplete++
		}
		if len(b.meta[i].dues) > 0 {
			c.overdue++
		}
	}
	b.mu.Unlock()
	out := make([]laneCount, 0, len(cells))
	for _, c := range cells {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].project != out[j].project {
			return out[i].project < out[j].project
		}
		return out[i].lane < out[j].lane
	})
	return out
}

// snoozedInScope counts the snoozes in force at now on the tickets the
// board holds, as the page lists them (snoozesOf).
func (b *board) snoozedInScope(ledger map[string][]ports.Snoozed, now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for i := range b.rows {
		if ls, ts := ledger[b.rows[i].Key], b.meta[i].snooze; len(ls) > 0 || ts != nil {
			n += len(snoozesOf(ts, ls, now))
		}
	}
	return n
}

// statusAfter ends a cycle for the status view: a full sync that read
// every project without an error drops the rows of tickets it did not
// find; then the gauges are set from the rows; and the first full sync or
// nag of a day, once a full sync has completed the rows, records the
// day's snapshot. A dry run records no snapshot.
func (e *Engine) statusAfter(ctx context.Context, c *cycle, fullScan bool) {
	b := e.board
	if b == nil {
		return
	}
	clean := len(c.rep.Errors) == 0 && ctx.Err() == nil
	if fullScan && clean {
		b.sweep(c.now)
	}
	cells := b.count()
	ledger, err := e.ledgerSnoozes(ctx, c.now)
	if err != nil {
		e.log.Warn("status view: could not list snoozes; the gauges keep their last values", "err", err)
		return
	}
	e.opt.Metrics.setHandoffs(cells, b.snoozedInScope(ledger, c.now))
	if clean && !c.dry && (fullScan || c.rep.Job == JobNag) {
		e.recordDay(ctx, c.now, cells)
	}
}

// recordDay writes the day's per-project counts once a day, after a full
// sync has completed the rows, and prunes what is older than KeepDays.
func (e *Engine) recordDay(ctx context.Context, now time.Time, cells []laneCount) {
	b := e.board
	day := e.day(now)
	b.mu.Lock()
	skip := b.opt.Days == nil || b.full.IsZero() || b.snapDay == day
	b.mu.Unlock()
	if skip {
		return
	}
	byProject := map[string]*ports.DayCount{}
	for _, p := range e.opt.Projects {
		byProject[p.Name] = &ports.DayCount{Day: day, Project: p.Name}
	}
	for _, c := range cells {
		d := byProject[c.project]
		if d == nil {
			continue
		}
		d.Open += c.open
		d.Incomplete += c.incomplete
		d.Overdue += c.overdue
	}
	counts := make([]ports.DayCount, 0, len(byProject))
	for _, p := range e.opt.Projects {
		counts = append(counts, *byProject[p.Name])
	}
	prune := civilDay(now, e.opt.Location).AddDate(0, 0, -b.opt.KeepDays).Format(time.DateOnly)
	ctx, cancel := recordCtx(ctx)
	defer cancel()
	if _, err := b.opt.Days.RecordDay(ctx, counts, prune); err != nil {
		e.log.Warn("status view: could not record the day's snapshot; the next full sync or nag tries again", "day", day, "err", err)
		return
	}
	b.mu.Lock()
	b.snapDay = day
	b.mu.Unlock()
}
