package scheduler

import (
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/ports"
)

// Intel is what the public vulnerability feeds (CISA's KEV catalog,
// FIRST's EPSS) say, as the engine consults it before evaluating a
// ticket: the core receives the answer as data (handoff.Intel) and never
// asks the feeds itself. A feed that is stale or unreachable answers from
// its last good copy, or with nothing: it never holds up a job.
type Intel interface {
	// CVEs returns the CVE ids text names, normalised, without duplicates,
	// in the order of their first appearance.
	CVEs(text string) []string
	// Lookup returns what the feeds hold on one normalised CVE id, from
	// memory: it never waits on the network.
	Lookup(id string) handoff.CVEIntel
}

// handoffOf turns a scanned ticket into the handoff every job evaluates: the
// ticket's fields and description (intake), its project, and what the
// feeds say about the CVEs it names. Sync, nag, the Home tab and the
// answers from Slack all read a ticket this one way.
func (e *Engine) handoffOf(p Project, t ports.Ticket) handoff.Handoff {
	h := intake.Read(t.Input)
	h.Ticket.Project = p.Name
	e.enrich(&h)
	return h
}

// enrich sets what the feeds say about the CVE ids h names, in its
// advisory field and then its summary (a ticket may name several), so
// that the evaluation, and every text about the ticket, can use it. With
// no feeds configured, or no CVE id named, h is left as it is.
func (e *Engine) enrich(h *handoff.Handoff) {
	in := e.opt.Intel
	if in == nil {
		return
	}
	var ids []string
	seen := map[string]bool{}
	for _, text := range [...]string{h.Scope.Advisory.Text, h.Ticket.Summary} {
		for _, id := range in.CVEs(text) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return
	}
	cves := make([]handoff.CVEIntel, len(ids))
	for i, id := range ids {
		cves[i] = in.Lookup(id)
		cves[i].ID = id
	}
	h.Intel = handoff.Intel{CVEs: cves}
}
