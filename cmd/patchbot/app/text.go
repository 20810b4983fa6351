package app

import (
	"strings"

	"github.com/patchbot/patchbot/handoff/ports"
)

// The helpers below present what the engine did, for the CLI's output and
// the demo's transcript alike.

// RecipientName names where a message went: a channel (with the owner it
// was meant for when they were not reachable in Slack) or a DM.
func RecipientName(r ports.Recipient) string {
	switch {
	case r.Channel != "" && !r.Reachable && r.Name != "":
		return r.Channel + " (for " + r.Name + ", not reachable in Slack)"
	case r.Channel != "":
		return r.Channel
	case r.Name != "":
		return "DM " + r.Name
	default:
		return "DM " + r.UserID
	}
}

// Indent prefixes every line of s.
func Indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// OneLine folds s to one line of at most n runes, with an ellipsis.
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
