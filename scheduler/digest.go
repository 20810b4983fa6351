package scheduler

import (
	"context"
	"fmt"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/texts"
)

// DigestOptions narrows a digest run.
type DigestOptions struct {
	DryRun bool
	// CountsOnly keeps the report's counts but not the texts sent.
	CountsOnly bool
	// OnAction is NagOptions.OnAction for the digest.
	OnAction func(a Action, dryRun bool)
}

// Digest posts the weekly overdue digest — every overdue item grouped by
// owner and lane — to the digest channel, once per ISO week, and when
// enabled each owner's share to them directly.
func (e *Engine) Digest(ctx context.Context, o DigestOptions) (*Report, error) {
	unlock, err := e.lock("digest", o.DryRun || e.opt.DryRun)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := e.newCycle(ctx, "digest", o.DryRun || e.opt.DryRun, o.CountsOnly)
	if err != nil {
		return nil, err
	}
	c.rep.onAction = o.OnAction
	overdue := c.collect(ctx, true, true)
	if len(c.rep.Errors) > 0 {
		// A digest built from a partial scan would under-report: say
		// nothing this time and let the next run (or catch-up) post it.
		return c.finish(ctx, nil)
	}
	week := e.week(c.now)
	opts := e.textOptions(c.now)
	if ch := e.opt.Nag.DigestChannel; ch != "" {
		s := ports.Send{Kind: "digest", Ref: "digest/" + ch + "/" + week, Recipient: ch, Items: nil}
		if err := c.sendOnce(ctx, s, ports.Message{To: recipientFor(ch), Doc: c.e.withSnoozes(texts.DigestBriefs(overdue, opts), overdue, c.now)}); err != nil {
			c.rep.Errors = append(c.rep.Errors, err)
		}
	}
	if e.opt.Nag.PersonalDigest {
		c.personalDigests(ctx, overdue, week)
	}
	return c.finish(ctx, func(s *Status) { s.LastDigest = c.now })
}

func (c *cycle) personalDigests(ctx context.Context, overdue []handoff.DueBrief, week string) {
	owners, groups := byOwner(overdue)
	for _, k := range owners {
		owner := overdue[groups[k][0]].Owner
		to, err := c.owner(ctx, owner)
		if err != nil {
			c.rep.Errors = append(c.rep.Errors, fmt.Errorf("owner %s: resolve in slack: %w", k, err))
			continue
		}
		if !to.Reachable || to.UserID == "" {
			continue // the channel digest already names them
		}
		o := c.e.textOptions(c.now)
		o.OwnerSlackID = to.UserID
		s := ports.Send{Kind: "personal_digest", Ref: "digest/" + to.UserID + "/" + week, Recipient: to.UserID}
		items := pick(overdue, groups[k])
		if err := c.sendOnce(ctx, s, ports.Message{To: to, Doc: c.e.withSnoozes(texts.PersonalDigestBriefs(owner, items, o), items, c.now)}); err != nil {
			c.rep.Errors = append(c.rep.Errors, fmt.Errorf("owner %s: %w", k, err))
		}
	}
}
