package handoff

import "time"

// Trail is what the bot last wrote on a ticket. The Jira connector keeps it
// on the ticket itself (an entity property) so that even with the local
// ledger lost a second run over the same ticket posts nothing.
type Trail struct {
	// Fingerprint of the findings last posted; empty when the last word was
	// that the handoff is complete (or nothing was ever said).
	Fingerprint string
	// Flagged lists every field flagged since the handoff was last
	// complete, so the living checklist can tick off what was provided.
	Flagged []FieldID
	// CommentID is the bot's living checklist comment.
	CommentID string
	// CommentUnknown is set when the bot's living comment exists but its
	// id is not known: the comment went out in the same issue edit as the
	// trail, and an issue edit does not return the new comment's id. It is
	// the bot's newest comment on the ticket; the tracker looks it up once,
	// before its first edit, and records the id then.
	CommentUnknown bool
	// Complete is set once "handoff complete" was said for the current run
	// of findings.
	Complete bool
	// Deleted is set when a person deleted the bot's comment: the bot does
	// not fight them and posts again only when the findings change.
	Deleted bool
	// Written is when the bot last wrote to the ticket (comment, label or
	// property); changes at or just after it are the bot's own.
	Written time.Time
	// Snooze, when set, silences reminders about the ticket until a time.
	// It is kept on the ticket as well as in the ledger, so that a snooze
	// survives a lost ledger; every decision carries it forward.
	Snooze *Snooze
}

// Snooze is who silenced reminders about a ticket, until when and why.
type Snooze struct {
	// Until is when reminders resume.
	Until time.Time
	// By identifies who asked (a Slack user id, or the operator's name for
	// the CLI); Name is how to call them.
	By, Name string
	// Reason is what they gave, verbatim (data, never markup).
	Reason string
	// At is when they asked.
	At time.Time
}

// Snoozed reports whether the trail's snooze silences reminders at now.
func (t Trail) Snoozed(now time.Time) bool { return t.Snooze != nil && now.Before(t.Snooze.Until) }
