package intake

import (
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/words"
)

// Read builds a handoff from a ticket. The description's template and
// "Label: value" lines are read first; mapped Jira fields then win where
// they hold a real value. The lane is normalised, the blocked state set
// (a blocker, a "blocked" label, a status named blocked), the owner falls
// back to the assignee, the advisory to a CVE id in the summary, and every
// date is parsed (Date.Err says why one did not).
func Read(in handoff.Input) handoff.Handoff {
	h := handoff.Handoff{Ticket: in.Ticket}
	parseDescription(in.Description, &h)
	for id, fv := range in.Fields {
		applyMapped(&h, id, fv)
	}
	if h.LaneText.Present() {
		if l, ok := handoff.ParseLane(h.LaneText.Text); ok {
			h.Lane = l
		} else if handoff.IsBlockedText(h.LaneText.Text) {
			h.Blocked = true
		}
	}
	for _, id := range [...]handoff.FieldID{handoff.FieldDeadline, handoff.FieldExceptionExpiry, handoff.FieldReviewDate, handoff.FieldValidatedAt} {
		parseDateField(h.DatePtr(id))
	}
	h.Blocked = h.Blocked || blockedState(&h)
	if !h.Has(handoff.FieldOwner) && !h.Ticket.Assignee.IsZero() {
		h.Scope.Owner = handoff.Person{Value: handoff.Value{Text: userName(h.Ticket.Assignee), From: handoff.SourceField}, User: h.Ticket.Assignee}
	}
	linkPerson(&h.Scope.Owner, h.Ticket)
	linkPerson(&h.Fallback.ExceptionOwner, h.Ticket)
	if !h.Scope.Advisory.Present() {
		if id := findAdvisoryID(h.Ticket.Summary); id != "" {
			assign(&h, handoff.FieldAdvisory, id, handoff.SourceField, true)
		}
	}
	return h
}

// applyMapped stores one mapped Jira field; a real value wins over the
// description.
func applyMapped(h *handoff.Handoff, id handoff.FieldID, fv handoff.FieldValue) {
	text := strings.TrimSpace(fv.Text)
	if text == "" && len(fv.Items) > 0 {
		text = strings.Join(fv.Items, ", ")
	}
	if text == "" && len(fv.Users) > 0 {
		names := make([]string, 0, len(fv.Users))
		for _, u := range fv.Users {
			if n := userName(u); n != "" {
				names = append(names, n)
			}
		}
		text = strings.Join(names, ", ")
	}
	if text == "" {
		return
	}
	v := h.ValuePtr(id)
	if v == nil {
		return
	}
	assign(h, id, text, handoff.SourceField, true)
	if v.From == handoff.SourceField && v.Text == text {
		v.Items = fv.Items
		if p := h.PersonPtr(id); p != nil && len(fv.Users) > 0 {
			p.User = fv.Users[0]
		}
	}
}

// parseDateField parses a date field's text: the whole text first, then
// the first date inside it ("2026-12-01 (after the freeze)").
func parseDateField(d *handoff.Date) {
	if !d.Present() {
		return
	}
	at, only, err := handoff.ParseDate(d.Text)
	if err != nil {
		if inner, _ := cutDate(d.Text); inner != "" {
			at, only, err = handoff.ParseDate(inner)
		}
	}
	if err != nil {
		d.Err = err.Error()
		return
	}
	d.At, d.DateOnly = at, only
}

// blockedState reports a blocker that is not "none", a "blocked" label or a
// status named blocked.
func blockedState(h *handoff.Handoff) bool {
	if b := h.Fallback.Blocker; b.Present() && !negative(b.Text) {
		return true
	}
	for _, l := range h.Ticket.Labels {
		if handoff.IsBlockedText(l) {
			return true
		}
	}
	return handoff.IsBlockedText(h.Ticket.Status)
}

// negative reports a value that says "nothing here".
func negative(s string) bool {
	switch words.Normalize(s, 40) {
	case "none", "no", "n a", "na", "nothing", "not blocked", "no blocker", "false", "0":
		return true
	}
	return false
}

// userName is how a user is named in text: display name, then name,
// email or account id.
// linkPerson makes a person named in text (a template, a text field) the
// ticket's assignee or reporter when the text names exactly them, so that
// Slack can find them by their Jira account and their items are batched
// with the ones where they are a Jira user field.
func linkPerson(p *handoff.Person, t handoff.Ticket) {
	if !p.User.IsZero() || !p.Present() {
		return
	}
	for _, u := range [...]handoff.User{t.Assignee, t.Reporter} {
		if u.IsZero() {
			continue
		}
		for _, s := range [...]string{u.DisplayName, u.Name, u.Email} {
			if s != "" && strings.EqualFold(strings.TrimSpace(p.Text), s) {
				p.User = u
				return
			}
		}
	}
}

func userName(u handoff.User) string {
	for _, s := range [...]string{u.DisplayName, u.Name, u.Email, u.AccountID, u.Key} {
		if s != "" {
			return s
		}
	}
	return ""
}
