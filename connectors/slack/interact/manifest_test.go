package interact_test

import (
	"bytes"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	slackconn "github.com/patchbot/patchbot/connectors/slack"
	"github.com/patchbot/patchbot/connectors/slack/interact"
)

// (An external test: the Slack connector imports this package for its
// buttons.)

// manifestDoc is the part of a Slack app manifest the code depends on.
type manifestDoc struct {
	DisplayInformation struct {
		Name string `yaml:"name"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			HomeTabEnabled bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func TestManifest(t *testing.T) {
	t.Parallel()
	var m manifestDoc
	dec := yaml.NewDecoder(bytes.NewReader(interact.Manifest()))
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.DisplayInformation.Name == "" || m.Features.BotUser.DisplayName == "" {
		t.Error("no app or bot name")
	}
	if !m.Settings.SocketModeEnabled || !m.Settings.Interactivity.IsEnabled || !m.Features.AppHome.HomeTabEnabled {
		t.Errorf("socket mode, interactivity and the home tab must be on: %+v %+v", m.Settings, m.Features.AppHome)
	}
	if !slices.Contains(m.Settings.EventSubscriptions.BotEvents, "app_home_opened") {
		t.Error("app_home_opened is not subscribed")
	}
	found := false
	for _, c := range m.Features.SlashCommands {
		if c.Command == "/patchbot" && c.Description != "" {
			found = true
			if c.ShouldEscape {
				t.Error("should_escape: true would rewrite @names and #channels in the reason text")
			}
		}
	}
	if !found {
		t.Error("no /patchbot command")
	}
	// What this adapter and the Slack connector need, and user groups for
	// authorisation by group.
	need := slices.Concat(interact.RequiredScopes, slackconn.RequiredScopes, slackconn.RecommendedScopes, []string{"usergroups:read"})
	for _, s := range need {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, s) {
			t.Errorf("bot scope %s missing from manifest.yaml", s)
		}
	}
}
