package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A targeted sync ("recheck") is the sync of one ticket, asked for by an
// inbound adapter (the Jira webhook receiver) when Jira says the ticket
// changed. It is the sync's own path, narrowed to one key:
//
//   - one scan per watched project of `(<project JQL>) AND key in ("X")`
//     (the tracker builds it; the project's scope is always respected, so a
//     ticket outside every scope is read nowhere and nothing is done);
//   - the per-ticket reconcile of sync (evaluate → decide → act), with the
//     ledger's intent-then-send rules, so what a recheck writes is exactly
//     what the next sync would have written, and a recheck followed by a
//     sync (or the reverse) writes nothing twice;
//   - never a watermark, a backlog summary or the sync's status: it is a
//     narrowed sync, and the scheduled syncs stay the safety net for every
//     webhook that is lost, refused or fails.
//
// # Never beside a sync
//
// A recheck and a sync (incremental or full) never run at once in one
// process: both take the engine's sync gate (a mutex), then the ledger's
// cross-process "sync" lock (Options.Locker). Run concurrently, each
// could read a ticket before the other wrote it and decide the same post
// twice. The gate is coarse on purpose — per-ticket exclusion would have
// to cover a sync's read of a page up to the write of its last batch —
// and cheap: a recheck holds it for one search per project and at most
// one Jira write and one Slack message (paced per channel), and one
// waiting for a sync waits at most that sync's length (rechecks queue as
// dirty tickets in the receiver meanwhile, none is dropped). On
// PostgreSQL the ledger's lock costs a connection of its own per recheck.
// The incremental sync, which skips its turn when the other sync runs,
// waits for a recheck instead: a recheck is short. Rechecks run one at a
// time; a process of another kind (a one-shot `patchbot sync --post`)
// holding the ledger's lock makes a recheck fail with ErrBusy, and the
// next sync covers the ticket.
//
// # Only the leader acts
//
// SyncTicket acts only while Run runs the jobs (the replica leads), and is
// cancelled with them when the term ends. On a standby, or before the
// jobs start, it leaves the ticket in the ledger's inbox (Options.Inbox)
// and returns; the leader drains the inbox while it runs the jobs, about
// once a second. Without an inbox it returns ErrNotLeading.

// InboxRecheck is the kind of inbox item a SyncTicket leaves for the leader:
// the key is the ticket, the payload the cause.
const InboxRecheck = "jira.webhook"

// Inbox is the ledger's inbox: inbound work recorded by whichever replica
// received it, for the leader to handle.
type Inbox interface {
	// Enqueue records work; a pending item of the same kind and key is
	// coalesced with it. Any replica may call it.
	Enqueue(ctx context.Context, kind, key string, payload []byte) error
	// Claim hands the leader up to n pending items, oldest first (items
	// an earlier leader claimed and never acknowledged included).
	Claim(ctx context.Context, n int) ([]InboxItem, error)
	// Ack removes handled items.
	Ack(ctx context.Context, ids ...int64) error
}

// InboxItem is one piece of inbound work.
type InboxItem struct {
	ID       int64
	Kind     string
	Key      string
	Payload  []byte
	Enqueued time.Time
}

// ErrNotLeading is the error of a SyncTicket on a replica that does not run
// the jobs and has no inbox to leave the ticket in.
var ErrNotLeading = errors.New("this replica is not running the jobs (standing by, or not started); the leader's next sync covers the ticket")

// The inbox is drained in batches of inboxBatch, and looked at every
// inboxPoll while it is empty.
const (
	inboxBatch = 100
	inboxPoll  = time.Second
)

// rechecks is the engine's state for targeted syncs. Its zero value is
// ready.
type rechecks struct {
	// gate is held by every writing sync and every recheck.
	gate sync.Mutex
	// waiting counts callers blocked on the gate (tests watch it).
	waiting atomic.Int32

	mu sync.Mutex
	// run is the jobs' context while Run runs; nil otherwise.
	run context.Context
}

func (r *rechecks) current() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.run
}

// RunningJobs reports whether this replica runs the jobs now (it leads):
// a targeted sync then acts here, and otherwise goes to the inbox.
func (e *Engine) RunningJobs() bool { return e.rechecks.current() != nil }

// lockSync takes the sync gate and then the ledger's "sync" lock, for a
// sync or a recheck that writes; a dry run takes neither.
func (e *Engine) lockSync(dry bool) (func(), error) {
	if dry {
		return func() {}, nil
	}
	e.rechecks.waiting.Add(1)
	e.rechecks.gate.Lock()
	e.rechecks.waiting.Add(-1)
	if e.opt.Locker == nil {
		return e.rechecks.gate.Unlock, nil
	}
	release, ok, err := e.opt.Locker.TryLock("sync")
	if err != nil || !ok {
		e.rechecks.gate.Unlock()
		if err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
		return nil, fmt.Errorf("sync: %w", ErrBusy)
	}
	return func() { release(); e.rechecks.gate.Unlock() }, nil
}

// SyncTicket is the targeted sync of one ticket (the Jira webhook
// receiver's Recheck, through a one-line adapter: Slack's "recheck"
// button is another Recheck, with another shape). key is an issue key or a
// numeric issue id, never JQL (the caller checks its form); cause says
// why, for the logs (created, updated, comment, moved, deleted — a
// deleted ticket is simply found in no scope).
//
// While the replica runs the jobs it reconciles the ticket at once (see
// the notes at the top of this file) and returns an error wrapping
// ErrPartial when that failed; the next sync covers it. Otherwise the
// ticket is left in the inbox for the leader, or, without an inbox,
// ErrNotLeading is returned.
func (e *Engine) SyncTicket(ctx context.Context, key, cause string) error {
	run := e.rechecks.current()
	if run == nil {
		if e.opt.Inbox == nil {
			return fmt.Errorf("recheck %s: %w", key, ErrNotLeading)
		}
		if err := e.opt.Inbox.Enqueue(ctx, InboxRecheck, key, []byte(cause)); err != nil {
			return fmt.Errorf("recheck %s: leave it in the inbox for the leader: %w", key, err)
		}
		e.log.Debug("recheck left in the inbox for the leader", "ticket", key, "cause", cause)
		return nil
	}
	// Cancelled with the jobs: a replica whose term ended writes nothing
	// more.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(run, cancel)()
	_, err := e.recheck(ctx, key, cause)
	return err
}

// recheck runs the targeted sync of key and returns its report.
func (e *Engine) recheck(ctx context.Context, key, cause string) (*Report, error) {
	dry := e.opt.DryRun
	unlock, err := e.lockSync(dry)
	if err != nil {
		return nil, fmt.Errorf("recheck %s: %w", key, err)
	}
	defer unlock()
	c, err := e.newCycle(ctx, "recheck", dry, true)
	if err != nil {
		return nil, fmt.Errorf("recheck %s: %w", key, err)
	}
	o := SyncOptions{Keys: []string{key}}
	for _, p := range e.opt.Projects {
		if err := c.syncProject(ctx, p, o, true); err != nil {
			c.rep.Errors = append(c.rep.Errors, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	c.rep.Finished = e.opt.Now()
	e.opt.Metrics.cycle("recheck", c.rep)
	log := e.log.With("ticket", key, "cause", cause, "took", c.rep.Finished.Sub(c.rep.Started).Round(time.Millisecond))
	switch {
	case len(c.rep.Errors) > 0:
		return c.rep, fmt.Errorf("recheck %s: %w: %w", key, ErrPartial, errors.Join(c.rep.Errors...))
	case c.rep.Tickets == 0:
		log.Debug("recheck: the ticket is in no watched scope (or gone); nothing to do")
	case len(c.rep.Actions) > 0:
		log.Info("recheck done", "actions", len(c.rep.Actions))
	default:
		log.Debug("recheck: nothing to say")
	}
	return c.rep, ctx.Err()
}

// serveRechecks lets SyncTicket act while the jobs run: Run calls it with
// the jobs' context (after recovering open intents) and the function it
// returns when they stop. With an inbox it also drains what the standbys
// (or this replica, before it led) left there. stop does not wait for a
// recheck under way: like a job past Run's grace period, it ends on its
// own, its context cancelled.
func (e *Engine) serveRechecks(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	e.rechecks.mu.Lock()
	e.rechecks.run = ctx
	e.rechecks.mu.Unlock()
	if e.opt.Inbox != nil {
		go e.drainInbox(ctx)
	}
	return func() {
		e.rechecks.mu.Lock()
		if e.rechecks.run == ctx {
			e.rechecks.run = nil
		}
		e.rechecks.mu.Unlock()
		cancel()
	}
}

// drainInbox handles the inbox until ctx ends: at once, then every
// inboxPoll, and without pause while full batches keep coming.
func (e *Engine) drainInbox(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := inboxPoll
		if e.drainOnce(ctx) == inboxBatch {
			wait = 0
		}
		t.Reset(wait)
	}
}

// drainOnce claims a batch of inbox items, handles them and acknowledges
// them; it returns how many it claimed. A recheck that fails is
// acknowledged all the same: the next sync covers its ticket. Items left
// unacknowledged when the term ends are claimed again by the next leader.
func (e *Engine) drainOnce(ctx context.Context) int {
	items, err := e.opt.Inbox.Claim(ctx, inboxBatch)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("inbox: could not claim work; trying again", "err", err)
		}
		return 0
	}
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		switch it.Kind {
		case InboxRecheck:
			if _, err := e.recheck(ctx, it.Key, string(it.Payload)); err != nil && ctx.Err() == nil {
				e.log.Warn("recheck from the inbox failed; the next sync covers it", "ticket", it.Key, "err", err)
			}
		default:
			// Nothing here knows it; kept, it would be claimed again and
			// again.
			e.log.Warn("inbox: dropped an item of an unknown kind", "kind", it.Kind, "key", it.Key)
		}
		ids = append(ids, it.ID)
	}
	if len(ids) > 0 {
		// On a context that outlives a shutdown: what was handled is
		// acknowledged (a lost term's fence refuses it, and the next
		// leader handles it again, which writes nothing twice).
		actx, cancel := recordCtx(ctx)
		defer cancel()
		if err := e.opt.Inbox.Ack(actx, ids...); err != nil {
			e.log.Warn("inbox: could not acknowledge handled work; it is handled again", "items", len(ids), "err", err)
		}
	}
	return len(items)
}
