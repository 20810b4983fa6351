package handoff

import "time"

// DueKind is why an item needs someone's attention.
type DueKind string

// The due and overdue kinds (DESIGN.md, "Overdue conditions").
const (
	// DueSoon: a heads-up N days before a review date, deadline or expiry.
	DueSoon DueKind = "due_soon"
	// DueReviewPassed: the review date passed.
	DueReviewPassed DueKind = "review_passed"
	// DueDeadlinePassed: the deadline passed with no closure evidence.
	DueDeadlinePassed DueKind = "deadline_passed"
	// DueExceptionExpired: an exception's expiry passed.
	DueExceptionExpired DueKind = "exception_expired"
	// DueBlockedReview: a blocked or mitigate-first item is past its next
	// review date.
	DueBlockedReview DueKind = "blocked_review_passed"
	// DueResolvedWithoutProof: resolved without closure proof ("close with
	// proof, not intent").
	DueResolvedWithoutProof DueKind = "resolved_without_proof"
)

// Due is one item that is due soon or overdue.
type Due struct {
	Kind DueKind
	Key  string
	Lane Lane
	// Field is the date that drives it (review_date, deadline,
	// exception_expiry); empty for resolved-without-proof.
	Field FieldID
	// On is the calendar day it was (or is) due, in the evaluation's location.
	On time.Time
	// Days is how many days overdue (>0), or for DueSoon how many days are
	// left (>=0).
	Days int
	// Owner should hear about it first; EscalateTo after the owner has been
	// reminded often enough (from the policy; may be empty).
	Owner      Person
	EscalateTo string
	// KEVSince is when the first of the ticket's CVEs was KEV-listed
	// (Intel.KEVSince); zero when none is. Texts list such items first,
	// marked.
	KEVSince time.Time
	// Handoff is the handoff this is about, for texts.
	Handoff Handoff
}

// DueItems lists what is due soon or overdue at now in loc: a heads-up
// HeadsUpDays before a review date, deadline or exception expiry (the day
// itself included); a review date passed (for a blocked or mitigate-first
// item, DueBlockedReview); a deadline passed with no closure evidence; an
// exception expired; and a resolved ticket without closure proof. Days are
// calendar days in loc: a date-only value is that calendar day, a datetime
// is converted to loc first; the day of is not overdue, the day after is
// one day overdue, whatever DST does in between.
func DueItems(ev Evaluation, p Policy, now time.Time, loc *time.Location) []Due {
	if loc == nil {
		loc = time.UTC
	}
	found, n := findDue(&ev, p, now, loc)
	if n == 0 {
		return nil
	}
	// Allocated exactly: each Due carries a copy of the handoff, so a
	// growing slice would copy it again and again.
	out := make([]Due, n)
	for i, f := range found[:n] {
		out[i] = Due{Kind: f.kind, Key: ev.Handoff.Ticket.Key, Lane: ev.Lane, Field: f.field, On: f.on.in(loc), Days: f.days,
			Owner: ev.Handoff.Scope.Owner, EscalateTo: p.EscalateTo, KEVSince: ev.Handoff.Intel.KEVSince(), Handoff: ev.Handoff}
	}
	return out
}

// DueBrief is a due item without the copy of its whole handoff: the item,
// and of the handoff only what the texts about due items read (the
// ticket, whether it is blocked, its lane and owner). A Due is 3.5 KiB
// whatever the handoff holds; a brief is about a fifth of that. A job that
// collects the due items of a whole scope keeps briefs, and turns the few
// it is about to write about back into Dues (Due).
//
// A Due made from a brief renders the same HeadsUp, Reminder and
// Escalation as the Due it was made from; the digests are built from
// briefs (DigestBriefs, PersonalDigestBriefs).
type DueBrief struct {
	Kind       DueKind
	Key        string
	Lane       Lane
	Field      FieldID
	On         time.Time
	Days       int
	Owner      Person
	EscalateTo string
	KEVSince   time.Time
	// Of the handoff: its ticket (Ticket.Project is the config project it
	// was read under), blocked state, lane and owner.
	Ticket       Ticket
	Blocked      bool
	HandoffLane  Lane
	HandoffOwner Person
}

// Brief is d without its whole handoff.
func (d Due) Brief() DueBrief {
	return DueBrief{Kind: d.Kind, Key: d.Key, Lane: d.Lane, Field: d.Field, On: d.On, Days: d.Days, Owner: d.Owner, EscalateTo: d.EscalateTo,
		KEVSince: d.KEVSince, Ticket: d.Handoff.Ticket, Blocked: d.Handoff.Blocked, HandoffLane: d.Handoff.Lane, HandoffOwner: d.Handoff.Scope.Owner}
}

// Due is the due item again, its handoff holding what the brief kept.
func (b DueBrief) Due() Due {
	return Due{Kind: b.Kind, Key: b.Key, Lane: b.Lane, Field: b.Field, On: b.On, Days: b.Days, Owner: b.Owner, EscalateTo: b.EscalateTo,
		KEVSince: b.KEVSince, Handoff: Handoff{Ticket: b.Ticket, Blocked: b.Blocked, Lane: b.HandoffLane, Scope: Scope{Owner: b.HandoffOwner}}}
}

// ItemKey identifies a due item for the ledger: "KEY/kind/YYYY-MM-DD",
// the day being the day it is due, so a new review date starts a new
// reminder episode. For example "SEC-12/review_passed/2026-11-20".
func (b DueBrief) ItemKey() string { return itemKey(b.Key, b.Kind, b.On) }

// AppendDueBriefs appends the briefs of DueItems(ev, p, now, loc) to dst,
// without making the Dues.
func AppendDueBriefs(dst []DueBrief, ev *Evaluation, p Policy, now time.Time, loc *time.Location) []DueBrief {
	if loc == nil {
		loc = time.UTC
	}
	found, n := findDue(ev, p, now, loc)
	h := &ev.Handoff
	kev := h.Intel.KEVSince()
	for _, f := range found[:n] {
		dst = append(dst, DueBrief{Kind: f.kind, Key: h.Ticket.Key, Lane: ev.Lane, Field: f.field, On: f.on.in(loc), Days: f.days,
			Owner: h.Scope.Owner, EscalateTo: p.EscalateTo, KEVSince: kev,
			Ticket: h.Ticket, Blocked: h.Blocked, HandoffLane: h.Lane, HandoffOwner: h.Scope.Owner})
	}
	return dst
}

// dueFound is one due item as findDue finds it.
type dueFound struct {
	kind  DueKind
	field FieldID
	on    civilDay
	days  int
}

// findDue finds what is due about ev (see DueItems); loc is not nil.
func findDue(ev *Evaluation, p Policy, now time.Time, loc *time.Location) (found [4]dueFound, n int) {
	h := &ev.Handoff
	today := instantDay(now, loc)
	if h.Ticket.Done() {
		if ev.Verdict == VerdictClosureProof {
			at := h.Ticket.Resolved
			if at.IsZero() {
				at = h.Ticket.Updated
			}
			if at.IsZero() {
				at = now
			}
			on := instantDay(at, loc)
			found[n] = dueFound{DueResolvedWithoutProof, "", on, max(today.sub(on), 0)}
			n++
		}
		return found, n
	}
	check := func(d *Date, field FieldID, passed DueKind) {
		if !d.Valid() {
			return
		}
		on := dayOf(d.At, d.DateOnly, loc)
		switch late := today.sub(on); {
		case late > 0:
			if passed != "" {
				found[n] = dueFound{passed, field, on, late}
				n++
			}
		case -late <= p.HeadsUpDays:
			found[n] = dueFound{DueSoon, field, on, -late}
			n++
		}
	}
	review := DueReviewPassed
	if h.Blocked || ev.Lane == LaneMitigateFirst {
		review = DueBlockedReview
	}
	check(&h.Fallback.ReviewDate, FieldReviewDate, review)
	deadline := DueDeadlinePassed
	if hasClosureEvidence(h) {
		deadline = "" // evidence is in: closing is the next step, not a nag
	}
	check(&h.Change.Deadline, FieldDeadline, deadline)
	check(&h.Fallback.ExceptionExpiry, FieldExceptionExpiry, DueExceptionExpired)
	return found, n
}

// hasClosureEvidence reports whether any closure proof was provided.
func hasClosureEvidence(h *Handoff) bool {
	for _, id := range [...]FieldID{FieldPatchedVersion, FieldDeploymentRecord, FieldScanEvidence, FieldOwnerValidation, FieldValidatedAt} {
		if h.Has(id) {
			return true
		}
	}
	return false
}

func itemKey(key string, kind DueKind, on time.Time) string {
	return key + "/" + string(kind) + "/" + on.Format("2006-01-02")
}
