package texts

import (
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Comment is the whole body of the ticket's living comment for a decided
// operation (handoff.DecideComment): the validation request's checklist
// for a post or an edit; the reopened note above the checklist when
// findings come back after the handoff was complete; the complete note
// above the checklist, all ticked, when they are gone. It is exactly what
// the tracker posts, so the CLI's check can print it. CommentNone has no
// body.
func Comment(op handoff.CommentOp, ev handoff.Evaluation, o Options) richtext.Doc {
	return CommentOn(op, ValidationRequest(ev, o), ev, o)
}

// CommentOn is Comment for a caller that has built the validation request
// (checklist) already: the sync builds it once for Slack and Jira alike.
func CommentOn(op handoff.CommentOp, checklist richtext.Doc, ev handoff.Evaluation, o Options) richtext.Doc {
	switch op {
	case handoff.CommentPost, handoff.CommentEdit:
		return checklist
	case handoff.CommentReopen:
		return above(Reopened(ev, o), checklist)
	case handoff.CommentComplete:
		return above(Complete(ev, o), checklist)
	}
	return richtext.Doc{}
}

// above puts the checklist under the note, headed by the checklist's
// title, keeping the note's title and summary.
func above(note, checklist richtext.Doc) richtext.Doc {
	out := richtext.Doc{Title: note.Title, Summary: note.Summary}
	out.Blocks = append(out.Blocks, note.Blocks...)
	if checklist.Title != "" {
		out.Blocks = append(out.Blocks, richtext.Heading(3, checklist.Title))
	}
	out.Blocks = append(out.Blocks, checklist.Blocks...)
	if out.Title == "" {
		out.Title, out.Summary = checklist.Title, checklist.Summary
	}
	return out
}
