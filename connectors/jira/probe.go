package jira

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Explanation says what a capability lets the bot do, what its absence
// costs, and what enables it.
type Explanation struct {
	What string // "add comments (Add Comments)"
	Cost string // what runs degraded without it
	Fix  string // the permission or screen change that enables it
}

// explanations are the capabilities' words, by name; the per-state ones
// under their unprefixed name.
var explanations = map[string]Explanation{
	CapBrowse: {"read the project's tickets (Browse Projects)",
		"nothing is read or said for this project",
		"grant the bot's user Browse Projects in the project's permission scheme"},
	CapAddComment: {"add comments (Add Comments)",
		"validation requests reach Slack only; the ticket carries no checklist (the Slack message says so)",
		"grant the bot's user Add Comments in the project's permission scheme"},
	CapEditOwnComment: {"edit its own comments (Edit Own Comments)",
		"where the issue edit cannot carry the comment, the checklist is not ticked off as fields arrive and no completion note is written; without Edit Issues too, the bot's trail is kept only in its memory (after a restart it keeps its newest comment and re-learns the rest)",
		"grant the bot's user Edit Own Comments in the project's permission scheme"},
	CapEditIssue: {"edit issues (Edit Issues)",
		"no label, and the trail goes on the bot's comment (a comment property) instead of the issue: a change takes two requests instead of one, and a scan reads two more per changed ticket",
		"grant the bot's user Edit Issues in the project's permission scheme"},
	CapQuietEdit: {"edit issues without notifying watchers (Administer Projects)",
		"notifyUsers=false is ignored on issue edits, so checklist updates go through the comment endpoint (which honours it) and the label and trail through a second request",
		"grant the bot's user Administer Projects, or accept one more request per checklist update"},
	CapEditable: {"edit these tickets (their workflow step takes edits)",
		"these tickets get their comment through the comment endpoint, no label, and the trail on the bot's comment",
		"remove jira.issue.editable=false from the step's properties (Project settings > Workflows > the step > Properties), or accept the comment-only path: nothing is lost"},
	CapLabel: {"set the label on these tickets (Labels on the edit screen)",
		"tickets are not labelled, so a filter or board on the label misses them; the comment and Slack are unaffected",
		"add the Labels field to the edit screen of the project's issue types (Project settings > Screens)"},
	CapCommentField: {"comment within an issue edit (Comment on the edit screen)",
		"the comment goes through the comment endpoint and the label and trail through a second request",
		"keep the Comment field shown in the project's field configuration (and Add Comments granted)"},
	CapProperty: {"keep its trail on these tickets (an issue property; needs Edit Issues)",
		"the trail goes on the bot's comment (needs Edit Own Comments), else only in its memory; a scan reads two more requests per changed ticket",
		"grant the bot's user Edit Issues, in a workflow step that takes edits"},
}

// Explain says what capability k (a Cap* name, the per-state ones
// prefixed "open_" or "resolved_") lets the bot do, costs when missing,
// and what enables it.
func Explain(k string) Explanation {
	state, base, ok := strings.Cut(k, "_")
	if ok && (state == stateNames[stateOpen] || state == stateNames[stateResolved]) {
		e, found := explanations[base]
		if found {
			e.What = strings.Replace(e.What, "these tickets", state+" tickets", 1)
			e.Cost = strings.Replace(e.Cost, "these tickets", state+" tickets", 1)
			return e
		}
	}
	if e, found := explanations[k]; found {
		return e
	}
	return Explanation{What: k}
}

// CapabilityNames are every capability, in the order a table lists them.
func CapabilityNames() []string {
	out := []string{CapBrowse, CapAddComment, CapEditOwnComment, CapEditIssue, CapQuietEdit}
	for _, st := range stateNames {
		for _, c := range []string{CapEditable, CapCommentField, CapLabel, CapProperty} {
			out = append(out, st+"_"+c)
		}
	}
	return out
}

// Missing lists the capabilities caps lacks, in CapabilityNames order,
// leaving out those that follow from another missing one (a step that
// takes no edits takes no label either).
func Missing(caps map[string]bool) []string {
	var out []string
	for _, k := range CapabilityNames() {
		ok, known := caps[k]
		if !known || ok {
			continue
		}
		if root := rootOf(k); root != "" && !caps[root] {
			if _, rk := caps[root]; rk {
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// ProjectRights is what the bot may do in one configured project.
type ProjectRights struct {
	// Project is the config's name for the scope.
	Project string
	// JiraProjects are the Jira project keys the samples came from.
	JiraProjects []string
	// Open and Resolved are the sample tickets whose edit screens were
	// read; "" when the scope has none in that state.
	Open, Resolved string
	// Caps are the capabilities (CapabilityNames) and whether the bot has
	// them.
	Caps map[string]bool
	// Paths say how a change is written, for open and resolved tickets.
	OpenPath, ResolvedPath string
	// Err is why the scope could not be sampled (the search failed).
	Err error
}

// Probe reads, for every configured project, the bot's permissions and
// the edit screen of a sample open and a sample resolved ticket of its
// scope, and says what the bot may do. What it reads is kept: the writes
// use it.
func (c *Client) Probe(ctx context.Context) []ProjectRights {
	names := make([]string, 0, len(c.projects))
	for n := range c.projects {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []ProjectRights
	for _, n := range names {
		p := c.projects[n]
		pr := ProjectRights{Project: n}
		seen := map[string]bool{}
		for st, clause := range map[state]string{stateOpen: "statusCategory != Done", stateResolved: "statusCategory = Done"} {
			key, err := c.sample(ctx, p, clause)
			if err != nil {
				pr.Err = err
				continue
			}
			if key == "" {
				continue
			}
			if st == stateOpen {
				pr.Open = key
			} else {
				pr.Resolved = key
			}
			c.rightsFor(ctx, key, st)
			c.remember(key, n, st)
			seen[projectOf(key)] = true
		}
		for k := range seen {
			pr.JiraProjects = append(pr.JiraProjects, k)
		}
		sort.Strings(pr.JiraProjects)
		pr.Caps = c.Capabilities()[n]
		pr.OpenPath, pr.ResolvedPath = c.paths(pr.JiraProjects)
		out = append(out, pr)
	}
	return out
}

// paths describes how changes are written in the projects, per state.
func (c *Client) paths(projs []string) (open, resolved string) {
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	say := func(st state) string {
		var ways []string
		for _, p := range projs {
			r := c.book.projects[p]
			if r == nil {
				continue
			}
			rt := r.route(st)
			var w string
			switch {
			case !rt.add && !rt.edit:
				w = "Slack only (no comment)"
			case rt.single(&commentOp{}):
				w = "one issue edit (comment, label and trail together)"
				if !rt.label {
					w = "one issue edit (comment and trail together; no label)"
				}
				if !rt.quiet {
					w += "; silent edits through the comment endpoint"
				}
			default:
				w = "comment endpoint"
				switch rt.home() {
				case homeIssue:
					w += ", then the trail on the issue"
				case homeComment:
					w += ", the trail on the bot's comment"
				default:
					w += ", the trail only in memory"
				}
				if rt.label {
					w += ", label set"
				} else {
					w += ", no label"
				}
			}
			if len(projs) > 1 {
				w = p + ": " + w
			}
			ways = append(ways, w)
		}
		return strings.Join(ways, "; ")
	}
	return say(stateOpen), say(stateResolved)
}

// sample is the key of one ticket of the project's scope matching the
// clause, most recently updated first; "" when there is none.
func (c *Client) sample(ctx context.Context, p *project, clause string) (string, error) {
	q := url.Values{}
	q.Set("jql", "("+p.JQL+") AND "+clause+" ORDER BY updated DESC")
	q.Set("fields", "status")
	q.Set("maxResults", "1")
	path := "rest/api/2/search?"
	if c.deployment == DeploymentCloud {
		path = "rest/api/2/search/jql?"
	}
	var page searchPage
	if err := c.call(ctx, "sample "+p.Name, "", http.MethodGet, path+q.Encode(), nil, &page); err != nil {
		return "", err
	}
	if len(page.Issues) == 0 {
		return "", nil
	}
	return page.Issues[0].Key, nil
}
