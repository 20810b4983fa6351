package handoff

// FindingKind says what is wrong with a field.
type FindingKind string

// The kinds of finding.
const (
	// FindingMissing: a required field has no value.
	FindingMissing FindingKind = "missing"
	// FindingUnfilled: the template placeholder was left in place.
	FindingUnfilled FindingKind = "unfilled"
	// FindingInvalid: the value is there but cannot be right (a date that
	// does not parse, a deadline before the ticket was opened, an expired
	// exception on an open ticket).
	FindingInvalid FindingKind = "invalid"
	// FindingNoLane: no recognisable action lane; checked as needs review.
	FindingNoLane FindingKind = "no_lane"
	// FindingOwnerUnreachable: the owner the ticket names could not be
	// found in Slack (Handoff.OwnerReach, which the engine finds out).
	FindingOwnerUnreachable FindingKind = "owner_unreachable"
)

// Situation is which of the seed's example handoffs applies (seed 003,
// "Example Handoffs"); it picks the ask a validation request carries.
type Situation string

// The situations.
const (
	SituationUrgentPatch     Situation = "urgent_patch"
	SituationPlannedWindow   Situation = "planned_window"
	SituationAffectedVersion Situation = "affected_version_validation"
	SituationBlockedChange   Situation = "blocked_change"
	SituationNoSafePatch     Situation = "no_safe_patch"
	SituationMonitor         Situation = "monitor"
	SituationExceptionReview Situation = "exception_review"
	SituationClosureEvidence Situation = "closure_evidence"
)

// Finding is one missing or invalid field.
type Finding struct {
	Kind  FindingKind
	Field FieldID
	Group Group
	// Label is how the field is asked for (policy prompts may rename it).
	Label string
	// Why says why the field matters to the patch owner.
	Why string
	// Detail is specific to this ticket, e.g. "2026-13-01 is not a date".
	Detail string
}

// Verdict is what the bot should say about a handoff.
type Verdict string

// The verdicts.
const (
	// VerdictReady: nothing required is missing.
	VerdictReady Verdict = "owner_ready"
	// VerdictValidationRequest: required fields are missing; seed 003 says
	// to send a validation request instead of a patch-now order.
	VerdictValidationRequest Verdict = "validation_request"
	// VerdictClosureProof: the ticket was resolved without closure proof.
	VerdictClosureProof Verdict = "closure_proof_missing"
)

// Evaluation is the result of checking one handoff against the policy.
type Evaluation struct {
	Handoff   Handoff
	Lane      Lane // the lane checked (needs review when unknown)
	Situation Situation
	// Ask is the seed's ask for this situation, as the policy words it.
	Ask      string
	Findings []Finding
	Verdict  Verdict
	// Fingerprint is stable over the set of findings: the same findings
	// always give the same fingerprint, changed findings a new one. Empty
	// when there are no findings.
	Fingerprint string
}
