package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestInteractKeys: the app-level token is a secret from the environment
// or a file, never a literal and never printed, and must be an xapp-
// token; the users, groups and snooze bounds are checked, each at its key.
func TestInteractKeys(t *testing.T) {
	t.Parallel()
	const app = "xapp-1-A0PATCHBOT-1-s3cr3tvalue"
	env := func(name string) (string, bool) {
		switch name {
		case "SLACK_APP_TOKEN":
			return app, true
		case "WRONG_TOKEN":
			return "xoxb-not-an-app-token-0000", true
		}
		return testEnv(name)
	}
	files := func(name string) ([]byte, error) {
		if name == "/run/secrets/slack-app" {
			return []byte(app + "\n"), nil
		}
		return testFiles(name)
	}
	slack := func(extra string) string {
		return strings.Replace(base, "slack:\n", "slack:\n"+extra, 1)
	}
	tests := []struct {
		name, yaml string
		want       string // an error's text; "" for none
		warn       string
	}{
		{"off", base, "", ""},
		{"token from the environment", slack("  app_token: ${SLACK_APP_TOKEN}\n") +
			"interact:\n  users: [U0123ABCDE]\n  user_groups: [S0123ABCDE]\n  max_snooze_days:\n    \"*\": 7\n    exception: 30\n", "", ""},
		{"token from a file", slack("  app_token_file: /run/secrets/slack-app\n"), "", ""},
		{"a literal token", slack("  app_token: " + app + "\n"), "literal secret", ""},
		{"a bot token", slack("  app_token: ${WRONG_TOKEN}\n"), "slack.app_token: is not an app-level token", ""},
		{"a bad user", slack("  app_token: ${SLACK_APP_TOKEN}\n") + "interact:\n  users: [alice]\n", "interact.users[0]: \"alice\" is not a Slack user id", ""},
		{"a bad group", slack("  app_token: ${SLACK_APP_TOKEN}\n") + "interact:\n  user_groups: [U0123ABCDE]\n", "interact.user_groups[0]", ""},
		{"a bad lane", slack("  app_token: ${SLACK_APP_TOKEN}\n") + "interact:\n  max_snooze_days:\n    patch_nw: 3\n", `did you mean "patch_now"`, ""},
		{"a bound too long", slack("  app_token: ${SLACK_APP_TOKEN}\n") + "interact:\n  max_snooze_days:\n    monitor: 400\n", "interact.max_snooze_days.monitor: must be 1 to 365 days", ""},
		{"settings without a token", base + "interact:\n  users: [U0123ABCDE]\n", "", "slack.app_token is not"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("config.yaml", []byte(tc.yaml), env, files)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("the error shows the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.Warnings(), "\n"); tc.warn != "" && !strings.Contains(got, tc.warn) {
				t.Errorf("warnings = %q, want %q", got, tc.warn)
			}
			if s := fmt.Sprintf("%+v %v", c, c.Slack); strings.Contains(s, "s3cr3t") {
				t.Error("the config prints the app-level token")
			}
			if c.Interactive() != strings.Contains(tc.yaml, "app_token") {
				t.Errorf("Interactive = %v", c.Interactive())
			}
			if c.Interactive() && c.Slack.AppToken.Value() != app {
				t.Errorf("app token = %q", c.Slack.AppToken.Value())
			}
		})
	}
}

// The snooze bounds default to 14 days, 3 for patch now; the config's
// own bounds replace them lane by lane.
func TestSnoozeDays(t *testing.T) {
	t.Parallel()
	got := Interact{MaxSnoozeDays: map[string]int{"*": 7, "exception": 30}}.SnoozeDays()
	if got["*"] != 7 || got["exception"] != 30 || got["patch_now"] != 3 || len(got) != 3 {
		t.Errorf("SnoozeDays = %v", got)
	}
	if d := (Interact{}).SnoozeDays(); d["*"] != 14 || d["patch_now"] != 3 {
		t.Errorf("defaults = %v", d)
	}
}
