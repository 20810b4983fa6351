package config

import (
	"strings"

	"github.com/patchbot/patchbot/handoff"
)

// cleanLaneKeys rewrites the lane names that key routing and policy
// overrides as handoff.Visible shows them, trimmed: a lane copied from a
// mail or a wiki page may carry a no-break space or a direction mark that
// no one can see in the file. Two keys that are then the same are
// reported.
func (d *decoder) cleanLaneKeys(c *Config) {
	c.Slack.Routing.Lanes = cleanKeys(d, "slack.routing.lanes", c.Slack.Routing.Lanes)
	for name, r := range c.Slack.Routing.Projects {
		r.Lanes = cleanKeys(d, Path("slack", "routing", "projects", name, "lanes"), r.Lanes)
		c.Slack.Routing.Projects[name] = r
	}
	c.GlobalPolicy.Lanes = cleanKeys(d, "policy.lanes", c.GlobalPolicy.Lanes)
	for i := range c.Projects {
		c.Projects[i].Policy.Lanes = cleanKeys(d, Path("projects", i, "policy", "lanes"), c.Projects[i].Policy.Lanes)
	}
}

// cleanKeys is m with its keys cleaned; positions follow the keys.
func cleanKeys[V any](d *decoder, path string, m map[string]V) map[string]V {
	dirty := false
	for k := range m {
		if laneKey(k) != k {
			dirty = true
			break
		}
	}
	if !dirty {
		return m
	}
	out := make(map[string]V, len(m))
	for _, k := range sortedKeys(m) {
		clean := laneKey(k)
		kpath, cpath := join(path, k), join(path, clean)
		if _, dup := out[clean]; dup {
			d.errorf(kpath, d.pos[kpath], "%s is %s again once its invisible characters are removed", quote(k), quote(clean))
			continue
		}
		out[clean] = m[k]
		if clean != k {
			if _, written := d.pos[cpath]; !written {
				d.pos[cpath] = d.pos[kpath]
			}
		}
	}
	return out
}

// laneKey is a lane name as a reader sees it.
func laneKey(k string) string { return strings.TrimSpace(handoff.Visible(k)) }
