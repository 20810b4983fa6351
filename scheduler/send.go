package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// lookupSlack is how far before an open intent was recorded a crash
// recovery looks for the message in Slack.
const lookupSlack = 5 * time.Minute

// intent is a send the engine has decided on and recorded (or, in a dry
// run, would record).
type intent struct {
	rec     Send
	existed bool
	// thread is the ticket whose Slack thread a top-level message of
	// this send starts; deliver records it together with the send.
	thread string
}

// intend records the intent to send s, unless a dry run.
func (c *cycle) intend(ctx context.Context, s Send) (intent, error) {
	s.Intended = c.now
	if c.dry {
		return intent{rec: s}, nil
	}
	rec, existed, err := c.e.opt.Ledger.Intend(ctx, s)
	if err != nil {
		return intent{}, fmt.Errorf("ledger: record %s: %w", s.Ref, err)
	}
	return intent{rec: rec, existed: existed}, nil
}

// deliver sends m under an intent exactly once: a send already done is
// skipped; one left open (a crash, a failed post) is first looked up in
// Slack by its Ref and only posted when it is not there. A failed post
// leaves the intent open for the next cycle.
func (c *cycle) deliver(ctx context.Context, in intent, m Message) (Receipt, bool, error) {
	m.Ref = in.rec.Ref
	act := Action{Kind: ActSlack, Send: in.rec.Kind, Key: keyOf(in.rec), Ref: in.rec.Ref, To: m.To, Doc: m.Doc}
	if in.existed && !in.rec.Done.IsZero() {
		return Receipt{Channel: in.rec.Channel, TS: in.rec.TS}, false, nil
	}
	if c.dry {
		c.rep.add(act)
		return Receipt{}, true, nil
	}
	ms := c.e.opt.Messenger
	if in.existed {
		r, found, err := ms.Lookup(ctx, m.To, in.rec.Ref, in.rec.Intended.Add(-lookupSlack))
		if err != nil {
			act.Err = fmt.Errorf("slack: look up %s: %w", in.rec.Ref, err)
			c.rep.add(act)
			return Receipt{}, false, act.Err
		}
		if found {
			c.e.log.Info("found message sent before a restart", "ref", in.rec.Ref, "ticket", act.Key)
			return r, false, c.done(ctx, in, m, r)
		}
	}
	r, err := ms.Send(ctx, m)
	if err != nil {
		act.Err = fmt.Errorf("slack: send %s: %w", in.rec.Ref, err)
		c.rep.add(act)
		c.e.opt.Metrics.apiError("slack", err)
		return Receipt{}, false, act.Err
	}
	// Marked done before the action is reported: a caller printing it
	// (the CLI) may be stopped by that write, and a send it stops after
	// is then on record, not left for the next run to look up.
	err = c.done(ctx, in, m, r)
	act.Done = true
	c.rep.add(act)
	c.e.opt.Metrics.sent(in.rec.Kind)
	return r, true, err
}

// done marks the send made; a top-level message also becomes the thread
// of the intent's ticket, in the same ledger write.
func (c *cycle) done(ctx context.Context, in intent, m Message, r Receipt) error {
	thread := in.thread
	if m.ThreadTS != "" {
		thread = ""
	}
	if err := c.e.opt.Ledger.Done(ctx, in.rec.ID, r, c.e.opt.Now(), thread); err != nil {
		return fmt.Errorf("ledger: mark %s sent: %w", in.rec.Ref, err)
	}
	return nil
}

// keyOf returns the ticket key of a send about one ticket.
func keyOf(s Send) string {
	if len(s.Items) == 1 {
		k, _, _ := strings.Cut(s.Items[0], "/")
		return k
	}
	return ""
}

// recipientFor turns a Slack user id (U…/W…) or a channel (#name, C…/G…)
// into a recipient. Emails are resolved through the messenger first (see
// cycle.target).
func recipientFor(target string) Recipient {
	switch {
	case target == "":
		return Recipient{}
	case len(target) > 1 && (target[0] == 'U' || target[0] == 'W') && strings.ToUpper(target) == target:
		return Recipient{UserID: target, Reachable: true, Name: target}
	default:
		return Recipient{Channel: target, Reachable: true, Name: target}
	}
}
