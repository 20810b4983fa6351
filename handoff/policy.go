package handoff

import (
	"fmt"
	"sort"
	"strings"
)

// The policy stages besides the lanes: what a blocked item needs on top of
// its lane, and what a resolved ticket needs to count as closed.
const (
	StageBlocked = "blocked"
	StageClosure = "closure"
	// StageAll in an Override applies it to every lane (not to blocked or
	// closure).
	StageAll = "*"
)

// Policy is what each lane requires, as data. DefaultPolicy builds it from
// the seeds; config changes it with Apply. A Policy is a value: Apply
// returns a copy and never changes the original.
type Policy struct {
	// Require lists, per lane, the fields a handoff needs before it is
	// owner-ready (DESIGN.md's lane table, quoting the seeds).
	Require map[Lane][]FieldID
	// Blocked lists what a blocked item needs on top of its lane (seed
	// 003, "Blocked change").
	Blocked []FieldID
	// Closure lists the proof a resolved ticket needs (seed 000, "Close
	// with proof, not intent"; seed 003, "Closure evidence").
	Closure []FieldID
	// Asks is the seed's ask per situation (seed 003, "Example Handoffs").
	Asks map[Situation]string
	// Prompts renames how a field is asked for everywhere.
	Prompts map[FieldID]string
	// StagePrompts renames how a field is asked for in one lane, or in the
	// blocked or closure stage; it wins over Prompts.
	StagePrompts map[string]map[FieldID]string
	// HeadsUpDays is how many days before a review date, deadline or
	// expiry the owner gets a heads-up.
	HeadsUpDays int
	// EscalateTo is who hears about items an owner leaves overdue (a Slack
	// user or channel id); may be empty.
	EscalateTo string
	// Intel switches the findings drawn from the public feeds
	// (kev_findings.go).
	Intel IntelPolicy
}

// DefaultPolicy is the policy from the seeds, field by field.
func DefaultPolicy() Policy {
	return Policy{
		Require: map[Lane][]FieldID{
			// "affected scope, fixed version, urgency, deadline, testing
			// expectations, rollback path, and closure evidence" (seed 003),
			// plus the owner (seed 000, "Patch-now plan").
			LanePatchNow: {FieldAssetGroup, FieldAffectedVersions, FieldFixedVersion, FieldUrgencyDriver, FieldOwner,
				FieldDeadline, FieldTestPlan, FieldRollback, FieldClosureExpected},
			// "include [product/version] in the next patch window. Priority is
			// planned because [...], with review trigger if KEV, PoC,
			// exposure, or vendor guidance changes."
			LanePlannedWindow: {FieldProduct, FieldAffectedVersions, FieldUrgencyDriver, FieldWindow, FieldReviewTrigger},
			// "Temporary controls and SOC monitoring are assigned while
			// patching waits" + "document the residual risk ... track vendor
			// guidance" + a next review date.
			LaneMitigateFirst: {FieldTemporaryControl, FieldSOCMonitoring, FieldOwner, FieldResidualRisk, FieldVendorAsk, FieldReviewDate},
			// An owner and a review trigger or date.
			LaneMonitor: {FieldOwner, FieldReviewTrigger},
			// "Residual risk, owner, compensating controls, expiration, review
			// date, and approval language are recorded."
			LaneException: {FieldResidualRisk, FieldOwner, FieldCompensatingControls, FieldExceptionExpiry,
				FieldReviewDate, FieldExceptionApproval},
			// "confirm whether [asset/product] runs an affected build ..." with
			// an owner and when the answer is due.
			LaneNeedsReview: {FieldProduct, FieldAffectedVersions, FieldOwner, FieldReviewDate},
		},
		// "state the blocker, risk, temporary control, owner, next review
		// date, and what approval or test result is needed to unblock".
		Blocked: []FieldID{FieldBlocker, FieldBlockerRisk, FieldTemporaryControl, FieldOwner, FieldReviewDate, FieldUnblock},
		// "provide patched version, deployment record, asset list, scan or
		// inventory evidence, validation timestamp, exceptions, and any
		// remaining exposed or deferred systems" + owner validation and
		// residual risk notes (seed 000, step 7).
		Closure: []FieldID{FieldPatchedVersion, FieldDeploymentRecord, FieldAssetList, FieldScanEvidence, FieldValidatedAt,
			FieldOwnerValidation, FieldClosureExceptions, FieldRemainingExposure, FieldResidualRisk},
		Asks: map[Situation]string{
			SituationUrgentPatch:     "Patch [asset group/product] to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]. Confirm affected versions, test result, rollback plan, deployment time, and post-patch validation evidence.",
			SituationPlannedWindow:   "Include [product/version] in the next patch window. Priority is planned because [not exploited/not exposed/standard maintenance], with review trigger if KEV, PoC, exposure, or vendor guidance changes.",
			SituationAffectedVersion: "Confirm whether [asset/product] runs an affected build, vulnerable feature, platform, or backported fix. Do not schedule patching until product and version evidence are clear.",
			SituationBlockedChange:   "State the blocker, risk, temporary control, owner, next review date, and what approval or test result is needed to unblock patching.",
			SituationNoSafePatch:     "Apply mitigation or exposure reduction, document the residual risk, ask SOC for monitoring, and track vendor guidance until a fixed version exists.",
			SituationMonitor:         "Keep [product/version] under watch with a named owner, and set the review trigger (KEV, PoC, exposure, or vendor guidance changes) or review date that brings it back.",
			SituationExceptionReview: "Record residual risk, owner, compensating controls, expiration, review date, and approval language for the exception or no-patch review.",
			SituationClosureEvidence: "Provide patched version, deployment record, asset list, scan or inventory evidence, validation timestamp, exceptions, and any remaining exposed or deferred systems.",
		},
		Prompts: map[FieldID]string{},
		StagePrompts: map[string]map[FieldID]string{
			string(LanePatchNow): {
				FieldAssetGroup:       "Affected scope (asset group/product)",
				FieldTestPlan:         "Testing expectations",
				FieldRollback:         "Rollback path",
				FieldClosureExpected:  "Closure evidence expected",
				FieldUrgencyDriver:    "Urgency driver (KEV/exploited/exposed/critical service)",
				FieldAffectedVersions: "Affected versions (confirmed)",
			},
			string(LanePlannedWindow): {
				FieldProduct:       "Product",
				FieldUrgencyDriver: "Why planned (not exploited/not exposed/standard maintenance)",
				FieldWindow:        "Patch window",
				FieldReviewTrigger: "Review trigger if KEV, PoC, exposure, or vendor guidance changes",
			},
			string(LaneMitigateFirst): {
				FieldTemporaryControl: "Mitigation or exposure reduction (temporary control)",
				FieldVendorAsk:        "Vendor guidance being tracked (vendor ask)",
			},
			string(LaneMonitor): {
				FieldReviewTrigger: "Review trigger or review date",
			},
			string(LaneException): {
				FieldExceptionApproval: "Approval language",
			},
			string(LaneNeedsReview): {
				FieldProduct:          "Which asset/product",
				FieldAffectedVersions: "Affected build question (affected build, vulnerable feature, platform, or backported fix)",
				FieldReviewDate:       "When the answer is due",
			},
			StageBlocked: {
				FieldBlockerRisk: "Risk",
			},
			StageClosure: {
				FieldPatchedVersion:    "Fixed/patched version",
				FieldResidualRisk:      "Residual risk notes",
				FieldClosureExceptions: "Exceptions (or none)",
			},
		},
		HeadsUpDays: 3,
		Intel:       DefaultIntelPolicy(),
	}
}

// Override changes one lane's or stage's requirements (config, per project
// and per lane).
type Override struct {
	// Lane is a lane ("patch_now", or a wording ParseLane reads), "blocked",
	// "closure", or "*" for every lane.
	Lane string
	// Require lists fields to add; Drop fields to drop.
	Require []string
	Drop    []string
	// Prompts renames how fields are asked for: field -> label.
	Prompts map[string]string
}

// PolicyError lists every problem found in a policy or its overrides.
type PolicyError struct {
	Problems []string
}

// Error joins the problems into one message.
func (e *PolicyError) Error() string {
	return "policy: " + strings.Join(e.Problems, "; ")
}

// clone deep-copies p so Apply never changes a shared policy.
func (p Policy) clone() Policy {
	q := p
	q.Require = make(map[Lane][]FieldID, len(p.Require))
	for l, fs := range p.Require {
		q.Require[l] = append([]FieldID(nil), fs...)
	}
	q.Blocked = append([]FieldID(nil), p.Blocked...)
	q.Closure = append([]FieldID(nil), p.Closure...)
	q.Asks = make(map[Situation]string, len(p.Asks))
	for k, v := range p.Asks {
		q.Asks[k] = v
	}
	q.Prompts = make(map[FieldID]string, len(p.Prompts))
	for k, v := range p.Prompts {
		q.Prompts[k] = v
	}
	q.StagePrompts = make(map[string]map[FieldID]string, len(p.StagePrompts))
	for s, m := range p.StagePrompts {
		c := make(map[FieldID]string, len(m))
		for k, v := range m {
			c[k] = v
		}
		q.StagePrompts[s] = c
	}
	return q
}

// stageKey resolves an override's Lane to a stage key.
func stageKey(s string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case StageAll, StageBlocked, StageClosure:
		return t, true
	}
	if l, ok := ParseLane(s); ok {
		return string(l), true
	}
	return "", false
}

// Apply returns p with the overrides applied, or a *PolicyError naming
// every unknown lane and field at once. p itself is never changed.
func (p Policy) Apply(overrides []Override) (Policy, error) {
	q := p.clone()
	var problems []string
	for i, o := range overrides {
		key, ok := stageKey(o.Lane)
		if !ok {
			problems = append(problems, fmt.Sprintf("override %d: unknown lane %q (want one of %s, %s, %s or %q)",
				i+1, o.Lane, laneList(), StageBlocked, StageClosure, StageAll))
		}
		field := func(what, name string) (FieldID, bool) {
			id, ok := ParseFieldID(name)
			if !ok {
				problems = append(problems, fmt.Sprintf("override %d (%s): unknown field %q in %s", i+1, o.Lane, name, what))
			}
			return id, ok
		}
		var add, drop []FieldID
		for _, n := range o.Require {
			if id, ok := field("require", n); ok {
				add = append(add, id)
			}
		}
		for _, n := range o.Drop {
			if id, ok := field("drop", n); ok {
				drop = append(drop, id)
			}
		}
		names := make([]string, 0, len(o.Prompts))
		for n := range o.Prompts {
			names = append(names, n)
		}
		sort.Strings(names)
		prompts := map[FieldID]string{}
		for _, n := range names {
			id, ok := field("prompts", n)
			if !ok {
				continue
			}
			if strings.TrimSpace(o.Prompts[n]) == "" {
				problems = append(problems, fmt.Sprintf("override %d (%s): empty prompt for field %q", i+1, o.Lane, n))
				continue
			}
			prompts[id] = strings.TrimSpace(o.Prompts[n])
		}
		if !ok {
			continue
		}
		q.applyOne(key, add, drop, prompts)
	}
	if len(problems) > 0 {
		return p, &PolicyError{Problems: problems}
	}
	return q, nil
}

// applyOne applies one resolved override to q (a private copy).
func (q *Policy) applyOne(key string, add, drop []FieldID, prompts map[FieldID]string) {
	edit := func(list []FieldID) []FieldID {
		for _, id := range add {
			if !containsField(list, id) {
				list = append(list, id)
			}
		}
		out := list[:0]
		for _, id := range list {
			if !containsField(drop, id) {
				out = append(out, id)
			}
		}
		return out
	}
	switch key {
	case StageBlocked:
		q.Blocked = edit(q.Blocked)
	case StageClosure:
		q.Closure = edit(q.Closure)
	case StageAll:
		for _, l := range Lanes() {
			q.Require[l] = edit(q.Require[l])
		}
		for id, s := range prompts {
			q.Prompts[id] = s
		}
		return
	default:
		q.Require[Lane(key)] = edit(q.Require[Lane(key)])
	}
	if len(prompts) > 0 {
		m := q.StagePrompts[key]
		if m == nil {
			m = map[FieldID]string{}
			q.StagePrompts[key] = m
		}
		for id, s := range prompts {
			m[id] = s
		}
	}
}

// Validate reports every problem in p at once: unknown lanes, stages,
// fields and situations, empty prompts, a heads-up outside 0..90 days.
func (p Policy) Validate() error {
	var problems []string
	known := map[Lane]bool{}
	for _, l := range Lanes() {
		known[l] = true
	}
	lanes := make([]string, 0, len(p.Require))
	for l := range p.Require {
		lanes = append(lanes, string(l))
	}
	sort.Strings(lanes)
	checkList := func(where string, fs []FieldID) {
		for _, id := range fs {
			if !KnownField(id) {
				problems = append(problems, fmt.Sprintf("%s: unknown field %q", where, id))
			}
		}
	}
	for _, l := range lanes {
		if !known[Lane(l)] {
			problems = append(problems, fmt.Sprintf("require: unknown lane %q (want one of %s)", l, laneList()))
		}
		checkList("require "+l, p.Require[Lane(l)])
	}
	checkList(StageBlocked, p.Blocked)
	checkList(StageClosure, p.Closure)
	for _, s := range sortedKeys(p.Asks) {
		if !knownSituation(Situation(s)) {
			problems = append(problems, fmt.Sprintf("asks: unknown situation %q", s))
		}
	}
	checkPrompts := func(where string, m map[FieldID]string) {
		for _, id := range sortedKeys(m) {
			if !KnownField(FieldID(id)) {
				problems = append(problems, fmt.Sprintf("%s: unknown field %q", where, id))
			} else if strings.TrimSpace(m[FieldID(id)]) == "" {
				problems = append(problems, fmt.Sprintf("%s: empty prompt for field %q", where, id))
			}
		}
	}
	checkPrompts("prompts", p.Prompts)
	for _, s := range sortedKeys(p.StagePrompts) {
		if s != StageBlocked && s != StageClosure && !known[Lane(s)] {
			problems = append(problems, fmt.Sprintf("prompts: unknown lane %q", s))
		}
		checkPrompts("prompts "+s, p.StagePrompts[s])
	}
	if p.HeadsUpDays < 0 || p.HeadsUpDays > 90 {
		problems = append(problems, fmt.Sprintf("heads-up days %d: want 0 to 90", p.HeadsUpDays))
	}
	problems = append(problems, p.Intel.validate()...)
	if len(problems) > 0 {
		return &PolicyError{Problems: problems}
	}
	return nil
}

// prompt is how a field is asked for in a stage.
func (p Policy) prompt(stage string, id FieldID) string {
	if s := p.StagePrompts[stage][id]; s != "" {
		return s
	}
	if s := p.Prompts[id]; s != "" {
		return s
	}
	return FieldLabel(id)
}

// knownSituation reports one of the seed's situations.
func knownSituation(s Situation) bool {
	switch s {
	case SituationUrgentPatch, SituationPlannedWindow, SituationAffectedVersion, SituationBlockedChange,
		SituationNoSafePatch, SituationMonitor, SituationExceptionReview, SituationClosureEvidence:
		return true
	}
	return false
}

// laneList names the lanes for error messages.
func laneList() string {
	s := make([]string, len(Lanes()))
	for i, l := range Lanes() {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

// containsField reports whether id is in list.
func containsField(list []FieldID, id FieldID) bool {
	for _, f := range list {
		if f == id {
			return true
		}
	}
	return false
}

// sortedKeys lists a map's keys as sorted strings.
func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}
