package handoff

import "time"

// DueView is what the texts read of a due item: the item, and of its
// handoff the ticket and whether it is blocked (all of which a DueBrief
// keeps). It points into the Due or DueBrief it was made from, so the
// texts sort and group due items without copying their handoffs.
type DueView struct {
	Kind    DueKind
	Key     string
	Lane    Lane
	Field   FieldID
	On      time.Time
	Days    int
	Owner   *Person
	Ticket  *Ticket
	Blocked bool
	// KEVSince is the item's KEVSince: texts list KEV-listed items first,
	// marked.
	KEVSince time.Time
}

// TicketKey is the ticket key of the item.
func (v *DueView) TicketKey() string {
	if v.Key != "" {
		return v.Key
	}
	return v.Ticket.Key
}
