package app

import (
	"sort"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/statuspage"
	"github.com/patchbot/patchbot/scheduler"
)

// enableStatus turns on the engine's status view over the ledger, the
// feeds and what the Jira connector found it may not do: the rows behind
// the status page and the handoff gauges, and
// the daily snapshots. It is on whether or not the page is served, so the
// gauges always count and the trend has its history when the page is
// turned on.
func (a *App) enableStatus() {
	o := scheduler.StatusOptions{Days: a.Store, Snoozes: a.Store}
	if a.Feeds != nil {
		o.Feeds = feedHealth{a.Feeds}
	}
	if a.Jira != nil {
		o.Capabilities = jiraDegraded{a.Jira}
	}
	a.Engine.EnableStatus(o)
}

// StatusPage is the status page's handler (GET /status) for the config,
// or nil when status.enabled is off.
func (a *App) StatusPage() (*statuspage.Handler, error) {
	s := a.Config.Status
	if !s.Enabled {
		return nil, nil
	}
	o := statuspage.Options{Source: a.Engine, Location: a.Engine.Location(), Logger: a.Logger.With("service", "status")}
	if s.Hash() != "" {
		o.Auth = &statuspage.BasicAuth{User: s.User, Hash: s.Hash()}
	}
	return statuspage.New(o)
}

// feedHealth is the feeds' state as the page's health section shows it:
// stale as /readyz says (Feeds.Stale).
type feedHealth struct{ f *Feeds }

func (h feedHealth) FeedHealth() []statuspage.Feed {
	st := h.f.Store.Status()
	out := make([]statuspage.Feed, 0, len(st))
	for _, s := range st {
		out = append(out, statuspage.Feed{Name: string(s.Feed), Age: s.Age, LastError: s.LastError, Stale: h.f.Stale(s)})
	}
	return out
}

// jiraDegraded is what the bot may not do on the Jira site, per project,
// as the connector found it (jira.Client.Capabilities): each missing
// capability with what runs degraded and what enables it.
type jiraDegraded struct{ c *jira.Client }

func (j jiraDegraded) Degraded() []statuspage.Degraded {
	caps := j.c.Capabilities()
	projects := make([]string, 0, len(caps))
	for p := range caps {
		projects = append(projects, p)
	}
	sort.Strings(projects)
	var out []statuspage.Degraded
	for _, p := range projects {
		for _, k := range jira.Missing(caps[p]) {
			e := jira.Explain(k)
			reason := e.Cost
			if e.Fix != "" {
				reason += "; to fix: " + e.Fix
			}
			out = append(out, statuspage.Degraded{Capability: p + ": " + e.What, Reason: reason})
		}
	}
	return out
}
