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
