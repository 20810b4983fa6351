package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// lookupSlack is how far before an open intent was recorded a crash
// recovery looks for the message in Slack.
const lookupSlack = 5 * time.Minute

// intent is a send the engine has decided on and recorded (or, in a dry
// run, would record).
type intent struct {
	rec     ports.Send
	existed bool
	// thread is the ticket whose Slack thread a top-level message of
	// this send starts; deliver records it together with the send.
	thread string
}

// intend records the intent to send s, unless a dry run.
func (c *cycle) intend(ctx context.Context, s ports.Send) (intent, error) {
	s.Intended = c.now
	if c.dry {
		return intent{rec: s}, nil
	}
	rec, existed, err := c.e.opt.Sends.Intend(ctx, s)
	if err != nil {
		return intent{}, fmt.Errorf("ledger: record %s: %w", s.Ref, err)
	}
	return intent{rec: rec, existed: existed}, nil
}

// intendAll records several intents in one ledger write (a dry run
// records none).
func (c *cycle) intendAll(ctx context.Context, ss []ports.Send) ([]intent, error) {
	if len(ss) == 0 {
		return nil, nil
	}
	out := make([]intent, len(ss))
	for i := range ss {
		ss[i].Intended = c.now
		out[i] = intent{rec: ss[i]}
	}
	if c.dry {
		return out, nil
	}
	got, err := c.e.opt.Sends.IntendAll(ctx, ss)
	if err != nil {
		return nil, fmt.Errorf("ledger: record %d sends from %s: %w", len(ss), ss[0].Ref, err)
	}
	for i, g := range got {
		out[i] = intent{rec: g.Send, existed: g.Existed}
	}
	return out, nil
}

// deliver sends m under an intent exactly once: a send already done is
// skipped; one left open (a crash, a failed post) is first looked up in
// Slack by its Ref and only posted when it is not there. A failed post
// leaves the intent open for the next cycle.
func (c *cycle) deliver(ctx context.Context, in intent, m ports.Message) (ports.Receipt, bool, error) {
	s, r, posted, err := c.post(ctx, in, m)
	if err != nil || s == nil {
		return r, posted, err
	}
	// Marked done before the action is reported: a caller printing it
	// (the CLI) may be stopped by that write, and a send it stops after
	// is then on record, not left for the next run to look up.
	rctx, cancel := recordCtx(ctx)
	defer cancel()
	err = c.record(rctx, s)
	c.report(s)
	return r, posted, err
}

// made is a send made (or found made after a restart) that the ledger
// does not know is done yet.
type made struct {
	in    intent
	c     ports.Completion
	act   Action
	found bool // found in Slack, not posted now
}

// post is deliver without marking the send done: it returns the send to
// mark (nil when there is none: done before, a dry run, a failure) with
// its receipt and whether it was posted now.
func (c *cycle) post(ctx context.Context, in intent, m ports.Message) (*made, ports.Receipt, bool, error) {
	m.Ref = in.rec.Ref
	act := Action{Kind: ActSlack, Send: in.rec.Kind, Key: keyOf(in.rec), Ref: in.rec.Ref, To: m.To, Doc: m.Doc}
	if in.existed && !in.rec.Done.IsZero() {
		return nil, ports.Receipt{Channel: in.rec.Channel, TS: in.rec.TS}, false, nil
	}
	if c.dry {
		c.rep.add(act)
		return nil, ports.Receipt{}, true, nil
	}
	// A top-level message also becomes the thread of the intent's ticket.
	thread := in.thread
	if m.ThreadTS != "" {
		thread = ""
	}
	ms := c.e.opt.Messenger
	if in.existed {
		r, found, err := ms.Lookup(ctx, m.To, in.rec.Ref, in.rec.Intended.Add(-lookupSlack))
		if err != nil {
			act.Err = fmt.Errorf("slack: look up %s: %w", in.rec.Ref, err)
			c.rep.add(act)
			return nil, ports.Receipt{}, false, act.Err
		}
		if found {
			c.e.log.Info("found message sent before a restart", "ref", in.rec.Ref, "ticket", act.Key)
			return &made{in: in, c: ports.Completion{ID: in.rec.ID, Receipt: r, At: c.e.opt.Now(), Thread: thread}, act: act, found: true}, r, false, nil
		}
	}
	r, err := ms.Send(ctx, m)
	if err != nil {
		act.Err = fmt.Errorf("slack: send %s: %w", in.rec.Ref, err)
		c.rep.add(act)
		c.e.opt.Metrics.apiError("slack", err)
		return nil, ports.Receipt{}, false, act.Err
	}
	act.Done = true
	return &made{in: in, c: ports.Completion{ID: in.rec.ID, Receipt: r, At: c.e.opt.Now(), Thread: thread}, act: act}, r, true, nil
}

// record marks one send done, with its thread.
func (c *cycle) record(ctx context.Context, s *made) error {
	if err := c.e.opt.Sends.Done(ctx, s.c.ID, s.c.Receipt, s.c.At, s.c.Thread); err != nil {
		return fmt.Errorf("ledger: mark %s sent: %w", s.in.rec.Ref, err)
	}
	return nil
}

// report reports and counts a send made now; one found again in Slack
// after a restart was counted by the run that made it.
func (c *cycle) report(s *made) {
	if s.found {
		return
	}
	c.rep.add(s.act)
	c.e.opt.Metrics.sent(s.in.rec.Kind)
}

// doneAll marks sends done in one ledger write. When that write fails
// they are marked one by one, so one bad completion does not leave the
// others open; each that still fails goes to fail (its intent stays open,
// and the next run finds the message by its Ref). The sends went out, so
// they are recorded even when the job is being stopped.
func (c *cycle) doneAll(ctx context.Context, ss []*made, fail func(err error, keys ...string)) {
	if len(ss) == 0 {
		return
	}
	ctx, cancel := recordCtx(ctx)
	defer cancel()
	cs := make([]ports.Completion, len(ss))
	for i, s := range ss {
		cs[i] = s.c
	}
	if err := c.e.opt.Sends.DoneAll(ctx, cs); err != nil {
		c.e.log.Warn("ledger: could not mark a batch of sends done; marking them one by one", "sends", len(ss), "err", err)
		for _, s := range ss {
			if err := c.record(ctx, s); err != nil {
				s.act.Err = fmt.Errorf("sent, but not on record (the next run finds it by its Ref): %w", err)
				fail(fmt.Errorf("%s: %w", s.act.Key, s.act.Err), s.act.Key)
			}
		}
	}
	for _, s := range ss {
		c.report(s)
	}
}

// recordTimeout bounds a ledger write made after the job was stopped.
const recordTimeout = 10 * time.Second

// recordCtx is the context for recording what was already sent: it is not
// cancelled with the job (a shutdown must not strand a send made), only
// bounded.
func recordCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}

// keyOf returns the ticket key of a send about one ticket.
func keyOf(s ports.Send) string {
	if len(s.Items) == 1 {
		k, _, _ := strings.Cut(s.Items[0], "/")
		return k
	}
	return ""
}

// recipientFor turns a Slack user id (U…/W…) or a channel (#name, C…/G…)
// into a recipient. Emails are resolved through the messenger first (see
// cycle.target).
func recipientFor(target string) ports.Recipient {
	switch {
	case target == "":
		return ports.Recipient{}
	case len(target) > 1 && (target[0] == 'U' || target[0] == 'W') && strings.ToUpper(target) == target:
		return ports.Recipient{UserID: target, Reachable: true, Name: target}
	default:
		return ports.Recipient{Channel: target, Reachable: true, Name: target}
	}
}
