package handoff

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// TextOptions carries what every text needs besides its subject.
type TextOptions struct {
	// Wording is the bot's wording; nil means DefaultWording.
	Wording Wording
	// Now and Loc date the text ("checked 2026-11-20", "week of …").
	Now time.Time
	Loc *time.Location
	// OwnerSlackID, when known, makes the owner a real Slack mention.
	OwnerSlackID string
	// Ticked lists fields flagged before and provided since; the
	// validation request shows them ticked off.
	Ticked []FieldID
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
	o   TextOptions
	loc *time.Location
}

func newTextCtx(o TextOptions) *textCtx {
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
func (c *textCtx) laneName(l Lane, blocked bool) string {
	key := "lane." + string(l)
	if l == LaneUnknown {
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
func (c *textCtx) dateText(d Date) string {
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
func (c *textCtx) dateField(id FieldID) string {
	switch id {
	case FieldReviewDate, FieldDeadline, FieldExceptionExpiry:
		return c.word("date." + string(id))
	case "":
		return ""
	}
	return FieldLabel(id)
}

// ownerName is how a person is named in text.
func (c *textCtx) ownerName(p Person) string {
	for _, s := range []string{p.User.DisplayName, p.Text, p.User.Name, p.User.Email} {
		if s = strings.TrimSpace(s); s != "" {
			return cutText(cleanText(s), 80)
		}
	}
	return c.word("owner.none")
}

// ownerMention names a person as an explicit mention node: a real mention
// where the renderer has an id for it (Jira account or name, Slack id),
// plain text elsewhere.
func (c *textCtx) ownerMention(p Person, slackID string) Inline {
	return Inline{Kind: InlineMention, Text: c.ownerName(p), User: p.User, SlackID: slackID}
}

// hasOwner reports whether a person names anyone.
func hasOwner(p Person) bool { return p.Present() || !p.User.IsZero() }

// Inline and block builders.

func tx(s string) Inline   { return Inline{Kind: InlineText, Text: s} }
func st(s string) Inline   { return Inline{Kind: InlineStrong, Text: s} }
func emph(s string) Inline { return Inline{Kind: InlineEmphasis, Text: s} }

// ticketRef links a ticket key to the ticket.
func ticketRef(key, url string) Inline {
	if url == "" {
		return st(key)
	}
	return Inline{Kind: InlineLink, Text: key, URL: url}
}

func para(in ...Inline) Block { return Block{Kind: BlockParagraph, Inlines: in} }
func heading(level int, s string) Block {
	return Block{Kind: BlockHeading, Level: level, Inlines: []Inline{tx(s)}}
}
func smallPrint(s string) Block { return Block{Kind: BlockContext, Inlines: []Inline{tx(s)}} }

func checkItem(done bool, in ...Inline) Item {
	d := done
	return Item{Inlines: in, Check: &d}
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, ellipsis) {
		return s
	}
	return s + "."
}

// quote prepares ticket text for a Doc: one line, cut to n runes.
func quote(s string, n int) string { return cutText(strings.TrimSpace(cleanText(s)), n) }

// joinLabels joins field labels for a sentence.
func joinLabels(ids []FieldID) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, shortLabel(id))
	}
	return strings.Join(parts, ", ")
}

// dueView is what the texts read of a due item: the item, and of its
// handoff the ticket and whether it is blocked (all of which a DueBrief
// keeps). It points into the Due or DueBrief it was made from, so the
// texts sort and group due items without copying their handoffs.
type dueView struct {
	Kind    DueKind
	Key     string
	Lane    Lane
	Field   FieldID
	On      time.Time
	Days    int
	Owner   *Person
	Ticket  *Ticket
	Blocked bool
}

// dueViews are the views of items, in order.
func dueViews(items []Due) []dueView {
	out := make([]dueView, len(items))
	for i := range items {
		d := &items[i]
		out[i] = dueView{Kind: d.Kind, Key: d.Key, Lane: d.Lane, Field: d.Field, On: d.On, Days: d.Days,
			Owner: &d.Owner, Ticket: &d.Handoff.Ticket, Blocked: d.Handoff.Blocked}
	}
	return out
}

// briefViews are the views of items, in order.
func briefViews(items []DueBrief) []dueView {
	out := make([]dueView, len(items))
	for i := range items {
		b := &items[i]
		out[i] = dueView{Kind: b.Kind, Key: b.Key, Lane: b.Lane, Field: b.Field, On: b.On, Days: b.Days,
			Owner: &b.Owner, Ticket: &b.Ticket, Blocked: b.Blocked}
	}
	return out
}

// overdueFirst orders due items oldest first: most days overdue, then the
// earliest day, then the ticket key, so every text lists them alike. It
// sorts items in place, stably, and returns it.
func overdueFirst(items []dueView) []dueView {
	slices.SortStableFunc(items, func(a, b dueView) int {
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

// soonestFirst orders heads-up items by the days left, then the ticket
// key and the field. It sorts items in place, stably, and returns it.
func soonestFirst(items []dueView) []dueView {
	slices.SortStableFunc(items, func(a, b dueView) int {
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

// key is the ticket key of the item.
func (v *dueView) key() string {
	if v.Key != "" {
		return v.Key
	}
	return v.Ticket.Key
}

// dueItem is one due item as a list item: the ticket, its summary, what
// is due, and with do set what to do about it.
func (c *textCtx) dueItem(d *dueView, do bool) Item {
	t := d.Ticket
	key := d.key()
	in := []Inline{ticketRef(key, t.URL)}
	if summary := quote(t.Summary, cutItem); summary != "" {
		in = append(in, tx(" "+summary))
	}
	data := msgData{Key: key, Days: d.Days, Date: d.On.Format(time.DateOnly),
		Field: c.dateField(d.Field), Lane: c.laneName(d.Lane, d.Blocked)}
	if d.On.IsZero() {
		data.Date = "?"
	}
	in = append(in, tx(" — "+c.say("due."+string(d.Kind), data)))
	if do {
		in = append(in, tx(". "+sentence(c.say("do."+string(d.Kind), data))))
	}
	return Item{Inlines: in}
}
