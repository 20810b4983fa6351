package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// ActionKind is what an action writes.
type ActionKind string

// The kinds of action.
const (
	ActComment ActionKind = "jira_comment" // the living checklist on the ticket
	ActSlack   ActionKind = "slack"        // a Slack message
)

// Action is one write the engine decided on, done or (in a dry run) not.
type Action struct {
	Kind ActionKind
	// Send is the ledger kind (validation, reminder, ...); Key the ticket
	// (empty for digests); Ref the ledger reference.
	Send string
	Key  string
	Ref  string
	To   ports.Recipient
	// Comment is a Jira comment's decided operation (post, edit, reopen,
	// complete).
	Comment handoff.CommentOp
	// Doc is the text. For a Jira comment it is the whole comment body,
	// the very document the tracker is handed and posts.
	Doc richtext.Doc
	// Done says the write happened in this run; Err why it did not.
	Done bool
	Err  error
	// Outcome is what the tracker reported for a Jira comment (posted,
	// edited, already there, comment gone: a person deleted it and
	// nothing was posted, so Done is false).
	Outcome ports.Outcome
}

// TicketResult is one ticket as a sync or check saw it.
type TicketResult struct {
	Evaluation handoff.Evaluation
	Trail      handoff.Trail
	Due        []handoff.Due
	// Backlog: created before the cut-off; reported, not commented on.
	Backlog bool
}

// Report is what one job run did.
type Report struct {
	Job      string
	Started  time.Time
	Finished time.Time
	DryRun   bool
	// Tickets counts tickets read; Flagged those with findings.
	Tickets int
	Flagged int
	// Results holds each ticket's evaluation when the caller asked for
	// them (check); a daemon cycle keeps only counts.
	Results []TicketResult
	Actions []Action
	// Deferred counts tickets left for the next cycle by the write cap.
	Deferred int
	// Backlog lists tickets created before the cut-off that would have
	// been flagged.
	Backlog []string
	// Errors are the per-ticket and per-project failures of this run.
	Errors []error

	// countsOnly drops each action's text once it is done: a daemon run
	// reports counts, and keeping every rendered message of a large first
	// sync would hold hundreds of megabytes for nothing.
	countsOnly bool
	// onAction, when set, sees each action with its text as it is added,
	// or, between hold and release, when released.
	onAction func(a Action, dryRun bool)
	holding  bool
	held     []Action
}

// hold keeps the actions added from now on from onAction until release.
func (r *Report) hold() { r.holding = true }

// release shows the held actions to onAction, in order.
func (r *Report) release() {
	r.holding = false
	for _, a := range r.held {
		r.onAction(a, r.DryRun)
	}
	r.held = nil
}

func (r *Report) add(a Action) {
	if r.onAction != nil {
		if r.holding {
			r.held = append(r.held, a)
		} else {
			r.onAction(a, r.DryRun)
		}
	}
	if r.countsOnly {
		a.Doc = richtext.Doc{}
	}
	r.Actions = append(r.Actions, a)
}

// Count returns how many actions of a kind were done (or, in a dry run,
// planned).
func (r *Report) Count(kind ActionKind, send string) int {
	n := 0
	for _, a := range r.Actions {
		if a.Kind == kind && (send == "" || a.Send == send) && (a.Done || r.DryRun) {
			n++
		}
	}
	return n
}

// summary is the report's counts as log attributes: what the CLI prints
// as its summary line (tickets read, incomplete handoffs, comments and
// messages posted, or in a dry run planned, deferred, errors).
func (r *Report) summary() []any {
	if r == nil {
		return nil
	}
	return []any{"dry_run", r.DryRun, "tickets", r.Tickets, "incomplete", r.Flagged,
		"jira_comments", r.Count(ActComment, ""), "slack_messages", r.Count(ActSlack, ""),
		"deferred", r.Deferred, "errors", len(r.Errors)}
}

// logPlanned logs one action a dry run would take: its ticket, kind,
// recipient and channel, the facts check prints above each text. The text
// itself stays out of the log.
func (e *Engine) logPlanned(a Action, dry bool) {
	attrs := []slog.Attr{slog.String("kind", string(a.Kind)), slog.String("send", a.Send)}
	if a.Key != "" {
		attrs = append(attrs, slog.String("ticket", a.Key))
	}
	switch a.Kind {
	case ActComment:
		attrs = append(attrs, slog.String("op", string(a.Comment)))
	default:
		to := a.To.Name
		if to == "" {
			to = a.To.UserID
		}
		channel := a.To.Channel
		if channel == "" {
			channel = "DM"
		}
		attrs = append(attrs, slog.String("recipient", to), slog.String("channel", channel))
		if a.To.UserID != "" && a.To.UserID != to {
			attrs = append(attrs, slog.String("slack_user", a.To.UserID))
		}
		if !a.To.Reachable {
			attrs = append(attrs, slog.Bool("owner_in_slack", false))
		}
	}
	msg := "dry run: would post"
	if !dry {
		msg = "posted"
	}
	e.log.LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
}
