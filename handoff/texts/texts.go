package texts

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Options carries what every text needs besides its subject.
type Options struct {
	// Wording is the bot's wording; nil means DefaultWording.
	Wording Wording
	// Now and Loc date the text ("checked 2026-11-20", "week of …").
	Now time.Time
	Loc *time.Location
	// OwnerSlackID, when known, makes the owner a real Slack mention.
	OwnerSlackID string
	// Ticked lists fields flagged before and provided since; the
	// validation request shows them ticked off.
	Ticked []handoff.FieldID
}

// How much quoted ticket text a text carries before the ellipsis.
const (
	cutSummary = 160 // a ticket summary in a heading line
	cutItem    = 100 // a ticket summary in a list of items
	cutValue   = 300 // one field value
	cutDetail  = 200 // a finding's detail
)

// textCtx is the state of building one text.
type textCtx struct {
	sp  speaker
	o   Options
	loc *time.Location
}

func newTextCtx(o Options) *textCtx {
	loc := o.Loc
	if loc == nil {
		loc = time.UTC
	}
	return &textCtx{sp: newSpeaker(o.Wording), o: o, loc: loc}
}

func (c *textCtx) say(key string, d msgData) string { return c.sp.say(key, d) }
func (c *textCtx) word(key string) string           { return c.sp.word(key) }

// today is the text's date in its location.
func (c *textCtx) today() string {
	if c.o.Now.IsZero() {
		return ""
	}
	return c.o.Now.In(c.loc).Format(time.DateOnly)
}

// laneName words a lane, with the blocked state when set.
func (c *textCtx) laneName(l handoff.Lane, blocked bool) string {
	key := "lane." + string(l)
	if l == handoff.LaneUnknown {
		key = "lane.none"
	}
	s := c.word(key)
	if blocked {
		s += ", " + c.word("lane.blocked")
	}
	return s
}

// dateText shows a date field: a calendar day as written, an instant in
// the text's location, and the raw text when it did not parse.
func (c *textCtx) dateText(d handoff.Date) string {
	switch {
	case !d.Present():
		return ""
	case !d.Valid():
		return d.Text
	case d.DateOnly:
		return d.At.UTC().Format(time.DateOnly)
	default:
		return d.At.In(c.loc).Format(time.DateOnly)
	}
}

// dateField names the date a due item is about.
func (c *textCtx) dateField(id handoff.FieldID) string {
	switch id {
	case handoff.FieldReviewDate, handoff.FieldDeadline, handoff.FieldExceptionExpiry:
		return c.word("date." + string(id))
	case "":
		return ""
	}
	return handoff.FieldLabel(id)
}

// ownerName is how a person is named in text.
func (c *textCtx) ownerName(p handoff.Person) string {
	for _, s := range []string{p.User.DisplayName, p.Text, p.User.Name, p.User.Email} {
		if s = strings.TrimSpace(s); s != "" {
			return escape.Cut(escape.Clean(s), 80)
		}
	}
	return c.word("owner.none")
}

// ownerMention names a person as an explicit mention node: a real mention
// where the renderer has an id for it (Jira account or name, Slack id),
// plain text elsewhere.
func (c *textCtx) ownerMention(p handoff.Person, slackID string) richtext.Inline {
	return richtext.Inline{Kind: richtext.InlineMention, Text: c.ownerName(p), User: p.User, SlackID: slackID}
}

// hasOwner reports whether a person names anyone.
func hasOwner(p handoff.Person) bool { return p.Present() || !p.User.IsZero() }

// Inline and block builders.

// ticketRef links a ticket key to the ticket.
func ticketRef(key, url string) richtext.Inline {
	if url == "" {
		return richtext.Strong(key)
	}
	return richtext.Inline{Kind: richtext.InlineLink, Text: key, URL: url}
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, escape.Ellipsis) {
		return s
	}
	return s + "."
}

// quote prepares ticket text for a Doc: one line, cut to n runes.
func quote(s string, n int) string { return escape.Cut(strings.TrimSpace(escape.Clean(s)), n) }

// joinLabels joins field labels for a sentence.
func joinLabels(ids []handoff.FieldID) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, shortLabel(id))
	}
	return strings.Join(parts, ", ")
}

// dueViews are the views of items, in order.
func dueViews(items []handoff.Due) []handoff.DueView {
	out := make([]handoff.DueView, len(items))
	for i := range items {
		d := &items[i]
		out[i] = handoff.DueView{Kind: d.Kind, Key: d.Key, Lane: d.Lane, Field: d.Field, On: d.On, Days: d.Days,
			Owner: &d.Owner, Ticket: &d.Handoff.Ticket, Blocked: d.Handoff.Blocked, KEVSince: d.KEVSince}
	}
	return out
}

// briefViews are the views of items, in order.
func briefViews(items []handoff.DueBrief) []handoff.DueView {
	out := make([]handoff.DueView, len(items))
	for i := range items {
		b := &items[i]
		out[i] = handoff.DueView{Kind: b.Kind, Key: b.Key, Lane: b.Lane, Field: b.Field, On: b.On, Days: b.Days,
			Owner: &b.Owner, Ticket: &b.Ticket, Blocked: b.Blocked, KEVSince: b.KEVSince}
	}
	return out
}

// overdueFirst orders due items KEV-listed first (kevFirst), then oldest
// first: most days overdue, then the earliest day, then the ticket key, so
// every text lists them alike. It sorts items in place, stably, and
// returns it.
func overdueFirst(items []handoff.DueView) []handoff.DueView {
	slices.SortStableFunc(items, func(a, b handoff.DueView) int {
		if c := kevFirst(a, b); c != 0 {
			return c
		}
		if a.Days != b.Days {
			return cmp.Compare(b.Days, a.Days)
		}
		if c := a.On.Compare(b.On); c != 0 {
			return c
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return items
}

// soonestFirst orders heads-up items KEV-listed first (kevFirst), then by
// the days left, the ticket key and the field. It sorts items in place,
// stably, and returns it.
func soonestFirst(items []handoff.DueView) []handoff.DueView {
	slices.SortStableFunc(items, func(a, b handoff.DueView) int {
		if c := kevFirst(a, b); c != 0 {
			return c
		}
		if a.Days != b.Days {
			return cmp.Compare(a.Days, b.Days)
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(string(a.Field), string(b.Field))
	})
	return items
}

// dueItem is one due item as a list item: the ticket, its summary, what
// is due, and with do set what to do about it.
func (c *textCtx) dueItem(d *handoff.DueView, do bool) richtext.Item {
	t := d.Ticket
	key := d.TicketKey()
	in := append(c.kevMark(d), ticketRef(key, t.URL))
	if summary := quote(t.Summary, cutItem); summary != "" {
		in = append(in, richtext.Text(" "+summary))
	}
	data := msgData{Key: key, Days: d.Days, Date: d.On.Format(time.DateOnly),
		Field: c.dateField(d.Field), Lane: c.laneName(d.Lane, d.Blocked)}
	if d.On.IsZero() {
		data.Date = "?"
	}
	in = append(in, richtext.Text(" — "+c.say("due."+string(d.Kind), data)))
	if do {
		in = append(in, richtext.Text(". "+sentence(c.say("do."+string(d.Kind), data))))
	}
	return richtext.Item{Inlines: in}
}
