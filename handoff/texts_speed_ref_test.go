package handoff

// The texts as they were before the wording plans and the leaner handoff
// fields (commit b3dc81a): ValidationRequest, Reopened and Complete with
// every helper of theirs copied, and a speaker that runs every template
// through text/template. TestTextsSameAsReference compares today's texts
// with these. Only cleanText, cutText, fillAsk, FieldLabel and the model
// are shared.

import (
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// refSpeaker is the speaker as it was: text/template for every template.
type refSpeaker struct {
	w   Wording
	def Wording
}

func newRefSpeaker(w Wording) *refSpeaker {
	if len(w) == 0 {
		w = defaultWording()
	}
	return &refSpeaker{w: w}
}

func (s *refSpeaker) say(key string, d msgData) string {
	if out, ok := refRun(key, s.w[key], d); ok {
		return out
	}
	if s.def == nil {
		s.def = defaultWording()
	}
	if out, ok := refRun(key, s.def[key], d); ok {
		return out
	}
	return key
}

func (s *refSpeaker) word(key string) string { return s.say(key, msgData{}) }

var refCompiled sync.Map

func refRun(key, src string, d msgData) (string, bool) {
	if src == "" {
		return "", false
	}
	if !strings.Contains(src, "{{") {
		return strings.TrimSpace(src), true
	}
	var t *template.Template
	switch v, ok := refCompiled.Load(src); {
	case !ok:
		parsed, err := parseWording(key, src)
		if err != nil {
			refCompiled.Store(src, err)
			return "", false
		}
		refCompiled.Store(src, parsed)
		t = parsed
	default:
		if _, bad := v.(error); bad {
			return "", false
		}
		t = v.(*template.Template)
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", false
	}
	return strings.TrimSpace(b.String()), true
}

// refCtx is the state of building one text.
type refCtx struct {
	sp  *refSpeaker
	o   TextOptions
	loc *time.Location
	// lanes is laneOrder(), made on first use.
	lanes []Lane
}

func newRefCtx(o TextOptions) *refCtx {
	loc := o.Loc
	if loc == nil {
		loc = time.UTC
	}
	return &refCtx{sp: newRefSpeaker(o.Wording), o: o, loc: loc}
}

func (c *refCtx) say(key string, d msgData) string { return c.sp.say(key, d) }
func (c *refCtx) word(key string) string           { return c.sp.word(key) }

// today is the text's date in its location.
func (c *refCtx) today() string {
	if c.o.Now.IsZero() {
		return ""
	}
	return c.o.Now.In(c.loc).Format(time.DateOnly)
}

// laneName words a lane, with the blocked state when set.
func (c *refCtx) laneName(l Lane, blocked bool) string {
	key := "lane." + string(l)
	if l == LaneUnknown {
		key = "lane.none"
	}
	s := c.word(key)
	if blocked {
		s += ", " + c.word("lane.blocked")
	}
	return s
}

// dateText shows a date field: a calendar day as written, an instant in
// the text's location, and the raw text when it did not parse.
func (c *refCtx) dateText(d Date) string {
	switch {
	case !d.Present():
		return ""
	case !d.Valid():
		return d.Text
	case d.DateOnly:
		return d.At.UTC().Format(time.DateOnly)
	default:
		return d.At.In(c.loc).Format(time.DateOnly)
	}
}

// dateField names the date a due item is about.
func (c *refCtx) dateField(id FieldID) string {
	switch id {
	case FieldReviewDate, FieldDeadline, FieldExceptionExpiry:
		return c.word("date." + string(id))
	case "":
		return ""
	}
	return FieldLabel(id)
}

// ownerName is how a person is named in text.
func (c *refCtx) ownerName(p Person) string {
	for _, s := range []string{p.User.DisplayName, p.Text, p.User.Name, p.User.Email} {
		if s = strings.TrimSpace(s); s != "" {
			return cutText(cleanText(s), 80)
		}
	}
	return c.word("owner.none")
}

// ownerMention names a person as an explicit mention node: a real mention
// where the renderer has an id for it (Jira account or name, Slack id),
// plain text elsewhere.
func (c *refCtx) ownerMention(p Person, slackID string) Inline {
	return Inline{Kind: InlineMention, Text: c.ownerName(p), User: p.User, SlackID: slackID}
}

// hasOwner reports whether a person names anyone.
func refHasOwner(p Person) bool { return p.Present() || !p.User.IsZero() }

// Inline and block builders.

func refTx(s string) Inline   { return Inline{Kind: InlineText, Text: s} }
func refSt(s string) Inline   { return Inline{Kind: InlineStrong, Text: s} }
func refEmph(s string) Inline { return Inline{Kind: InlineEmphasis, Text: s} }

// ticketRef links a ticket key to the ticket.
func refTicketRef(key, url string) Inline {
	if url == "" {
		return refSt(key)
	}
	return Inline{Kind: InlineLink, Text: key, URL: url}
}

func refPara(in ...Inline) Block { return Block{Kind: BlockParagraph, Inlines: in} }
func refHeading(level int, s string) Block {
	return Block{Kind: BlockHeading, Level: level, Inlines: []Inline{refTx(s)}}
}
func refSmallPrint(s string) Block { return Block{Kind: BlockContext, Inlines: []Inline{refTx(s)}} }
func refDivider() Block            { return Block{Kind: BlockDivider} }

func refCheckItem(done bool, in ...Inline) Item {
	d := done
	return Item{Inlines: in, Check: &d}
}

// sentence ends s with a full stop unless it already ends a sentence.
func refSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, ellipsis) {
		return s
	}
	return s + "."
}

// quote prepares ticket text for a Doc: one line, cut to n runes.
func refQuote(s string, n int) string { return cutText(strings.TrimSpace(cleanText(s)), n) }

// joinLabels joins field labels for a sentence.
func refJoinLabels(ids []FieldID) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, refShortLabel(id))
	}
	return strings.Join(parts, ", ")
}

// ValidationRequest is the living checklist posted on a ticket whose
// handoff is not owner-ready (seed 003: "If those are missing, send a
// validation request instead of a patch-now order"). It reads, in order:
// the ticket; who it is for and why it is a validation request; the
// checklist of what is missing (each with why it matters, what is wrong on
// this ticket and how to fix it) with items provided since ticked off; the
// seed's ask for the situation; the handoff as it stands in the shape of
// the seed's "Patch owner handoff" template; and what to send back.
func refValidationRequest(ev Evaluation, o TextOptions) Doc {
	c := newRefCtx(o)
	h := ev.Handoff
	t := h.Ticket
	d := msgData{Key: t.Key, Advisory: refQuote(h.Scope.Advisory.Text, 60), Lane: c.laneName(ev.Lane, h.Blocked),
		Count: len(ev.Findings), Date: c.today()}
	doc := Doc{Title: c.say("vr.title", d), Summary: c.say("vr.summary", d)}

	doc.Blocks = append(doc.Blocks, refTicketLine(t))
	intro := c.say("vr.intro", d)
	if len(ev.Findings) == 0 {
		intro = c.say("vr.intro_ready", d)
	}
	doc.Blocks = append(doc.Blocks, c.addressed(h.Scope.Owner, intro))

	if len(ev.Findings)+len(o.Ticked) > 0 {
		doc.Blocks = append(doc.Blocks, refHeading(2, c.say("vr.missing", d)), c.checklist(ev.Findings, o.Ticked))
	}
	if ask := c.ask(ev); ask != "" {
		doc.Blocks = append(doc.Blocks, refHeading(2, c.word("vr.ask")), refPara(refTx(ask)))
	}
	doc.Blocks = append(doc.Blocks,
		refHeading(2, c.word("vr.handoff")), c.handoffFields(ev),
		refHeading(2, c.word("vr.send_back")), refPara(refTx(c.word("vr.send_back_text"))),
		refSmallPrint(c.say("vr.context", d)))
	return doc
}

// Reopened is the short note posted when findings come back after the
// handoff was said to be complete; the checklist itself is updated.
func refReopened(ev Evaluation, o TextOptions) Doc {
	c := newRefCtx(o)
	t := ev.Handoff.Ticket
	d := msgData{Key: t.Key, Count: len(ev.Findings), Labels: refFindingLabels(ev.Findings),
		Lane: c.laneName(ev.Lane, ev.Handoff.Blocked)}
	return Doc{
		Title:   c.say("re.title", d),
		Summary: c.say("re.summary", d),
		Blocks:  []Block{c.addressed(ev.Handoff.Scope.Owner, "", refTicketRef(t.Key, t.URL), refTx(" "+c.say("re.text", d)))},
	}
}

// Complete says once that the handoff is owner-ready, and what closes it:
// the closure proof the ticket expects, or the seed's closure-evidence ask.
func refComplete(ev Evaluation, o TextOptions) Doc {
	c := newRefCtx(o)
	h := ev.Handoff
	t := h.Ticket
	d := msgData{Key: t.Key, Lane: c.laneName(ev.Lane, h.Blocked), Labels: refJoinLabels(o.Ticked)}
	first := []Inline{refTicketRef(t.Key, t.URL), refTx(" " + c.say("co.text", d))}
	if len(o.Ticked) > 0 {
		first = append(first, refTx(" "+c.say("co.provided", d)))
	}
	closes := c.word("ask.closure_evidence")
	if h.Closure.Expected.Present() {
		closes = refSentence(refQuote(h.Closure.Expected.Text, cutValue))
	}
	return Doc{
		Title:   c.say("co.title", d),
		Summary: c.say("co.summary", d),
		Blocks: []Block{
			c.addressed(h.Scope.Owner, "", first...),
			refPara(refSt(c.word("co.closes")), refTx(" "+closes+" "+c.word("co.proof"))),
		},
	}
}

// ticketLine is the ticket key, linked, and its summary.
func refTicketLine(t Ticket) Block {
	in := []Inline{refTicketRef(t.Key, t.URL)}
	if s := refQuote(t.Summary, cutSummary); s != "" {
		in = append(in, refTx(" "+s))
	}
	return refPara(in...)
}

// addressed is a paragraph opening with the owner's name as a mention,
// then text, then any further inlines.
func (c *refCtx) addressed(owner Person, text string, more ...Inline) Block {
	var in []Inline
	if refHasOwner(owner) {
		in = append(in, c.ownerMention(owner, c.o.OwnerSlackID))
		if text != "" {
			in = append(in, refTx(": "+text))
		} else {
			in = append(in, refTx(": "))
		}
	} else if text != "" {
		in = append(in, refTx(text))
	}
	if text != "" && len(more) > 0 {
		in = append(in, refTx(" "))
	}
	return refPara(append(in, more...)...)
}

// ask is the seed's ask for the evaluation's situation, as the policy
// words it, else as the wording does.
func (c *refCtx) ask(ev Evaluation) string {
	a := strings.TrimSpace(ev.Ask)
	if a == "" && ev.Situation != "" {
		a = c.word("ask." + string(ev.Situation))
	}
	if len(a) > 4 && strings.EqualFold(a[:4], "ask:") {
		a = strings.TrimSpace(a[4:])
	}
	if a == "" {
		return ""
	}
	// Evaluate fills the ask already; a hand-built evaluation (or the
	// wording's fallback ask) is filled here. Filled slots are left alone.
	h := ev.Handoff
	a = fillAsk(a, &h)
	return refSentence(refUpperFirst(refQuote(a, 900)))
}

// checklist lists each finding unticked (label, why, detail, how to fix),
// then each field provided since it was flagged, ticked.
func (c *refCtx) checklist(fs []Finding, ticked []FieldID) Block {
	b := Block{Kind: BlockList}
	for _, f := range fs {
		label := f.Label
		if label == "" {
			label = FieldLabel(f.Field)
		}
		in := []Inline{refSt(label)}
		if why := strings.TrimSpace(f.Why); why != "" {
			in = append(in, refTx(" — "+refSentence(refQuote(why, cutValue))))
		}
		if det := refQuote(f.Detail, cutDetail); det != "" {
			in = append(in, refTx(" "), refEmph(refSentence(refUpperFirst(det))))
		}
		fix := c.say("fix."+string(f.Kind), msgData{Field: label, Section: c.word("section." + refSectionOf(f.Field))})
		in = append(in, refTx(" "+fix))
		b.Items = append(b.Items, refCheckItem(false, in...))
	}
	for _, id := range ticked {
		b.Items = append(b.Items, refCheckItem(true, refSt(refShortLabel(id)), refTx(" — "+c.word("vr.provided"))))
	}
	return b
}

// findingLabels joins the labels of findings for a sentence.
func refFindingLabels(fs []Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		l := f.Label
		if l == "" {
			l = FieldLabel(f.Field)
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, ", ")
}

// upperFirst capitalises the first letter of a sentence.
func refUpperFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+utf8.RuneLen(r):]
	}
	return s
}

// sectionOf is the template section a field is asked for under.
func refSectionOf(id FieldID) string {
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

// refPart is one labelled value in a section.
type refPart struct {
	id   FieldID
	text string
}

// val is a field's value when present; a placeholder left in counts as
// absent.
func refVal(id FieldID, v Value) refPart {
	if !v.Present() {
		return refPart{id, ""}
	}
	return refPart{id, v.Text}
}

// handoffFields lays the handoff out section by section. An empty section
// reads "missing" when a finding falls in it and "—" otherwise, so the
// reader sees what the policy asks for without false alarms.
func (c *refCtx) handoffFields(ev Evaluation) Block {
	h := ev.Handoff
	flagged := map[string]bool{}
	for _, f := range ev.Findings {
		flagged[refSectionOf(f.Field)] = true
	}
	date := func(id FieldID, d Date) refPart { return refPart{id, c.dateText(d)} }
	person := func(id FieldID, p Person) refPart {
		if !refHasOwner(p) {
			return refPart{id, ""}
		}
		return refPart{id, c.ownerName(p)}
	}
	s, u, f, ch, fb, cl := h.Scope, h.Urgency, h.Fix, h.Change, h.Fallback, h.Closure
	parts := map[string][]refPart{
		"scope": {refVal(FieldAdvisory, s.Advisory), refVal(FieldVendor, s.Vendor), refVal(FieldProduct, s.Product),
			refVal(FieldComponent, s.Component), refVal(FieldAffectedVersions, s.AffectedVersions),
			refVal(FieldAssetGroup, s.AssetGroup), refVal(FieldBusinessService, s.BusinessService), person(FieldOwner, s.Owner)},
		"why": {refVal(FieldUrgencyDriver, u.Driver), refVal(FieldKEV, u.KEV), refVal(FieldExploitation, u.Exploitation),
			refVal(FieldEPSS, u.EPSS), refVal(FieldExposure, u.Exposure), refVal(FieldCriticality, u.Criticality)},
		"fix": {refVal(FieldFixedVersion, f.FixedVersion), refVal(FieldPatchLink, f.PatchLink), refVal(FieldWorkaround, f.Workaround),
			refVal(FieldConfigChange, f.ConfigChange), refVal(FieldSupersedence, f.Supersedence)},
		"deadline": {date(FieldDeadline, ch.Deadline), refVal(FieldWindow, ch.Window),
			date(FieldReviewDate, fb.ReviewDate), refVal(FieldReviewTrigger, fb.ReviewTrigger)},
		"change": {refVal(FieldTestPlan, ch.TestPlan), refVal(FieldRollback, ch.Rollback), refVal(FieldReboot, f.Reboot),
			refVal(FieldDependencies, ch.Dependencies), refVal(FieldKnownIssues, f.KnownIssues), refVal(FieldApproval, ch.Approval),
			refVal(FieldChangeTicket, ch.ChangeTicket), refVal(FieldCommunication, ch.Communication)},
		"blocked": {refVal(FieldBlocker, fb.Blocker), refVal(FieldBlockerRisk, fb.BlockerRisk),
			refVal(FieldTemporaryControl, fb.TemporaryControl), refVal(FieldSOCMonitoring, fb.SOCMonitoring),
			person(FieldExceptionOwner, fb.ExceptionOwner), refVal(FieldExceptionApproval, fb.ExceptionApproval),
			date(FieldExceptionExpiry, fb.ExceptionExpiry), refVal(FieldCompensatingControls, fb.CompensatingControls),
			refVal(FieldResidualRisk, fb.ResidualRisk), refVal(FieldVendorAsk, fb.VendorAsk), refVal(FieldUnblock, fb.Unblock)},
		"closure": {refVal(FieldClosureExpected, cl.Expected)},
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
			text = refJoinParts(parts[sec], sec == "closure")
		}
		var value []Inline
		switch {
		case text != "":
			value = []Inline{refTx(text)}
		case flagged[sec]:
			value = []Inline{refEmph(c.word("vr.missing_value"))}
		default:
			value = []Inline{refTx("—")}
		}
		b.Fields = append(b.Fields, Pair{Label: c.word("section." + sec), Value: value})
	}
	return b
}

// joinParts joins the present values of a section, each after its field
// label, except in a section holding a single field. A value already said
// by an earlier field (one template line read into several fields) is not
// repeated.
func refJoinParts(ps []refPart, bare bool) string {
	var out, seen []string
	for _, p := range ps {
		v := refQuote(p.text, cutValue)
		if v == "" || refSaidBefore(seen, v) {
			continue
		}
		seen = append(seen, strings.ToLower(v))
		if !bare {
			v = refShortLabel(p.id) + ": " + v
		}
		out = append(out, v)
	}
	return strings.Join(out, "; ")
}

// action is the "Action requested" line: the situation's action, and the
// lane when it says something more.
func (c *refCtx) action(ev Evaluation) string {
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
func (c *refCtx) caveats(h Handoff) string {
	var out []string
	if !h.Scope.AffectedVersions.Present() {
		out = append(out, c.word("caveat.affected_unknown"))
	}
	if v := refQuote(h.Scope.ExcludedSystems.Text, cutValue); h.Scope.ExcludedSystems.Present() && v != "" {
		out = append(out, c.say("caveat.excluded", msgData{Labels: v}))
	}
	if v := refQuote(h.Urgency.SourceConfidence.Text, cutValue); h.Urgency.SourceConfidence.Present() && v != "" {
		out = append(out, c.say("caveat.source", msgData{Labels: v}))
	}
	return strings.Join(out, "; ")
}

// shortLabel is a field's label without its parenthesised examples:
// "Urgency driver (KEV, exploitation, …)" reads "Urgency driver".
func refShortLabel(id FieldID) string {
	l := FieldLabel(id)
	if i := strings.Index(l, " ("); i > 0 {
		return l[:i]
	}
	return l
}

// saidBefore reports whether v was already shown, alone or, when long
// enough not to be a coincidence, inside a longer value.
func refSaidBefore(seen []string, v string) bool {
	lv := strings.ToLower(v)
	for _, s := range seen {
		if s == lv || len(lv) >= 16 && strings.Contains(s, lv) {
			return true
		}
	}
	return false
}
