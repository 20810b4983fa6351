package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// staleIntent is how old an open intent may grow before recovery drops
// it: by then the job that recorded it has run again under a new Ref (a
// new day, a new fingerprint) and covered its items.
const staleIntent = 72 * time.Hour

// Recover resolves intents left open by a crash or a failed send: one
// found in Slack by its Ref is marked sent; a stale one is dropped; the
// rest stay open and are sent — exactly once — by the next run that
// decides on the same Ref. It returns how many were resolved.
func (e *Engine) Recover(ctx context.Context) (int, error) {
	if e.opt.DryRun {
		return 0, nil
	}
	open, err := e.opt.Intents.Open(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover: ledger: %w", err)
	}
	now := e.opt.Now()
	n := 0
	for _, s := range open {
		if now.Sub(s.Intended) > staleIntent {
			if err := e.opt.Sends.Forget(ctx, s.ID); err != nil {
				return n, fmt.Errorf("recover: forget %s: %w", s.Ref, err)
			}
			e.log.Warn("dropped a stale unsent intent", "ref", s.Ref, "intended", s.Intended)
			n++
			continue
		}
		r, found, err := e.opt.Messenger.Lookup(ctx, recipientFor(s.Recipient), s.Ref, s.Intended.Add(-lookupSlack))
		if err != nil {
			e.log.Warn("could not look up an open intent; the next run will", "ref", s.Ref, "err", err)
			continue
		}
		if !found {
			continue
		}
		if err := e.opt.Sends.Done(ctx, s.ID, r, now, e.threadFor(ctx, s)); err != nil {
			return n, fmt.Errorf("recover: mark %s sent: %w", s.Ref, err)
		}
		e.log.Info("an intent left open was sent before the restart", "ref", s.Ref)
		n++
	}
	return n, nil
}

// threadFor is the ticket whose thread a recovered send starts: a
// validation request is posted top-level unless its ticket already had a
// thread, so one found again for a ticket without a thread is its thread.
func (e *Engine) threadFor(ctx context.Context, s ports.Send) string {
	key := keyOf(s)
	if s.Kind != "validation" || key == "" {
		return ""
	}
	if _, ok, err := e.opt.Threads.Thread(ctx, key); err != nil || ok {
		return ""
	}
	return key
}
