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
}
