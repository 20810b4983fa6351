package handoff

// TEMPORARY: signatures of the core API so that other packages compile
// while it is written. The core's owner deletes each stub as the real code
// lands, and this file with the last one.

import "time"

// Policy is what each lane requires.
type Policy struct{}

// DefaultPolicy is the policy from the seeds.
func DefaultPolicy() Policy { return Policy{} }

// Override changes one lane's requirements (config, per project).
type Override struct {
	Lane    string            // a lane, "blocked" or "closure"
	Require []string          // fields to add
	Drop    []string          // fields to drop
	Prompts map[string]string // field -> how it is asked for
}

// Apply returns p with the overrides applied, or an error naming every
// unknown lane and field.
func (p Policy) Apply(o []Override) (Policy, error) { return p, nil }

// Evaluate checks a handoff against the policy at an instant in a location.
func Evaluate(h Handoff, p Policy, now time.Time, loc *time.Location) Evaluation {
	return Evaluation{Handoff: h}
}

// DueItems lists what is due soon or overdue at now in loc.
func DueItems(ev Evaluation, p Policy, now time.Time, loc *time.Location) []Due { return nil }

// ItemKey identifies a due item for the ledger, e.g.
// "SEC-12/review_passed/2026-11-20".
func ItemKey(d Due) string { return d.Key + "/" + string(d.Kind) }
