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
	h := &ev.Handoff
	today := instantDay(now, loc)
	// Collect first, then allocate exactly: each Due carries a copy of the
	// handoff, so a growing slice would copy it again and again.
	type pending struct {
		kind  DueKind
		field FieldID
		on    civilDay
		days  int
	}
	var found [4]pending
	n := 0
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
			found[n] = pending{DueResolvedWithoutProof, "", on, max(today.sub(on), 0)}
			n++
		}
	} else {
		check := func(d *Date, field FieldID, passed DueKind) {
			if !d.Valid() {
				return
			}
			on := dayOf(d.At, d.DateOnly, loc)
			switch late := today.sub(on); {
			case late > 0:
				if passed != "" {
					found[n] = pending{passed, field, on, late}
					n++
				}
			case -late <= p.HeadsUpDays:
				found[n] = pending{DueSoon, field, on, -late}
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
	}
	if n == 0 {
		return nil
	}
	out := make([]Due, n)
	for i, f := range found[:n] {
		out[i] = Due{Kind: f.kind, Key: h.Ticket.Key, Lane: ev.Lane, Field: f.field, On: f.on.in(loc), Days: f.days,
			Owner: h.Scope.Owner, EscalateTo: p.EscalateTo, Handoff: ev.Handoff}
	}
	return out
}

// hasClosureEvidence reports whether any closure proof was provided.
func hasClosureEvidence(h *Handoff) bool {
	for _, id := range [...]FieldID{FieldPatchedVersion, FieldDeploymentRecord, FieldScanEvidence, FieldOwnerValidation, FieldValidatedAt} {
		if h.has(id) {
			return true
		}
	}
	return false
}

// ItemKey identifies a due item for the ledger: "KEY/kind/YYYY-MM-DD",
// the day being the day it is due, so a new review date starts a new
// reminder episode. For example "SEC-12/review_passed/2026-11-20".
func ItemKey(d Due) string {
	return d.Key + "/" + string(d.Kind) + "/" + d.On.Format("2006-01-02")
}
