package scheduler

// The sync decides a batch of validation requests, then makes them: the
// Slack intents on record first, per ticket the Jira comment and the Slack
// message, then the completions. This file is the making.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

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
