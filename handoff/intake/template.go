package intake

import (
	"strings"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff"
)

// maxDescription bounds how much of a description is parsed. The seeds'
// templates fit in a few kilobytes; Jira Data Center caps descriptions at
// 32,767 characters.
const maxDescription = 64 << 10

// section is what a template label introduces.
type section uint8

// The sections of the seeds' two copy templates, and a plain field label.
const (
	secField          section = iota // "Rollback plan: …": one field
	secScope                         // "Scope:"
	secUrgency                       // "Urgency driver:", "Why this matters:"
	secLane                          // "Action lane:", "Action requested:"
	secFix                           // "Fix path:", "Fix or workaround:"
	secChange                        // "Change plan:", "Change notes:"
	secBlocked                       // "If blocked:"
	secOwnerDue                      // "Current owner and due date:"
	secDeadlineWindow                // "Deadline or window:"
)

// label is what a recognised label means.
type label struct {
	sec   section
	field handoff.FieldID // for secField
	// template labels are the templates' own section names; they are
	// recognised anywhere a capitalised word may start, because the seeds
	// print the whole template on one line. Field labels must start a line
	// or follow a sentence break.
	template bool
}

// templateLabels are the two templates' section labels (lower case).
var templateLabels = map[string]label{
	"scope":                      {sec: secScope, template: true},
	"urgency driver":             {sec: secUrgency, template: true},
	"urgency":                    {sec: secUrgency, template: true},
	"why this matters":           {sec: secUrgency, template: true},
	"action lane":                {sec: secLane, template: true},
	"action requested":           {sec: secLane, template: true},
	"lane":                       {sec: secLane, template: true},
	"fix path":                   {sec: secFix, template: true},
	"fix or workaround":          {sec: secFix, template: true},
	"change plan":                {sec: secChange, template: true},
	"change notes":               {sec: secChange, template: true},
	"change safety":              {sec: secChange, template: true},
	"if blocked":                 {sec: secBlocked, template: true},
	"fallback":                   {sec: secBlocked, template: true},
	"current owner and due date": {sec: secOwnerDue, template: true},
	"owner and due date":         {sec: secOwnerDue, template: true},
	"deadline or window":         {sec: secDeadlineWindow, template: true},
	"closure proof needed":       {field: handoff.FieldClosureExpected, template: true},
	"closure evidence needed":    {field: handoff.FieldClosureExpected, template: true},
	"closure proof":              {field: handoff.FieldClosureExpected, template: true},
	"closure evidence":           {field: handoff.FieldClosureExpected, template: true},
	"caveats":                    {field: handoff.FieldSourceConfidence, template: true},
}

// fieldAliases are other ways people label single fields (lower case).
// Every field's default label, up to any parenthesis, is accepted too.
var fieldAliases = map[string]handoff.FieldID{
	"cve": handoff.FieldAdvisory, "advisory": handoff.FieldAdvisory, "cve id": handoff.FieldAdvisory, "advisory id": handoff.FieldAdvisory,
	"cve/advisory": handoff.FieldAdvisory, "cve or advisory": handoff.FieldAdvisory, "vulnerability": handoff.FieldAdvisory,
	"product": handoff.FieldProduct, "products": handoff.FieldProduct,
	"versions": handoff.FieldAffectedVersions, "affected version": handoff.FieldAffectedVersions, "version range": handoff.FieldAffectedVersions,
	"affected build": handoff.FieldAffectedVersions, "affected builds": handoff.FieldAffectedVersions,
	"assets": handoff.FieldAssetGroup, "asset": handoff.FieldAssetGroup, "affected assets": handoff.FieldAssetGroup, "asset groups": handoff.FieldAssetGroup,
	"patch owner": handoff.FieldOwner, "owner team": handoff.FieldOwner, "assigned team": handoff.FieldOwner, "team": handoff.FieldOwner,
	"service": handoff.FieldBusinessService, "excluded": handoff.FieldExcludedSystems, "out of scope": handoff.FieldExcludedSystems,
	"kev": handoff.FieldKEV, "cisa kev": handoff.FieldKEV, "exploited": handoff.FieldExploitation, "exploitation status": handoff.FieldExploitation,
	"criticality": handoff.FieldCriticality, "confidence": handoff.FieldSourceConfidence,
	"fix version": handoff.FieldFixedVersion, "fixed in": handoff.FieldFixedVersion, "target version": handoff.FieldFixedVersion,
	"patch": handoff.FieldPatchLink, "patch url": handoff.FieldPatchLink, "advisory link": handoff.FieldPatchLink,
	"config change": handoff.FieldConfigChange, "configuration": handoff.FieldConfigChange,
	"reboot": handoff.FieldReboot, "reboot required": handoff.FieldReboot, "supersedence": handoff.FieldSupersedence, "superseded by": handoff.FieldSupersedence,
	"known issues": handoff.FieldKnownIssues, "known issue": handoff.FieldKnownIssues,
	"due date": handoff.FieldDeadline, "due": handoff.FieldDeadline, "due by": handoff.FieldDeadline, "patch by": handoff.FieldDeadline, "sla": handoff.FieldDeadline,
	"window": handoff.FieldWindow, "maintenance window": handoff.FieldWindow, "patch window": handoff.FieldWindow, "change window": handoff.FieldWindow,
	"test plan": handoff.FieldTestPlan, "testing": handoff.FieldTestPlan, "test scope": handoff.FieldTestPlan, "tests": handoff.FieldTestPlan,
	"rollback": handoff.FieldRollback, "rollback path": handoff.FieldRollback, "roll back": handoff.FieldRollback, "back out plan": handoff.FieldRollback,
	"dependencies": handoff.FieldDependencies, "approval": handoff.FieldApproval, "approved by": handoff.FieldApproval,
	"communication": handoff.FieldCommunication, "comms": handoff.FieldCommunication, "communications": handoff.FieldCommunication,
	"change request": handoff.FieldChangeTicket, "change": handoff.FieldChangeTicket, "chg": handoff.FieldChangeTicket,
	"temporary controls": handoff.FieldTemporaryControl, "mitigation": handoff.FieldTemporaryControl, "interim control": handoff.FieldTemporaryControl,
	"monitoring": handoff.FieldSOCMonitoring, "detection": handoff.FieldSOCMonitoring, "detection request": handoff.FieldSOCMonitoring,
	"exception expiry": handoff.FieldExceptionExpiry, "expiry": handoff.FieldExceptionExpiry, "expires": handoff.FieldExceptionExpiry,
	"exception expires": handoff.FieldExceptionExpiry, "exception expiration": handoff.FieldExceptionExpiry,
	"compensating control": handoff.FieldCompensatingControls, "vendor escalation": handoff.FieldVendorAsk,
	"review date": handoff.FieldReviewDate, "next review": handoff.FieldReviewDate, "review by": handoff.FieldReviewDate,
	"review": handoff.FieldReviewDate, "review trigger": handoff.FieldReviewTrigger, "review triggers": handoff.FieldReviewTrigger,
	"blocked by": handoff.FieldBlocker, "blocker risk": handoff.FieldBlockerRisk, "unblock": handoff.FieldUnblock, "to unblock": handoff.FieldUnblock,
	"unblocked by": handoff.FieldUnblock, "what unblocks it": handoff.FieldUnblock, "needed to unblock": handoff.FieldUnblock,
	"closure evidence expected": handoff.FieldClosureExpected, "expected evidence": handoff.FieldClosureExpected,
	"deployed version": handoff.FieldPatchedVersion, "installed version": handoff.FieldPatchedVersion,
	"deployment": handoff.FieldDeploymentRecord, "deployed": handoff.FieldDeploymentRecord,
	"patched assets": handoff.FieldAssetList, "scan": handoff.FieldScanEvidence, "scan evidence": handoff.FieldScanEvidence,
	"inventory": handoff.FieldScanEvidence, "scan or inventory": handoff.FieldScanEvidence, "inventory evidence": handoff.FieldScanEvidence,
	"validated at": handoff.FieldValidatedAt, "validated": handoff.FieldValidatedAt, "validation time": handoff.FieldValidatedAt,
	"attestation": handoff.FieldOwnerValidation, "owner attestation": handoff.FieldOwnerValidation,
	"exceptions": handoff.FieldClosureExceptions, "remaining exposure": handoff.FieldRemainingExposure,
	"remaining exposed systems": handoff.FieldRemainingExposure, "deferred systems": handoff.FieldRemainingExposure,
}

// labelIndex merges the template labels, the aliases and every field's
// default label (up to any parenthesis) into one lookup. It is built once
// and only read.
var labelIndex = func() map[string]label {
	specs := handoff.Fields()
	m := make(map[string]label, len(templateLabels)+len(fieldAliases)+len(specs))
	for i := range specs {
		l := specs[i].Label
		if p := strings.IndexByte(l, '('); p > 0 {
			l = l[:p-1]
		}
		m[strings.ToLower(l)] = label{sec: secField, field: specs[i].ID}
	}
	for k, id := range fieldAliases {
		m[k] = label{sec: secField, field: id}
	}
	for k, l := range templateLabels {
		m[k] = l
	}
	return m
}()

// lookupLabel resolves a lower-case label phrase.
func lookupLabel(phrase string) (label, bool) {
	l, ok := labelIndex[phrase]
	return l, ok
}

// mark is one label found in the text.
type mark struct {
	start, value int // where the label starts, where its value starts
	label
}

// scanLabels finds every label in text, in order, appending to marks.
func scanLabels(text string, marks []mark) []mark {
	for ls := 0; ls < len(text); {
		le := strings.IndexByte(text[ls:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += ls
		}
		marks = scanLine(text, ls, le, marks)
		ls = le + 1
	}
	return marks
}

// scanLine finds the labels on one line [ls, le) of text.
func scanLine(text string, ls, le int, marks []mark) []mark {
	line := text[ls:le]
	// A wiki table row whose first cell is a label: |Scope|web fleet|.
	if t := strings.TrimSpace(line); strings.HasPrefix(t, "|") {
		cells := strings.FieldsFunc(t, func(r rune) bool { return r == '|' })
		if len(cells) >= 2 {
			if l, ok := lookupLabel(normalizeLabel(cells[0])); ok {
				first := strings.Index(line, cells[0]) + len(cells[0])
				return append(marks, mark{start: ls, value: ls + first, label: l})
			}
		}
	}
	colon := strings.IndexByte(line, ':')
	if colon < 0 {
		// A heading naming a section: "h3. Rollback plan", "## Scope",
		// "*Scope*". Without a wiki heading prefix only the templates' own
		// section names count, and never as a list item.
		if len(line) < 60 {
			t := strings.TrimSpace(line)
			heading := len(t) > 3 && t[0] == 'h' && t[1] >= '1' && t[1] <= '6' && t[2] == '.'
			item := strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "+ ") || strings.HasPrefix(t, "•")
			if l, ok := lookupLabel(normalizeLabel(line)); ok && (heading || l.template && !item) {
				return append(marks, mark{start: ls, value: le, label: l})
			}
		}
		return marks
	}
	for colon >= 0 {
		c := ls + colon
		if m, ok := labelBefore(text, ls, c); ok {
			marks = append(marks, m)
		}
		next := strings.IndexByte(text[c+1:le], ':')
		if next < 0 {
			break
		}
		colon = c + 1 + next - ls
	}
	return marks
}

// isMarkup reports characters that wrap labels in wiki and markdown.
func isMarkup(b byte) bool {
	switch b {
	case '*', '_', '{', '}', '+', ' ', '\t', '\r':
		return true
	}
	return false
}

// isWordByte reports bytes that may be part of a label word.
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '/'
}

// labelBefore looks for a label ending at the colon at c, on the line
// starting at ls, trying the longest phrase of up to six words first.
func labelBefore(text string, ls, c int) (mark, bool) {
	e := c
	for e > ls && isMarkup(text[e-1]) {
		e--
	}
	// Word starts, nearest first.
	var starts [6]int
	n := 0
	i := e
	for n < len(starts) && i > ls {
		j := i
		for j > ls && isWordByte(text[j-1]) {
			j--
		}
		if j == i || i-j > 30 {
			break
		}
		starts[n] = j
		n++
		if j == ls || (text[j-1] != ' ' && text[j-1] != '\t') || e-j > 60 {
			break
		}
		i = j - 1
		for i > ls && text[i-1] == ' ' {
			i--
		}
	}
	var buf [64]byte
	for k := n - 1; k >= 0; k-- {
		s := starts[k]
		p := lowerWords(buf[:0], text[s:e])
		l, ok := lookupLabel(string(p))
		if !ok {
			continue
		}
		if !labelAllowed(text, ls, s, l) {
			continue
		}
		v := c + 1
		for v < len(text) && (text[v] == '*' || text[v] == '_' || text[v] == ' ' || text[v] == '\t') {
			v++
		}
		if strings.HasPrefix(text[v:], "{*}") {
			v += 3
		}
		return mark{start: s, value: v, label: l}, true
	}
	return mark{}, false
}

// labelAllowed applies the position rules: any label may start a line; a
// label after a sentence break must be capitalised unless it is a template
// label; mid-sentence only a capitalised template label counts, so "test
// scope:" inside change notes does not start a Scope section.
func labelAllowed(text string, ls, s int, l label) bool {
	j := s
	for j > ls && (isMarkup(text[j-1]) || text[j-1] == '#' || text[j-1] == '-' || text[j-1] == '|' || text[j-1] == '>') {
		j--
	}
	upper := text[s] >= 'A' && text[s] <= 'Z'
	if j == ls {
		return true
	}
	switch text[j-1] {
	case '.', ';', ']', ')', '!', '?', ',':
		return l.template || upper
	}
	return l.template && upper
}

// lowerWords appends s lower-cased with runs of spaces collapsed.
func lowerWords(dst []byte, s string) []byte {
	space := false
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == ' ' || b == '\t' {
			space = true
			continue
		}
		if space && len(dst) > 0 {
			dst = append(dst, ' ')
		}
		space = false
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}

// normalizeLabel turns a heading or table cell into a label phrase:
// markup, heading prefixes and a trailing colon removed, lower case.
func normalizeLabel(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range [...]string{"h1.", "h2.", "h3.", "h4.", "h5.", "h6."} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.Trim(s, "*_#:{} \t\r")
	if len(s) > 40 {
		return ""
	}
	return string(lowerWords(nil, s))
}

// parseDescription reads the seeds' templates and "Label: value" lines
// from a description into h. Template sections are read first; single
// field labels then override what a composite section implied. The text
// is read as handoff.Visible shows it, so a label, lane or date with an
// invisible character pasted into it (a no-break space from Word, a
// direction mark from mail) reads as typed.
func parseDescription(desc string, h *handoff.Handoff) {
	if len(desc) > maxDescription {
		desc = desc[:maxDescription]
		for len(desc) > 0 && !utf8.RuneStart(desc[len(desc)-1]) {
			desc = desc[:len(desc)-1]
		}
	}
	desc = handoff.Visible(desc)
	var buf [32]mark
	marks := scanLabels(desc, buf[:0])
	titleAdvisory(desc, marks, h)
	for pass := 0; pass < 2; pass++ {
		for i, m := range marks {
			if (m.sec == secField) != (pass == 1) {
				continue
			}
			end := len(desc)
			if i+1 < len(marks) {
				end = marks[i+1].start
			}
			if m.value > end {
				continue
			}
			applySection(h, m.label, cleanValue(desc[m.value:end]), pass == 1)
		}
	}
	if !h.Scope.Advisory.Present() && !h.Scope.Advisory.Unfilled {
		if id := findAdvisoryID(desc); id != "" {
			assign(h, handoff.FieldAdvisory, id, handoff.SourceDescription, false)
		}
	}
}

// titleAdvisory reads the advisory from a template title: "Patch plan -
// CVE-2026-1234" or "Patch owner handoff - [CVE/advisory]".
func titleAdvisory(desc string, marks []mark, h *handoff.Handoff) {
	for _, title := range [...]string{"patch owner handoff", "patch plan"} {
		for from := 0; from < len(desc); {
			i := indexFold(desc[from:], title)
			if i < 0 {
				break
			}
			i += from
			from = i + len(title)
			if titleAt(desc, i, title, marks, h) {
				return
			}
		}
	}
}

// titleAt reads the advisory after a template title at i, when a dash or
// colon follows it ("{panel:title=Patch plan}" is not a title line).
func titleAt(desc string, i int, title string, marks []mark, h *handoff.Handoff) bool {
	rest := strings.TrimLeft(desc[i+len(title):], " \t*_")
	for _, dash := range [...]string{"-", "–", "—", ":"} {
		if strings.HasPrefix(rest, dash) {
			start := len(desc) - len(rest) + len(dash)
			end := len(desc)
			if nl := strings.IndexByte(desc[start:], '\n'); nl >= 0 {
				end = start + nl
			}
			for _, m := range marks {
				if m.start >= start && m.start < end {
					end = m.start
					break
				}
			}
			assign(h, handoff.FieldAdvisory, cleanValue(desc[start:end]), handoff.SourceDescription, false)
			return true
		}
	}
	return false
}

// indexFold is strings.Index ignoring ASCII case; needle is lower case.
func indexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if (s[i]|0x20) == needle[0] && strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}
