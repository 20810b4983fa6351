package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/render/plain"
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
		for _, d := range r.Due {
			fmt.Fprintf(w, "  ! %s\n", dueLine(d))
		}
		for _, a := range byKey[h.Ticket.Key] {
			printAction(w, a, rep.DryRun, cloud)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, summaryLine(rep))
}

func printAction(w io.Writer, a scheduler.Action, dry, cloud bool) {
	verb := "posted"
	switch {
	case dry:
		verb = "would post"
	case a.Err != nil:
		verb = "FAILED to post"
	}
	switch a.Kind {
	case scheduler.ActComment:
		format := "wiki markup"
		if cloud {
			format = "ADF"
		}
		fmt.Fprintf(w, "  ── %s: Jira comment on %s (%s, %s)\n", verb, a.Key, a.Send, format)
	default:
		fmt.Fprintf(w, "  ── %s: Slack %s to %s\n", verb, a.Send, app.RecipientName(a.To))
	}
	if a.Err != nil {
		fmt.Fprintf(w, "     error: %v\n", a.Err)
	}
	if text := plain.Render(a.Doc); strings.TrimSpace(text) != "" {
		fmt.Fprintln(w, app.Indent(text, "     "))
	}
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
