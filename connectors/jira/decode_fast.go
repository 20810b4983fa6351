package jira

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff"
)

// The fast decoders below read the common shapes of a search hit straight
// from its bytes, without json.Decoder, `any` maps or reflection. Each one
// only answers for input it has read completely and knows it reads exactly
// as encoding/json would; anything else (invalid or unusual JSON, deep
// nesting, a key json.Unmarshal would match case-insensitively) is handed
// to the encoding/json path it replaces, which stays the reference:
// decodeValueGeneric for decodeValue, json.Unmarshal for the rest. The
// equivalence tests and FuzzDecodeValueEquivalence hold them to it.

// jkind is the kind of a JSON value; jNone is a member that is absent.
type jkind uint8

const (
	jNone jkind = iota
	jNull
	jString
	jNumber
	jBool
	jObject
	jArray
)

// jtok is one scanned JSON value.
type jtok struct {
	raw  []byte // as it appears in the input; a string with its quotes
	kind jkind
	// esc: a string json must unquote (it has escapes or invalid UTF-8);
	// any other string is its bytes between the quotes.
	esc bool
}

// present is m[k] != nil for a member of a decoded map.
func (t jtok) present() bool { return t.kind > jNull }

func (t jtok) body() []byte { return t.raw[1 : len(t.raw)-1] }

// fastMaxDepth bounds nesting; deeper values go to encoding/json.
const fastMaxDepth = 128

// fastDecoder scans one JSON text. bad is sticky: once set, the input is
// not something the fast path answers for.
type fastDecoder struct {
	b     []byte
	i     int
	depth int
	bad   bool
}

func (d *fastDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) peek() byte {
	d.ws()
	if d.i >= len(d.b) {
		d.bad = true
		return 0
	}
	return d.b[d.i]
}

// end reports whether the text was read without a fault and only
// whitespace follows.
func (d *fastDecoder) end() bool {
	d.ws()
	return !d.bad && d.i == len(d.b)
}

// value scans and validates one value.
func (d *fastDecoder) value() jtok {
	if d.bad {
		return jtok{}
	}
	c := d.peek()
	start := d.i
	switch {
	case d.bad:
		return jtok{}
	case c == '"':
		return d.string()
	case c == '{':
		d.enter()
		for n := 0; d.more('}', n); n++ {
			d.key()
			d.value()
		}
		return jtok{raw: d.b[start:d.i], kind: jObject}
	case c == '[':
		d.enter()
		for n := 0; d.more(']', n); n++ {
			d.value()
		}
		return jtok{raw: d.b[start:d.i], kind: jArray}
	case c == 't':
		return d.literal("true", jBool)
	case c == 'f':
		return d.literal("false", jBool)
	case c == 'n':
		return d.literal("null", jNull)
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	d.bad = true
	return jtok{}
}

func (d *fastDecoder) literal(lit string, k jkind) jtok {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		d.bad = true
		return jtok{}
	}
	t := jtok{raw: d.b[d.i : d.i+len(lit)], kind: k}
	d.i += len(lit)
	return t
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number scans a number by JSON's grammar.
func (d *fastDecoder) number() jtok {
	b, i := d.b, d.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		d.bad = true
		return jtok{}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			d.bad = true
			return jtok{}
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			d.bad = true
			return jtok{}
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	d.i = i
	return jtok{raw: b[start:i], kind: jNumber}
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// strPlain marks the bytes a string scan can step over: not a quote, a
// backslash, a control character or the start of a multi-byte rune.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// string scans a string at d.i, validating its escapes; control
// characters are not allowed in JSON strings.
func (d *fastDecoder) string() jtok {
	b := d.b
	start := d.i
	i := start + 1
	esc, high := false, false
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			d.bad = true
			return jtok{}
		}
		c := b[i]
		switch {
		case c == '"':
			d.i = i + 1
			if high && !esc && !utf8.Valid(b[start+1:i]) {
				esc = true // json replaces invalid UTF-8
			}
			return jtok{raw: b[start:d.i], kind: jString, esc: esc}
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				d.bad = true
				return jtok{}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					d.bad = true
					return jtok{}
				}
				i += 6
			default:
				d.bad = true
				return jtok{}
			}
		case c < 0x20:
			d.bad = true
			return jtok{}
		default: // c >= utf8.RuneSelf
			high = true
			i++
		}
	}
}

// enter consumes an object's or array's opening bracket.
func (d *fastDecoder) enter() {
	d.i++
	d.depth++
	if d.depth > fastMaxDepth {
		d.bad = true
	}
}

// more reports whether the object or array being read has another member
// (n have been read), consuming the comma or the closing bracket.
func (d *fastDecoder) more(closing byte, n int) bool {
	c := d.peek()
	switch {
	case d.bad:
		return false
	case c == closing:
		d.i++
		d.depth--
		return false
	case n == 0:
		return true
	case c == ',':
		d.i++
		return true
	}
	d.bad = true
	return false
}

// key reads a member's key and its colon.
func (d *fastDecoder) key() jtok {
	if d.peek() != '"' {
		d.bad = true
		return jtok{}
	}
	k := d.string()
	if d.peek() != ':' {
		d.bad = true
		return jtok{}
	}
	d.i++
	return k
}

// str is a string's text.
func (d *fastDecoder) str(t jtok) string {
	if t.kind != jString {
		return ""
	}
	if !t.esc {
		return string(t.body())
	}
	var s string
	if json.Unmarshal(t.raw, &s) != nil {
		d.bad = true
	}
	return s
}

// is reports whether t is the string s.
func (d *fastDecoder) is(t jtok, s string) bool {
	if t.kind != jString {
		return false
	}
	if !t.esc {
		return string(t.body()) == s
	}
	return d.str(t) == s
}

// trimmed is str(k) of decodeObject: a string's text without surrounding
// space, "" for anything else.
func (d *fastDecoder) trimmed(t jtok) string {
	if t.kind != jString {
		return ""
	}
	if !t.esc {
		return string(bytes.TrimSpace(t.body()))
	}
	return strings.TrimSpace(d.str(t))
}

// blank is trimmed(t) == "", without building the string.
func (d *fastDecoder) blank(t jtok) bool {
	if t.kind == jString && !t.esc {
		return len(bytes.TrimSpace(t.body())) == 0
	}
	return d.trimmed(t) == ""
}

// scalar is scalarText for a scanned value.
func (d *fastDecoder) scalar(t jtok) (string, bool) {
	switch t.kind {
	case jNone, jNull:
		return "", true
	case jString:
		return d.trimmed(t), true
	case jNumber:
		return numberText(json.Number(t.raw)), true
	case jBool:
		return boolText(t), true
	}
	return "", false
}

// boolText is strconv.FormatBool of a scanned boolean.
func boolText(t jtok) string {
	if t.raw[0] == 't' {
		return "true"
	}
	return "false"
}

// sub is a decoder over a value already scanned by d.
func (d *fastDecoder) sub(t jtok) fastDecoder { return fastDecoder{b: t.raw, depth: d.depth} }

// objFacts are the members of an object decodeObject looks at: the last
// of each key, as a decoded map keeps it.
type objFacts struct {
	obj                                    jtok
	typ, accountID, key, name, displayName jtok
	email, value, child                    jtok
}

// object scans an object at d.i into its facts.
func (d *fastDecoder) object(f *objFacts) {
	start := d.i
	d.enter()
	for n := 0; d.more('}', n); n++ {
		k := d.key()
		v := d.value()
		if d.bad {
			return
		}
		name := k.body()
		if k.esc {
			name = []byte(d.str(k))
		}
		switch string(name) {
		case "type":
			f.typ = v
		case "accountId":
			f.accountID = v
		case "key":
			f.key = v
		case "name":
			f.name = v
		case "displayName":
			f.displayName = v
		case "emailAddress":
			f.email = v
		case "value":
			f.value = v
		case "child":
			f.child = v
		}
	}
	f.obj = jtok{raw: d.b[start:d.i], kind: jObject}
}

// objectText is decodeObject on an object's facts.
func (d *fastDecoder) objectText(f *objFacts) (text string, u handoff.User, isUser, known bool) {
	if d.is(f.typ, "doc") { // ADF rich text
		var sb strings.Builder
		d.adf(f.obj, &sb)
		return strings.TrimSpace(sb.String()), u, false, true
	}
	if !d.blank(f.accountID) || (!d.blank(f.key) && !d.blank(f.name) && (f.displayName.present() || f.email.present())) {
		u = handoff.User{AccountID: d.trimmed(f.accountID), Name: d.trimmed(f.name), Key: d.trimmed(f.key),
			Email: d.trimmed(f.email), DisplayName: d.trimmed(f.displayName)}
		text = u.DisplayName
		if text == "" {
			text = firstNonEmpty(u.Email, u.Name, u.AccountID)
		}
		return text, u, true, true
	}
	if f.value.present() { // select, radio, checkbox, cascading select
		v, ok := d.scalar(f.value)
		if !ok {
			return "", u, false, false
		}
		var cv string
		if f.child.kind == jObject {
			cv, _ = d.scalar(d.childValue(f.child))
		}
		switch {
		case v != "" && cv != "":
			return v + " - " + cv, u, false, true
		case v != "":
			return v, u, false, true
		case cv != "":
			return cv, u, false, true
		}
	}
	switch {
	case !d.blank(f.name): // group, component, version, status, resolution, priority, issuetype
		return d.trimmed(f.name), u, false, true
	case !d.blank(f.key): // project, linked issue
		return d.trimmed(f.key), u, false, true
	case f.value.present(): // an option with a blank value
		return "", u, false, true
	}
	return "", u, false, false
}

// childValue is a cascading select child's "value" member.
func (d *fastDecoder) childValue(child jtok) jtok { return d.pick(child, "value")[0] }

// pick scans object t and returns, for each of up to four names, the
// value of its last member of that name (as a decoded map keeps it).
func (d *fastDecoder) pick(t jtok, names ...string) (out [4]jtok) {
	s := d.sub(t)
	s.enter()
	for n := 0; s.more('}', n); n++ {
		k := s.key()
		v := s.value()
		for i, name := range names {
			if s.is(k, name) {
				out[i] = v
				break
			}
		}
	}
	d.bad = d.bad || s.bad
	return out
}

// adf is adfText for a scanned value.
func (d *fastDecoder) adf(t jtok, sb *strings.Builder) {
	switch t.kind {
	case jArray:
		s := d.sub(t)
		s.enter()
		for n := 0; s.more(']', n); n++ {
			d.adf(s.value(), sb)
		}
		d.bad = d.bad || s.bad
	case jObject:
		m := d.pick(t, "type", "text", "attrs", "content")
		typ, text, attrs, content := m[0], m[1], m[2], m[3]
		if d.bad {
			return
		}
		if text.kind == jString {
			if text.esc {
				sb.WriteString(d.str(text))
			} else {
				sb.Write(text.body())
			}
		}
		var kind string // the node's type, when it is a string
		if typ.kind == jString {
			kind = d.str(typ)
		}
		if attrs.kind == jObject {
			sb.WriteString(d.adfInline(typ.kind == jString, kind, attrs))
		}
		if typ.kind == jString && kind == "hardBreak" {
			sb.WriteString("\n")
		}
		if content.kind != jNone {
			d.adf(content, sb)
		}
		if typ.kind == jString {
			switch kind {
			case "paragraph", "heading", "listItem", "taskItem", "codeBlock":
				sb.WriteString("\n")
			}
		}
	}
}

// adfInline is adfInlineText for a scanned attrs object.
func (d *fastDecoder) adfInline(isString bool, typ string, attrs jtok) string {
	if !isString {
		return ""
	}
	m := d.pick(attrs, "text", "shortName", "url", "timestamp")
	text, shortName, url, timestamp := m[0], m[1], m[2], m[3]
	switch typ {
	case "mention", "status":
		return d.str(text)
	case "emoji":
		return firstNonEmpty(d.str(text), d.str(shortName))
	case "inlineCard", "blockCard", "embedCard":
		return d.str(url)
	case "date": // milliseconds since the epoch, as a string
		ts := d.str(timestamp)
		if ms, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64); err == nil {
			return time.UnixMilli(ms).UTC().Format("2006-01-02")
		}
		return ts
	}
	return ""
}

// decodeValueFast is decodeValue for a value that is not null. handled is
// false when decodeValueGeneric must decide.
func decodeValueFast(raw json.RawMessage) (v handoff.FieldValue, ok, known, handled bool) {
	d := fastDecoder{b: raw}
	switch d.peek() {
	case '{':
		var f objFacts
		d.object(&f)
		if !d.end() {
			return v, false, false, false
		}
		text, user, isUser, k := d.objectText(&f)
		if d.bad {
			return v, false, false, false
		}
		if !k {
			return handoff.FieldValue{Text: string(raw)}, true, false, true
		}
		v.Text = text
		if isUser {
			v.Users = []handoff.User{user}
		}
	case '[':
		// An element of a shape the generic decoder refuses makes the
		// whole value unknown whatever follows: had the rest not parsed,
		// it would have been unknown too.
		d.enter()
		for n := 0; d.more(']', n); n++ {
			if d.peek() == '{' {
				var f objFacts
				d.object(&f)
				if d.bad {
					return v, false, false, false
				}
				text, user, isUser, k := d.objectText(&f)
				if d.bad {
					return v, false, false, false
				}
				if !k {
					return handoff.FieldValue{Text: string(raw)}, true, false, true
				}
				if text != "" {
					v.Items = append(v.Items, text)
				}
				if isUser {
					v.Users = append(v.Users, user)
				}
				continue
			}
			e := d.value()
			switch e.kind {
			case jString:
				if s := d.trimmed(e); s != "" {
					v.Items = append(v.Items, s)
				}
			case jNumber:
				v.Items = append(v.Items, numberText(json.Number(e.raw)))
			case jNull:
			case jBool, jArray:
				if d.bad {
					return v, false, false, false
				}
				return handoff.FieldValue{Text: string(raw)}, true, false, true
			}
			if d.bad {
				return v, false, false, false
			}
		}
		if !d.end() {
			return v, false, false, false
		}
		v.Text = strings.Join(v.Items, ", ")
	default:
		e := d.value()
		if !d.end() {
			return v, false, false, false
		}
		switch e.kind {
		case jString:
			v.Text = d.trimmed(e)
		case jNumber:
			v.Text = numberText(json.Number(e.raw))
		case jBool:
			v.Text = boolText(e)
		default: // null: decodeValue answers before
			return v, false, false, false
		}
		if d.bad {
			return v, false, false, false
		}
	}
	return v, v.Text != "" || len(v.Items) > 0 || len(v.Users) > 0, true, true
}

// fastString is json.Unmarshal of a plain string: one without escapes or
// invalid UTF-8, which is its bytes.
func fastString(raw []byte) (string, bool) {
	d := fastDecoder{b: raw}
	if d.peek() != '"' {
		return "", false
	}
	t := d.string()
	if !d.end() || t.esc {
		return "", false
	}
	return string(t.body()), true
}

// fastTime is rawTime for a plain string, parsed from the hit's bytes.
func fastTime(raw []byte) (time.Time, bool) {
	d := fastDecoder{b: raw}
	if d.peek() != '"' {
		return time.Time{}, false
	}
	t := d.string()
	if !d.end() || t.esc {
		return time.Time{}, false
	}
	tm, _ := parseJiraTime(string(t.body()))
	return tm, true
}

// structField is which of names json.Unmarshal would store a member with
// key k in, when reading into a struct of fields tagged names: -1 for
// none. handled is false for a key only json.Unmarshal can place: an
// escaped or non-ASCII key, or one matching a name only in another case
// (it matches keys case-insensitively, with Unicode folding).
func structField(k jtok, names []string) (i int, handled bool) {
	if k.esc {
		return -1, false
	}
	b := k.body()
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return -1, false
		}
	}
	for i, n := range names {
		if string(b) == n {
			return i, true
		}
	}
	for _, n := range names {
		if len(b) == len(n) && strings.EqualFold(string(b), n) {
			return -1, false
		}
	}
	return -1, true
}

// structStrings is json.Unmarshal of an object into a struct of string
// fields tagged names (and, when nested is not "", a struct field tagged
// nested of string fields tagged nestedNames). It sets out[i] (nestedOut[i])
// for a string member; a null one leaves it. failed is true when
// json.Unmarshal returns an error (a member of the wrong type); handled
// is false when only json.Unmarshal can tell.
func (d *fastDecoder) structStrings(names, out []string, nested string, nestedNames, nestedOut []string) (failed, handled bool) {
	if d.peek() != '{' {
		return false, false
	}
	d.enter()
	for n := 0; d.more('}', n); n++ {
		k := d.key()
		if d.bad {
			return false, false
		}
		if nested != "" {
			if i, ok := structField(k, []string{nested}); !ok {
				return false, false
			} else if i == 0 {
				switch d.peek() {
				case '{':
					if f, h := d.structStrings(nestedNames, nestedOut, "", nil, nil); !h {
						return false, false
					} else if f {
						return true, true
					}
				case 'n':
					d.value()
				default:
					return true, true // not an object: json refuses it
				}
				continue
			}
		}
		i, ok := structField(k, names)
		if !ok {
			return false, false
		}
		v := d.value()
		if d.bad {
			return false, false
		}
		if i < 0 {
			continue
		}
		switch v.kind {
		case jString:
			out[i] = d.str(v)
		case jNull:
		default:
			return true, true // json refuses a non-string for a string field
		}
	}
	return false, !d.bad
}

var (
	userFieldNames = []string{"accountId", "name", "key", "emailAddress", "displayName"}
	nameFieldNames = []string{"name"}
	keyFieldNames  = []string{"key"}
)

// fastUser is rawUser for a value that is not null.
func fastUser(raw []byte) (handoff.User, bool) {
	d := fastDecoder{b: raw}
	if d.peek() != '{' {
		if d.bad {
			return handoff.User{}, false
		}
		// A string, number, boolean or array: json refuses it for a
		// struct, and an invalid text fails too.
		return handoff.User{}, true
	}
	var f [5]string
	failed, handled := d.structStrings(userFieldNames, f[:], "", nil, nil)
	switch {
	case failed:
		return handoff.User{}, true
	case !handled || !d.end():
		return handoff.User{}, false
	}
	return userJSON{AccountID: f[0], Name: f[1], Key: f[2], EmailAddress: f[3], DisplayName: f[4]}.user(), true
}

// fastStatus reads the status as decodeTicket's json.Unmarshal does. ok
// is false when json.Unmarshal returns an error.
func fastStatus(raw []byte) (name, category string, ok, handled bool) {
	d := fastDecoder{b: raw}
	var n, c [1]string
	failed, h := d.structStrings(nameFieldNames, n[:], "statusCategory", keyFieldNames, c[:])
	switch {
	case failed:
		return "", "", false, true
	case !h || !d.end():
		return "", "", false, false
	}
	return n[0], c[0], true, true
}

// fastName reads an object's name as decodeTicket's json.Unmarshal of the
// resolution does. ok is false when json.Unmarshal returns an error.
func fastName(raw []byte) (name string, ok, handled bool) {
	d := fastDecoder{b: raw}
	var n [1]string
	failed, h := d.structStrings(nameFieldNames, n[:], "", nil, nil)
	switch {
	case failed:
		return "", false, true
	case !h || !d.end():
		return "", false, false
	}
	return n[0], true, true
}

// fastStrings is json.Unmarshal of an array of strings into a nil
// []string, for an array holding only strings.
func fastStrings(raw []byte) ([]string, bool) {
	d := fastDecoder{b: raw}
	if d.peek() != '[' {
		return nil, false
	}
	out := []string{}
	d.enter()
	for n := 0; d.more(']', n); n++ {
		e := d.value()
		if e.kind != jString {
			return nil, false
		}
		out = append(out, d.str(e))
	}
	if !d.end() {
		return nil, false
	}
	return out, true
}

var trailFieldNames = []string{"v", "fingerprint", "flagged", "commentId", "commentUnknown", "complete", "deleted", "written"}

// fastTrail is json.Unmarshal of the trail property (not null) into j.
// failed is true when json.Unmarshal returns an error; handled is false
// when only json.Unmarshal can tell, and j is then to be thrown away.
func fastTrail(raw []byte, j *trailJSON) (failed, handled bool) {
	d := fastDecoder{b: raw}
	if d.peek() != '{' {
		// A string, number, boolean or array: json refuses it for a
		// struct; anything else is not JSON.
		return true, !d.bad
	}
	d.enter()
	for n := 0; d.more('}', n); n++ {
		k := d.key()
		if d.bad {
			return false, false
		}
		i, ok := structField(k, trailFieldNames)
		if !ok {
			return false, false
		}
		v := d.value()
		if d.bad {
			return false, false
		}
		if i < 0 || v.kind == jNull && i != 2 && i != 7 {
			continue // null leaves a number, string or boolean as it is
		}
		switch i {
		case 0:
			if v.kind != jNumber {
				return true, true
			}
			n, err := strconv.ParseInt(string(v.raw), 10, 0)
			if err != nil {
				return true, true // json reads an int with ParseInt too
			}
			j.V = int(n)
		case 1, 3:
			if v.kind != jString {
				return true, true
			}
			if i == 1 {
				j.Fingerprint = d.str(v)
			} else {
				j.CommentID = d.str(v)
			}
		case 2:
			switch v.kind {
			case jNull:
				j.Flagged = nil
			case jArray:
				s := d.sub(v)
				flagged := []handoff.FieldID{}
				s.enter()
				for m := 0; s.more(']', m); m++ {
					e := s.value()
					if e.kind != jString {
						return false, false // json keeps going with a zero element
					}
					flagged = append(flagged, handoff.FieldID(s.str(e)))
				}
				if s.bad {
					return false, false
				}
				j.Flagged = flagged
			default:
				return false, false
			}
		case 4, 5, 6:
			if v.kind != jBool {
				return true, true
			}
			b := v.raw[0] == 't'
			switch i {
			case 4:
				j.CommentUnknown = b
			case 5:
				j.Complete = b
			default:
				j.Deleted = b
			}
		case 7:
			if v.kind == jNull {
				j.Written = nil
				continue
			}
			// json hands any other value to time.Time's UnmarshalJSON,
			// into the time it already holds if any.
			if j.Written == nil {
				j.Written = new(time.Time)
			}
			if j.Written.UnmarshalJSON(v.raw) != nil {
				return true, true
			}
		}
	}
	if !d.end() || d.bad {
		return false, false
	}
	return false, true
}
