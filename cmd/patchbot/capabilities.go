package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/connectors/jira"
)

// What the bot may do on the Jira site, per watched project: its
// permissions and the edit screens of a sample open and a sample resolved
// ticket, as a table, with what each missing capability costs and the
// permission or screen change that enables it. config validate --online
// prints it; the daemon logs it when it starts.

// projectCaps are the capabilities one value covers per project.
var projectCaps = []string{jira.CapBrowse, jira.CapAddComment, jira.CapEditOwnComment, jira.CapEditIssue, jira.CapQuietEdit}

// stateCaps are the capabilities read per ticket state.
var stateCaps = []string{jira.CapEditable, jira.CapCommentField, jira.CapLabel, jira.CapProperty}

// printCapabilities writes the table for each project and returns how
// many projects the bot cannot read at all.
func printCapabilities(w io.Writer, rights []jira.ProjectRights) (unreadable int) {
	yes := func(caps map[string]bool, k string) string {
		ok, known := caps[k]
		switch {
		case !known:
			return "?"
		case ok:
			return "yes"
		}
		return "NO"
	}
	for _, pr := range rights {
		fmt.Fprintf(w, "\nproject %s", pr.Project)
		if len(pr.JiraProjects) > 0 {
			fmt.Fprintf(w, " (Jira %s)", strings.Join(pr.JiraProjects, ", "))
		}
		fmt.Fprintln(w, ": what the bot may do")
		if pr.Err != nil {
			fmt.Fprintf(w, "  could not sample the scope: %v\n", pr.Err)
		}
		if pr.Caps == nil {
			fmt.Fprintln(w, "  no ticket in the scope to read the rights from; they are read when the first one appears")
			continue
		}
		sample := func(k string) string {
			if k == "" {
				return "none in scope"
			}
			return k
		}
		fmt.Fprintf(w, "  open tickets (sample %s): %s\n", sample(pr.Open), pr.OpenPath)
		fmt.Fprintf(w, "  resolved tickets (sample %s): %s\n", sample(pr.Resolved), pr.ResolvedPath)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  capability\topen\tresolved\t")
		for _, k := range projectCaps {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t\n", jira.Explain(k).What, yes(pr.Caps, k), yes(pr.Caps, k))
		}
		for _, k := range stateCaps {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t\n", strings.Replace(jira.Explain("open_"+k).What, "open ", "", 1),
				yes(pr.Caps, "open_"+k), yes(pr.Caps, "resolved_"+k))
		}
		_ = tw.Flush()
		missing := jira.Missing(pr.Caps)
		if len(missing) == 0 {
			fmt.Fprintln(w, "  nothing missing: every change is one issue edit")
			continue
		}
		fmt.Fprintln(w, "  missing:")
		for _, k := range missing {
			e := jira.Explain(k)
			fmt.Fprintf(w, "  - %s [%s]\n      costs: %s\n      to enable: %s\n", e.What, k, e.Cost, e.Fix)
		}
		if ok := pr.Caps[jira.CapBrowse]; !ok {
			unreadable++
		}
	}
	return unreadable
}

// logCapabilities reads what the bot may do in every project and logs it,
// one line per project; each missing capability is logged by the Jira
// connector once, with its cost and fix, and again only when it changes.
func logCapabilities(ctx context.Context, a *app.App, log *slog.Logger) {
	for _, pr := range a.Jira.Probe(ctx) {
		missing := jira.Missing(pr.Caps)
		log.Info("jira: what the bot may do", "project", pr.Project, "jira_projects", pr.JiraProjects,
			"open", pr.OpenPath, "resolved", pr.ResolvedPath, "missing", missing)
	}
}
