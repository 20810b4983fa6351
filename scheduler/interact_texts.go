package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// The sentences of answers to people in Slack and of the notes written on
// tickets for them. Everything quoted (a reason, a note, a summary) is a
// text inline, which every renderer escapes: what a person typed stays
// text in Jira and in Slack.

// maxTyped bounds what is quoted of a reason or note.
const maxTyped = 1000

// dayText is a calendar day as people read it: "Wed 1 Jul 2026".
func dayText(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan 2006") }

// typed is what a person typed, trimmed and bounded (the renderers escape
// it).
func typed(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxTyped {
		s = string(r[:maxTyped-1]) + "…"
	}
	return s
}

// who names a person who answered from Slack.
func who(by ports.Actor) string {
	if by.Name != "" {
		return by.Name
	}
	return by.UserID
}

// doc is a Doc of paragraphs; its summary is the first one's text.
func doc(paras ...[]richtext.Inline) richtext.Doc {
	d := richtext.Doc{}
	for _, p := range paras {
		d.Blocks = append(d.Blocks, richtext.Para(p...))
	}
	if len(paras) > 0 {
		var b strings.Builder
		for _, in := range paras[0] {
			b.WriteString(in.Text)
		}
		d.Summary = b.String()
	}
	return d
}

func line(in ...richtext.Inline) []richtext.Inline { return in }

func ticketInline(t handoff.Ticket) richtext.Inline {
	if t.URL != "" {
		return richtext.Inline{Kind: richtext.InlineLink, Text: t.Key, URL: t.URL}
	}
	return richtext.Strong(t.Key)
}

func slackUser(id string) richtext.Inline {
	return richtext.Inline{Kind: richtext.InlineMention, Text: id, SlackID: id}
}

// snoozeText says a snooze: "until Wed 1 Jul 2026 by alice: waiting for
// the vendor".
func snoozeText(z *handoff.Snooze, loc *time.Location) string {
	s := "until " + dayText(z.Until, loc)
	if n := firstNonEmpty(z.Name, z.By); n != "" {
		s += " by " + n
	}
	if r := typed(z.Reason); r != "" {
		s += ": " + r
	}
	return s
}

// SnoozeLine says a ticket's snooze as the CLI's check and the digest show
// it ("snoozed until Wed 1 Jul 2026 by alice: waiting for the vendor"),
// or "" when the trail has none at now.
func SnoozeLine(tr handoff.Trail, now time.Time, loc *time.Location) string {
	if !tr.Snoozed(now) {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return "snoozed " + snoozeText(tr.Snooze, loc)
}

// snoozedReply tells the person their snooze holds.
func snoozedReply(t handoff.Ticket, z *handoff.Snooze, loc *time.Location) richtext.Doc {
	d := doc(line(richtext.Text("Reminders about "), ticketInline(t), richtext.Text(" are snoozed until "+dayText(z.Until, loc)+
		" (asked by "+firstNonEmpty(z.Name, z.By)+"). It is written on the ticket, and they resume on that day.")))
	if r := typed(z.Reason); r != "" {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Strong("Reason: "), richtext.Text(r)))
	}
	return d
}

// snoozeNote is the comment the ticket gets.
func snoozeNote(t handoff.Ticket, z *handoff.Snooze, loc *time.Location) richtext.Doc {
	d := doc(line(richtext.Text("Reminders about " + t.Key + " are snoozed until " + dayText(z.Until, loc) + ", asked in Slack by " + firstNonEmpty(z.Name, z.By) + ".")))
	if r := typed(z.Reason); r != "" {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Strong("Reason: "), richtext.Text(r)))
	}
	d.Blocks = append(d.Blocks, richtext.SmallPrint("patchbot, on behalf of the person named. Reminders resume on that day."))
	return d
}

// rechecked tells the person what the ticket still needs.
func rechecked(ev handoff.Evaluation, due []handoff.Due, z *handoff.Snooze, o texts.Options) richtext.Doc {
	t := ev.Handoff.Ticket
	var d richtext.Doc
	if len(ev.Findings) == 0 {
		d = doc(line(ticketInline(t), richtext.Text(" rechecked just now: nothing required is missing.")))
	} else {
		d = doc(line(ticketInline(t), richtext.Text(fmt.Sprintf(" rechecked just now: %d still missing.", len(ev.Findings)))))
		var items []richtext.Item
		for _, f := range ev.Findings {
			in := []richtext.Inline{richtext.Text(f.Label)}
			if f.Detail != "" {
				in = append(in, richtext.Text(": "+f.Detail))
			}
			items = append(items, richtext.Item{Inlines: in})
		}
		d.Blocks = append(d.Blocks, richtext.Block{Kind: richtext.BlockList, Items: items})
	}
	for _, x := range due {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Text(dueText(x.Kind, x.Field, x.On, x.Days, o.Loc))))
	}
	if z != nil && o.Now.Before(z.Until) {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Text("Reminders are snoozed "+snoozeText(z, o.Loc)+".")))
	}
	return d
}

// dueText says one due item: "Review date passed 3 days ago (Fri 20 Nov
// 2026)", "Deadline in 2 days (…)".
func dueText(kind handoff.DueKind, field handoff.FieldID, on time.Time, days int, loc *time.Location) string {
	if kind == handoff.DueResolvedWithoutProof {
		return fmt.Sprintf("Resolved without closure proof %s.", ago(days))
	}
	label := handoff.FieldLabel(field)
	if kind == handoff.DueSoon {
		in := "today"
		if days > 0 {
			in = fmt.Sprintf("in %d %s", days, plural(days, "day", "days"))
		}
		return fmt.Sprintf("%s %s (%s).", label, in, dayText(on, loc))
	}
	return fmt.Sprintf("%s passed %s (%s).", label, ago(days), dayText(on, loc))
}

func ago(days int) string {
	if days <= 0 {
		return "today"
	}
	return fmt.Sprintf("%d %s ago", days, plural(days, "day", "days"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// disownNote is the comment the ticket gets when someone says it is not
// theirs, and the message the escalation channel gets.
func disownNote(t handoff.Ticket, r ports.DisownRequest, mapping string, forSlack bool) richtext.Doc {
	first := line(richtext.Text(who(r.By)+" says "), ticketInline(t), richtext.Text(" is not theirs, from the patchbot reminder in Slack."))
	if forSlack {
		first = line(slackUser(r.By.UserID), richtext.Text(" says "), ticketInline(t), richtext.Text(" is not theirs."))
	}
	d := doc(first)
	if r.Suggested != "" {
		s := richtext.Text("Slack user " + r.Suggested)
		if forSlack {
			s = slackUser(r.Suggested)
		}
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Strong("Suggested owner: "), s))
	}
	if n := typed(r.Note); n != "" {
		d.Blocks = append(d.Blocks, richtext.Para(richtext.Strong("Note: "), richtext.Text(n)))
	}
	d.Blocks = append(d.Blocks, richtext.Para(richtext.Text("Set the ticket's owner, or map the owner to Slack in the config: "),
		richtext.Inline{Kind: richtext.InlineCode, Text: mapping}))
	return d
}

// disownReply tells the person what happens now.
func disownReply(t handoff.Ticket, told, mapping string) richtext.Doc {
	first := line(richtext.Text("Thanks. patchbot wrote it on "), ticketInline(t))
	if told != "" {
		first = append(first, richtext.Text(" and told "+told+", who route it"))
	}
	first = append(first, richtext.Text(". Reminders keep coming until the owner is fixed."))
	return doc(first, line(richtext.Text("The owner map entry to suggest: "), richtext.Inline{Kind: richtext.InlineCode, Text: mapping}))
}

// ackNote and ackReply say a heads-up was acknowledged.
func ackNote(t handoff.Ticket, by ports.Actor, what []string) richtext.Doc {
	return doc(line(richtext.Text("Heads-up acknowledged in Slack by " + who(by) + ": " + strings.Join(what, "; ") + ". A reminder still follows if it becomes overdue.")))
}

func ackReply(t handoff.Ticket, what []string) richtext.Doc {
	return doc(line(richtext.Text("Acknowledged for "), ticketInline(t), richtext.Text(": "+strings.Join(what, "; ")+". No more heads-ups about it; if it becomes overdue, the reminder still comes.")))
}

// dryRunReply says nothing was changed.
func dryRunReply(key string) richtext.Doc {
	return doc(line(richtext.Text("patchbot runs as a dry run: nothing was changed on "), richtext.Strong(key), richtext.Text(".")))
}
