package intake

import (
	"bytes"
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/words"
)

// cleanValue turns a section's raw text into one line: bullets, heading
// prefixes, table pipes and bold markers at the edges of each line are
// removed, lines are joined with "; ", and the section stops at a blank
// line once it has content (unless a list carries on after it), so a
// signature after the template is not read into the last section.
func cleanValue(raw string) string {
	var parts []string
	blank := false
	for len(raw) > 0 {
		line := raw
		if nl := strings.IndexByte(raw, '\n'); nl >= 0 {
			line, raw = raw[:nl], raw[nl+1:]
		} else {
			raw = ""
		}
		t := strings.TrimSpace(line)
		if isMacroLine(t) {
			if len(parts) > 0 {
				break // {panel}, {code}, {noformat} close what they opened
			}
			continue
		}
		bullet := len(t) > 0 && strings.IndexByte("*-#+", t[0]) >= 0 || strings.HasPrefix(t, "•")
		if strings.HasPrefix(t, "||") {
			if len(parts) > 0 {
				break // a table header ends the section
			}
			continue
		}
		t = trimLineMarkup(t)
		if t == "" {
			blank = len(parts) > 0
			continue
		}
		if blank && !bullet {
			break
		}
		blank = false
		parts = append(parts, t)
	}
	v := strings.Join(parts, "; ")
	if strings.Trim(v, ".…") == "" {
		return v
	}
	return strings.TrimRight(v, ".;, ")
}

// isMacroLine reports a line that is only a wiki macro tag: {panel},
// {panel:title=x}, {code:java}, {noformat}, {quote}.
func isMacroLine(t string) bool {
	if len(t) < 3 || t[0] != '{' || t[len(t)-1] != '}' || t == "{*}" {
		return false
	}
	name := t[1 : len(t)-1]
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	for i := 0; i < len(name); i++ {
		if !words.IsLetter(name[i]) {
			return false
		}
	}
	return name != ""
}

// trimLineMarkup strips list bullets, heading prefixes, table pipes and
// bold/italic markers from the edges of one line.
func trimLineMarkup(t string) string {
	for {
		switch {
		case t == "":
			return t
		case strings.HasPrefix(t, "{*}"), strings.HasPrefix(t, "•"):
			t = t[3:]
		case len(t) >= 3 && t[0] == 'h' && t[1] >= '1' && t[1] <= '6' && t[2] == '.':
			t = t[3:]
		case strings.IndexByte(" \t\r\n*-#+|>_", t[0]) >= 0:
			t = t[1:]
		case strings.HasSuffix(t, "{*}"):
			t = t[:len(t)-3]
		case strings.IndexByte(" \t\r\n*|_", t[len(t)-1]) >= 0:
			t = t[:len(t)-1]
		default:
			return t
		}
	}
}

// assign stores text in a field unless a real value is already there (or
// override is set). Text holding a template placeholder is stored as
// Unfilled so a finding can say it was left unfilled.
func assign(h *handoff.Handoff, id handoff.FieldID, text string, from handoff.Source, override bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	cur := h.ValuePtr(id)
	if cur == nil {
		return
	}
	v := handoff.Value{Text: text, From: from, Unfilled: isPlaceholder(text)}
	switch {
	case override && (v.Present() || !cur.Present()):
	case cur.Present():
		return
	case cur.Unfilled && v.Unfilled:
		return
	}
	h.SetValue(id, v)
}

// applySection stores one section's text in the fields it covers.
func applySection(h *handoff.Handoff, l label, text string, override bool) {
	if text == "" {
		return
	}
	if l.sec == secField {
		assign(h, l.field, text, handoff.SourceDescription, override)
		return
	}
	if isPlaceholder(text) {
		for _, id := range sectionFields(l.sec) {
			assign(h, id, text, handoff.SourceDescription, false)
		}
		return
	}
	switch l.sec {
	case secScope:
		splitScope(h, text)
	case secUrgency:
		assign(h, handoff.FieldUrgencyDriver, text, handoff.SourceDescription, false)
	case secLane:
		assign(h, handoff.FieldLane, text, handoff.SourceDescription, false)
	case secFix, secChange, secBlocked:
		splitKeywords(h, l.sec, text)
	case secOwnerDue:
		date, rest := cutDate(text)
		if date == "" {
			// "team-x by end of sprint": the owner, then a due date that
			// does not parse (and will be reported as invalid).
			rest = text
			for _, sep := range [...]string{", ", " by ", "; ", " - ", " due "} {
				if i := strings.Index(rest, sep); i > 0 {
					date, rest = strings.TrimSpace(rest[i+len(sep):]), rest[:i]
					break
				}
			}
		}
		assign(h, handoff.FieldOwner, trimJoin(rest), handoff.SourceDescription, false)
		assign(h, handoff.FieldDeadline, date, handoff.SourceDescription, false)
	case secDeadlineWindow:
		date, rest := cutDate(text)
		assign(h, handoff.FieldDeadline, date, handoff.SourceDescription, false)
		if date == "" || trimJoin(rest) != "" {
			assign(h, handoff.FieldWindow, text, handoff.SourceDescription, false)
		}
	}
}

// sectionFields lists the fields a composite section stands for, so an
// unfilled section marks each of them unfilled.
func sectionFields(s section) []handoff.FieldID {
	switch s {
	case secScope:
		return []handoff.FieldID{handoff.FieldAssetGroup, handoff.FieldProduct, handoff.FieldAffectedVersions}
	case secUrgency:
		return []handoff.FieldID{handoff.FieldUrgencyDriver}
	case secLane:
		return []handoff.FieldID{handoff.FieldLane}
	case secFix:
		return []handoff.FieldID{handoff.FieldFixedVersion}
	case secChange:
		return []handoff.FieldID{handoff.FieldWindow, handoff.FieldTestPlan, handoff.FieldRollback}
	case secBlocked:
		return []handoff.FieldID{handoff.FieldTemporaryControl, handoff.FieldSOCMonitoring, handoff.FieldVendorAsk, handoff.FieldReviewDate}
	case secOwnerDue:
		return []handoff.FieldID{handoff.FieldOwner, handoff.FieldDeadline}
	case secDeadlineWindow:
		return []handoff.FieldID{handoff.FieldDeadline, handoff.FieldWindow}
	}
	return nil
}

// trimJoin trims the separators left around a removed date.
func trimJoin(s string) string {
	for {
		before := s
		s = strings.Trim(s, " ,;/-–()")
		for _, w := range [...]string{"by", "due", "on", "until"} {
			if low := strings.ToLower(s); strings.HasSuffix(low, " "+w) || strings.HasSuffix(low, "("+w) {
				s = s[:len(s)-len(w)]
			}
		}
		if s == before {
			return s
		}
	}
}

// splitScope reads "Scope: [assets, products, versions, business service,
// owner]". Sub-labels ("Product: …; Versions: …") are honoured; otherwise the
// whole text names the asset group and product, the parts that look like
// versions are the affected versions, and "owner x" names the owner.
func splitScope(h *handoff.Handoff, text string) {
	labelled := false
	for rest := text; rest != ""; {
		var seg string
		if seg, rest = nextSegment(rest, true); seg == "" {
			continue
		}
		if id, v, ok := subLabel(seg); ok {
			assign(h, id, v, handoff.SourceDescription, false)
			labelled = true
		}
	}
	if labelled {
		return
	}
	var versions []string
	for rest := text; rest != ""; {
		var seg string
		if seg, rest = nextSegment(rest, true); seg == "" {
			continue
		}
		var buf [256]byte
		low := lowerInto(buf[:], seg)
		switch {
		case bytes.HasPrefix(low, []byte("owned by ")):
			assign(h, handoff.FieldOwner, seg[len("owned by "):], handoff.SourceDescription, false)
		case bytes.HasPrefix(low, []byte("owner ")):
			assign(h, handoff.FieldOwner, seg[len("owner "):], handoff.SourceDescription, false)
		case looksLikeVersion(seg):
			versions = append(versions, seg)
		}
	}
	assign(h, handoff.FieldAssetGroup, text, handoff.SourceDescription, false)
	assign(h, handoff.FieldProduct, text, handoff.SourceDescription, false)
	assign(h, handoff.FieldAffectedVersions, strings.Join(versions, ", "), handoff.SourceDescription, false)
}

// keyword routes a part of a composite section to a field.
type keyword struct {
	words []string
	field handoff.FieldID
}

// Keywords per composite section, checked in order; a part matching
// several goes to each. The first field of each list is the section's
// default for a part that matches nothing.
var (
	fixKeywords = []keyword{
		{[]string{"workaround", "mitigat", "disable", "block "}, handoff.FieldWorkaround},
		{[]string{"config", "setting", "registry"}, handoff.FieldConfigChange},
		{[]string{"supersed"}, handoff.FieldSupersedence},
		{[]string{"reboot", "restart"}, handoff.FieldReboot},
		{[]string{"known issue", "caveat", "regression"}, handoff.FieldKnownIssues},
		{[]string{"http://", "https://"}, handoff.FieldPatchLink},
	}
	changeKeywords = []keyword{
		{[]string{"rollback", "roll back", "roll-back", "revert", "restore", "snapshot", "back out", "backout"}, handoff.FieldRollback},
		{[]string{"test", "staging", "qa ", "canary", "pilot", "smoke"}, handoff.FieldTestPlan},
		{[]string{"window", "maintenance", "sunday", "saturday", "weekend", "overnight", "out of hours"}, handoff.FieldWindow},
		{[]string{"reboot", "restart", "downtime"}, handoff.FieldReboot},
		{[]string{"depend", "requires ", "upgrade of"}, handoff.FieldDependencies},
		{[]string{"approv", "cab"}, handoff.FieldApproval},
		{[]string{"communicat", "notify", "announce", "comms", "status page", "customers", "inform"}, handoff.FieldCommunication},
		{[]string{"chg", "change ticket", "change request", "cr-"}, handoff.FieldChangeTicket},
		{[]string{"known issue", "caveat"}, handoff.FieldKnownIssues},
	}
	blockedKeywords = []keyword{
		{[]string{"soc", "siem", "monitor", "detect", "alert", "hunt"}, handoff.FieldSOCMonitoring},
		{[]string{"exception"}, handoff.FieldExceptionOwner},
		{[]string{"vendor", "support case", "supplier"}, handoff.FieldVendorAsk},
		{[]string{"review"}, handoff.FieldReviewDate},
		{[]string{"waf", "control", "isolat", "restrict", "firewall", "acl", "disable", "segment", "mitigat", "block"}, handoff.FieldTemporaryControl},
	}
)

// splitKeywords splits a fix, change or fallback section into parts and
// routes each by sub-label or keyword; a part with neither goes to the
// section's default field. Dates in a fallback part set the review date.
func splitKeywords(h *handoff.Handoff, sec section, text string) {
	kws, def, commas := fixKeywords, handoff.FieldFixedVersion, false
	switch sec {
	case secChange:
		kws, def, commas = changeKeywords, handoff.FieldTestPlan, true
	case secBlocked:
		kws, def, commas = blockedKeywords, handoff.FieldTemporaryControl, true
	}
	// Parts per field, in order of first appearance; a handful at most.
	type part struct {
		id   handoff.FieldID
		text string
	}
	var buf [16]part
	got := buf[:0]
	add := func(id handoff.FieldID, s string) { got = append(got, part{id, s}) }
	for rest := text; rest != ""; {
		var seg string
		if seg, rest = nextSegment(rest, commas); seg == "" {
			continue
		}
		if id, v, ok := subLabel(seg); ok {
			add(id, v)
			continue
		}
		var lbuf [256]byte
		low := lowerInto(lbuf[:], seg)
		matched := false
		if sec == secBlocked {
			if date, _ := cutDate(seg); date != "" {
				add(handoff.FieldReviewDate, date)
				matched = true
			}
		}
		for _, k := range kws {
			if k.field == handoff.FieldReviewDate && matched {
				continue
			}
			for _, w := range k.words {
				if bytes.Contains(low, []byte(w)) {
					switch k.field {
					case handoff.FieldReviewDate:
						add(handoff.FieldReviewTrigger, seg)
					case handoff.FieldPatchLink:
						add(handoff.FieldPatchLink, urlIn(seg))
					default:
						add(k.field, seg)
					}
					matched = true
					break
				}
			}
		}
		if sec == secFix && looksLikeVersion(seg) {
			add(handoff.FieldFixedVersion, seg)
			matched = true
		}
		if !matched {
			add(def, seg)
		}
	}
	for i, p := range got {
		if p.id == "" {
			continue
		}
		text := p.text
		for j := i + 1; j < len(got); j++ {
			if got[j].id == p.id {
				text += "; " + got[j].text
				got[j].id = ""
			}
		}
		assign(h, p.id, text, handoff.SourceDescription, false)
	}
}

// lowerInto lower-cases s (ASCII) into buf, or into a new slice when s
// does not fit.
func lowerInto(buf []byte, s string) []byte {
	if len(s) > len(buf) {
		buf = make([]byte, len(s))
	}
	buf = buf[:len(s)]
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	return buf
}

// urlIn returns the first http(s) URL in s, or s when there is none.
func urlIn(s string) string {
	i := strings.Index(s, "http://")
	if j := strings.Index(s, "https://"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return s
	}
	end := strings.IndexAny(s[i:], " \t|]>)\"'")
	if end < 0 {
		return s[i:]
	}
	return s[i : i+end]
}

// nextSegment cuts the next part of a section at a semicolon, a sentence
// end or, when commas is set, a comma; seg is trimmed and may be empty.
func nextSegment(text string, commas bool) (seg, rest string) {
	cut, skip := len(text), 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == ';' || commas && c == ',' {
			cut, skip = i, 1
			break
		}
		if c == '.' && i+1 < len(text) && text[i+1] == ' ' {
			cut, skip = i, 2
			break
		}
	}
	return strings.TrimSpace(text[:cut]), text[min(cut+skip, len(text)):]
}

// subLabel reads "Label: value" inside a section part.
func subLabel(seg string) (handoff.FieldID, string, bool) {
	i := strings.IndexByte(seg, ':')
	if i <= 0 || i > 40 {
		return "", "", false
	}
	l, ok := lookupLabel(normalizeLabel(seg[:i]))
	if !ok {
		return "", "", false
	}
	id := l.field
	switch l.sec {
	case secField:
	case secUrgency:
		id = handoff.FieldUrgencyDriver
	case secLane:
		id = handoff.FieldLane
	default:
		return "", "", false
	}
	return id, strings.TrimSpace(seg[i+1:]), true
}

// looksLikeVersion reports text naming a version: digits with dots
// ("3.0.7", "2.4.x"), or a version word.
func looksLikeVersion(s string) bool {
	low := strings.ToLower(s)
	if strings.Contains(low, "version") || strings.Contains(low, "build") || strings.Contains(low, "release") {
		return true
	}
	for i := 0; i+2 < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' && s[i+1] == '.' && (s[i+2] >= '0' && s[i+2] <= '9' || s[i+2] == 'x') {
			return true
		}
	}
	return false
}
