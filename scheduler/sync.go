package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
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

// batchSize bounds the validation requests a sync decides before it makes
// them: their intents go to the ledger in one write before any of them is
// made, and their completions in one write after. A crash in between
// leaves at most this many intents open, each looked up in Slack (by its
// Ref) before it is sent again, so nothing is sent twice.
const batchSize = 50

// pending is a ticket's validation request, decided and not yet made.
type pending struct {
	t       ports.Ticket
	ev      handoff.Evaluation
	o       texts.Options
	request richtext.Doc
	ref     string
	// plan is the decided change to the ticket's comment, label and
	// trail; when it changes nothing, only an open Slack intent is left.
	plan handoff.CommentPlan
	// channel is where the Slack message goes; "" for none.
	channel string
}

func (b *pending) key() string { return b.t.Input.Ticket.Key }

// flush makes the batch's validation requests: the Slack intents recorded
// first (before touching Jira: once a ticket's trail says the findings
// were posted, only the ledger remembers that Slack still has to hear of
// them), then per ticket the Jira checklist and the Slack message, then
// the completions. A ticket that fails is passed to fail and retried by
// the next cycle; the others go on.
func (c *cycle) flush(ctx context.Context, fail func(err error, keys ...string)) {
	batch := c.batch
	c.batch = nil
	if len(batch) == 0 {
		return
	}
	// The batch's actions are shown (OnAction: the CLI prints them) once
	// all its sends are on record: a print that stops the process then
	// leaves nothing to look up again.
	c.rep.hold()
	defer c.rep.release()
	var sends []ports.Send
	var keys []string
	for i := range batch {
		if b := &batch[i]; b.channel != "" {
			sends = append(sends, ports.Send{Kind: "validation", Ref: b.ref, Recipient: b.channel, Items: []string{b.key()}})
			keys = append(keys, b.key())
		}
	}
	failAll := func(err error) {
		all := make([]string, len(batch))
		for i := range batch {
			all[i] = batch[i].key()
		}
		fail(fmt.Errorf("%d tickets from %s: %w", len(batch), batch[0].key(), err), all...)
	}
	// Threads first: a failed read then leaves no intent behind.
	threads, err := c.threads(ctx, keys)
	if err != nil {
		failAll(err)
		return
	}
	intents, err := c.intendAll(ctx, sends)
	if err != nil {
		failAll(err)
		return
	}
	var sent []*made
	var untried []intent // recorded by this batch, never acted on
	next := 0
	for i := range batch {
		b := &batch[i]
		var in intent
		if b.channel != "" {
			in = intents[next]
			next++
		}
		if ctx.Err() != nil {
			// Shutting down: what is left is not started. Its new
			// intents are dropped below, so no restart looks them up.
			if b.channel != "" && !in.existed {
				untried = append(untried, in)
			}
			fail(fmt.Errorf("%s: %w", b.key(), ctx.Err()), b.key())
			continue
		}
		// A Jira failure does not hold back the Slack message, which
		// then says why the ticket has no comment (capabilities.go).
		var note *richtext.Block
		if b.plan.Changed {
			var resumed time.Time
			if open, ok := c.open[b.ref]; ok {
				resumed = open.Intended
			}
			note = c.jiraFailed(b, c.publish(ctx, b, resumed), fail)
		}
		if b.channel == "" {
			continue
		}
		m := ports.Message{To: recipientFor(b.channel), Doc: b.request, Buttons: c.e.validationButtons(b.key())}
		if note != nil {
			m.Doc = withNote(m.Doc, *note)
		}
		if th, ok := threads[b.key()]; ok && sameChannel(b.channel, th.Channel) {
			m.ThreadTS = th.TS
		}
		in.thread = b.key()
		s, _, _, err := c.post(ctx, in, m)
		if err != nil {
			fail(fmt.Errorf("%s: %w", b.key(), err), b.key())
		}
		if s != nil {
			sent = append(sent, s)
		}
	}
	c.doneAll(ctx, sent, fail)
	c.forget(ctx, untried)
}

// forget drops intents this cycle recorded and never acted on (a
// shutdown came first), on a context that outlives the shutdown.
func (c *cycle) forget(ctx context.Context, ins []intent) {
	if len(ins) == 0 || c.dry {
		return
	}
	ctx, cancel := recordCtx(ctx)
	defer cancel()
	for _, in := range ins {
		if err := c.e.opt.Sends.Forget(ctx, in.rec.ID); err != nil {
			c.e.log.Warn("could not drop an unsent intent; the next run looks it up", "ref", in.rec.Ref, "err", err)
		}
	}
}

// openRef returns the Ref of an open intent starting with prefix.
func (c *cycle) openRef(prefix string) string {
	for ref := range c.open {
		if strings.HasPrefix(ref, prefix) {
			return ref
		}
	}
	return ""
}

// episode names the trail a decision was made from.
func episode(t handoff.Trail) string {
	if t.Written.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Written.Unix(), 10)
}

// publish hands the ticket's decided comment change to the tracker: the
// operation, the whole comment body (composed here, so a dry run reports
// the very text a real run posts), whether watchers hear of it, the label
// and the next trail. A change without a comment (the trail, and the
// label, only) is made but reported as no action: nothing is posted.
func (c *cycle) publish(ctx context.Context, b *pending, resumed time.Time) error {
	key, tr, plan := b.key(), b.t.Trail, b.plan
	ch := ports.CommentChange{Key: key, Op: plan.Op, CommentID: tr.CommentID, LastWritten: tr.Written,
		Doc: texts.CommentOn(plan.Op, b.request, b.ev, b.o), Notify: plan.Notify, Trail: plan.Next, Resumed: resumed,
		Label: labelOp(c.e.opt.Tracker.Label(), b.t.Input.Ticket.Labels, plan.Labeled)}
	var act *Action
	if plan.Op != handoff.CommentNone {
		act = &Action{Kind: ActComment, Send: "validation", Comment: plan.Op, Key: key, Ref: "comment/" + key + "/" + b.ev.Fingerprint, Doc: ch.Doc}
		if plan.Op == handoff.CommentComplete {
			act.Send = "complete"
		}
	}
	if c.dry {
		if act != nil {
			c.rep.add(*act)
		}
		return nil
	}
	applied, err := c.e.opt.Tracker.Apply(ctx, ch)
	if err != nil {
		if act != nil {
			act.Err = err
			c.rep.add(*act)
		}
		c.e.opt.Metrics.apiError("jira", err)
		return fmt.Errorf("%s: publish checklist: %w", key, err)
	}
	if applied.Outcome == ports.OutcomeForgedTrail {
		c.e.log.Warn("the ticket's trail named a comment that is not the bot's; it was left alone and the bot posted its own",
			"ticket", key, "comment", tr.CommentID)
		c.e.opt.Metrics.forgedTrail()
	}
	if act == nil {
		return nil
	}
	act.Outcome = applied.Outcome
	act.Done = applied.Outcome != ports.OutcomeCommentGone && applied.Outcome != ports.OutcomeTrailOnly
	c.rep.add(*act)
	if act.Done {
		c.e.opt.Metrics.sent("comment")
	}
	return nil
}

// labelOp is the change that makes the ticket carry the tracker's label
// exactly when the handoff is incomplete (want), from its labels as read;
// none when the tracker keeps no label.
func labelOp(label string, labels []string, want bool) ports.LabelOp {
	if label == "" {
		return ports.LabelKeep
	}
	switch has := slices.Contains(labels, label); {
	case want && !has:
		return ports.LabelAdd
	case !want && has:
		return ports.LabelRemove
	}
	return ports.LabelKeep
}

// threads returns the Slack threads the tickets have (none in a dry run).
func (c *cycle) threads(ctx context.Context, keys []string) (map[string]ports.Receipt, error) {
	if c.dry || len(keys) == 0 {
		return nil, nil
	}
	th, err := c.e.opt.Threads.Threads(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("ledger threads: %w", err)
	}
	return th, nil
}

// sameChannel reports whether a ticket's thread lives in the configured
// channel. A configured #name cannot be compared with the thread's channel
// id, so it is taken to match.
func sameChannel(configured, thread string) bool {
	return strings.HasPrefix(configured, "#") || configured == thread
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
