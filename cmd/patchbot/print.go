package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/render/wiki"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/scheduler"
)

// printCheck prints each ticket a check read: the handoff in brief, its
// findings, what is due, and the texts that would be (or were) posted.
func printCheck(w io.Writer, rep *scheduler.Report, cloud bool) {
	byKey := map[string][]scheduler.Action{}
	for _, a := range rep.Actions {
		byKey[a.Key] = append(byKey[a.Key], a)
	}
	for _, r := range rep.Results {
		ev := r.Evaluation
		h := ev.Handoff
		fmt.Fprintf(w, "%s  %s\n", h.Ticket.Key, app.OneLine(h.Ticket.Summary, 100))
		lane := string(ev.Lane)
		if h.Lane == handoff.LaneUnknown {
			lane += " (no recognisable lane: " + quoteOr(h.LaneText.Text, "none given") + ")"
		}
		if h.Blocked {
			lane += ", blocked"
		}
		fmt.Fprintf(w, "  lane: %s   owner: %s   status: %s\n", strings.ReplaceAll(lane, "_", " "), personName(h.Scope.Owner), h.Ticket.Status)
		fmt.Fprintf(w, "  verdict: %s", strings.ReplaceAll(string(ev.Verdict), "_", " "))
		if ev.Fingerprint != "" {
			fmt.Fprintf(w, "   fingerprint: %s", ev.Fingerprint)
		}
		if r.Backlog {
			fmt.Fprint(w, "   (backlog: created before safety.since, not commented on)")
		}
		fmt.Fprintln(w)
		for _, f := range ev.Findings {
			fmt.Fprintf(w, "  - %s %s", f.Kind, f.Label)
			if f.Detail != "" {
				fmt.Fprintf(w, ": %s", f.Detail)
			}
			fmt.Fprintln(w)
		}
		printIntel(w, h.Intel) // feeds.go
		for _, d := range r.Due {
			fmt.Fprintf(w, "  ! %s\n", dueLine(d))
		}
		if s := scheduler.SnoozeLine(r.Trail, rep.Started, rep.Started.Location()); s != "" { // interact
			fmt.Fprintf(w, "  %s\n", s)
		}
		for _, a := range byKey[h.Ticket.Key] {
			printAction(w, a, rep.DryRun, cloud)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, summaryLine(rep))
}

// printAction prints one action and its text. A Jira comment's body is
// printed as the site stores it, from the very document the tracker is
// handed, so a dry run shows byte for byte what a real run posts: on Data
// Center the wiki markup itself; on Cloud, whose comments are ADF, the
// text of the ADF document posted (as the demo's transcript reads it
// back). Each line of the body, blank ones too, is indented by five
// spaces and nothing else: stripping them gives the body back exactly,
// its final newline showing as a last, empty, indented line.
func printAction(w io.Writer, a scheduler.Action, dry, cloud bool) {
	if a.Kind != scheduler.ActComment {
		verb := "posted"
		switch {
		case dry:
			verb = "would post"
		case a.Err != nil:
			verb = "FAILED to post"
		}
		fmt.Fprintf(w, "  ── %s: Slack %s to %s\n", verb, a.Send, app.RecipientName(a.To))
		if a.Err != nil {
			fmt.Fprintf(w, "     error: %v\n", a.Err)
		}
		if text := plain.Render(a.Doc); strings.TrimSpace(text) != "" {
			fmt.Fprintln(w, app.Indent(text, "     "))
		}
		return
	}
	fmt.Fprintf(w, "  ── %s: Jira comment on %s (%s, %s)\n", commentVerb(a, dry), a.Key, commentKind(a), commentFormat(cloud))
	if a.Err != nil {
		fmt.Fprintf(w, "     error: %v\n", a.Err)
	}
	if body := commentBody(a.Doc, cloud); body != "" {
		for _, line := range strings.Split(body, "\n") {
			fmt.Fprintln(w, "     "+line)
		}
	}
}

// commentVerb says what became of a Jira comment: a new comment is
// posted (a first request, a reopened handoff), the living one edited.
func commentVerb(a scheduler.Action, dry bool) string {
	verb, did := "post", "posted"
	if a.Comment == handoff.CommentEdit || a.Comment == handoff.CommentComplete {
		verb, did = "edit", "edited"
	}
	switch {
	case dry:
		return "would " + verb
	case a.Err != nil:
		return "FAILED to " + verb
	case a.Outcome == ports.OutcomeCommentGone:
		return "did not " + verb + " (a person deleted the comment)"
	case a.Outcome == ports.OutcomeAlreadyThere:
		return "already " + did + " (by an interrupted run)"
	case a.Outcome == ports.OutcomeForgedTrail:
		return "posted anew (the trail named someone else's comment, left untouched)"
	}
	return did
}

// commentKind names a Jira comment: the validation request, the reopened
// handoff, the complete note.
func commentKind(a scheduler.Action) string {
	if a.Comment == handoff.CommentReopen {
		return "reopened"
	}
	return a.Send
}

func commentFormat(cloud bool) string {
	if cloud {
		return "ADF"
	}
	return "wiki markup"
}

// commentBody is a comment's body as the site stores it (see
// printAction); empty for no document.
func commentBody(d richtext.Doc, cloud bool) string {
	if d.Title == "" && len(d.Blocks) == 0 {
		return ""
	}
	if cloud {
		return adf.Text(adf.Render(d))
	}
	return wiki.Render(d)
}

func summaryLine(rep *scheduler.Report) string {
	mode := ""
	if rep.DryRun {
		mode = " (dry run: nothing was posted)"
	}
	return fmt.Sprintf("%s: %d tickets read, %d with incomplete handoffs, %d Jira comments, %d Slack messages, %d deferred, %d errors%s",
		rep.Job, rep.Tickets, rep.Flagged, rep.Count(scheduler.ActComment, ""), rep.Count(scheduler.ActSlack, ""), rep.Deferred, len(rep.Errors), mode)
}

func dueLine(d handoff.Due) string {
	what := strings.ReplaceAll(string(d.Kind), "_", " ")
	on := ""
	if !d.On.IsZero() {
		on = " (" + d.On.Format("Mon 2 Jan 2006") + ")"
	}
	switch {
	case d.Kind == handoff.DueSoon:
		return fmt.Sprintf("%s: %s due in %d days%s", what, strings.ReplaceAll(string(d.Field), "_", " "), d.Days, on)
	case d.Days > 0:
		return fmt.Sprintf("%s: %d days overdue%s", what, d.Days, on)
	default:
		return what + on
	}
}

func personName(p handoff.Person) string {
	switch {
	case p.User.DisplayName != "":
		return p.User.DisplayName
	case p.Text != "":
		return p.Text
	default:
		return "(none)"
	}
}

func quoteOr(s, def string) string {
	if s == "" {
		return def
	}
	return fmt.Sprintf("%q", s)
}
