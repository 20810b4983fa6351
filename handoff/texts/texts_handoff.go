package texts

import (
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// The handoff as it stands, laid out as the seed's "Patch owner handoff"
// copy template: Action requested, Scope, Why this matters, Fix or
// workaround, Deadline or window, Change notes, If blocked, Closure
// evidence needed, Caveats.

// sectionOf is the template section a field is asked for under.
func sectionOf(id handoff.FieldID) string {
	switch id {
	case handoff.FieldLane:
		return "action"
	case handoff.FieldAdvisory, handoff.FieldVendor, handoff.FieldProduct, handoff.FieldComponent, handoff.FieldAffectedVersions,
		handoff.FieldAssetGroup, handoff.FieldOwner, handoff.FieldBusinessService, handoff.FieldExcludedSystems:
		return "scope"
	case handoff.FieldUrgencyDriver, handoff.FieldKEV, handoff.FieldExploitation, handoff.FieldEPSS, handoff.FieldExposure,
		handoff.FieldCriticality, handoff.FieldSourceConfidence:
		return "why"
	case handoff.FieldFixedVersion, handoff.FieldPatchLink, handoff.FieldWorkaround, handoff.FieldConfigChange, handoff.FieldSupersedence:
		return "fix"
	case handoff.FieldDeadline, handoff.FieldWindow, handoff.FieldReviewDate, handoff.FieldReviewTrigger:
		return "deadline"
	case handoff.FieldTestPlan, handoff.FieldRollback, handoff.FieldReboot, handoff.FieldDependencies, handoff.FieldKnownIssues,
		handoff.FieldApproval, handoff.FieldCommunication, handoff.FieldChangeTicket:
		return "change"
	case handoff.FieldTemporaryControl, handoff.FieldSOCMonitoring, handoff.FieldExceptionOwner, handoff.FieldExceptionApproval,
		handoff.FieldExceptionExpiry, handoff.FieldCompensatingControls, handoff.FieldResidualRisk, handoff.FieldVendorAsk,
		handoff.FieldBlocker, handoff.FieldBlockerRisk, handoff.FieldUnblock:
		return "blocked"
	}
	return "closure"
}

// part is one labelled value in a section.
type part struct {
	id   handoff.FieldID
	text string
}

// val is a field's value when present; a placeholder left in counts as
// absent.
func val(id handoff.FieldID, v handoff.Value) part {
	if !v.Present() {
		return part{id, ""}
	}
	return part{id, v.Text}
}

// handoffFields lays the handoff out section by section. An empty section
// reads "missing" when a finding falls in it and "—" otherwise, so the
// reader sees what the policy asks for without false alarms.
func (c *textCtx) handoffFields(ev handoff.Evaluation) richtext.Block {
	h := ev.Handoff
	flagged := map[string]bool{}
	for _, f := range ev.Findings {
		flagged[sectionOf(f.Field)] = true
	}
	date := func(id handoff.FieldID, d handoff.Date) part { return part{id, c.dateText(d)} }
	person := func(id handoff.FieldID, p handoff.Person) part {
		if !hasOwner(p) {
			return part{id, ""}
		}
		return part{id, c.ownerName(p)}
	}
	s, u, f, ch, fb, cl := h.Scope, h.Urgency, h.Fix, h.Change, h.Fallback, h.Closure
	parts := map[string][]part{
		"scope": {val(handoff.FieldAdvisory, s.Advisory), val(handoff.FieldVendor, s.Vendor), val(handoff.FieldProduct, s.Product),
			val(handoff.FieldComponent, s.Component), val(handoff.FieldAffectedVersions, s.AffectedVersions),
			val(handoff.FieldAssetGroup, s.AssetGroup), val(handoff.FieldBusinessService, s.BusinessService), person(handoff.FieldOwner, s.Owner)},
		"why": {val(handoff.FieldUrgencyDriver, u.Driver), val(handoff.FieldKEV, u.KEV), val(handoff.FieldExploitation, u.Exploitation),
			val(handoff.FieldEPSS, u.EPSS), val(handoff.FieldExposure, u.Exposure), val(handoff.FieldCriticality, u.Criticality)},
		"fix": {val(handoff.FieldFixedVersion, f.FixedVersion), val(handoff.FieldPatchLink, f.PatchLink), val(handoff.FieldWorkaround, f.Workaround),
			val(handoff.FieldConfigChange, f.ConfigChange), val(handoff.FieldSupersedence, f.Supersedence)},
		"deadline": {date(handoff.FieldDeadline, ch.Deadline), val(handoff.FieldWindow, ch.Window),
			date(handoff.FieldReviewDate, fb.ReviewDate), val(handoff.FieldReviewTrigger, fb.ReviewTrigger)},
		"change": {val(handoff.FieldTestPlan, ch.TestPlan), val(handoff.FieldRollback, ch.Rollback), val(handoff.FieldReboot, f.Reboot),
			val(handoff.FieldDependencies, ch.Dependencies), val(handoff.FieldKnownIssues, f.KnownIssues), val(handoff.FieldApproval, ch.Approval),
			val(handoff.FieldChangeTicket, ch.ChangeTicket), val(handoff.FieldCommunication, ch.Communication)},
		"blocked": {val(handoff.FieldBlocker, fb.Blocker), val(handoff.FieldBlockerRisk, fb.BlockerRisk),
			val(handoff.FieldTemporaryControl, fb.TemporaryControl), val(handoff.FieldSOCMonitoring, fb.SOCMonitoring),
			person(handoff.FieldExceptionOwner, fb.ExceptionOwner), val(handoff.FieldExceptionApproval, fb.ExceptionApproval),
			date(handoff.FieldExceptionExpiry, fb.ExceptionExpiry), val(handoff.FieldCompensatingControls, fb.CompensatingControls),
			val(handoff.FieldResidualRisk, fb.ResidualRisk), val(handoff.FieldVendorAsk, fb.VendorAsk), val(handoff.FieldUnblock, fb.Unblock)},
		"closure": {val(handoff.FieldClosureExpected, cl.Expected)},
	}
	b := richtext.Block{Kind: richtext.BlockFields}
	for _, sec := range []string{"action", "scope", "why", "fix", "deadline", "change", "blocked", "closure", "caveats"} {
		var text string
		switch sec {
		case "action":
			text = c.action(ev)
		case "caveats":
			text = c.caveats(h)
		default:
			text = joinParts(parts[sec], sec == "closure")
		}
		var value []richtext.Inline
		switch {
		case text != "":
			value = []richtext.Inline{richtext.Text(text)}
		case flagged[sec]:
			value = []richtext.Inline{richtext.Emphasis(c.word("vr.missing_value"))}
		default:
			value = []richtext.Inline{richtext.Text("—")}
		}
		b.Fields = append(b.Fields, richtext.Pair{Label: c.word("section." + sec), Value: value})
	}
	return b
}

// joinParts joins the present values of a section, each after its field
// label, except in a section holding a single field. A value already said
// by an earlier field (one template line read into several fields) is not
// repeated.
func joinParts(ps []part, bare bool) string {
	var out, seen []string
	for _, p := range ps {
		v := quote(p.text, cutValue)
		if v == "" || saidBefore(seen, v) {
			continue
		}
		seen = append(seen, strings.ToLower(v))
		if !bare {
			v = shortLabel(p.id) + ": " + v
		}
		out = append(out, v)
	}
	return strings.Join(out, "; ")
}

// action is the "Action requested" line: the situation's action, and the
// lane when it says something more.
func (c *textCtx) action(ev handoff.Evaluation) string {
	lane := c.laneName(ev.Lane, ev.Handoff.Blocked)
	if ev.Situation == "" {
		return lane
	}
	act := c.word("action." + string(ev.Situation))
	if act == lane {
		return act
	}
	return act + " (" + lane + ")"
}

// caveats are what the reader should not take for granted: an affected
// status nobody confirmed, excluded systems, the source's confidence.
func (c *textCtx) caveats(h handoff.Handoff) string {
	var out []string
	if !h.Scope.AffectedVersions.Present() {
		out = append(out, c.word("caveat.affected_unknown"))
	}
	if v := quote(h.Scope.ExcludedSystems.Text, cutValue); h.Scope.ExcludedSystems.Present() && v != "" {
		out = append(out, c.say("caveat.excluded", msgData{Labels: v}))
	}
	if v := quote(h.Urgency.SourceConfidence.Text, cutValue); h.Urgency.SourceConfidence.Present() && v != "" {
		out = append(out, c.say("caveat.source", msgData{Labels: v}))
	}
	return strings.Join(out, "; ")
}

// shortLabel is a field's label without its parenthesised examples:
// "Urgency driver (KEV, exploitation, …)" reads "Urgency driver".
func shortLabel(id handoff.FieldID) string {
	l := handoff.FieldLabel(id)
	if i := strings.Index(l, " ("); i > 0 {
		return l[:i]
	}
	return l
}

// saidBefore reports whether v was already shown, alone or, when long
// enough not to be a coincidence, inside a longer value.
func saidBefore(seen []string, v string) bool {
	lv := strings.ToLower(v)
	for _, s := range seen {
		if s == lv || len(lv) >= 16 && strings.Contains(s, lv) {
			return true
		}
	}
	return false
}
