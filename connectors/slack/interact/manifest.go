package interact

import (
	_ "embed"
	"slices"
)

//go:embed manifest.yaml
var manifest []byte

// Manifest is the Slack app manifest (YAML) of the app patchbot runs as:
// Socket Mode, interactivity, /patchbot, the App Home tab, app_home_opened
// and the bot scopes. Paste it at api.slack.com/apps → Create New App →
// From an app manifest.
func Manifest() []byte { return slices.Clone(manifest) }
