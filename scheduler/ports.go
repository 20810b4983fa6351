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
	// Publish brings the ticket's bot comment, label and property in line
	// with the checklist, and returns the trail now on the ticket.
	Publish(ctx context.Context, c ports.Checklist) (handoff.Trail, error)
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

// Ledger is what the jobs need from the store: what was said to whom and
// when, and where each job got to.
type Ledger interface {
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
	// Open lists intents that were recorded but never marked done.
	Open(ctx context.Context) ([]ports.Send, error)
	// History lists the done sends that covered an item, oldest first.
	History(ctx context.Context, item string) ([]ports.Send, error)

	// Thread is the Slack thread kept for a ticket's follow-ups.
	Thread(ctx context.Context, key string) (ports.Receipt, bool, error)
	// Threads is Thread for several tickets; those without are absent.
	Threads(ctx context.Context, keys []string) (map[string]ports.Receipt, error)
	SetThread(ctx context.Context, key string, r ports.Receipt) error

	// Watermark is where the last successful incremental sync of a
	// project got to; a failed cycle never moves it.
	Watermark(ctx context.Context, project string) (time.Time, error)
	SetWatermark(ctx context.Context, project string, t time.Time) error

	// LastRun is when a job last completed, for catching up runs missed
	// while the daemon was down.
	LastRun(ctx context.Context, job string) (time.Time, error)
	SetLastRun(ctx context.Context, job string, t time.Time) error

	// Snoozes silence reminders about a ticket until a time.
	Snooze(ctx context.Context, key string, until time.Time, by string) error
	SnoozedUntil(ctx context.Context, key string) (time.Time, error)
}
