package config

import (
	"regexp"
	"strings"
)

// Interact is who may answer patchbot from Slack, and what the policy
// allows them. The answers (buttons, modals, the App Home tab, the
// /patchbot command) come over Socket Mode, which is on when
// slack.app_token is set; without it the bot runs as before and shows no
// buttons.
type Interact struct {
	// Users are Slack user ids (U…) who may answer for every ticket,
	// besides its owner and the owner's manager (projects[].managers).
	Users []string `yaml:"users"`
	// UserGroups are Slack user group ids (S…) whose members may answer
	// for every ticket (the bot token needs usergroups:read).
	UserGroups []string `yaml:"user_groups"`
	// MaxSnoozeDays bounds a snooze, per lane ("*" for every lane not
	// named). Default: 14 days, 3 for patch now.
	MaxSnoozeDays map[string]int `yaml:"max_snooze_days"`
}

// The default snooze bounds.
const (
	DefaultMaxSnoozeDays         = 14
	DefaultMaxSnoozeDaysPatchNow = 3
	maxSnoozeDaysLimit           = 365
)

// SnoozeDays is the longest snooze the config allows each lane: "*" and
// every lane named, with the defaults filled in.
func (i Interact) SnoozeDays() map[string]int {
	out := map[string]int{"*": DefaultMaxSnoozeDays, "patch_now": DefaultMaxSnoozeDaysPatchNow}
	for k, v := range i.MaxSnoozeDays {
		out[k] = v
	}
	return out
}

// Interactive reports whether Socket Mode is configured (an app-level
// token is set).
func (c *Config) Interactive() bool { return c.Slack.AppToken.IsSet() }

var slackGroupID = regexp.MustCompile(`^S[A-Z0-9]{8,}$`)

func (v *validator) interact() {
	s, x := v.c.Slack, v.c.Interact
	if s.AppToken.IsSet() && !strings.HasPrefix(s.AppToken.Value(), "xapp-") {
		v.errorf("slack.app_token", "is not an app-level token: create one under Basic Information → App-Level Tokens with the connections:write scope (it starts with xapp-)")
	}
	for i, u := range x.Users {
		if !slackUserID.MatchString(u) {
			v.errorf(Path("interact", "users", i), "%s is not a Slack user id such as U0123456789", quote(u))
		}
	}
	for i, g := range x.UserGroups {
		if !slackGroupID.MatchString(g) {
			v.errorf(Path("interact", "user_groups", i), "%s is not a Slack user group id such as S0123456789", quote(g))
		}
	}
	for _, lane := range sortedKeys(x.MaxSnoozeDays) {
		path := Path("interact", "max_snooze_days", lane)
		if lane != "*" {
			v.lane(path, lane, false)
		}
		if d := x.MaxSnoozeDays[lane]; d < 1 || d > maxSnoozeDaysLimit {
			v.errorf(path, "must be 1 to %d days, got %d", maxSnoozeDaysLimit, d)
		}
	}
	if !s.AppToken.IsSet() && (len(x.Users) > 0 || len(x.UserGroups) > 0 || len(x.MaxSnoozeDays) > 0) {
		v.warnings = append(v.warnings, "interact: settings are given but slack.app_token is not, so nobody can answer from Slack and no buttons are shown")
	}
}
