package config

import (
	"fmt"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/texts"
)

// override converts one lane's override to the core's form.
func (o LaneOverride) override(lane string) handoff.Override {
	out := handoff.Override{Lane: lane}
	for _, id := range o.Require {
		out.Require = append(out.Require, string(id))
	}
	for _, id := range o.Drop {
		out.Drop = append(out.Drop, string(id))
	}
	if len(o.Prompts) > 0 {
		out.Prompts = make(map[string]string, len(o.Prompts))
		for id, p := range o.Prompts {
			out.Prompts[string(id)] = p
		}
	}
	return out
}

// Overrides lists the policy's overrides in the core's form, ordered by
// lane so that applying them is deterministic.
func (p Policy) Overrides() []handoff.Override {
	out := make([]handoff.Override, 0, len(p.Lanes))
	for _, lane := range sortedKeys(p.Lanes) {
		out = append(out, p.Lanes[lane].override(lane))
	}
	return out
}

// Project returns the project with this name.
func (c *Config) Project(name string) (Project, bool) {
	for _, p := range c.Projects {
		if p.Name == name {
			return p, true
		}
	}
	return Project{}, false
}

// Policy returns a project's effective policy: the seeds' default, then
// the global overrides, then the project's own, with nag.heads_up_days as
// its heads-up horizon. The escalation target is left to the caller
// (Config.Escalation), since it depends on the owner.
func (c *Config) Policy(project string) (handoff.Policy, error) {
	p, ok := c.Project(project)
	if !ok {
		return handoff.Policy{}, fmt.Errorf("config: no project named %q", project)
	}
	base := handoff.DefaultPolicy()
	base.HeadsUpDays = c.Nag.HeadsUpDays
	base.Intel = c.Feeds.Intel() // feeds.go
	pol, err := base.Apply(c.GlobalPolicy.Overrides())
	if err != nil {
		return handoff.Policy{}, fmt.Errorf("config: policy: %w", err)
	}
	pol, err = pol.Apply(p.Policy.Overrides())
	if err != nil {
		return handoff.Policy{}, fmt.Errorf("config: project %q policy: %w", project, err)
	}
	return pol, nil
}

// Merged returns the bot's default wording with these replacements.
func (w Wording) Merged() (texts.Wording, error) {
	m, err := texts.DefaultWording().Merge(w)
	if err != nil {
		return nil, fmt.Errorf("config: wording: %w", err)
	}
	return m, nil
}

// Channel picks the channel for a validation request on a project's
// ticket in a lane (a handoff.Lane, "blocked" or "closure"): the project's
// lane channel, the project's channel, the lane channel, the routing
// default, and last the fallback channel.
func (s Slack) Channel(project, lane string) string {
	r := s.Routing
	pr := r.Projects[project]
	for _, ch := range []string{pr.Lanes[lane], pr.Channel, r.Lanes[lane], r.Default} {
		if ch != "" {
			return ch
		}
	}
	return s.FallbackChannel
}

// Escalation returns where escalations about an owner in a project go:
// the owner's manager (looked up by each of the owner's keys: Jira account
// id, user name, email), else the project's escalate_to, else the
// escalation channel, else the fallback channel.
func (c *Config) Escalation(project string, ownerKeys ...string) string {
	p, _ := c.Project(project)
	for _, k := range ownerKeys {
		if m := p.Managers[k]; k != "" && m != "" {
			return m
		}
	}
	for _, to := range []string{p.EscalateTo, c.Slack.EscalationChannel} {
		if to != "" {
			return to
		}
	}
	return c.Slack.FallbackChannel
}
