package texts

import "github.com/patchbot/patchbot/handoff/richtext"

// JiraWhy is why a ticket's Jira comment could not be made, as the Slack
// validation request says it.
type JiraWhy string

// The reasons.
const (
	// JiraNoPermission: the bot may not comment on the ticket.
	JiraNoPermission JiraWhy = "permission"
	// JiraHidden: the ticket is hidden from the bot (issue security) or
	// was deleted.
	JiraHidden JiraWhy = "hidden"
	// JiraRefused: Jira refused the comment as it was.
	JiraRefused JiraWhy = "refused"
	// JiraUnavailable: Jira did not answer; the next cycle tries again.
	JiraUnavailable JiraWhy = "unavailable"
)

// NotCommented is the short line added, once, to a ticket's Slack
// validation request when the comment it goes with could not be made on
// the ticket: the message is then the only request.
func NotCommented(key string, why JiraWhy, o Options) richtext.Block {
	c := newTextCtx(o)
	return richtext.SmallPrint(c.say("nc."+string(why), msgData{Key: key}))
}
