package handoff

import (
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
)

//go:embed wording_default.txt
var defaultWordingFile string

// Wording holds every sentence the bot says, keyed by name ("vr.title",
// "due.review_passed", …). Each entry is a text/template over msgData that
// yields plain text. DefaultWording gives the embedded defaults; config
// replaces entries with Merge.
type Wording map[string]string

// DefaultWording returns a fresh copy of the embedded default wording.
func DefaultWording() Wording { return maps.Clone(defaultWording()) }

// defaultWording reads the embedded file once.
var defaultWording = sync.OnceValue(func() Wording {
	w := Wording{}
	for _, line := range strings.Split(defaultWordingFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue // the embedded file is checked by TestDefaultWordingParses
		}
		w[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return w
})

// Merge returns a copy of w with the overrides applied. It rejects keys the
// default wording does not have and templates that do not parse or do not
// run (an unknown field such as {{.Foo}}), naming every such key in one
// error.
func (w Wording) Merge(over map[string]string) (Wording, error) {
	known := DefaultWording()
	out := make(Wording, len(known))
	for k, v := range known {
		out[k] = v
	}
	for k, v := range w {
		out[k] = v
	}
	keys := make([]string, 0, len(over))
	for k := range over {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if _, ok := known[k]; !ok {
			errs = append(errs, fmt.Errorf("wording %q: unknown key", k))
			continue
		}
		if strings.TrimSpace(over[k]) == "" {
			errs = append(errs, fmt.Errorf("wording %q: empty text", k))
			continue
		}
		if err := checkTemplate(k, over[k]); err != nil {
			errs = append(errs, fmt.Errorf("wording %q: %w", k, err))
			continue
		}
		out[k] = over[k]
	}
	if len(errs) > 0 {
		return w, errors.Join(errs...)
	}
	return out, nil
}

// msgData is what a wording template can say. Every field is plain text or
// a number; quoted ticket text in it is escaped by the renderers, not here.
type msgData struct {
	Key        string // ticket key, SEC-12
	Summary    string // ticket summary
	Advisory   string // CVE or advisory id
	Lane       string // the lane as worded ("patch now")
	Action     string // action requested ("patch in window")
	Owner      string // owner's name
	Field      string // a field's label
	Section    string // the handoff template section a field belongs to
	Date       string // a date, 2006-01-02
	Resolution string // the Jira resolution
	Labels     string // a joined list
	Count      int    // items in this text or group
	Days       int    // days overdue, or days left
	Level      int    // escalation level
	Owners     int    // owners in a digest
	Total      int    // items in a digest
}

// sampleData is used to try a template once before accepting it.
func sampleData() msgData {
	return msgData{Key: "SEC-1", Summary: "s", Advisory: "CVE-2026-0001", Lane: "patch now",
		Action: "patch now", Owner: "o", Field: "f", Section: "Scope", Date: "2026-01-02",
		Resolution: "Done", Labels: "a, b", Count: 2, Days: 3, Level: 1, Owners: 1, Total: 2}
}

func wordingFuncs() template.FuncMap {
	return template.FuncMap{
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

func parseWording(key, src string) (*template.Template, error) {
	return template.New(key).Funcs(wordingFuncs()).Option("missingkey=error").Parse(src)
}

func checkTemplate(key, src string) error {
	t, err := parseWording(key, src)
	if err != nil {
		return err
	}
	var b strings.Builder
	return t.Execute(&b, sampleData())
}

// speaker says wording entries for one text. It falls back to the default
// wording for a key that is missing or broken in its Wording, and to the
// key itself if even that fails, so a bad override never panics or
// silences a text.
type speaker struct {
	w   Wording
	def Wording
	// slow runs every template through text/template, never its plan:
	// set from wordingReference, for the tests that compare the two.
	slow bool
}

// wordingReference, when set, makes new speakers execute every template
// with text/template. It is a test hook: the plans are checked against
// text/template by running the same texts both ways.
var wordingReference atomic.Bool

func newSpeaker(w Wording) speaker {
	if len(w) == 0 {
		w = defaultWording() // read-only here: no copy needed
	}
	return speaker{w: w, slow: wordingReference.Load()}
}

func (s *speaker) say(key string, d msgData) string { return s.sayAfter("", key, &d) }

// sayAfter is prefix + s.say(key, d), built at once.
func (s *speaker) sayAfter(prefix, key string, d *msgData) string {
	if out, ok := run(prefix, key, s.w[key], d, s.slow); ok {
		return out
	}
	if s.def == nil {
		s.def = defaultWording()
	}
	if out, ok := run(prefix, key, s.def[key], d, s.slow); ok {
		return out
	}
	return prefix + key
}

// word says a key that needs no data.
func (s *speaker) word(key string) string { return s.say(key, msgData{}) }

// compiled memoises parsed wording templates by their text. Texts are
// built for every flagged ticket and reminder, and parsing a template costs
// far more than running it; a template's meaning depends only on its text,
// so the cache cannot change what is said.
var compiled sync.Map // template text → *wordingEntry, or error

// wordingEntry is one parsed wording template, with its plan when it has
// one.
type wordingEntry struct {
	t *template.Template
	// plan says the same as t without reflection; nil when t uses
	// anything the plans do not cover (see planTemplate).
	plan *sayPlan
}

// run says the template src after prefix: prefix + the template's output
// trimmed of white space.
func run(prefix, key, src string, d *msgData, slow bool) (string, bool) {
	if src == "" {
		return "", false
	}
	if !strings.Contains(src, "{{") {
		return prefix + strings.TrimSpace(src), true
	}
	var e *wordingEntry
	switch v, ok := compiled.Load(src); {
	case !ok:
		parsed, err := parseWording(key, src)
		if err != nil {
			compiled.Store(src, err)
			return "", false
		}
		e = &wordingEntry{t: parsed, plan: planTemplate(parsed)}
		compiled.Store(src, e)
	default:
		if _, bad := v.(error); bad {
			return "", false
		}
		e = v.(*wordingEntry)
	}
	if e.plan != nil && !slow {
		return e.plan.say(prefix, d), true
	}
	var b strings.Builder
	if err := e.t.Execute(&b, *d); err != nil {
		return "", false
	}
	return prefix + strings.TrimSpace(b.String()), true
}

// A sayPlan is a wording template compiled for the common case: text, the
// fields of msgData, string and integer literals, {{if}}/{{else}}, and the
// calls plural, eq, ne, lt, le, gt, ge and not on fields and literals. It
// says exactly what text/template says for the same template and data, but
// reads the fields directly instead of walking the tree by reflection.
//
// The types of msgData's fields are fixed, so every type text/template
// checks at run time is checked here once, when the plan is made: a
// template that could fail to run (plural of a string, eq of a number and
// a string) or that uses anything else (variables, pipelines, range, with,
// template, other functions, method-like chains) gets no plan and runs
// through text/template, errors and all.
type sayPlan struct {
	nodes []planNode
	// size is the length of the template's text, to size the output.
	size int
}

type planOp uint8

const (
	planText  planOp = iota // write text
	planPrint               // print x
	planIf                  // x true: run then, else els
)

type planNode struct {
	op        planOp
	text      string
	x         planExpr
	then, els []planNode
}

// planKind is the type of a value a plan computes.
type planKind uint8

const (
	kindString planKind = iota
	kindInt
	kindBool
)

type exprOp uint8

const (
	exprField  exprOp = iota // a field of msgData
	exprString               // a string literal
	exprInt                  // an integer literal
	exprPlural               // plural int string string
	exprEq                   // eq a b…
	exprNe                   // ne a b
	exprLt                   // lt a b
	exprLe                   // le a b
	exprGt                   // gt a b
	exprGe                   // ge a b
	exprNot                  // not a
)

type planExpr struct {
	op    exprOp
	kind  planKind // of the result
	field msgField // exprField
	s     string   // exprString
	i     int      // exprInt
	args  []planExpr
}

// planVal is a value a plan computes: s, i or b as kind says.
type planVal struct {
	kind planKind
	s    string
	i    int
	b    bool
}

// msgField names a field of msgData for a plan.
type msgField uint8

const (
	fKey msgField = iota
	fSummary
	fAdvisory
	fLane
	fAction
	fOwner
	fField
	fSection
	fDate
	fResolution
	fLabels
	fCount
	fDays
	fLevel
	fOwners
	fTotal
)

// msgFields maps the name a template uses ({{.Key}}) to the field and
// its type. A field missing here is not an error, only not planned:
// TestPlanFieldsMatchMsgData checks the table against msgData.
var msgFields = map[string]struct {
	f    msgField
	kind planKind
}{
	"Key": {fKey, kindString}, "Summary": {fSummary, kindString}, "Advisory": {fAdvisory, kindString},
	"Lane": {fLane, kindString}, "Action": {fAction, kindString}, "Owner": {fOwner, kindString},
	"Field": {fField, kindString}, "Section": {fSection, kindString}, "Date": {fDate, kindString},
	"Resolution": {fResolution, kindString}, "Labels": {fLabels, kindString},
	"Count": {fCount, kindInt}, "Days": {fDays, kindInt}, "Level": {fLevel, kindInt},
	"Owners": {fOwners, kindInt}, "Total": {fTotal, kindInt},
}

func (d *msgData) str(f msgField) string {
	switch f {
	case fKey:
		return d.Key
	case fSummary:
		return d.Summary
	case fAdvisory:
		return d.Advisory
	case fLane:
		return d.Lane
	case fAction:
		return d.Action
	case fOwner:
		return d.Owner
	case fField:
		return d.Field
	case fSection:
		return d.Section
	case fDate:
		return d.Date
	case fResolution:
		return d.Resolution
	case fLabels:
		return d.Labels
	}
	return ""
}

func (d *msgData) num(f msgField) int {
	switch f {
	case fCount:
		return d.Count
	case fDays:
		return d.Days
	case fLevel:
		return d.Level
	case fOwners:
		return d.Owners
	case fTotal:
		return d.Total
	}
	return 0
}

// planTemplate makes the plan of a parsed wording template, or returns
// nil when the template needs text/template.
func planTemplate(t *template.Template) *sayPlan {
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		return nil
	}
	p := &sayPlan{}
	nodes, ok := p.list(t.Tree.Root)
	if !ok {
		return nil
	}
	p.nodes = nodes
	return p
}

func (p *sayPlan) list(l *parse.ListNode) ([]planNode, bool) {
	if l == nil {
		return nil, true
	}
	out := make([]planNode, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			out = append(out, planNode{op: planText, text: string(n.Text)})
			p.size += len(n.Text)
		case *parse.ActionNode:
			x, ok := planPipe(n.Pipe)
			if !ok {
				return nil, false
			}
			out = append(out, planNode{op: planPrint, x: x})
		case *parse.IfNode:
			x, ok := planPipe(n.Pipe)
			if !ok {
				return nil, false
			}
			then, ok := p.list(n.List)
			if !ok {
				return nil, false
			}
			els, ok := p.list(n.ElseList)
			if !ok {
				return nil, false
			}
			out = append(out, planNode{op: planIf, x: x, then: then, els: els})
		default:
			return nil, false
		}
	}
	return out, true
}

// planPipe plans a pipeline of one command without declarations: a field,
// a literal, or a call of a planned function on fields and literals.
func planPipe(pipe *parse.PipeNode) (planExpr, bool) {
	if pipe == nil || len(pipe.Decl) > 0 || pipe.IsAssign || len(pipe.Cmds) != 1 {
		return planExpr{}, false
	}
	args := pipe.Cmds[0].Args
	if len(args) == 0 {
		return planExpr{}, false
	}
	fn, ok := args[0].(*parse.IdentifierNode)
	if !ok {
		if len(args) != 1 {
			return planExpr{}, false
		}
		return planOperand(args[0])
	}
	ops := make([]planExpr, 0, len(args)-1)
	for _, a := range args[1:] {
		x, ok := planOperand(a)
		if !ok {
			return planExpr{}, false
		}
		ops = append(ops, x)
	}
	switch fn.Ident {
	case "plural":
		if len(ops) != 3 || ops[0].kind != kindInt || ops[1].kind != kindString || ops[2].kind != kindString {
			return planExpr{}, false
		}
		return planExpr{op: exprPlural, kind: kindString, args: ops}, true
	case "not":
		if len(ops) != 1 {
			return planExpr{}, false
		}
		return planExpr{op: exprNot, kind: kindBool, args: ops}, true
	case "eq", "ne", "lt", "le", "gt", "ge":
		// All of one type (string or int): text/template compares those
		// and fails on a mix, which is left to it.
		if len(ops) < 2 || fn.Ident != "eq" && len(ops) != 2 {
			return planExpr{}, false
		}
		for _, x := range ops[1:] {
			if x.kind != ops[0].kind {
				return planExpr{}, false
			}
		}
		op := map[string]exprOp{"eq": exprEq, "ne": exprNe, "lt": exprLt, "le": exprLe, "gt": exprGt, "ge": exprGe}[fn.Ident]
		return planExpr{op: op, kind: kindBool, args: ops}, true
	}
	return planExpr{}, false
}

// planOperand plans a field of msgData ({{.Key}}), a string literal or a
// decimal integer literal that text/template reads as an int whatever the
// context.
func planOperand(n parse.Node) (planExpr, bool) {
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) != 1 {
			return planExpr{}, false
		}
		f, ok := msgFields[n.Ident[0]]
		if !ok {
			return planExpr{}, false
		}
		return planExpr{op: exprField, kind: f.kind, field: f.f}, true
	case *parse.StringNode:
		return planExpr{op: exprString, kind: kindString, s: n.Text}, true
	case *parse.NumberNode:
		if !n.IsInt || n.IsComplex || !plainDecimal(n.Text) || int64(int(n.Int64)) != n.Int64 {
			return planExpr{}, false
		}
		return planExpr{op: exprInt, kind: kindInt, i: int(n.Int64)}, true
	}
	return planExpr{}, false
}

// plainDecimal reports whether s is an optional sign and decimal digits.
func plainDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	return isDigits(s)
}

// say runs the plan over d and returns prefix + its output trimmed of
// white space, as run does with text/template's.
func (p *sayPlan) say(prefix string, d *msgData) string {
	w := planWriter{prefix: prefix, size: p.size}
	w.nodes(p.nodes, d)
	if w.n < 2 {
		return prefix + strings.TrimSpace(w.first)
	}
	out := w.b.String()
	body := out[len(prefix):]
	trimmed := strings.TrimSpace(body)
	if strings.HasPrefix(body, trimmed) { // nothing trimmed at the start
		return out[:len(prefix)+len(trimmed)]
	}
	return prefix + trimmed
}

// planWriter collects a plan's output after a prefix. The first piece is
// kept as it is, so a template that says one field or one branch of text
// costs no copy but the prefix's.
type planWriter struct {
	prefix string
	first  string
	n      int
	size   int
	b      strings.Builder
}

func (w *planWriter) write(s string) {
	switch {
	case s == "":
		return
	case w.n == 0:
		w.first, w.n = s, 1
		return
	case w.n == 1:
		w.b.Grow(len(w.prefix) + w.size + len(w.first) + len(s) + 16)
		w.b.WriteString(w.prefix)
		w.b.WriteString(w.first)
		w.n = 2
	}
	w.b.WriteString(s)
}

func (w *planWriter) nodes(ns []planNode, d *msgData) {
	for i := range ns {
		n := &ns[i]
		switch n.op {
		case planText:
			w.write(n.text)
		case planPrint:
			v := n.x.eval(d)
			switch v.kind {
			case kindString:
				w.write(v.s)
			case kindInt:
				w.write(strconv.Itoa(v.i))
			case kindBool:
				w.write(strconv.FormatBool(v.b))
			}
		case planIf:
			if n.x.eval(d).truth() {
				w.nodes(n.then, d)
			} else {
				w.nodes(n.els, d)
			}
		}
	}
}

// truth is text/template's truth of a value: not empty, not zero, true.
func (v planVal) truth() bool {
	switch v.kind {
	case kindString:
		return v.s != ""
	case kindInt:
		return v.i != 0
	}
	return v.b
}

func (x *planExpr) eval(d *msgData) planVal {
	switch x.op {
	case exprField:
		if x.kind == kindInt {
			return planVal{kind: kindInt, i: d.num(x.field)}
		}
		return planVal{kind: kindString, s: d.str(x.field)}
	case exprString:
		return planVal{kind: kindString, s: x.s}
	case exprInt:
		return planVal{kind: kindInt, i: x.i}
	case exprPlural:
		if x.args[0].eval(d).i == 1 {
			return x.args[1].eval(d)
		}
		return x.args[2].eval(d)
	case exprNot:
		return planVal{kind: kindBool, b: !x.args[0].eval(d).truth()}
	case exprEq:
		a := x.args[0].eval(d)
		for i := 1; i < len(x.args); i++ {
			if a.cmp(x.args[i].eval(d)) == 0 {
				return planVal{kind: kindBool, b: true}
			}
		}
		return planVal{kind: kindBool}
	}
	c := x.args[0].eval(d).cmp(x.args[1].eval(d))
	var b bool
	switch x.op {
	case exprNe:
		b = c != 0
	case exprLt:
		b = c < 0
	case exprLe:
		b = c <= 0
	case exprGt:
		b = c > 0
	case exprGe:
		b = c >= 0
	}
	return planVal{kind: kindBool, b: b}
}

// cmp compares two values of one kind, string or int (planPipe sees to
// it), as text/template's eq and lt do.
func (v planVal) cmp(u planVal) int {
	if v.kind == kindInt {
		return cmp.Compare(v.i, u.i)
	}
	return strings.Compare(v.s, u.s)
}
