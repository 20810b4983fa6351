package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/texts"
)

// cycle is the state of one job run.
type cycle struct {
	e    *Engine
	now  time.Time
	dry  bool
	rep  *Report
	open map[string]ports.Send // intents left open, by Ref
	// keep asks for each ticket's result in the report (check).
	keep   bool
	writes int
	// owners caches owner resolution for the run.
	owners map[string]ownerResult
	// batch holds the sync's decided validation requests until flush;
	// decided has the key of every ticket batched this cycle.
	batch   []pending
	decided map[string]struct{}
}

type ownerResult struct {
	r   ports.Recipient
	err error
}

func (e *Engine) newCycle(ctx context.Context, job string, dry, countsOnly bool) (*cycle, error) {
	now := e.opt.Now()
	c := &cycle{e: e, now: now, dry: dry, rep: &Report{Job: job, Started: now, DryRun: dry, countsOnly: countsOnly},
		open: map[string]ports.Send{}, owners: map[string]ownerResult{}, decided: map[string]struct{}{}}
	if dry {
		return c, nil
	}
	open, err := e.opt.Intents.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger: list open intents: %w", err)
	}
	for _, s := range open {
		c.open[s.Ref] = s
	}
	return c, nil
}

// SyncOptions narrows a sync.
type SyncOptions struct {
	// Full scans each project's whole scope instead of what changed since
	// the watermark.
	Full bool
	// Project limits the sync to one project; Keys to some tickets
	// (CLI check). A narrowed sync never moves a watermark.
	Project string
	Keys    []string
	JQL     string
	// DryRun plans without acting (the engine's DryRun forces it).
	DryRun bool
	// Keep puts every ticket's evaluation in the report.
	Keep bool
	// CountsOnly keeps the report's counts but not the texts of what was
	// sent (the daemon's scheduled runs).
	CountsOnly bool
	// OnAction is NagOptions.OnAction for the sync.
	OnAction func(a Action, dryRun bool)
}

// Sync reads the projects' tickets, evaluates them, and posts validation
// requests (Jira comment, Slack message) where the findings changed. It
// returns an error wrapping ErrPartial when some tickets failed; the
// watermark of a project with a failure does not move.
func (e *Engine) Sync(ctx context.Context, o SyncOptions) (*Report, error) {
	job := "sync"
	if o.Full {
		job = "full_sync"
	}
	unlock, err := e.lock("sync", o.DryRun || e.opt.DryRun)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := e.newCycle(ctx, job, o.DryRun || e.opt.DryRun, o.CountsOnly)
	if err != nil {
		return nil, err
	}
	c.keep = o.Keep
	c.rep.onAction = o.OnAction
	narrowed := o.Project != "" || len(o.Keys) > 0 || o.JQL != ""
	for _, p := range e.opt.Projects {
		if o.Project != "" && p.Name != o.Project {
			continue
		}
		if err := c.syncProject(ctx, p, o, narrowed); err != nil {
			c.rep.Errors = append(c.rep.Errors, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if !narrowed {
		c.backlogSummary(ctx)
	}
	c.rep.Finished = e.opt.Now()
	e.opt.Metrics.cycle(job, c.rep)
	e.opt.Metrics.capabilities(e.Capabilities())
	e.statusAfter(ctx, c, o.Full && !narrowed) // status_view.go
	if len(c.rep.Errors) > 0 {
		err := fmt.Errorf("%s: %w: %w", job, ErrPartial, errors.Join(c.rep.Errors...))
		e.setStatus(func(s *Status) { s.LastSyncError = err.Error() })
		return c.rep, err
	}
	// A dry run's sync counts: it read and judged every ticket, and a
	// dry-run daemon must become ready.
	if !narrowed && ctx.Err() == nil {
		e.setStatus(func(s *Status) { s.LastSync = c.now; s.LastSyncError = "" })
	}
	return c.rep, ctx.Err()
}

func (c *cycle) syncProject(ctx context.Context, p Project, o SyncOptions, narrowed bool) error {
	req := ports.ScanRequest{Project: p.Name, Keys: o.Keys, JQL: o.JQL}
	if !o.Full && !narrowed {
		wm, err := c.e.opt.Watermarks.Watermark(ctx, p.Name)
		if err != nil {
			return fmt.Errorf("project %s: ledger watermark: %w", p.Name, err)
		}
		if !wm.IsZero() {
			req.UpdatedSince = wm.Add(-c.e.opt.Overlap)
		}
	}
	failed := 0
	deferred := c.rep.Deferred
	fail := func(err error, keys ...string) {
		failed += len(keys)
		c.rep.Errors = append(c.rep.Errors, err)
		c.e.log.Error("ticket not synced; the next cycle retries it", "tickets", keys, "err", err)
	}
	err := c.e.opt.Tracker.Scan(ctx, req, func(t ports.Ticket) error {
		key := t.Input.Ticket.Key
		if _, ok := c.decided[key]; ok {
			// Read again in this cycle (edited while the scan ran): this
			// read may predate what the cycle wrote to it, so the next
			// cycle, which reads it again from the watermark, takes it.
			c.e.log.Debug("ticket read twice in one cycle; the next cycle takes the newer read", "ticket", key)
			return ctx.Err()
		}
		if err := c.syncTicket(ctx, p, t); err != nil {
			fail(err, key)
		}
		if len(c.batch) >= batchSize {
			c.flush(ctx, fail)
		}
		return ctx.Err()
	})
	// What was decided is made even when the scan stopped early, unless
	// the cycle was cancelled: then nothing of it was recorded yet, and
	// the next cycle decides it again.
	if ctx.Err() == nil {
		c.flush(ctx, fail)
	}
	if n := len(c.batch); n > 0 {
		failed += n
		c.rep.Errors = append(c.rep.Errors, fmt.Errorf("project %s: stopped before making %d decided validation requests (from %s); the next cycle makes them: %w",
			p.Name, n, c.batch[0].key(), ctx.Err()))
		c.batch = nil
	}
	if err != nil {
		c.e.opt.Metrics.apiError("jira", err)
		return fmt.Errorf("project %s: %w", p.Name, err)
	}
	if failed > 0 || c.rep.Deferred > deferred || narrowed || c.dry {
		return nil
	}
	if err := c.e.opt.Watermarks.SetWatermark(ctx, p.Name, c.now); err != nil {
		return fmt.Errorf("project %s: ledger set watermark: %w", p.Name, err)
	}
	return nil
}

// evaluate reads and checks one ticket. Whether the owner can be reached
// in Slack is an input of the evaluation, found out only where it
// matters: a handoff with findings will be sent to its owner, so the
// owner it names is resolved (once per run) and, when Slack does not know
// them, the handoff is evaluated again knowing it (the unreachable owner
// is then a finding of its own, in the fingerprint). An owner-ready
// handoff costs no Slack lookup.
func (c *cycle) evaluate(ctx context.Context, p Project, t ports.Ticket) (handoff.Evaluation, ports.Recipient, error) {
	h := c.e.handoffOf(p, t)
	ev := handoff.Evaluate(h, p.Policy, c.now, c.e.opt.Location)
	if ev.Fingerprint == "" || !h.Scope.Owner.Present() && h.Scope.Owner.User.IsZero() {
		return ev, ports.Recipient{}, nil
	}
	owner, err := c.owner(ctx, h.Scope.Owner)
	if err != nil {
		return ev, owner, err
	}
	if !owner.Reachable {
		h.OwnerReach = handoff.Reach{Checked: true}
		ev = handoff.Evaluate(h, p.Policy, c.now, c.e.opt.Location)
	}
	return ev, owner, nil
}

func (c *cycle) syncTicket(ctx context.Context, p Project, t ports.Ticket) error {
	key := t.Input.Ticket.Key
	c.rep.Tickets++
	ev, owner, err := c.evaluate(ctx, p, t)
	if err != nil {
		return fmt.Errorf("%s: resolve owner in slack: %w", key, err)
	}
	c.observe(p, &ev, t.Trail.Snooze) // status_view.go
	if ev.Fingerprint != "" {
		c.rep.Flagged++
	}
	c.e.opt.Metrics.evaluated(p.Name, ev)
	backlog := !c.e.opt.Since.IsZero() && t.Input.Ticket.Created.Before(c.e.opt.Since) &&
		t.Trail.Fingerprint == "" && t.Trail.CommentID == ""
	if c.keep {
		c.rep.Results = append(c.rep.Results, TicketResult{Evaluation: ev, Trail: t.Trail, Backlog: backlog,
			Due: handoff.DueItems(ev, p.Policy, c.now, c.e.opt.Location)})
	}
	if backlog {
		if ev.Fingerprint != "" {
			c.rep.Backlog = append(c.rep.Backlog, key)
		}
		return nil
	}

	// What the ticket's living comment, label and trail become is the
	// core's decision.
	plan := handoff.DecideComment(t.Trail, ev)

	// A validation request is sent once per episode: the same findings
	// coming back after the handoff was complete are a new episode (the
	// trail was rewritten in between), so watchers hear of the regression.
	// An intent left open by a crash is found again by its prefix.
	base := "validation/" + key + "/" + ev.Fingerprint + "/"
	ref := c.openRef(base)
	if !plan.Changed && ref == "" {
		return nil
	}
	if ref == "" {
		ref = base + episode(t.Trail)
	}
	if c.e.opt.MaxWrites > 0 && c.writes >= c.e.opt.MaxWrites {
		c.rep.Deferred++
		return nil
	}
	c.writes++

	// One validation request serves the ticket's checklist and Slack: the
	// owner mention carries both the Jira user and the Slack id, and each
	// renderer takes the one it can use.
	o := c.e.textOptions(c.now)
	o.OwnerSlackID = owner.UserID
	o.Ticked = ticked(t.Trail.Flagged, ev.Findings)
	b := pending{t: t, ev: ev, o: o, request: texts.ValidationRequest(ev, o), ref: ref, plan: plan}
	if ev.Fingerprint != "" {
		b.channel = p.channel(ev.Lane)
	}
	c.batch = append(c.batch, b)
	c.decided[key] = struct{}{}
	return nil
}

// channel is where a lane's validation requests go.
func (p Project) channel(l handoff.Lane) string {
	if ch := p.Channels[l]; ch != "" {
		return ch
	}
	return p.Channels[handoff.LaneUnknown]
}

// ticked lists the fields flagged before that are not flagged now.
func ticked(flagged []handoff.FieldID, now []handoff.Finding) []handoff.FieldID {
	var out []handoff.FieldID
	for _, f := range flagged {
		if !slices.ContainsFunc(now, func(x handoff.Finding) bool { return x.Field == f }) {
			out = append(out, f)
		}
	}
	return out
}

// backlogSummary reports, once per project set, the tickets older than the
// cut-off that would have been flagged.
func (c *cycle) backlogSummary(ctx context.Context) {
	if len(c.rep.Backlog) == 0 || c.e.opt.BacklogChannel == "" {
		return
	}
	keys := slices.Clone(c.rep.Backlog)
	sort.Strings(keys)
	in, err := c.intend(ctx, ports.Send{Kind: "backlog", Ref: "backlog/" + c.e.opt.Since.UTC().Format("2006-01-02"), Recipient: c.e.opt.BacklogChannel})
	if err != nil {
		c.rep.Errors = append(c.rep.Errors, err)
		return
	}
	doc := texts.Backlog(keys, c.e.opt.Since, c.e.textOptions(c.now))
	if _, _, err := c.deliver(ctx, in, ports.Message{To: recipientFor(c.e.opt.BacklogChannel), Doc: doc}); err != nil {
		c.rep.Errors = append(c.rep.Errors, err)
	}
}
