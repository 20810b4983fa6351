package interact

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/slack-go/slack"
)

// The slash command: /patchbot mine | status KEY | snooze KEY DATE REASON |
// help, always answered privately. Input it does not understand gets the
// usage, never an error.

type verb int

const (
	verbHelp verb = iota
	verbMine
	verbStatus
	verbSnooze
)

// command is a parsed slash command. problem, when set, is what was wrong
// with the input (shown above the usage, escaped like any text).
type command struct {
	verb    verb
	key     string
	until   time.Time
	reason  string
	problem string
}

// slackUnescape undoes the escaping Slack applies to a slash command's
// text (& < >), so the engine gets what the person typed.
var slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// parseCommand reads the text after the command.
func parseCommand(raw string) command {
	s := slackUnescape.Replace(raw)
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return command{verb: verbHelp}
	}
	bad := func(format string) command {
		return command{verb: verbHelp, problem: format}
	}
	switch strings.ToLower(fields[0]) {
	case "help":
		return command{verb: verbHelp}
	case "mine":
		if len(fields) != 1 {
			return bad("“mine” takes nothing after it.")
		}
		return command{verb: verbMine}
	case "status":
		if len(fields) != 2 {
			return bad("“status” takes one ticket key, like SEC-123.")
		}
		key := strings.ToUpper(fields[1])
		if !keyRE.MatchString(key) {
			return bad("“" + cut(fields[1], 40) + "” is not a ticket key, like SEC-123.")
		}
		return command{verb: verbStatus, key: key}
	case "snooze":
		if len(fields) < 3 {
			return bad("“snooze” takes a ticket key, a day and a reason, like SEC-123 2026-07-01 waiting for the vendor.")
		}
		key := strings.ToUpper(fields[1])
		if !keyRE.MatchString(key) {
			return bad("“" + cut(fields[1], 40) + "” is not a ticket key, like SEC-123.")
		}
		day, err := time.Parse(time.DateOnly, fields[2])
		if err != nil {
			return bad("“" + cut(fields[2], 40) + "” is not a day: write it as 2026-07-01.")
		}
		return command{verb: verbSnooze, key: key, until: day, reason: afterFields(s, 3)}
	}
	return bad("patchbot does not know “" + cut(fields[0], 40) + "”.")
}

// afterFields is s after its first n fields, spaces trimmed: the reason
// exactly as typed, inner spacing kept.
func afterFields(s string, n int) string {
	rest := s
	for range n {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		i := strings.IndexFunc(rest, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		rest = rest[i:]
	}
	return strings.TrimSpace(rest)
}

// usage is the help, with what was wrong above it.
func (a *App) usage(problem string) richtext.Doc {
	cmd := a.command
	line := func(args, what string) richtext.Item {
		return richtext.Item{Inlines: []richtext.Inline{code(cmd + args), richtext.Text(" — " + what)}}
	}
	d := richtext.Doc{Summary: "How to use " + cmd}
	if problem != "" {
		d.Summary = problem
		d.Blocks = append(d.Blocks, richtext.Block{Kind: richtext.BlockParagraph, Inlines: []richtext.Inline{richtext.Text(problem)}})
	}
	d.Blocks = append(d.Blocks,
		richtext.Block{Kind: richtext.BlockParagraph, Inlines: []richtext.Inline{richtext.Strong(cmd), richtext.Text(" answers only you:")}},
		richtext.Block{Kind: richtext.BlockList, Items: []richtext.Item{
			line(" mine", "your open items: overdue, due soon, incomplete handoffs"),
			line(" status SEC-123", "one ticket's handoff and what it still needs"),
			line(" snooze SEC-123 2026-07-01 waiting for the vendor", "no reminders about it until that day"),
			line(" help", "this help"),
		}})
	return d
}

// slash answers a slash command privately, through its response URL.
func (a *App) slash(ctx context.Context, sc slack.SlashCommand) {
	by := Actor{UserID: sc.UserID, TeamID: sc.TeamID, Name: sc.UserName}
	at := origin{Channel: sc.ChannelID, ResponseURL: sc.ResponseURL}
	c := parseCommand(sc.Text)
	switch c.verb {
	case verbHelp:
		a.tell(ctx, at, by.UserID, a.usage(c.problem))
	case verbMine:
		items, err := a.engine.Mine(ctx, by)
		if err != nil {
			a.tellError(ctx, at, "", by, err)
			return
		}
		a.show(ctx, at, by.UserID, rendered{
			text:   "Your open patch items",
			blocks: itemBlocks(items, maxMessageBlocks),
		})
	case verbStatus:
		d, err := a.engine.Status(ctx, c.key, by)
		if err != nil {
			a.tellError(ctx, at, c.key, by, err)
			return
		}
		a.tell(ctx, at, by.UserID, d)
	case verbSnooze:
		res, err := a.engine.Snooze(ctx, SnoozeRequest{Key: c.key, Until: c.until, Reason: c.reason, By: by})
		if err == nil && empty(res.Reply) {
			res.Reply = say(richtext.Text("Reminders about "), richtext.Strong(c.key), richtext.Text(" are snoozed until "+c.until.Format(time.DateOnly)+"."))
		}
		a.answer(ctx, at, target{Key: c.key}, by, res, err)
	}
}
