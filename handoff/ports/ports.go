// Package ports holds the shapes the engine (package scheduler) and its
// adapters (Jira, Slack, the ledger) hand each other: a ticket as read, the
// change the engine wants on a ticket, a message and where it went, a send
// as the ledger keeps it. It is a leaf: it imports only the core, so an
// adapter depends on the domain and never on the jobs that use it. The
// interfaces themselves are declared where they are used, in scheduler.
package ports

import (
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

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

// CommentChange is one decided change to a ticket's living comment, label
// and trail (handoff.DecideComment), for the tracker to carry out. The
// engine chose the operation and composed the text; the tracker writes
// them as they are, and adds only what it alone can know: the id of a
// comment the trail does not name, a comment an interrupted attempt
// already posted, a comment a person deleted.
type CommentChange struct {
	Key string
	Op  handoff.CommentOp
	// CommentID is the living comment an edit or a completion goes to,
	// from the trail; empty when the trail does not know its id (the
	// tracker then looks for the bot's newest comment since LastWritten).
	CommentID string
	// LastWritten is when the trail as read was written (zero: never).
	LastWritten time.Time
	// Doc is the whole comment body (none for CommentNone).
	Doc richtext.Doc
	// Notify says watchers hear of it; false edits silently.
	Notify bool
	// Label is what happens to the bot's label.
	Label LabelOp
	// Trail is the trail the ticket should carry once the change is made,
	// as the engine knows it; the tracker fills in the comment id it
	// learns, Deleted, and Written.
	Trail handoff.Trail
	// Resumed, when not zero, says an earlier attempt at this change was
	// interrupted (a crash, or a write whose answer was lost) at about
	// that time: a comment the ticket's trail does not know of may
	// already be there, so the tracker looks before posting a new one.
	Resumed time.Time
}

// LabelOp is a change to the label the bot keeps on tickets whose handoff
// is incomplete.
type LabelOp string

// The label operations.
const (
	LabelKeep   LabelOp = ""
	LabelAdd    LabelOp = "add"
	LabelRemove LabelOp = "remove"
)

// Applied is what the tracker did with a CommentChange.
type Applied struct {
	// Trail is the trail now on the ticket.
	Trail handoff.Trail
	// Outcome says what became of the comment.
	Outcome Outcome
}

// Outcome is what became of a comment change.
type Outcome string

// The outcomes.
const (
	// OutcomePosted: the new comment was posted.
	OutcomePosted Outcome = "posted"
	// OutcomeEdited: the living comment was edited.
	OutcomeEdited Outcome = "edited"
	// OutcomeAlreadyThere: an interrupted earlier attempt had posted the
	// comment; it is kept and only the trail was written.
	OutcomeAlreadyThere Outcome = "already-there"
	// OutcomeCommentGone: a person deleted the living comment; nothing
	// was posted and the trail records Deleted.
	OutcomeCommentGone Outcome = "comment-gone"
	// OutcomeTrailOnly: no comment operation; the trail (and label) were
	// written.
	OutcomeTrailOnly Outcome = "trail-only"
	// OutcomeForgedTrail: the trail named a comment that is not the
	// bot's (a forged or copied property); that comment was left
	// untouched and the bot posted its own instead.
	OutcomeForgedTrail Outcome = "forged-trail"
)

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
	Doc      richtext.Doc
	// Buttons, when set, are rows of buttons the message carries after
	// its text (interact.go): set only while people can answer them.
	Buttons []ButtonRow
}

// Receipt says where a message went. A digest split over several Slack
// messages returns the first; the rest are threaded under it.
type Receipt struct {
	Channel string
	TS      string
	Parts   int
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
