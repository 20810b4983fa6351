package scheduler

import (
	"context"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// The interfaces below are what the jobs need from the outside world. The
// connectors satisfy them without knowing; tests use the connectors against
// fake servers, and unit tests small in-memory fakes.

// Tracker is what the jobs need from Jira.
type Tracker interface {
	// Scan calls fn for every ticket the request matches, page by page.
	// An error from fn stops the scan and is returned.
	Scan(ctx context.Context, req ports.ScanRequest, fn func(ports.Ticket) error) error
	// Apply carries out one decided change to a ticket's living comment,
	// label and trail — the operation and the text as given — and
	// reports what became of it and the trail now on the ticket.
	Apply(ctx context.Context, c ports.CommentChange) (ports.Applied, error)
	// Label is the label the tracker keeps on tickets whose handoff is
	// incomplete (empty: none). The engine decides when it is added or
	// removed; the tracker only knows its name.
	Label() string
}

// Messenger is what the jobs need from Slack.
type Messenger interface {
	// Owner resolves a handoff owner to a Slack user, or to the fallback
	// channel with Reachable false.
	Owner(ctx context.Context, owner handoff.Person) (ports.Recipient, error)
	// Send posts a message (opening a DM when To.Channel is empty).
	Send(ctx context.Context, m ports.Message) (ports.Receipt, error)
	// Update replaces a message already sent.
	Update(ctx context.Context, r ports.Receipt, m ports.Message) error
	// Lookup finds a message the bot sent to "to" with this Ref since a
	// time; it resolves intents left open by a crash.
	Lookup(ctx context.Context, to ports.Recipient, ref string, since time.Time) (ports.Receipt, bool, error)
}

// The ledger — what was said to whom and when, and where each job got to —
// is seen through the small interfaces below, one for each thing a job
// asks of it. The store satisfies them all; each job names only those it
// uses:
//
//	sync      SendLog, OpenIntents, ThreadLog, Watermarks
//	nag       SendLog, OpenIntents, SendHistory, Snoozes
//	digest    SendLog, OpenIntents
//	recovery  SendLog, OpenIntents, ThreadLog
//	daemon    RunLog (catching up missed nags and digests)
//
// (nag and digest list open intents only because every job's cycle does.)

// SendLog records each send: the intent before it goes out, and that it
// went (where to), so a send is made exactly once.
type SendLog interface {
	// Intend records the intent to send s. When a send with the same Ref
	// exists it returns that one and existed=true (done or still open).
	Intend(ctx context.Context, s ports.Send) (rec ports.Send, existed bool, err error)
	// IntendAll is Intend for several sends in one write: all are
	// recorded, in order, or none.
	IntendAll(ctx context.Context, s []ports.Send) ([]ports.Intended, error)
	// Done marks an intent as sent, with where it went. A non-empty
	// thread is the ticket whose Slack thread the message starts; it is
	// recorded with the send, atomically.
	Done(ctx context.Context, id int64, r ports.Receipt, at time.Time, thread string) error
	// DoneAll is Done for several sends in one write: all, or none.
	DoneAll(ctx context.Context, cs []ports.Completion) error
	// Forget drops an open intent that was never sent (so it can be tried
	// again under the same Ref).
	Forget(ctx context.Context, id int64) error
}

// OpenIntents lists the intents a crash or a failed send left open.
type OpenIntents interface {
	// Open lists intents that were recorded but never marked done.
	Open(ctx context.Context) ([]ports.Send, error)
}

// SendHistory is what was already sent about an item: the nag's backoff
// and escalation count from it.
type SendHistory interface {
	// History lists the done sends that covered an item, oldest first.
	History(ctx context.Context, item string) ([]ports.Send, error)
}

// ThreadLog is the Slack thread kept for each ticket's follow-ups. A
// thread is written with the send that starts it (SendLog.Done).
type ThreadLog interface {
	// Thread is the Slack thread kept for a ticket, if it has one.
	Thread(ctx context.Context, key string) (ports.Receipt, bool, error)
	// Threads is Thread for several tickets; those without are absent.
	Threads(ctx context.Context, keys []string) (map[string]ports.Receipt, error)
}

// Watermarks are where the last successful incremental sync of each
// project got to; a failed cycle never moves one.
type Watermarks interface {
	Watermark(ctx context.Context, project string) (time.Time, error)
	SetWatermark(ctx context.Context, project string, t time.Time) error
}

// RunLog is when each job last completed, for catching up runs missed
// while the daemon was down.
type RunLog interface {
	LastRun(ctx context.Context, job string) (time.Time, error)
	SetLastRun(ctx context.Context, job string, t time.Time) error
}

// Snoozes silence reminders about a ticket until a time (set by the CLI's
// snooze command, read by the nag).
type Snoozes interface {
	// SnoozedUntil is when a ticket's snooze ends; zero when it has none.
	SnoozedUntil(ctx context.Context, key string) (time.Time, error)
}
