package jira

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff"
)

// fieldShapes build a field value the way Jira sends it for each schema
// type, around one piece of text. "raw" takes the fuzzer's bytes as the
// value itself, so any JSON reaches the decoder too.
var fieldShapes = []struct {
	schema string
	build  func(text string) any
}{
	{"raw", nil},
	{"string", func(s string) any { return s }},
	{"number", func(s string) any { return json.Number(s) }},
	{"user (cloud)", func(s string) any {
		return map[string]any{"accountId": "5b10:" + s, "displayName": s, "active": true, "self": "https://x/user"}
	}},
	{"user (dc)", func(s string) any {
		return map[string]any{"name": s, "key": "JIRAUSER1", "displayName": s, "emailAddress": "a@example.com"}
	}},
	{"array of user", func(s string) any {
		return []any{map[string]any{"accountId": "5b10:1", "displayName": s}, map[string]any{"accountId": "5b10:2", "displayName": "B"}}
	}},
	{"group", func(s string) any { return map[string]any{"name": s, "groupId": "g1", "self": "https://x/group"} }},
	{"option", func(s string) any { return map[string]any{"value": s, "id": "10001", "self": "https://x/option"} }},
	{"option-with-child", func(s string) any {
		return map[string]any{"value": "Linux", "id": "1", "child": map[string]any{"value": s, "id": "2"}}
	}},
	{"array of option", func(s string) any { return []any{map[string]any{"value": s, "id": "1"}, nil} }},
	{"array of string", func(s string) any { return []any{s, "  "} }},
	{"version", func(s string) any { return map[string]any{"name": s, "id": "1", "released": false, "archived": false} }},
	{"array of version", func(s string) any { return []any{map[string]any{"name": s, "id": "1"}} }},
	{"project", func(s string) any { return map[string]any{"key": s, "id": "1"} }},
	{"priority", func(s string) any { return map[string]any{"name": s, "id": "2", "iconUrl": "https://x/p.svg"} }},
	{"adf", func(s string) any {
		return map[string]any{"type": "doc", "version": 1, "content": []any{
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": s}}}}}
	}},
	{"adf mention", func(s string) any {
		return map[string]any{"type": "doc", "version": 1, "content": []any{
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "mention", "attrs": map[string]any{"id": "5b10:1", "text": "@" + s}}}}}}
	}},
	{"adf status", func(s string) any {
		return map[string]any{"type": "doc", "version": 1, "content": []any{
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "status", "attrs": map[string]any{"text": s, "color": "red"}}}}}}
	}},
}

// FuzzDecodeField feeds the field decoder any JSON value, and values of
// every schema type Jira has around any text. The decoder must not panic,
// and must never turn a value that holds text into an empty field
// silently: decodeValue's contract is that ok is false only for an empty
// value, and that a shape it does not know comes back with known false
// (the connector logs a warning and uses the raw text). So a value
// holding text where Jira puts what a person typed or picked — a string,
// a number, an option's value or child, a name or key, a user's name,
// email or account id, an ADF text node or the text of an inline node —
// decodes to something (ok) or warns (!known). For the built shapes with
// non-blank text, the text itself must come through.
func FuzzDecodeField(f *testing.F) {
	for i := range fieldShapes {
		f.Add(uint8(i), "Patch now", []byte(`null`))
	}
	for _, raw := range []string{
		`"x"`, `"  "`, `0.97`, `-0`, `1e999`, `true`, `[]`, `[null]`, `{}`, `{"value":""}`, `{"value":5}`,
		`{"value":true}`, `{"value":{"a":"b"}}`, `{"value":"","name":"x"}`, `{"value":"","child":{"value":"y"}}`,
		`{"accountId":"5b10:1"}`, `{"key":"K","name":"N","displayName":null}`, `[{"value":"a"},"b",3]`, `[true]`,
		`[[1]]`, `{"type":"doc","content":"x"}`, `{"type":"doc","version":1,"content":[]}`,
		`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"emoji","attrs":{"shortName":":fire:","text":"🔥"}}]}]}`,
		`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"inlineCard","attrs":{"url":"https://x/1"}}]}]}`,
		`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"date","attrs":{"timestamp":"1764633600000"}}]}]}`,
		`{"self":"https://x","id":"1"}`,
	} {
		f.Add(uint8(0), "", []byte(raw))
	}
	f.Fuzz(func(t *testing.T, shape uint8, text string, raw []byte) {
		sh := fieldShapes[int(shape)%len(fieldShapes)]
		value := raw
		if sh.build != nil {
			if sh.schema == "number" && !json.Valid([]byte(text)) {
				return
			}
			b, err := json.Marshal(sh.build(text))
			if err != nil {
				return // a json.Number that is not a number
			}
			value = b
		} else if !json.Valid(raw) {
			return // the search's JSON decoder hands the connector valid values only
		}

		v, ok, known := decodeValue(value)
		if has := v.Text != "" || len(v.Items) > 0 || len(v.Users) > 0; ok != has {
			t.Fatalf("%s %s: ok=%v but the value is %+v", sh.schema, value, ok, v)
		}
		var x any
		d := json.NewDecoder(strings.NewReader(string(value)))
		d.UseNumber()
		if err := d.Decode(&x); err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		if x != nil && shown(x) && !ok && known {
			t.Fatalf("%s %s holds text but decoded empty without a warning", sh.schema, value)
		}
		if sh.build != nil && sh.schema != "number" && utf8.ValidString(text) && strings.TrimSpace(text) != "" {
			if !ok || !known || !strings.Contains(v.Text, strings.TrimSpace(text)) {
				t.Fatalf("%s %s: decoded %+v (ok %v, known %v), want the text %q", sh.schema, value, v, ok, known, strings.TrimSpace(text))
			}
		}

		// The rest of a search hit's decoding must not panic either.
		_ = descriptionText(value)
		c := &Client{base: "https://jira.example"}
		_ = c.decodeTicket(rawIssue{Key: "SEC-1", Fields: map[string]json.RawMessage{
			"summary": value, "status": value, "resolution": value, "labels": value, "assignee": value,
			"reporter": value, "created": value, "resolutiondate": value}}, "SEC")
		_, _ = decodeTrail(value)
	})
}

// FuzzDecodePage reads any bytes as a search answer, as callStatus reads
// one, and turns every hit into a ticket, as the scan does, with fields
// mapped and the trail property read: whatever a page holds, nothing
// panics, and a hit comes out under its own key.
func FuzzDecodePage(f *testing.F) {
	for _, body := range []string{
		`{"issues":[],"isLast":true}`, `{"startAt":0,"maxResults":50,"total":1,"issues":[{"id":"1","key":"SEC-1"}]}`,
		`{"issues":[null,{},{"key":"SEC-1","fields":null,"properties":null}]}`,
		`{"issues":[{"key":"SEC-1","fields":{"summary":"x","status":{"name":"Done","statusCategory":{"key":"done"}},"labels":["a"],` +
			`"assignee":{"accountId":"5b10:1","displayName":"A"},"created":"2026-11-17T15:00:00.000+0000","customfield_1":{"value":"Linux","child":{"value":"Ubuntu"}},` +
			`"customfield_2":[{"name":"2.4"}],"description":{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"a"}]}]}},` +
			`"properties":{"patchbot":{"v":1,"fingerprint":"f","flagged":["rollback"],"written":"2026-11-17T15:00:00Z"}}}]}`,
		`{"issues":[{"key":"SEC-1","fields":{"summary":5,"status":"x","labels":{},"assignee":[],"customfield_1":[true]},"properties":{"patchbot":"x"}}]}`,
		`{"issues":[{"key":"SEC-1"}]} trailing`, `{"issues":[{"key":`, `null`,
	} {
		f.Add([]byte(body))
	}
	c := &Client{base: "https://jira.example", log: slog.New(slog.DiscardHandler), opts: Options{PropertyKey: "patchbot"}}
	p := &project{Project: Project{Name: "sec", UseDescription: true},
		mapped: []mappedField{{handoff.FieldProduct, "customfield_1"}, {handoff.FieldFixedVersion, "customfield_2"}, {handoff.FieldOwner, "assignee"}}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var page searchPage
		if json.NewDecoder(bytes.NewReader(body)).Decode(&page) != nil {
			return
		}
		for _, is := range page.Issues {
			if tk := c.decode(is, p); tk.Input.Ticket.Key != is.Key {
				t.Fatalf("hit %q decoded as %q", is.Key, tk.Input.Ticket.Key)
			}
		}
	})
}

// shown reports whether a JSON value holds text where Jira puts what a
// person typed or picked (see FuzzDecodeField).
func shown(x any) bool {
	switch v := x.(type) {
	case string:
		return strings.TrimSpace(v) != ""
	case json.Number, bool:
		return true
	case []any:
		for _, e := range v {
			if shown(e) {
				return true
			}
		}
	case map[string]any:
		if v["type"] == "doc" {
			return adfShown(v)
		}
		for _, k := range []string{"value", "child", "name", "key", "accountId", "displayName", "emailAddress"} {
			if e, ok := v[k]; ok && e != nil && shown(e) {
				return true
			}
		}
	}
	return false
}

// adfShown reports whether an ADF node shows text: a text node's text, or
// the text, short name, URL or date of an inline node.
func adfShown(x any) bool {
	switch v := x.(type) {
	case []any:
		for _, e := range v {
			if adfShown(e) {
				return true
			}
		}
	case map[string]any:
		if s, _ := v["text"].(string); v["type"] == "text" && strings.TrimSpace(s) != "" {
			return true
		}
		if attrs, _ := v["attrs"].(map[string]any); attrs != nil {
			switch v["type"] {
			case "mention", "emoji", "status", "date", "inlineCard", "blockCard", "embedCard":
				for _, k := range []string{"text", "shortName", "url", "timestamp"} {
					if s, _ := attrs[k].(string); strings.TrimSpace(s) != "" {
						return true
					}
				}
			}
		}
		if c, ok := v["content"].([]any); ok {
			return adfShown(c)
		}
	}
	return false
}

// TestDecodeValueFuzzFindings pins what FuzzDecodeField found read as
// empty without a warning: inline ADF nodes that carry their text in
// attributes, and options whose value is not a string or is blank.
func TestDecodeValueFuzzFindings(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		text  string
		known bool
	}{
		{`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"mention","attrs":{"id":"5b10:1","text":"@Jane Doe"}}]}]}`, "@Jane Doe", true},
		{`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"status","attrs":{"text":"BLOCKED","color":"red"}}]}]}`, "BLOCKED", true},
		{`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"emoji","attrs":{"shortName":":fire:","text":"🔥"}}]}]}`, "🔥", true},
		{`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"emoji","attrs":{"shortName":":fire:"}}]}]}`, ":fire:", true},
		{`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"inlineCard","attrs":{"url":"https://vendor.example/kb/1"}}]}]}`, "https://vendor.example/kb/1", true},
		{`{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"Review on "},{"type":"date","attrs":{"timestamp":"1764633600000"}}]}]}`, "Review on 2025-12-02", true},
		{`{"value":5,"id":"1"}`, "5", true},
		{`{"value":true}`, "true", true},
		{`{"value":"","name":"Patch now"}`, "Patch now", true},
		{`{"value":"","child":{"value":"Ubuntu"}}`, "Ubuntu", true},
		{`{"value":"Linux","child":{"value":"Ubuntu"}}`, "Linux - Ubuntu", true},
		{`{"value":"","id":"1"}`, "", true},
		{`{"value":{"a":"b"}}`, `{"value":{"a":"b"}}`, false},
		{`{"value":["a"]}`, `{"value":["a"]}`, false},
	} {
		v, _, known := decodeValue(json.RawMessage(tc.raw))
		if v.Text != tc.text || known != tc.known {
			t.Errorf("decodeValue(%s) = %q (known %v), want %q (known %v)", tc.raw, v.Text, known, tc.text, tc.known)
		}
	}
}
