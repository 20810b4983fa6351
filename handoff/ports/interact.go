package ports

import (
	"errors"
	"time"

	"github.com/patchbot/patchbot/handoff/richtext"
)

// What people ask of the engine from Slack (buttons, modals, the slash
// command, the App Home tab) and what it answers: the inbound Slack adapter
// (connectors/slack/interact) carries these in and out and decides
// nothing; the engine (scheduler) decides.

// Actor is who clicked, submitted or typed: authorisation is the engine's
// to decide from it.
type Actor struct {
	// UserID is the Slack user id ("U…"); TeamID the workspace.
	UserID, TeamID string
	// Name is the Slack user name, for logs and the audit trail.
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

// RecheckRequest asks to read a ticket again now.
type RecheckRequest struct {
	Key string
	// Item is the item reference of the button clicked: empty for a
	// button on the ticket's own validation request, whose message the
	// answer may replace; set on a reminder listing several items.
	Item string
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

// Button is one of the buttons patchbot puts on its messages; its value is
// the button's action_id in Slack.
type Button string

// The buttons.
const (
	// ButtonSnooze opens a modal asking until when, and why.
	ButtonSnooze Button = "patchbot_snooze"
	// ButtonRecheck re-reads the ticket and says privately what is still
	// missing.
	ButtonRecheck Button = "patchbot_recheck"
	// ButtonDisown opens a modal asking who owns the ticket.
	ButtonDisown Button = "patchbot_disown"
	// ButtonAcknowledge acknowledges a heads-up.
	ButtonAcknowledge Button = "patchbot_ack"
)

// Label is the text on the button; empty for a button patchbot does not
// make.
func (b Button) Label() string {
	switch b {
	case ButtonSnooze:
		return "Snooze…"
	case ButtonRecheck:
		return "Recheck now"
	case ButtonDisown:
		return "Not my ticket"
	case ButtonAcknowledge:
		return "Acknowledge"
	}
	return ""
}

// ButtonRow is a row of buttons a message carries about one ticket (and
// optionally one item of it). The engine puts rows on a Message only while
// people can answer them (the Socket Mode adapter runs): a button nobody
// answers is an error in Slack.
type ButtonRow struct {
	Key, Item string
	Buttons   []Button
}

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
func (r *Refusal) Error() string { return "refused: " + r.Reason }

// Errors the engine answers with, wrapped or not; the adapter branches on
// them with errors.Is and errors.As and never shows their text.
var (
	// ErrNotAllowed: the actor may not do this to this ticket (not the
	// owner, their manager, nor a configured user or group).
	ErrNotAllowed = errors.New("not allowed")
	// ErrNotFound: no such ticket or item (or not one patchbot watches).
	ErrNotFound = errors.New("no such ticket")
)

// ActionRecord is one answer from Slack as the ledger audits it. ID makes
// it idempotent: the same ID is recorded once, however often Slack
// delivers it.
type ActionRecord struct {
	ID string
	// Kind is snooze, disown, ack or recheck.
	Kind string
	Key  string
	// Item is the item reference acted on ("" for the ticket).
	Item string
	// Actor is the Slack user id, ActorName their name.
	Actor, ActorName string
	// Until is the end of a snooze (zero otherwise).
	Until time.Time
	// Note is the reason or note typed, verbatim.
	Note string
	At   time.Time
}
