package interact

import (
	"context"
	"errors"
	"time"

	"github.com/patchbot/patchbot/handoff/richtext"
)

// What the adapter asks of the engine. The engine decides everything:
// whether the person may do it, what the policy allows, what to write to
// Jira and the ledger, and what to say back. The adapter only carries a
// request in and the answer out.
//
// TODO(split): these types belong with the other exchanged types in
// handoff/ports once the engine implements them, so that the scheduler
// does not import a connector for them.

// Changes are what a person asks for with a button, a modal or the slash
// command.
type Changes interface {
	// Snooze silences reminders about a ticket (or one item of it) until a
	// day. The engine checks the policy bound (how long a lane may be
	// snoozed, never past an exception's expiry or a patch-now deadline
	// without a stated reason) and answers a *Refusal when it says no.
	Snooze(ctx context.Context, r SnoozeRequest) (Result, error)
	// Recheck reads the ticket again now and says what is still missing.
	Recheck(ctx context.Context, key string, by Actor) (Result, error)
	// Disown says the ticket is not the actor's; Suggested may name who
	// owns it.
	Disown(ctx context.Context, r DisownRequest) (Result, error)
	// Acknowledge records that the actor saw a heads-up about an item (an
	// item reference as the engine put it on the button).
	Acknowledge(ctx context.Context, item string, by Actor) (Result, error)
}

// Views are what a person reads: their own open items and one ticket.
type Views interface {
	// Mine lists the actor's open items: overdue, due soon, and handoffs
	// still incomplete, in the order to show them.
	Mine(ctx context.Context, by Actor) ([]Item, error)
	// Status is one ticket's state as a document to show the actor.
	Status(ctx context.Context, key string, by Actor) (richtext.Doc, error)
}

// Engine is everything the adapter needs from the engine.
type Engine interface {
	Changes
	Views
}

// Actor is who clicked, submitted or typed: authorisation is the
// engine's to decide from it.
type Actor struct {
	// UserID is the Slack user id ("U…"); TeamID the workspace.
	UserID, TeamID string
	// Name is the Slack user name, for logs only.
	Name string
}

// SnoozeRequest asks to snooze reminders.
type SnoozeRequest struct {
	Key string
	// Item is the item reference from the button, empty for the whole
	// ticket (the slash command).
	Item string
	// Until is the calendar day picked, at midnight UTC: the engine reads
	// it as that day in its own location.
	Until time.Time
	// Reason is what the person typed, verbatim (it may be empty, and it
	// may hold anything: it is data, never markup).
	Reason string
	By     Actor
}

// DisownRequest says a ticket is not the actor's.
type DisownRequest struct {
	Key  string
	Item string
	// Suggested is the Slack user id the actor named as the owner, if any.
	Suggested string
	// Note is what the actor typed, verbatim.
	Note string
	By   Actor
}

// Result is the engine's answer to an action.
type Result struct {
	// Reply is told privately to the person who acted (an ephemeral
	// message); an empty Doc says nothing.
	Reply richtext.Doc
	// Update, when set, replaces the message the button was on; the
	// adapter appends Buttons to it. A button in the App Home tab
	// republishes the tab instead.
	Update *richtext.Doc
	// Buttons are those the updated message keeps; none removes them.
	Buttons []Button
}

// Group is where an item shows in the App Home tab.
type Group int

// The groups, in the order the Home tab shows them.
const (
	GroupOverdue Group = iota
	GroupDueSoon
	GroupIncomplete
)

// Item is one of a person's open items.
type Item struct {
	Key string
	// Ref is the item reference the buttons carry (for Acknowledge and
	// Snooze); empty for a ticket-level item.
	Ref   string
	Group Group
	// Doc is what to show about it (rendered by the core's Slack renderer).
	Doc richtext.Doc
	// Buttons are the buttons to show with it.
	Buttons []Button
}

// Errors the engine answers with, wrapped or not; the adapter branches on
// them with errors.Is and errors.As and never shows their text.
var (
	// ErrNotAllowed: the actor may not do this to this ticket (not the
	// owner, their manager, nor a configured user or group). The adapter
	// tells them privately that it is not theirs.
	ErrNotAllowed = errors.New("interact: not allowed")
	// ErrNotFound: no such ticket or item (or not one patchbot watches).
	ErrNotFound = errors.New("interact: no such ticket")
)

// Field names the input of a modal a refusal is about.
type Field string

// The modal inputs (they are the inputs' block ids).
const (
	FieldUntil  Field = "until"
	FieldReason Field = "reason"
	FieldOwner  Field = "owner"
	FieldNote   Field = "note"
)

// Refusal is the engine saying no on policy grounds, with the words to
// show: in a modal, next to the input it names; elsewhere, privately.
type Refusal struct {
	Field Field
	// Reason is plain text for the person ("Snoozing past the deadline
	// (2026-07-01) needs a reason.").
	Reason string
}

// Error is the refusal's reason.
func (r *Refusal) Error() string { return "interact: refused: " + r.Reason }
