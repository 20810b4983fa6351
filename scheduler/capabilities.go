package scheduler

import (
	"errors"
	"net/http"
	"slices"
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// What the site lets the bot do is the tracker's to find out (the Jira
// connector reads its permissions and edit screens, and routes each write
// the way the site allows). The engine only shows it, and keeps a Jira
// failure from holding back Slack: the Slack validation request goes out
// anyway and says, once, that the ticket could not be commented and why.

// capabilityReporter is a tracker that knows, per configured project,
// which capabilities it has (jira.Client.Capabilities).
type capabilityReporter interface {
	Capabilities() map[string]map[string]bool
}

// permanentError is a failure that the same request would meet again
// (jira.Error.Permanent): a permission, a hidden ticket, a refused write.
type permanentError interface{ Permanent() bool }

// isPermanent says whether err will not pass by retrying it unchanged.
func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p) && p.Permanent()
}

// jiraWhy says why a Jira write failed, in the words of the Slack note.
func jiraWhy(err error) texts.JiraWhy {
	if !isPermanent(err) {
		return texts.JiraUnavailable
	}
	var sc statusCoder
	status := 0
	if errors.As(err, &sc) {
		status = sc.StatusCode()
	}
	switch status {
	case http.StatusNotFound:
		return texts.JiraHidden
	case 0, http.StatusForbidden:
		// No status: the connector did not attempt it, the bot lacking
		// the permission.
		return texts.JiraNoPermission
	}
	return texts.JiraRefused
}

// jiraFailed handles a ticket whose Jira write failed (err nil: none
// did). A failure that retrying may clear fails the ticket: the next
// cycle writes the comment, and the Slack message, sent now, is not sent
// again. One the bot cannot get past (a permission, a hidden ticket, a
// refused write) does not fail it, so the project does not stall on it
// every cycle. Either way the Slack message goes out; when a comment was
// to be written, the line it gets saying why there is none is returned.
func (c *cycle) jiraFailed(b *pending, err error, fail func(err error, keys ...string)) *richtext.Block {
	if err == nil {
		return nil
	}
	if isPermanent(err) {
		c.e.log.Warn("could not write to the ticket in Jira; its Slack message says so", "ticket", b.key(), "err", err)
	} else {
		fail(err, b.key())
	}
	if b.plan.Op == handoff.CommentNone {
		return nil
	}
	n := texts.NotCommented(b.key(), jiraWhy(err), c.e.textOptions(c.now))
	return &n
}

// withNote is the message with the not-commented line added at its end.
func withNote(d richtext.Doc, b richtext.Block) richtext.Doc {
	d.Blocks = append(slices.Clip(d.Blocks), b)
	return d
}

// Capabilities reports, per project, each capability of the tracker and
// whether the bot has it (nil when the tracker does not say).
func (e *Engine) Capabilities() map[string]map[string]bool {
	if r, ok := e.opt.Tracker.(capabilityReporter); ok {
		return r.Capabilities()
	}
	return nil
}

// Degraded lists, per project, the capabilities the bot lacks, sorted;
// projects that lack none are absent.
func (e *Engine) Degraded() map[string][]string {
	out := map[string][]string{}
	for p, caps := range e.Capabilities() {
		for k, ok := range caps {
			if !ok {
				out[p] = append(out[p], k)
			}
		}
		sort.Strings(out[p])
	}
	return out
}

func newCapabilityGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "patchbot_capability",
		Help: "What the site lets the bot do, per project and capability: 1 when it may, 0 when that part runs degraded (see the README's Jira permissions).",
	}, []string{"project", "capability"})
}

// capabilities sets the capability gauges from the tracker's report.
func (m *Metrics) capabilities(caps map[string]map[string]bool) {
	if m == nil {
		return
	}
	for p, cs := range caps {
		for k, ok := range cs {
			v := 0.0
			if ok {
				v = 1
			}
			m.capability.WithLabelValues(p, k).Set(v)
		}
	}
}
