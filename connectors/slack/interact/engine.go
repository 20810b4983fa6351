package interact

import (
	"context"

	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// What the adapter asks of the engine. The engine decides everything:
// whether the person may do it, what the policy allows, what to write to
// Jira and the ledger, and what to say back. The adapter only carries a
// request in and the answer out.

// Changes are what a person asks for with a button, a modal or the slash
// command.
type Changes interface {
	// Snooze silences reminders about a ticket (or one item of it) until a
	// day. The engine checks the policy bound (how long a lane may be
	// snoozed, never past an exception's expiry or a patch-now deadline
	// without a stated reason) and answers a *Refusal when it says no.
	Snooze(ctx context.Context, r SnoozeRequest) (Result, error)
	// Recheck reads the ticket again now and says what is still missing.
	Recheck(ctx context.Context, r RecheckRequest) (Result, error)
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

// The exchanged types live with the other exchanged types in
// handoff/ports, so that the engine does not import a connector for them;
// the names below keep the adapter's own vocabulary.
type (
	// Actor is who clicked, submitted or typed.
	Actor = ports.Actor
	// SnoozeRequest asks to snooze reminders.
	SnoozeRequest = ports.SnoozeRequest
	// DisownRequest says a ticket is not the actor's.
	DisownRequest = ports.DisownRequest
	// RecheckRequest asks to read a ticket again.
	RecheckRequest = ports.RecheckRequest
	// Result is the engine's answer to an action.
	Result = ports.Result
	// Group is where an item shows in the App Home tab.
	Group = ports.Group
	// Item is one of a person's open items.
	Item = ports.Item
	// Button is one of patchbot's buttons.
	Button = ports.Button
	// Field names a modal input.
	Field = ports.Field
	// Refusal is the engine saying no on policy grounds.
	Refusal = ports.Refusal
)

// The groups, buttons and modal inputs.
const (
	GroupOverdue    = ports.GroupOverdue
	GroupDueSoon    = ports.GroupDueSoon
	GroupIncomplete = ports.GroupIncomplete

	ButtonSnooze      = ports.ButtonSnooze
	ButtonRecheck     = ports.ButtonRecheck
	ButtonDisown      = ports.ButtonDisown
	ButtonAcknowledge = ports.ButtonAcknowledge

	FieldUntil  = ports.FieldUntil
	FieldReason = ports.FieldReason
	FieldOwner  = ports.FieldOwner
	FieldNote   = ports.FieldNote
)

// Errors the engine answers with, wrapped or not; the adapter branches on
// them with errors.Is and errors.As and never shows their text.
var (
	// ErrNotAllowed: the actor may not do this to this ticket. The
	// adapter tells them privately that it is not theirs.
	ErrNotAllowed = ports.ErrNotAllowed
	// ErrNotFound: no such ticket or item.
	ErrNotFound = ports.ErrNotFound
)
