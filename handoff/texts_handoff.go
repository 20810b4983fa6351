package handoff

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// The handoff as it stands, laid out as the seed's "Patch owner handoff"
// copy template: Action requested, Scope, Why this matters, Fix or
// workaround, Deadline or window, Change notes, If blocked, Closure
// evidence needed, Caveats.

// The sections of the template, in its order.
const (
	hsAction = iota
	hsScope
	hsWhy
	hsFix
	hsDeadline
	hsChange
	hsBlocked
	hsClosure
	hsCaveats
	numHandoffSections
)

var sectionNames = [numHandoffSections]string{"action", "scope", "why", "fix", "deadline", "change", "blocked", "closure", "caveats"}

// sectionKeys are the sections' wording keys, "section.scope" and so on.
var sectionKeys = func() (k [numHandoffSections]string) {
	for i, n := range sectionNames {
		k[i] = "section." + n
	}
	return k
}()

// sectionOf is the template section a field is asked for under.
func sectionOf(id FieldID) string { return sectionNames[sectionIndex(id)] }

// sectionIndex is sectionOf as the section's place in the template.
func sectionIndex(id FieldID) int {
	switch id {
	case FieldLane:
		return hsAction
	case FieldAdvisory, FieldVendor, FieldProduct, FieldComponent, FieldAffectedVersions,
		FieldAssetGroup, FieldOwner, FieldBusinessService, FieldExcludedSystems:
		return hsScope
	case FieldUrgencyDriver, FieldKEV, FieldExploitation, FieldEPSS, FieldExposure,
		FieldCriticality, FieldSourceConfidence:
		return hsWhy
	case FieldFixedVersion, FieldPatchLink, FieldWorkaround, FieldConfigChange, FieldSupersedence:
		return hsFix
	case FieldDeadline, FieldWindow, FieldReviewDate, FieldReviewTrigger:
		return hsDeadline
	case FieldTestPlan, FieldRollback, FieldReboot, FieldDependencies, FieldKnownIssues,
		FieldApproval, FieldCommunication, FieldChangeTicket:
		return hsChange
	case FieldTemporaryControl, FieldSOCMonitoring, FieldExceptionOwner, FieldExceptionApproval,
		FieldExceptionExpiry, FieldCompensatingControls, FieldResidualRisk, FieldVendorAsk,
		FieldBlocker, FieldBlockerRisk, FieldUnblock:
		return hsBlocked
	}
	return hsClosure
}

// part is one labelled value in a section.
type part struct {
	id   FieldID
	text string
}

// val is a field's value when present; a placeholder left in counts as
// absent.
func val(id FieldID, v *Value) part {
	if !v.Present() {
		return part{id, ""}
	}
	return part{id, v.Text}
}

// maxParts is the most fields a section lays out (If blocked).
const maxParts = 11

// handoffFields lays the handoff out section by section. An empty section
// reads "missing" when a finding falls in it and "—" otherwise, so the
// reader sees what the policy asks for without false alarms.
func (c *textCtx) handoffFields(ev *Evaluation) Block {
	h := &ev.Handoff
	var flagged [numHandoffSections]bool
	for i := range ev.Findings {
		flagged[sectionIndex(ev.Findings[i].Field)] = true
	}
	// One array holds every section's value, each a full slice of its own.
	values := make([]Inline, numHandoffSections)
	b := Block{Kind: BlockFields, Fields: make([]Pair, numHandoffSections)}
	var ps [maxParts]part
	for sec := range numHandoffSections {
		var text string
		switch sec {
		case hsAction:
			text = c.action(ev)
		case hsCaveats:
			text = c.caveats(h)
		default:
			text = joinParts(c.sectionParts(sec, h, ps[:0]), sec == hsClosure)
		}
		switch {
		case text != "":
			values[sec] = tx(text)
		case flagged[sec]:
			values[sec] = emph(c.word("vr.missing_value"))
		default:
			values[sec] = tx("—")
		}
		b.Fields[sec] = Pair{Label: c.word(sectionKeys[sec]), Value: values[sec : sec+1 : sec+1]}
	}
	return b
}

// sectionParts appends to ps the fields a section lays out, in order.
func (c *textCtx) sectionParts(sec int, h *Handoff, ps []part) []part {
	date := func(id FieldID, d *Date) part { return part{id, c.dateText(*d)} }
	person := func(id FieldID, p *Person) part {
		if !hasOwner(*p) {
			return part{id, ""}
		}
		return part{id, c.ownerName(*p)}
	}
	s, u, f, ch, fb, cl := &h.Scope, &h.Urgency, &h.Fix, &h.Change, &h.Fallback, &h.Closure
	switch sec {
	case hsScope:
		return append(ps, val(FieldAdvisory, &s.Advisory), val(FieldVendor, &s.Vendor), val(FieldProduct, &s.Product),
			val(FieldComponent, &s.Component), val(FieldAffectedVersions, &s.AffectedVersions),
			val(FieldAssetGroup, &s.AssetGroup), val(FieldBusinessService, &s.BusinessService), person(FieldOwner, &s.Owner))
	case hsWhy:
		return append(ps, val(FieldUrgencyDriver, &u.Driver), val(FieldKEV, &u.KEV), val(FieldExploitation, &u.Exploitation),
			val(FieldEPSS, &u.EPSS), val(FieldExposure, &u.Exposure), val(FieldCriticality, &u.Criticality))
	case hsFix:
		return append(ps, val(FieldFixedVersion, &f.FixedVersion), val(FieldPatchLink, &f.PatchLink), val(FieldWorkaround, &f.Workaround),
			val(FieldConfigChange, &f.ConfigChange), val(FieldSupersedence, &f.Supersedence))
	case hsDeadline:
		return append(ps, date(FieldDeadline, &ch.Deadline), val(FieldWindow, &ch.Window),
			date(FieldReviewDate, &fb.ReviewDate), val(FieldReviewTrigger, &fb.ReviewTrigger))
	case hsChange:
		return append(ps, val(FieldTestPlan, &ch.TestPlan), val(FieldRollback, &ch.Rollback), val(FieldReboot, &f.Reboot),
			val(FieldDependencies, &ch.Dependencies), val(FieldKnownIssues, &f.KnownIssues), val(FieldApproval, &ch.Approval),
			val(FieldChangeTicket, &ch.ChangeTicket), val(FieldCommunication, &ch.Communication))
	case hsBlocked:
		return append(ps, val(FieldBlocker, &fb.Blocker), val(FieldBlockerRisk, &fb.BlockerRisk),
			val(FieldTemporaryControl, &fb.TemporaryControl), val(FieldSOCMonitoring, &fb.SOCMonitoring),
			person(FieldExceptionOwner, &fb.ExceptionOwner), val(FieldExceptionApproval, &fb.ExceptionApproval),
			date(FieldExceptionExpiry, &fb.ExceptionExpiry), val(FieldCompensatingControls, &fb.CompensatingControls),
			val(FieldResidualRisk, &fb.ResidualRisk), val(FieldVendorAsk, &fb.VendorAsk), val(FieldUnblock, &fb.Unblock))
	case hsClosure:
		return append(ps, val(FieldClosureExpected, &cl.Expected))
	}
	return ps
}

// joinParts joins the present values of a section, each after its field
// label, except in a section holding a single field. A value already said
// by an earlier field (one template line read into several fields) is not
// repeated: compared lower-cased, equal, or when long enough not to be a
// coincidence, inside a longer value.
func joinParts(ps []part, bare bool) string {
	var (
		kept  [maxParts]part // the values to say, quoted
		n     int
		stack [1024]byte
		lower = stack[:0] // the kept values lower-cased, end to end
		ends  [maxParts]int
		size  int
	)
	for _, p := range ps {
		v := quote(p.text, cutValue)
		if v == "" {
			continue
		}
		mark := len(lower)
		lower = appendLower(lower, v)
		lv := lower[mark:]
		said, from := false, 0
		for _, end := range ends[:n] {
			s := lower[from:end]
			if bytes.Equal(s, lv) || len(lv) >= 16 && bytes.Contains(s, lv) {
				said = true
				break
			}
			from = end
		}
		if said {
			lower = lower[:mark]
			continue
		}
		if n == len(kept) { // more fields than any section has: as before, slowly
			return joinPartsSlow(ps, bare)
		}
		kept[n], ends[n] = part{p.id, v}, len(lower)
		n++
		size += len(v)
		if !bare {
			size += len(shortLabel(p.id)) + len(": ")
		}
	}
	switch {
	case n == 0:
		return ""
	case n == 1 && bare:
		return kept[0].text
	}
	var b strings.Builder
	b.Grow(size + len("; ")*(n-1))
	for i, p := range kept[:n] {
		if i > 0 {
			b.WriteString("; ")
		}
		if !bare {
			b.WriteString(shortLabel(p.id))
			b.WriteString(": ")
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// joinPartsSlow is joinParts for any number of parts.
func joinPartsSlow(ps []part, bare bool) string {
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

// appendLower appends strings.ToLower(s) to dst, ASCII without the
// string strings.ToLower would make.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(dst, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// action is the "Action requested" line: the situation's action, and the
// lane when it says something more.
func (c *textCtx) action(ev *Evaluation) string {
	lane := c.laneName(ev.Lane, ev.Handoff.Blocked)
	if ev.Situation == "" {
		return lane
	}
	act := c.word(keyOf(situationKeys[0], "action.", ev.Situation))
	if act == lane {
		return act
	}
	return act + " (" + lane + ")"
}

// caveats are what the reader should not take for granted: an affected
// status nobody confirmed, excluded systems, the source's confidence.
func (c *textCtx) caveats(h *Handoff) string {
	var out [3]string
	n := 0
	if !h.Scope.AffectedVersions.Present() {
		out[n] = c.word("caveat.affected_unknown")
		n++
	}
	if v := quote(h.Scope.ExcludedSystems.Text, cutValue); h.Scope.ExcludedSystems.Present() && v != "" {
		out[n] = c.say("caveat.excluded", msgData{Labels: v})
		n++
	}
	if v := quote(h.Urgency.SourceConfidence.Text, cutValue); h.Urgency.SourceConfidence.Present() && v != "" {
		out[n] = c.say("caveat.source", msgData{Labels: v})
		n++
	}
	return strings.Join(out[:n], "; ")
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
