package jira

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// The fast decoders must give exactly what encoding/json gives. The
// references below are the connector's decoding before the fast paths,
// kept as they were: decodeValueGeneric (in decode.go, also the fast
// path's fallback) for field values, and these for a ticket's identity.

func parseJiraTimeReference(s string) (time.Time, bool) {
	for _, l := range jiraTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func rawStringReference(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func rawTimeReference(raw json.RawMessage) time.Time {
	t, _ := parseJiraTimeReference(rawStringReference(raw))
	return t
}

func rawUserReference(raw json.RawMessage) handoff.User {
	var u userJSON
	if isNull(raw) || json.Unmarshal(raw, &u) != nil {
		return handoff.User{}
	}
	return u.user()
}

func (c *Client) decodeTicketReference(is rawIssue, projectName string) handoff.Ticket {
	f := is.Fields
	t := handoff.Ticket{Key: is.Key, Project: projectName, URL: c.base + "/browse/" + is.Key,
		Summary: rawStringReference(f["summary"]), Created: rawTimeReference(f["created"]), Updated: rawTimeReference(f["updated"]),
		Resolved: rawTimeReference(f["resolutiondate"]), Assignee: rawUserReference(f["assignee"]), Reporter: rawUserReference(f["reporter"])}
	var st struct {
		Name     string `json:"name"`
		Category struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	}
	if json.Unmarshal(f["status"], &st) == nil {
		t.Status = st.Name
		t.StatusCategory = handoff.StatusCategory(st.Category.Key)
	}
	var res struct {
		Name string `json:"name"`
	}
	if !isNull(f["resolution"]) && json.Unmarshal(f["resolution"], &res) == nil {
		t.Resolution = res.Name
	}
	_ = json.Unmarshal(f["labels"], &t.Labels)
	return t
}

func decodeTrailReference(raw json.RawMessage) (handoff.Trail, bool) {
	if isNull(raw) {
		return handoff.Trail{}, true
	}
	var j trailJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return handoff.Trail{}, false
	}
	t := handoff.Trail{Fingerprint: j.Fingerprint, Flagged: j.Flagged, CommentID: j.CommentID,
		CommentUnknown: j.CommentUnknown, Complete: j.Complete, Deleted: j.Deleted}
	if j.Written != nil {
		t.Written = *j.Written
	}
	return t, true
}

// adfDoc wraps ADF block nodes in a document.
func adfDoc(blocks ...string) string {
	return `{"type":"doc","version":1,"content":[` + strings.Join(blocks, ",") + `]}`
}

// equivalenceValues are raw field values in every shape decode.go reads,
// and around them the unusual, the invalid and the unknown.
var equivalenceValues = []string{
	// text, paragraph (wiki), URL, date and datetime as text
	`"Patch now"`, `"  padded text  "`, `""`, `" "`, `"\t\n "`, `"h2. Scope\n*Owner:* Jane"`,
	`"say \"hi\""`, `"caf\u00e9"`, `"café – 02:00–04:00"`, `"R\u0026D \u003cb\u003e"`, `"\ud83d\udd25 fire"`,
	`"\ud800 lone"`, `"tab\there"`, `"back\\slash"`, `"\/path"`, `"\u0000"`, `"\u00a0nbsp\u00a0"`, "\"\u00a0raw nbsp\u00a0\"",
	"\"bad \xff utf8\"", "\"bad \xed\xa0\x80 surrogate\"", "\"\xef\xbf\xbd\"", `"https://vendor.example.com/security/CVE-2026-10042"`,
	`"2026-12-30"`, `"2026-11-17T15:00:00.000+0000"`, `"CISO, 2026-10-01"`,
	// numbers
	`0.42`, `42`, `0`, `-0`, `-0.0`, `1.0`, `1E2`, `1e-7`, `-1.5e-3`, `0.1`, `1e999`, `-1e999`, `12345678901234567890`,
	`123456789012345678901234567890.5`, `9007199254740993`, `5e-324`, `1e-400`,
	// booleans and null
	`true`, `false`, `null`, ` null `, "\tnull\n",
	// users: Cloud, Data Center, partial
	`{"accountId":"5b10:owner","displayName":"Jane Doe","emailAddress":"jdoe@example.com","active":true,"self":"https://x/user"}`,
	`{"name":"jdoe","key":"JIRAUSER2","displayName":"Jane Doe","emailAddress":"jdoe@example.com","self":"https://x/user","active":true}`,
	`{"accountId":"5b10:1"}`, `{"accountId":"  5b10:2  ","displayName":"  "}`, `{"accountId":" ","displayName":"Nobody"}`,
	`{"key":"K","name":"N","displayName":null}`, `{"key":"K","name":"N","emailAddress":""}`, `{"key":"K","name":"N"}`,
	`{"accountId":5,"name":"Group-ish"}`, `{"accountId":"a","displayName":7}`, `{"accountId":"x","accountId":""}`,
	`{"accountId":"5b10:\u00e9","displayName":"J\u00e9r\u00f4me"}`,
	// multi-user
	`[{"accountId":"5b10:1","displayName":"A"},{"accountId":"5b10:2","displayName":"B"}]`,
	`[{"name":"a","key":"A","displayName":"A"},null,{"name":"b","key":"B","emailAddress":"b@x"}]`,
	// group, component, version, status, resolution, priority, issue type, project
	`{"name":"jira-admins","groupId":"g1","self":"https://x/group"}`,
	`{"self":"https://x/component/1","id":"10300","name":"Backend"}`,
	`{"self":"https://x/version/1","id":"10200","name":"4.1.10","archived":false,"released":false}`,
	`{"self":"https://x/status/1","description":"","iconUrl":"https://x/s.png","name":"In Progress","id":"1","statusCategory":{"self":"https://x/statuscategory/4","id":4,"key":"indeterminate","colorName":"yellow","name":"In Progress"}}`,
	`{"self":"https://x/resolution/1","id":"1","description":"","name":"Fixed"}`,
	`{"self":"https://x/priority/2","id":"2","name":"High","iconUrl":"https://x/p.svg"}`,
	`{"self":"https://x/project/SEC","id":"10000","key":"SEC","name":"SEC"}`, `{"key":"SEC-1","id":"1"}`,
	`{"name":"  ","key":"K"}`, `{"name":5,"key":"K"}`,
	// components, versions
	`[{"self":"https://x/component/1","id":"1","name":"Backend"},{"id":"2","name":"Frontend"}]`,
	`[{"id":"1","name":"4.1.9","released":true},{"id":"2","name":"4.1.10"}]`,
	// single and multi select, checkboxes, cascading select
	`{"self":"https://x/customFieldOption/1","value":"Patch now","id":"10100"}`,
	`[{"self":"https://x/o/1","value":"KEV","id":"1"},{"self":"https://x/o/2","value":"Exposed","id":"2"}]`,
	`{"value":"Linux","id":"1","child":{"value":"Ubuntu","id":"2"}}`, `{"value":"Linux","id":"1"}`,
	`{"value":"Linux","child":null}`, `{"value":"Linux","child":"Ubuntu"}`, `{"value":"Linux","child":{"value":{"x":1}}}`,
	`{"value":"Linux","child":{"value":7}}`, `{"value":"Linux","child":{"value":true}}`, `{"value":"Linux","child":{}}`,
	`{"value":"","child":{"value":"y"}}`, `{"value":"","child":{"value":"  "}}`, `{"value":"Linux","child":{"value":"a","value":"b"}}`,
	`{"value":"Linux","child":{"value":"a"},"child":{"value":"b"}}`, `{"value":"Linux","child":{"value":"a"},"child":[]}`,
	`{"value":5,"id":"1"}`, `{"value":-0.5}`, `{"value":true}`, `{"value":false}`, `{"value":null,"name":"n"}`, `{"value":""}`,
	`{"value":"","name":"Patch now"}`, `{"value":{"a":"b"}}`, `{"value":["a"]}`, `{"value":{"a":"b"},"name":"n"}`,
	`{"value":"  spaced  "}`, `{"value":"x","value":null}`, `{"value":null}`,
	`[{"value":"a","id":"1"},null]`, `[{"value":""},{"value":"b"}]`, `[{"value":{"x":1}}]`,
	// labels and lists of strings and numbers
	`["patch","kev"]`, `[]`, `["a","  "]`, `[null]`, `["  x  ", 3, null, "y"]`, `[1.50, -0, 1e999]`,
	`[{"value":"a"},"b",3]`, `[true]`, `["a", false]`, `[[1]]`, `[["a"]]`, `[[]]`, `[{}]`, `[{"self":"x"}]`,
	// unknown objects
	`{}`, `{"self":"https://x","id":"1"}`, `{"Name":"case"}`, `{"VALUE":"case"}`, `{"\u006eame":"escaped key"}`,
	`{"name":"a","name":"b"}`, `{"name":"a","name":null}`, `{"name":"a","name":""}`, `{"type":"doc","type":"x","name":"n"}`,
	`{"type":"x","name":"n"}`, `{"type":5}`,
	// ADF
	adfDoc(`{"type":"paragraph","content":[{"type":"text","text":"Stage first"}]}`),
	adfDoc(`{"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Scope"}]}`,
		`{"type":"paragraph","content":[{"type":"text","text":"a"},{"type":"hardBreak"},{"type":"text","text":"b","marks":[{"type":"strong"}]}]}`),
	adfDoc(`{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"one"}]}]},{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"two"}]}]}]}`),
	adfDoc(`{"type":"codeBlock","attrs":{"language":"sh"},"content":[{"type":"text","text":"apt-get upgrade\n"}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"mention","attrs":{"id":"5b10:1","text":"@Jane Doe"}}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"status","attrs":{"text":"BLOCKED","color":"red"}}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"emoji","attrs":{"shortName":":fire:","text":"🔥"}}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"emoji","attrs":{"shortName":":fire:"}}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"inlineCard","attrs":{"url":"https://vendor.example/kb/1"}}]}`),
	adfDoc(`{"type":"blockCard","attrs":{"url":"https://x/2"}}`, `{"type":"embedCard","attrs":{"url":"https://x/3"}}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"text","text":"Review on "},{"type":"date","attrs":{"timestamp":"1764633600000"}}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"date","attrs":{"timestamp":" 1764633600000 "}},{"type":"date","attrs":{"timestamp":"soon"}},{"type":"date","attrs":{"timestamp":5}}]}`),
	adfDoc(`{"type":"taskList","content":[{"type":"taskItem","content":[{"type":"text","text":"rescan"}]}]}`),
	adfDoc(`{"type":"taskList","content":[{"type":"taskItem","content":[{"type":"text","text":"a"}]},{"type":"taskItem","content":[{"type":"text","text":"b"}]}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"text","text":"caf\u00e9 \"quoted\"\n"}]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"text","text":5},{"type":7,"text":"x","attrs":{"text":"y"}},{"type":"mention","attrs":"no"}]}`),
	adfDoc(`{"type":"paragraph","text":"own text","attrs":{"text":"t"},"content":{"type":"text","text":"object content"}}`),
	adfDoc(`{"type":"paragraph","content":"a string"}`, `{"type":"paragraph","content":null}`, `{"type":"paragraph","content":[null,1,"s",[{"type":"text","text":"deep"}]]}`),
	adfDoc(`{"type":"paragraph","content":[{"type":"text","text":"a","text":"b"},{"type":"text","type":"hardBreak"}]}`),
	`{"type":"doc","version":1,"content":[]}`, `{"type":"doc"}`, `{"type":"doc","content":"x"}`, `{"type":"doc","text":"top"}`,
	`{"type":"doc","attrs":{"text":"t"},"content":[{"type":"mention","attrs":{"text":"@a"}}]}`,
	`{"\u0074ype":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"escaped key"}]}]}`,
	`{"type":"d\u006fc","content":[{"t\u0079pe":"paragr\u0061ph","cont\u0065nt":[{"type":"text","t\u0065xt":"escaped"}]}]}`,
	`[` + adfDoc(`{"type":"paragraph","content":[{"type":"text","text":"in a list"}]}`) + `,"b"]`,
	`{"type":"doc","accountId":"5b10:1","content":[{"type":"text","text":"doc wins"}]}`,
	// whitespace around values
	" \"spaced\" \n", "\t42\r\n", " {\"name\" : \"n\" , \"id\" : \"1\" } ", " [ \"a\" , \"b\" ] ", "[ ]", "{ }",
	// not JSON, or more than one value
	`{`, `}`, `[`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `"abc`, `"a\x"`, `"a\u12"`, `"a\u12G4"`, "\"ctl \x01\"",
	`01`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`, `tru`, `nul`, `falsey`, `nullx`, `truex`, `'a'`,
	`[,1]`, `[1,,2]`, `[,]`, `[1 2]`, `{,"a":1}`, `{"a":1,,"b":2}`, `{"a":1 "b":2}`, `{"a"}`, `{1:2}`, `["a":1]`,
	`{"name" "x"}`, `{"value":"v" "name":"n"}`, `[{"value" "v"}]`, `{"name":"x",}`, `{"name":"x"`, `{"name":}`,
	`"a" "b"`, `"a" x`, `"a"x`, `[1] x`, `[1]x`, `{"a":1}x`, `{"a":1} {"b":2}`, `1 2`, `true false`,
	"\v\"x\"", "\u00a0\"x\"", "\"x\"\u00a0", "\u00a0null", "\f1",
	// deep nesting
	strings.Repeat("[", 200) + strings.Repeat("]", 200),
	`{"type":"doc","content":` + strings.Repeat(`[{"type":"paragraph","content":`, 100) + `[{"type":"text","text":"deep"}]` + strings.Repeat(`}]`, 100) + `}`,
	`{"value":"v","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"name":"n","x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`["a",` + strings.Repeat(`{"x":`, 10001) + `1` + strings.Repeat("}", 10001) + `]`,
}

// fastShapes are the common shapes the fast path must answer for itself.
var fastShapes = []string{
	`"Patch now"`, `"say \"hi\""`, `"café – 02:00–04:00"`, `0.42`, `true`, `"2026-12-30"`,
	`{"accountId":"5b10:owner","displayName":"Jane Doe","emailAddress":"jdoe@example.com","active":true,"self":"https://x/user"}`,
	`{"name":"jdoe","key":"JIRAUSER2","displayName":"Jane Doe","emailAddress":"jdoe@example.com"}`,
	`[{"accountId":"5b10:1","displayName":"A"},{"accountId":"5b10:2","displayName":"B"}]`,
	`{"name":"jira-admins","groupId":"g1"}`, `{"self":"https://x/o/1","value":"Patch now","id":"10100"}`,
	`[{"value":"KEV","id":"1"},{"value":"Exposed","id":"2"}]`, `{"value":"Linux","id":"1","child":{"value":"Ubuntu","id":"2"}}`,
	`["patch","kev"]`, `{"key":"SEC","id":"1"}`, `{"self":"x","id":"1"}`, `[true]`,
	adfDoc(`{"type":"paragraph","content":[{"type":"text","text":"Stage first"}]}`),
}

type decoded struct {
	V     handoff.FieldValue
	OK    bool
	Known bool
}

func checkValueEquivalence(t *testing.T, raw []byte) {
	t.Helper()
	var fast, generic decoded
	fast.V, fast.OK, fast.Known = decodeValue(raw)
	generic.V, generic.OK, generic.Known = decodeValueGeneric(raw)
	if !reflect.DeepEqual(fast, generic) {
		t.Errorf("decodeValue(%q)\n fast    %#v\n generic %#v", raw, fast, generic)
	}
}

func TestDecodeValueEquivalence(t *testing.T) {
	for _, raw := range equivalenceValues {
		checkValueEquivalence(t, []byte(raw))
	}
	for _, raw := range fastShapes {
		if _, _, _, handled := decodeValueFast([]byte(raw)); !handled {
			t.Errorf("the fast path leaves %s to the generic decoder", raw)
		}
	}
}

// sameTime is equality of two parsed times, zone included.
func sameTime(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo && a.IsZero() == b.IsZero()
}

func checkTicketEquivalence(t *testing.T, fields map[string]json.RawMessage) {
	t.Helper()
	c := &Client{base: "https://jira.example"}
	is := rawIssue{Key: "SEC-1", Fields: fields}
	fast, ref := c.decodeTicket(is, "sec"), c.decodeTicketReference(is, "sec")
	if !sameTime(fast.Created, ref.Created) || !sameTime(fast.Updated, ref.Updated) || !sameTime(fast.Resolved, ref.Resolved) {
		t.Errorf("decodeTicket times differ for %q:\n fast %v %v %v\n ref  %v %v %v", fields["created"],
			fast.Created, fast.Updated, fast.Resolved, ref.Created, ref.Updated, ref.Resolved)
	}
	fast.Created, fast.Updated, fast.Resolved = time.Time{}, time.Time{}, time.Time{}
	ref.Created, ref.Updated, ref.Resolved = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(fast, ref) {
		t.Errorf("decodeTicket differs for fields %q:\n fast %#v\n ref  %#v", fields, fast, ref)
	}
}

// ticketValues are values for a ticket's identity and state fields, on
// top of equivalenceValues.
var ticketValues = []string{
	`{"name":"Done","statusCategory":{"key":"done"}}`, `{"name":"Done"}`, `{"statusCategory":{"key":"new"}}`,
	`{"Name":"Done","statusCategory":{"key":"done"}}`, `{"name":"a","NAME":"b"}`, `{"name":"a","statusCategory":{"KEY":"done"}}`,
	`{"name":"a","StatusCategory":{"key":"done"}}`, `{"name":1}`, `{"name":"a","statusCategory":"x"}`,
	`{"name":"a","statusCategory":[]}`, `{"name":"a","statusCategory":null}`, `{"name":"a","statusCategory":{"key":5}}`,
	`{"name":"a","statusCategory":{"key":null}}`, `{"name":null}`, `{"name":"a","name":null}`, `{"name":"a","statusCategory":{"key":"x"},"statusCategory":{"id":1}}`,
	`{"\u006eame":"escaped"}`, "{\"\u212aey\":\"kelvin\",\"name\":\"n\"}", `{"name":"a","x":{"name":5}}`, `{"name":"a","statusCategory":{"key":"k"}} x`,
	`{"accountId":"5b10:1","accountID":"other"}`, `{"accountId":"a","emailaddress":"e"}`, `{"accountId":"a","displayName":["x"]}`,
	`{"accountId":"a","name":null,"key":"k"}`, `{"emailAddress":"a\u0040b.example"}`, `{"displayName":"\ud800"}`,
	`["a",1,null,"b"]`, `["a",null]`, `[" a "]`, `["x\ny"]`, `"labels"`,
	`"2026-11-17T15:00:00.000+0000"`, `"2026-11-17T15:00:00.000-0700"`, `"2026-11-17T15:00:00+0000"`, `"2026-11-17T15:00:00.123456+0000"`,
	`"2026-11-17T15:00:00Z"`, `"2026-11-17T15:00:00.5+01:00"`, `"2026-11-17T5:00:00.000+0000"`, `"2026-11-17T5:00:00Z"`,
	`"2026-11-17T15:00:00,000+0000"`, `"2026-11-17"`, `"2026-13-17"`, `"2026-11-17 15:00"`, `"17/11/2026"`, `"2026-11-17T15:00"`,
	`"2026-11-17T15:00:00.000+00:00"`, `"2026-11-17T15:00:00.000"`, `"2026-11-17\u0054 15:00:00Z"`, `"2026-11-17T15:00:00.000+0000 "`,
}

func TestDecodeTicketEquivalence(t *testing.T) {
	values := append(append([]string{}, equivalenceValues...), ticketValues...)
	for _, raw := range values {
		b := json.RawMessage(raw)
		checkTicketEquivalence(t, map[string]json.RawMessage{"summary": b, "status": b, "resolution": b, "labels": b,
			"assignee": b, "reporter": b, "created": b, "updated": b, "resolutiondate": b})
	}
	checkTicketEquivalence(t, nil)
	c, _, hit := secHit(t)
	if got, want := c.decodeTicket(hit, "sec"), c.decodeTicketReference(hit, "sec"); !reflect.DeepEqual(got, want) {
		t.Errorf("SEC hit:\n fast %#v\n ref  %#v", got, want)
	}
}

// trailValues are trail properties: as the bot writes them, and not.
var trailValues = []string{
	string(encodeTrail(handoff.Trail{})),
	string(encodeTrail(handoff.Trail{Fingerprint: "3f9a", Flagged: []handoff.FieldID{handoff.FieldRollback, handoff.FieldTestPlan},
		CommentID: "20001", Written: time.Date(2026, 11, 17, 16, 0, 0, 123456789, time.UTC)})),
	string(encodeTrail(handoff.Trail{CommentUnknown: true, Complete: true, Deleted: true,
		Written: time.Date(2026, 11, 17, 16, 0, 0, 0, time.FixedZone("CET", 3600))})),
	`{"v":1,"written":"2026-11-17T16:00:00+01:00"}`, `{"v":1,"written":"2026-11-17T16:00:00Z","written":null}`,
	`{"v":1,"written":null,"written":"2026-11-17T16:00:00Z"}`, `{"written":"2026-11-17 16:00"}`, `{"written":5}`,
	`{"written":{"a":1}}`, `{"written":[]}`, `{"written":"2026-11-17T16:00:00Z"}`, `{"written":true}`,
	`{"v":"1"}`, `{"v":1.0}`, `{"v":1e2}`, `{"v":-0}`, `{"v":99999999999999999999}`, `{"v":null}`, `{"v":true}`, `{"V":2}`,
	`{"fingerprint":5}`, `{"fingerprint":null}`, `{"fingerprint":"a","fingerprint":"b"}`, `{"Fingerprint":"x"}`,
	`{"fingerprint":"caf\u00e9"}`, `{"flagged":null}`, `{"flagged":[]}`, `{"flagged":["a",null]}`, `{"flagged":["a",1]}`,
	`{"flagged":"a"}`, `{"flagged":{}}`, `{"flagged":["a"],"flagged":["b","c"]}`, `{"flagged":["a","b"],"flagged":[]}`,
	`{"flagged":["a"],"flagged":null}`, `{"commentId":"1","commentUnknown":true,"complete":false,"deleted":true}`,
	`{"complete":"true"}`, `{"complete":1}`, `{"complete":null}`, `{"COMPLETE":true}`, `{"deleted":true,"x":{"y":[1,2]}}`,
	`{"\u0076":1}`, "{\"commentId\":\"a\",\"\u212a\":1}", `{"v":1} x`, `{"v":1`, `"trail"`, `[]`, `5`, `true`,
	`{"v":1,"x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
}

func checkTrailEquivalence(t *testing.T, raw []byte) {
	t.Helper()
	fast, ok := decodeTrail(raw)
	ref, refOK := decodeTrailReference(raw)
	if ok != refOK || !sameTime(fast.Written, ref.Written) {
		t.Errorf("decodeTrail(%q) = %v %v, want %v %v", raw, fast.Written, ok, ref.Written, refOK)
	}
	fast.Written, ref.Written = time.Time{}, time.Time{}
	if !reflect.DeepEqual(fast, ref) {
		t.Errorf("decodeTrail(%q):\n fast %#v\n ref  %#v", raw, fast, ref)
	}
}

func TestDecodeTrailEquivalence(t *testing.T) {
	for _, raw := range append(append([]string{}, trailValues...), equivalenceValues...) {
		checkTrailEquivalence(t, []byte(raw))
	}
	for _, raw := range trailValues[:3] {
		var j trailJSON
		if _, handled := fastTrail([]byte(raw), &j); !handled {
			t.Errorf("the fast path leaves the bot's own trail %s to json.Unmarshal", raw)
		}
	}
}

func TestParseJiraTimeEquivalence(t *testing.T) {
	for _, raw := range ticketValues {
		var s string
		if json.Unmarshal([]byte(raw), &s) != nil {
			continue
		}
		for _, v := range []string{s, strings.TrimSpace(s), s + "x", " " + s} {
			got, ok := parseJiraTime(v)
			want, wantOK := parseJiraTimeReference(v)
			if ok != wantOK || !sameTime(got, want) {
				t.Errorf("parseJiraTime(%q) = %v, %v; want %v, %v", v, got, ok, want, wantOK)
			}
		}
	}
}

// FuzzDecodeValueEquivalence holds the fast decoders to encoding/json on
// any bytes: decodeValue to decodeValueGeneric, decodeTicket and
// decodeTrail to their references, parseJiraTime to the layouts tried in
// order.
func FuzzDecodeValueEquivalence(f *testing.F) {
	for _, values := range [][]string{equivalenceValues, ticketValues, trailValues} {
		for _, raw := range values {
			if len(raw) <= 4096 { // the deeply nested ones are for the table tests: they slow the fuzzer down
				f.Add([]byte(raw))
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkValueEquivalence(t, raw)
		checkTrailEquivalence(t, raw)
		b := json.RawMessage(raw)
		checkTicketEquivalence(t, map[string]json.RawMessage{"summary": b, "status": b, "resolution": b, "labels": b,
			"assignee": b, "reporter": b, "created": b, "updated": b, "resolutiondate": b})
		got, ok := parseJiraTime(string(raw))
		want, wantOK := parseJiraTimeReference(string(raw))
		if ok != wantOK || !sameTime(got, want) {
			t.Errorf("parseJiraTime(%q) = %v, %v; want %v, %v", raw, got, ok, want, wantOK)
		}
	})
}
