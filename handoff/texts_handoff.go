package handoff

import "strings"

// The handoff as it stands, laid out as the seed's "Patch owner handoff"
// copy template: Action requested, Scope, Why this matters, Fix or
// workaround, Deadline or window, Change notes, If blocked, Closure
// evidence needed, Caveats.

// sectionOf is the template section a field is asked for under.
func sectionOf(id FieldID) string {
	switch id {
	case FieldLane:
		return "action"
	case FieldAdvisory, FieldVendor, FieldProduct, FieldComponent, FieldAffectedVersions,
		FieldAssetGroup, FieldOwner, FieldBusinessService, FieldExcludedSystems:
		return "scope"
	case FieldUrgencyDriver, FieldKEV, FieldExploitation, FieldEPSS, FieldExposure,
		FieldCriticality, FieldSourceConfidence:
		return "why"
	case FieldFixedVersion, FieldPatchLink, FieldWorkaround, FieldConfigChange, FieldSupersedence:
		return "fix"
	case FieldDeadline, FieldWindow, FieldReviewDate, FieldReviewTrigger:
		return "deadline"
	case FieldTestPlan, FieldRollback, FieldReboot, FieldDependencies, FieldKnownIssues,
		FieldApproval, FieldCommunication, FieldChangeTicket:
		return "change"
	case FieldTemporaryControl, FieldSOCMonitoring, FieldExceptionOwner, FieldExceptionApproval,
		FieldExceptionExpiry, FieldCompensatingControls, FieldResidualRisk, FieldVendorAsk,
		FieldBlocker, FieldBlockerRisk, FieldUnblock:
		return "blocked"
	}
	return "closure"
}

// part is one labelled value in a section.
type part struct {
	id   FieldID
	text string
}

// val is a field's value when present; a placeholder left in counts as
// absent.
func val(id FieldID, v Value) part {
	if !v.Present() {
		return part{id, ""}
	}
	return part{id, v.Text}
}

// handoffFields lays the handoff out section by section. An empty section
// reads "missing" when a finding falls in it and "—" otherwise, so the
// reader sees what the policy asks for without false alarms.
func (c *textCtx) handoffFields(ev Evaluation) Block {
	h := ev.Handoff
	flagged := map[string]bool{}
	for _, f := range ev.Findings {
		flagged[sectionOf(f.Field)] = true
	}
	date := func(id FieldID, d Date) part { return part{id, c.dateText(d)} }
	person := func(id FieldID, p Person) part {
		if !hasOwner(p) {
			return part{id, ""}
		}
		return part{id, c.ownerName(p)}
	}
	s, u, f, ch, fb, cl := h.Scope, h.Urgency, h.Fix, h.Change, h.Fallback, h.Closure
	parts := map[string][]part{
		"scope": {val(FieldAdvisory, s.Advisory), val(FieldVendor, s.Vendor), val(FieldProduct, s.Product),
			val(FieldComponent, s.Component), val(FieldAffectedVersions, s.AffectedVersions),
			val(FieldAssetGroup, s.AssetGroup), val(FieldBusinessService, s.BusinessService), person(FieldOwner, s.Owner)},
		"why": {val(FieldUrgencyDriver, u.Driver), val(FieldKEV, u.KEV), val(FieldExploitation, u.Exploitation),
			val(FieldEPSS, u.EPSS), val(FieldExposure, u.Exposure), val(FieldCriticality, u.Criticality)},
		"fix": {val(FieldFixedVersion, f.FixedVersion), val(FieldPatchLink, f.PatchLink), val(FieldWorkaround, f.Workaround),
			val(FieldConfigChange, f.ConfigChange), val(FieldSupersedence, f.Supersedence)},
		"deadline": {date(FieldDeadline, ch.Deadline), val(FieldWindow, ch.Window),
			date(FieldReviewDate, fb.ReviewDate), val(FieldReviewTrigger, fb.ReviewTrigger)},
		"change": {val(FieldTestPlan, ch.TestPlan), val(FieldRollback, ch.Rollback), val(FieldReboot, f.Reboot),
			val(FieldDependencies, ch.Dependencies), val(FieldKnownIssues, f.KnownIssues), val(FieldApproval, ch.Approval),
			val(FieldChangeTicket, ch.ChangeTicket), val(FieldCommunication, ch.Communication)},
		"blocked": {val(FieldBlocker, fb.Blocker), val(FieldBlockerRisk, fb.BlockerRisk),
			val(FieldTemporaryControl, fb.TemporaryControl), val(FieldSOCMonitoring, fb.SOCMonitoring),
			person(FieldExceptionOwner, fb.ExceptionOwner), val(FieldExceptionApproval, fb.ExceptionApproval),
			date(FieldExceptionExpiry, fb.ExceptionExpiry), val(FieldCompensatingControls, fb.CompensatingControls),
			val(FieldResidualRisk, fb.ResidualRisk), val(FieldVendorAsk, fb.VendorAsk), val(FieldUnblock, fb.Unblock)},
		"closure": {val(FieldClosureExpected, cl.Expected)},
	}
	b := Block{Kind: BlockFields}
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
		var value []Inline
		switch {
		case text != "":
			value = []Inline{tx(text)}
		case flagged[sec]:
			value = []Inline{emph(c.word("vr.missing_value"))}
		default:
			value = []Inline{tx("—")}
		}
		b.Fields = append(b.Fields, Pair{Label: c.word("section." + sec), Value: value})
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
func (c *textCtx) action(ev Evaluation) string {
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
func (c *textCtx) caveats(h Handoff) string {
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
func shortLabel(id FieldID) string {
	l := FieldLabel(id)
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
