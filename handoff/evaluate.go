package handoff

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Evaluate checks a handoff against the policy at an instant in a
// location. An open ticket is checked against its lane's requirements
// (needs review when the lane is unknown, with a finding of its own) and,
// when blocked, the blocked-state requirements; a resolved ticket against
// the closure requirements only. Dates that do not parse, a deadline
// before the ticket was opened and an expired exception on an open
// exception are findings too, and so is an owner the engine looked up and
// could not reach (Handoff.OwnerReach), so that the fingerprint covers it.
// What the public feeds said (Handoff.Intel) adds the findings of
// kev_findings.go on an open ticket, as Policy.Intel switches them.
// The verdict follows seed 003: missing fields on an open ticket give a
// validation request, never a patch-now order; a handoff with only an
// unreachable owner is a validation request too.
func Evaluate(h Handoff, p Policy, now time.Time, loc *time.Location) Evaluation {
	if loc == nil {
		loc = time.UTC
	}
	ev := Evaluation{Handoff: h, Lane: h.Lane}
	hp := &ev.Handoff
	c := checker{p: p}
	done := h.Ticket.Done()
	closureMissing := false
	if done {
		for _, id := range p.Closure {
			c.require(hp, StageClosure, id)
		}
		closureMissing = len(c.out) > 0
	} else {
		if ev.Lane == LaneUnknown {
			ev.Lane = LaneNeedsReview
			c.add(c.noLane(hp))
		}
		for _, id := range p.Require[ev.Lane] {
			c.require(hp, string(ev.Lane), id)
		}
		if h.Blocked {
			for _, id := range p.Blocked {
				c.require(hp, StageBlocked, id)
			}
		}
		c.invalidDates(hp, string(ev.Lane))
		c.dateRules(hp, ev.Lane, instantDay(now, loc), loc)
		c.intelRules(hp, ev.Lane, loc)
	}
	if r := h.OwnerReach; r.Checked && !r.Reachable && named(h.Scope.Owner) {
		c.add(unreachable(h.Scope.Owner))
	}
	ev.Findings = c.out
	ev.Situation = situation(&ev, done)
	ev.Ask = FillAsk(p.Asks[ev.Situation], &ev.Handoff)
	switch {
	case len(ev.Findings) == 0:
		ev.Verdict = VerdictReady
	case closureMissing:
		ev.Verdict = VerdictClosureProof
	default:
		ev.Verdict = VerdictValidationRequest
	}
	ev.Fingerprint = FingerprintOf(ev.Findings)
	return ev
}

// checker collects findings, one per field. It holds no pointer to the
// handoff (each method takes it) so the evaluation stays on the stack.
type checker struct {
	p   Policy
	out []Finding
}

// add records f unless its field already has a finding.
func (c *checker) add(f Finding) {
	for _, g := range c.out {
		if g.Field == f.Field {
			return
		}
	}
	if c.out == nil {
		c.out = make([]Finding, 0, 4)
	}
	c.out = append(c.out, f)
}

// finding builds a finding for a field in a stage.
func (c *checker) finding(kind FindingKind, stage string, id FieldID, detail string) Finding {
	spec, _ := Field(id)
	return Finding{Kind: kind, Field: id, Group: spec.Group, Label: c.p.prompt(stage, id), Why: spec.Why, Detail: detail}
}

// noLane is the finding for a ticket without a recognisable lane.
func (c *checker) noLane(h *Handoff) Finding {
	detail := "no action lane given; checked as needs review"
	if t := h.LaneText; t.Unfilled {
		detail = fmt.Sprintf("the action lane was left as %q; checked as needs review", clip(t.Text, 80))
	} else if t.Present() {
		detail = fmt.Sprintf("%q is not an action lane; checked as needs review", clip(t.Text, 80))
	}
	return c.finding(FindingNoLane, "", FieldLane, detail)
}

// unreachable is the finding for an owner the engine could not find in
// Slack: reminders and escalations about the ticket cannot reach them.
// Its label is the field's default (not a policy prompt: nothing is asked
// of the ticket's owner field itself).
func unreachable(owner Person) Finding {
	return Finding{Kind: FindingOwnerUnreachable, Field: FieldOwner, Group: GroupScope,
		Label:  FieldLabel(FieldOwner),
		Why:    "reminders cannot reach an owner patchbot cannot find in Slack",
		Detail: fmt.Sprintf("%s was not found in Slack; add them to slack.owner_map", personName(owner)),
	}
}

// named reports whether the ticket names an owner, as a user or as text.
func named(p Person) bool { return p.Present() || !p.User.IsZero() }

// personName is how a finding names a person.
func personName(p Person) string {
	switch {
	case p.User.DisplayName != "":
		return p.User.DisplayName
	case p.Text != "":
		return p.Text
	case p.User.Email != "":
		return p.User.Email
	case p.User.Name != "":
		return p.User.Name
	default:
		return p.User.AccountID
	}
}

// require checks one required field (or any of its alternatives).
func (c *checker) require(h *Handoff, stage string, id FieldID) {
	if h.Satisfied(id) {
		return
	}
	unfilled := ""
	alts := alternatives(id)
	if alts == nil {
		alts = []FieldID{id}
	}
	for _, a := range alts {
		if d := h.DatePtr(a); d != nil && d.Present() && d.Err != "" {
			c.add(c.finding(FindingInvalid, stage, id, d.Err))
			return
		}
		if v := h.ValuePtr(a); v != nil && v.Unfilled && unfilled == "" {
			unfilled = v.Text
		}
	}
	if unfilled != "" {
		c.add(c.finding(FindingUnfilled, stage, id, fmt.Sprintf("left unfilled: %q", clip(unfilled, 80))))
		return
	}
	c.add(c.finding(FindingMissing, stage, id, ""))
}

// invalidDates reports date fields that hold text that is not a date,
// required or not: the bot would act on them.
func (c *checker) invalidDates(h *Handoff, stage string) {
	for _, id := range [...]FieldID{FieldDeadline, FieldReviewDate, FieldExceptionExpiry, FieldValidatedAt} {
		if d := h.DatePtr(id); d.Present() && d.Err != "" {
			c.add(c.finding(FindingInvalid, stage, id, d.Err))
		}
	}
}

// dateRules reports a deadline before the ticket was opened and an
// exception whose expiry has passed while it is still open.
func (c *checker) dateRules(h *Handoff, lane Lane, today civilDay, loc *time.Location) {
	if d := h.Change.Deadline; d.Valid() && !h.Ticket.Created.IsZero() {
		due, opened := dayOf(d.At, d.DateOnly, loc), instantDay(h.Ticket.Created, loc)
		if due.sub(opened) < 0 {
			c.add(c.finding(FindingInvalid, string(lane), FieldDeadline,
				fmt.Sprintf("the deadline %s is before the ticket was opened on %s", due, opened)))
		}
	}
	if d := h.Fallback.ExceptionExpiry; lane == LaneException && d.Valid() {
		if exp := dayOf(d.At, d.DateOnly, loc); today.sub(exp) > 0 {
			c.add(c.finding(FindingInvalid, string(lane), FieldExceptionExpiry,
				fmt.Sprintf("the exception expired on %s and the ticket is still open", exp)))
		}
	}
}

// situation picks the seed's example handoff that applies. A patch-now or
// planned item whose scope is in question is an affected-version
// validation: "Do not schedule patching until product and version
// evidence are clear."
func situation(ev *Evaluation, done bool) Situation {
	switch {
	case done:
		return SituationClosureEvidence
	case ev.Handoff.Blocked:
		return SituationBlockedChange
	}
	switch ev.Lane {
	case LanePatchNow, LanePlannedWindow:
		for _, f := range ev.Findings {
			switch f.Field {
			case FieldAssetGroup, FieldProduct, FieldAffectedVersions:
				return SituationAffectedVersion
			}
		}
		if ev.Lane == LanePatchNow {
			return SituationUrgentPatch
		}
		return SituationPlannedWindow
	case LaneMitigateFirst:
		return SituationNoSafePatch
	case LaneMonitor:
		return SituationMonitor
	case LaneException:
		return SituationExceptionReview
	}
	return SituationAffectedVersion
}

// askSlots are the seed asks' bracketed slots and the fields that fill
// them, first present value wins.
var askSlots = [...]struct {
	slot   string
	fields [2]FieldID
}{
	{"[asset group/product]", [2]FieldID{FieldAssetGroup, FieldProduct}},
	{"[asset/product]", [2]FieldID{FieldAssetGroup, FieldProduct}},
	{"[product/version]", [2]FieldID{FieldProduct, FieldAssetGroup}},
	{"[fixed version]", [2]FieldID{FieldFixedVersion}},
	{"[deadline]", [2]FieldID{FieldDeadline, FieldWindow}},
	{urgencySlot, [2]FieldID{FieldUrgencyDriver}},
	{"[not exploited/not exposed/standard maintenance]", [2]FieldID{FieldUrgencyDriver}},
}

// urgencySlot is the urgent-patch ask's "because …" slot.
const urgencySlot = "[KEV/exploited/exposed/critical service]"

// urgencyPhrase says why a patch is urgent in the ticket's own words: the
// urgency driver, or else what the other urgency fields hold (a KEV field
// holding "yes" reads "KEV").
func urgencyPhrase(h *Handoff) string {
	u := &h.Urgency
	if u.Driver.Present() {
		return u.Driver.Text
	}
	var parts []string
	if u.KEV.Present() && !isNo(u.KEV.Text) {
		parts = append(parts, "KEV")
	}
	for _, v := range [...]Value{u.Exploitation, u.Exposure, u.Criticality} {
		if v.Present() && !isNo(v.Text) {
			parts = append(parts, v.Text)
		}
	}
	return strings.Join(parts, ", ")
}

func isNo(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "no", "false", "none", "n/a", "-":
		return true
	}
	return false
}

// FillAsk puts the ticket's own values into the seed ask's slots ("patch
// [asset group/product] to [fixed version]" becomes "patch payments-web to
// 3.0.8"). A slot with no value stays as the seed wrote it, which is
// exactly what the owner is asked to fill in. The values are ticket text;
// renderers escape them like any other.
func FillAsk(ask string, h *Handoff) string {
	if strings.IndexByte(ask, '[') < 0 {
		return ask
	}
	for _, a := range askSlots {
		if !strings.Contains(ask, a.slot) {
			continue
		}
		if a.slot == urgencySlot {
			if v := urgencyPhrase(h); v != "" {
				ask = strings.Replace(ask, a.slot, clip(v, 80), 1)
			}
			continue
		}
		for _, id := range a.fields {
			if id == "" || !h.Has(id) {
				continue
			}
			v := h.Value(id).Text
			if strings.ContainsAny(v, "\n\r") {
				v = strings.Join(strings.Fields(v), " ")
			}
			ask = strings.Replace(ask, a.slot, clip(v, 80), 1)
			break
		}
	}
	return ask
}

// FingerprintOf is stable over the set of findings: it depends only on
// each finding's kind and field, not on their order, labels, reasons or
// details, so rewording a prompt never re-posts a request while a field
// becoming missing, filled or invalid does. Empty for no findings.
func FingerprintOf(findings []Finding) string {
	if len(findings) == 0 {
		return ""
	}
	var idx [64]int
	order := idx[:0]
	if len(findings) > len(idx) {
		order = make([]int, 0, len(findings))
	}
	for i := range findings {
		order = append(order, i)
	}
	less := func(a, b int) bool {
		fa, fb := &findings[a], &findings[b]
		if fa.Kind != fb.Kind {
			return fa.Kind < fb.Kind
		}
		return fa.Field < fb.Field
	}
	// Insertion sort: a handoff has a handful of findings, and sort.Slice
	// would move the index buffer to the heap.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && less(order[j], order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	var stack [1024]byte
	buf := stack[:0]
	for n, i := range order {
		if n > 0 && !less(order[n-1], i) {
			continue // a duplicate: the fingerprint is over the set
		}
		buf = append(buf, findings[i].Kind...)
		buf = append(buf, 0)
		buf = append(buf, findings[i].Field...)
		buf = append(buf, 1)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8])
}
