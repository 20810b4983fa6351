package slack

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// trimCases are answers and what trimMessage makes of them; an empty want
// means the answer is left as it is.
var trimCases = []struct{ name, in, want string }{
	// Trimmed: one comma goes with the member, nothing else moves.
	{"first", `{"message":{"text":"hi"},"ok":true,"channel":"C1","ts":"1.2"}`, `{"ok":true,"channel":"C1","ts":"1.2"}`},
	{"last", `{"ok":true,"channel":"C1","ts":"1.2","message":{"blocks":[]}}`, `{"ok":true,"channel":"C1","ts":"1.2"}`},
	{"middle", `{"ok":true,"channel":"C1","message":{"a":[1,2,{"b":null}]},"ts":"1.2"}`, `{"ok":true,"channel":"C1","ts":"1.2"}`},
	{"whitespace", "{ \"ok\" : true ,\n\t\"message\" : { } ,\r\n \"ts\" : \"1\" }", "{ \"ok\" : true ,\n\t\"ts\" : \"1\" }"},
	{"whitespace last", "{\"ok\":true , \"message\":[] \n}\n", "{\"ok\":true \n}\n"},
	{"strings", `{"ok":true,"text":"\"message\": {not a key}","message":{"text":"say \"}\" and {\\","x":"\\\""},"ts":"1"}`,
		`{"ok":true,"text":"\"message\": {not a key}","ts":"1"}`},
	{"nested message keys", `{"ok":true,"response_metadata":{"message":"x","messages":["message"]},"message":{"message":{"message":1}},"ts":"1"}`,
		`{"ok":true,"response_metadata":{"message":"x","messages":["message"]},"ts":"1"}`},
	{"other case kept", `{"ok":true,"Message":1,"message":2}`, `{"ok":true,"Message":1}`},
	{"values", `{"ok":true,"message":[-0.5e+10,0,12E-3,-1,true,false,null,"\u00e9\/\b\f\n\r\t",{},[]],"warning":"superfluous_charset","response_metadata":{"warnings":["superfluous_charset"]}}`,
		`{"ok":true,"warning":"superfluous_charset","response_metadata":{"warnings":["superfluous_charset"]}}`},
	{"deep", `{"ok":true,"message":` + strings.Repeat("[", maxTrimDepth-1) + strings.Repeat("]", maxTrimDepth-1) + `,"ts":"1"}`, `{"ok":true,"ts":"1"}`},

	// Left alone: nothing to trim, or not an answer to trim.
	{"no message", `{"ok":true,"channel":"C1","ts":"1"}`, ""},
	{"empty", `{}`, ""},
	{"error answer", `{"ok":false,"error":"channel_not_found","message":{"text":"x"}}`, ""},
	{"no ok", `{"message":{}}`, ""},
	{"ok not true", `{"ok":"true","message":{}}`, ""},
	{"ok false last", `{"ok":true,"message":{},"ok":false}`, ""},
	{"OK false", `{"ok":true,"OK":false,"message":{}}`, ""},
	{"kelvin ok false", "{\"ok\":true,\"o\u212a\":false,\"message\":{}}", ""}, // encoding/json folds K to k
	{"two messages", `{"ok":true,"message":1,"message":2}`, ""},
	{"escaped key", `{"ok":true,"messag\u0065":{}}`, ""},
	{"escaped other key", `{"ok":true,"message":{},"\u0074s":"1"}`, ""},
	{"too deep", `{"ok":true,"message":` + strings.Repeat("[", maxTrimDepth) + strings.Repeat("]", maxTrimDepth) + `}`, ""},

	// Left alone: not JSON, or not one object.
	{"truncated", `{"ok":true,"message":{"text":"hi"}`, ""},
	{"truncated in string", `{"ok":true,"message":{"text":"hi}}`, ""},
	{"truncated escape", `{"ok":true,"message":"\`, ""},
	{"trailing comma", `{"ok":true,"message":{},}`, ""},
	{"trailing comma inside", `{"ok":true,"message":[1,]}`, ""},
	{"missing comma", `{"ok":true "message":{}}`, ""},
	{"missing colon", `{"ok":true,"message"{}}`, ""},
	{"trailing garbage", `{"ok":true,"message":{}} x`, ""},
	{"two objects", `{"ok":true,"message":{}}{}`, ""},
	{"leading zero", `{"ok":true,"message":01}`, ""},
	{"bare dot", `{"ok":true,"message":1.}`, ""},
	{"bare minus", `{"ok":true,"message":-}`, ""},
	{"bare exponent", `{"ok":true,"message":1e}`, ""},
	{"plus", `{"ok":true,"message":+1}`, ""},
	{"short literal", `{"ok":true,"message":tru}`, ""},
	{"long literal", `{"ok":true,"message":nulll}`, ""},
	{"control character", "{\"ok\":true,\"message\":\"a\tb\"}", ""},
	{"bad escape", `{"ok":true,"message":"\x"}`, ""},
	{"short unicode escape", `{"ok":true,"message":"\u12"}`, ""},
	{"single quotes", `{"ok":true,"message":'x'}`, ""},
	{"key not a string", `{"ok":true,message:{}}`, ""},
	{"unclosed", `{"ok":true,"message":{}`, ""},
	{"array", `[{"ok":true,"message":{}}]`, ""},
	{"string", `"message"`, ""},
	{"null", `null`, ""},
	{"nothing", ``, ""},
	{"blank", " \n", ""},
	{"bom", "\ufeff{\"ok\":true,\"message\":{}}", ""},
	{"html", `<html><body>502 Bad Gateway</body></html>`, ""},
}

func TestTrimMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range trimCases {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		got := string(trimMessage([]byte(tc.in)))
		if got != want {
			t.Errorf("%s:\n in   %q\n got  %q\n want %q", tc.name, tc.in, got, want)
		}
		if json.Valid([]byte(tc.in)) != json.Valid([]byte(got)) {
			t.Errorf("%s: json.Valid %v before, %v after: %q", tc.name, json.Valid([]byte(tc.in)), json.Valid([]byte(got)), got)
		}
	}
}

// TestTrimOkAsSlackGo: an answer is trimmed only when slack-go would read
// it as ok. "kelvin ok false" above depends on encoding/json folding key
// names the way bytes.EqualFold does.
func TestTrimOkAsSlackGo(t *testing.T) {
	t.Parallel()
	for _, tc := range trimCases {
		var r struct {
			Ok bool `json:"ok"`
		}
		if json.Unmarshal([]byte(tc.in), &r) != nil {
			continue
		}
		if trimmed := string(trimMessage([]byte(tc.in))) != tc.in; trimmed && !r.Ok {
			t.Errorf("%s: trimmed an answer encoding/json reads as not ok: %q", tc.name, tc.in)
		}
	}
}

// FuzzTrimMessage: trimMessage leaves its input as it is, or makes valid
// JSON of it that is the input with only its top-level "message" member
// cut out.
func FuzzTrimMessage(f *testing.F) {
	for _, tc := range trimCases {
		f.Add([]byte(tc.in))
	}
	f.Add(postAnswer(f))
	f.Fuzz(func(t *testing.T, in []byte) {
		out := trimMessage(bytes.Clone(in)) // it cuts in place
		if bytes.Equal(out, in) {
			return
		}
		if !json.Valid(in) || !json.Valid(out) {
			t.Fatalf("trimmed, but valid JSON %v before and %v after:\n in  %q\n out %q", json.Valid(in), json.Valid(out), in, out)
		}
		// One run of bytes is cut; the rest is as it was.
		pre := 0
		for pre < len(out) && out[pre] == in[pre] {
			pre++
		}
		if !bytes.Equal(out[pre:], in[len(in)-len(out)+pre:]) {
			t.Fatalf("more than one run of bytes changed:\n in  %q\n out %q", in, out)
		}
		var before, after map[string]json.RawMessage
		if err := json.Unmarshal(in, &before); err != nil {
			t.Fatalf("trimmed what is not an object: %v\n in %q", err, in)
		}
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("trimmed into what is not an object: %v\n out %q", err, out)
		}
		if _, ok := before["message"]; !ok {
			t.Fatalf("trimmed an object with no message:\n in  %q\n out %q", in, out)
		}
		if _, ok := after["message"]; ok {
			t.Fatalf("a message is left:\n in  %q\n out %q", in, out)
		}
		if len(after) != len(before)-1 {
			t.Fatalf("%d members before, %d after, want one fewer:\n in  %q\n out %q", len(before), len(after), in, out)
		}
		for k, v := range before {
			if k != "message" && !bytes.Equal(after[k], v) {
				t.Fatalf("member %q changed: %q, was %q", k, after[k], v)
			}
		}
	})
}
