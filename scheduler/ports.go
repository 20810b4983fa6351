package scheduler

import (
	"context"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// The interfaces below are what the jobs need from the outside world. The
// connectors satisfy them without knowing; tests use the connectors against
// fake servers, and unit tests small in-memory fakes.

// Ticket is one ticket as the tracker read it: the core's input plus the
// bot's own trail kept on the ticket.
type Ticket struct {
	Input handoff.Input
	Trail handoff.Trail
}

// ScanRequest asks for one project's tickets.
type ScanRequest struct {
	// Project is the config project name; the tracker knows its JQL and
	// field mapping.
	Project string
	// UpdatedSince limits the scan to tickets updated at or after it; zero
	// scans the whole scope (full reconcile).
	UpdatedSince time.Time
	// Keys, when set, limits the scan to these tickets (CLI check --issue).
	Keys []string
	// JQL, when set, replaces the project's JQL (CLI check --jql); the
	// project's field mapping still applies.
	JQL string
}

// Tracker is what the jobs need from Jira.
type Tracker interface {
	// Scan calls fn for every ticket the request matches, page by page.
	// An error from fn stops the scan and is returned.
	Scan(ctx context.Context, req ScanRequest, fn func(Ticket) error) error
	// Publish brings the ticket's bot comment, label and property in line
	// with the checklist, and returns the trail now on the ticket.
	Publish(ctx context.Context, c Checklist) (handoff.Trail, error)
}

// Checklist is what the bot wants the ticket to say.
type Checklist struct {
	Key   string
	Trail handoff.Trail // as read by Scan
	// Evaluation is the current evaluation; Fingerprint empty = complete.
	Evaluation handoff.Evaluation
	// Request is the full living checklist (validation request), used for
	// the first post and for edits in place.
	Request handoff.Doc
	// Reopened is the short note posted when findings reappear after the
	// handoff had been complete, so watchers hear of it.
	Reopened handoff.Doc
	// Complete is the note said once when the handoff becomes complete.
	Complete handoff.Doc
	// Resumed, when not zero, says an earlier attempt at this checklist
	// was interrupted (a crash, or a write whose answer was lost) at
	// about that time: a comment the ticket's trail does not know of may
	// already be there, so the tracker looks before posting a new one.
	Resumed time.Time
}

// Recipient is a resolved Slack destination.
type Recipient struct {
	// Channel is a channel id, or empty for a DM.
	Channel string
	// UserID is the Slack user for a DM (and for mentions).
	UserID string
	// Reachable is false when the owner could not be found in Slack and
	// the message goes to the fallback channel instead.
	Reachable bool
	// Name is how to name the recipient in plain text.
	Name string
}

// Message is one message to send.
type Message struct {
	To Recipient
	// Ref is the ledger's reference for this send; the connector attaches
	// it to the message (Slack message metadata) so Lookup can find it.
	Ref string
	// ThreadTS, when set, posts in that thread.
	ThreadTS string
	Doc      handoff.Doc
}

// Receipt says where a message went. A digest split over several Slack
// messages returns the first; the rest are threaded under it.
type Receipt struct {
	Channel string
	TS      string
	Parts   int
}

// Messenger is what the jobs need from Slack.
type Messenger interface {
	// Owner resolves a handoff owner to a Slack user, or to the fallback
	// channel with Reachable false.
	Owner(ctx context.Context, owner handoff.Person) (Recipient, error)
	// Send posts a message (opening a DM when To.Channel is empty).
	Send(ctx context.Context, m Message) (Receipt, error)
	// Update replaces a message already sent.
	Update(ctx context.Context, r Receipt, m Message) error
	// Lookup finds a message the bot sent to "to" with this Ref since a
	// time; it resolves intents left open by a crash.
	Lookup(ctx context.Context, to Recipient, ref string, since time.Time) (Receipt, bool, error)
}

// Send is one message the bot intends to send or has sent, as the ledger
// keeps it. A send is recorded as intended before it goes out and as done
// after, so a restart can resolve what was left open instead of sending
// twice.
type Send struct {
	ID int64
	// Kind is what the message is: validation, heads_up, reminder,
	// escalation, closure, digest, personal_digest, backlog.
	Kind string
	// Ref is the send's identity: the same Ref is never sent twice. For
	// example "reminder/U123/2026-11-26" or "validation/SEC-1/<fingerprint>".
	// It travels with the Slack message (as metadata) so that an open
	// intent can be looked up after a crash.
	Ref string
	// Recipient is the Slack user or channel id.
	Recipient string
	// Items are the item keys the message covers, e.g.
	// "SEC-12/review_passed/2026-11-20"; reminders and escalations are
	// counted per item.
	Items []string
	// Level is the escalation level (0 for the owner).
	Level    int
	Intended time.Time
	Done     time.Time // zero while the intent is open
	Channel  string
	TS       string
}

// Intended is one answer of Ledger.IntendAll: the send on record, and
// whether it was there before (done or still open).
type Intended struct {
	Send    Send
	Existed bool
}

// Completion is one send for Ledger.DoneAll to mark done: where it went,
// when, and the ticket whose thread it starts ("" for none).
type Completion struct {
	ID      int64
	Receipt Receipt
	At      time.Time
	Thread  string
}

// Ledger is what the jobs need from the store: what was said to whom and
// when, and where each job got to.
type Ledger interface {
	// Intend records the intent to send s. When a send with the same Ref
	// exists it returns that one and existed=true (done or still open).
	Intend(ctx context.Context, s Send) (rec Send, existed bool, err error)
	// IntendAll is Intend for several sends in one write: all are
	// recorded, in order, or none.
	IntendAll(ctx context.Context, s []Send) ([]Intended, error)
	// Done marks an intent as sent, with where it went. A non-empty
	// thread is the ticket whose Slack thread the message starts; it is
	// recorded with the send, atomically.
	Done(ctx context.Context, id int64, r Receipt, at time.Time, thread string) error
	// DoneAll is Done for several sends in one write: all, or none.
	DoneAll(ctx context.Context, cs []Completion) error
	// Forget drops an open intent that was never sent (so it can be tried
	// again under the same Ref).
	Forget(ctx context.Context, id int64) error
	// Open lists intents that were recorded but never marked done.
	Open(ctx context.Context) ([]Send, error)
	// History lists the done sends that covered an item, oldest first.
	History(ctx context.Context, item string) ([]Send, error)

	// Thread is the Slack thread kept for a ticket's follow-ups.
	Thread(ctx context.Context, key string) (Receipt, bool, error)
	// Threads is Thread for several tickets; those without are absent.
	Threads(ctx context.Context, keys []string) (map[string]Receipt, error)
	SetThread(ctx context.Context, key string, r Receipt) error

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
