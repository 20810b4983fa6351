package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
)

// A search answer must read exactly as go-jira's Client.Do read it before
// pageReader: json.NewDecoder(body).Decode into searchPage, which has no
// JSON method of its own, so the reference is encoding/json on the old
// struct shape. The page, every hit's keys and the raw bytes of each
// value, and the error if any, must be the same.

// decodePageReference is what go-jira's Client.Do does with a body.
func decodePageReference(r io.Reader) (searchPage, error) {
	var p searchPage
	err := json.NewDecoder(r).Decode(&p)
	return p, err
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// checkPage reads body through r and holds it to the reference, which
// reads ref (the same bytes, and the same read error if any).
func checkPage(t *testing.T, r *pageReader, body, ref io.Reader, size int64, what []byte) {
	t.Helper()
	err := r.readBody(body, size)
	want, wantErr := decodePageReference(ref)
	if errText(err) != errText(wantErr) {
		t.Fatalf("reading %.300q: error %v, want %v", what, err, wantErr)
	}
	if !reflect.DeepEqual(r.page, want) {
		t.Fatalf("reading %.300q:\n got  %#v\n want %#v", what, r.page, want)
	}
}

func checkPageEquivalence(t *testing.T, body []byte) {
	t.Helper()
	var r pageReader
	checkPage(t, &r, bytes.NewReader(body), bytes.NewReader(body), -1, body)
	// The length announced, and a byte at a time.
	checkPage(t, &r, bytes.NewReader(body), bytes.NewReader(body), int64(len(body)), body)
	checkPage(t, &r, iotest.OneByteReader(bytes.NewReader(body)), bytes.NewReader(body), -1, body)
}

// pageValues are search answers around the shapes both searches send.
var pageValues = []string{
	// pages
	`{}`, ` { } `, `{"issues":[]}`, `{"issues":null}`, `{"issues":[null]}`, `{"issues":[{}]}`, `{"issues":[{},null,{}]}`,
	`{"expand":"schema,names","startAt":0,"maxResults":50,"total":2,"issues":[{"id":"1","key":"SEC-1"},{"id":"2","key":"SEC-2"}]}`,
	`{"issues":[{"id":"1","key":"SEC-1"}],"isLast":true}`, `{"issues":[],"isLast":false,"nextPageToken":"tok\u0041=="}`,
	`{"isLast":null,"nextPageToken":null,"startAt":null,"maxResults":null,"total":null}`,
	`{"startAt":-0,"maxResults":9223372036854775807,"total":-9223372036854775808}`,
	`{"self":{"a":[1,2,{"b":null}]},"names":{"summary":"Summary"},"schema":{},"warningMessages":["x"]}`,
	// hits
	`{"issues":[{"id":"10042","key":"SEC-42","self":"https://x/rest/api/2/issue/10042","expand":"renderedFields","fields":{},"properties":{}}]}`,
	`{"issues":[{"key":"SEC-1","fields":null,"properties":null}]}`, `{"issues":[{"key":"SEC-1","fields":{"summary":null}}]}`,
	`{"issues":[{"key":"SEC-1","properties":{"patchbot":{"v":1,"complete":true}}}]}`,
	`{"issues":[{"id":null,"key":null}]}`, `{"issues":[{"key":"S\u0045C-1","id":"caf\u00e9"}]}`, "{\"issues\":[{\"key\":\"bad \xff\"}]}",
	// field values: nested, escaped, spaced, duplicated
	`{"issues":[{"key":"SEC-1","fields":{"summary":"caf\u00e9 \"q\" \ud83d\udd25","status":{"name":"Done","statusCategory":{"key":"done","id":3}},"labels":["a","b"],"customfield_10001":[{"value":"KEV"},{"value":"Exposed","child":{"value":"x"}}],"customfield_10002":0.42,"customfield_10003":true,"customfield_10004":null}}]}`,
	`{"issues":[{"fields":{"a" : [ 1 , 2 ] , "b" :	{ "c" : "d" }	, "c":"  spaced  " , "d": -1.5e-3 }}]}`,
	`{"issues":[{"fields":{"a":1,"a":2,"b":"x","a":{"z":[]}}}]}`, `{"issues":[{"fields":{"a":1,"a":null}}]}`,
	`{"issues":[{"fields":{"custom\u0066ield_1":"escaped key","\u00e9":"é","é":"raw é","":"empty key"}}]}`,
	"{\"issues\":[{\"fields\":{\"bad \xff key\":1,\"bad \xfe key\":2,\"x\":\"bad \xff value\"}}]}",
	`{"issues":[{"fields":{"Summary":"kept as sent","SUMMARY":"and this","summary":"this"}}]}`,
	`{"issues":[{"fields":{"description":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"a\nb"}]}]}}}]}`,
	`{"issues":[{"fields":{"a":"\u0000\/\b\f\n\r\t\\"}}]}`,
	// struct keys encoding/json matches other than exactly: twice, in
	// another case, escaped
	`{"issues":[{"key":"A","key":"B"}]}`, `{"issues":[{"id":"1","id":null}]}`,
	`{"issues":[{"fields":{"a":1}},{"fields":{"b":2}}],"issues":[{"fields":{"c":3}}]}`,
	`{"issues":[{"fields":{"a":1},"fields":{"b":2}}]}`, `{"issues":[{"fields":{"a":1},"fields":null}]}`,
	`{"issues":[{"properties":{"a":1},"properties":{"a":2}}]}`, `{"total":1,"total":2}`, `{"isLast":true,"isLast":null}`,
	`{"nextPageToken":"a","nextPageToken":"b"}`, `{"issues":[],"issues":null}`,
	`{"Issues":[{"key":"SEC-1"}]}`, `{"ISSUES":[{"KEY":"SEC-1","Fields":{"a":1},"PROPERTIES":{}}]}`, `{"IsLast":true,"NEXTPAGETOKEN":"t","StartAt":1,"maxresults":2,"TOTAL":3}`,
	`{"issues":[{"key":"a","Key":"b"}]}`, `{"issues":[{"Key":"b","key":"a"}]}`, `{"issues":[{"fields":{"a":1},"Fields":{"b":2}}]}`,
	`{"\u0069ssues":[{"\u006bey":"SEC-1"}]}`, `{"issues":[{"k\u0065y":"SEC-1","fi\u0065lds":{}}]}`,
	"{\"issues\":[{\"\u212aey\":\"kelvin\",\"id\":\"1\"}]}", "{\"\u017ftartAt\":5}", "{\"issues\":[{\"\u212aey\":\"kelvin\",\"key\":\"k\"}]}",
	`{"issues":[{"ke":"x","keys":"y","Id":"1"}]}`,
	// members of the wrong type
	`{"startAt":"5"}`, `{"startAt":1.5}`, `{"startAt":1e2}`, `{"startAt":1.0}`, `{"total":99999999999999999999}`, `{"total":-1}`,
	`{"isLast":"true"}`, `{"isLast":1}`, `{"nextPageToken":5}`, `{"nextPageToken":["a"]}`, `{"issues":{}}`, `{"issues":"x"}`,
	`{"issues":[5]}`, `{"issues":["SEC-1"]}`, `{"issues":[[]]}`, `{"issues":[true]}`, `{"issues":[{"fields":[]}]}`,
	`{"issues":[{"fields":"x"}]}`, `{"issues":[{"properties":5}]}`, `{"issues":[{"id":5}]}`, `{"issues":[{"key":{"a":1}}]}`,
	`{"issues":[{"fields":{"a":1}},"x",{"fields":{"b":2}}]}`, `{"startAt":"5","issues":[{"key":"SEC-1"}]}`,
	// not an object
	``, ` `, `null`, ` null `, `[]`, `[{"issues":[]}]`, `"issues"`, `5`, `true`, "\xef\xbb\xbf{}",
	// what follows the first value is not read
	`{"issues":[]} garbage`, `{"issues":[]}{"issues":[{"key":"SEC-9"}]}`, `{"total":1}]`, `{}}`, "{}\x00",
	// not JSON
	`{`, `{"issues": [ {"key": oops`, `{"issues":[{"key":"SEC-1"}`, `{"issues":[{"key":"SEC-1"}]`, `{"issues":[{"key":"SEC-1",}]}`,
	`{"issues":[{"key":"SEC-1"},]}`, `{"issues":[,]}`, `{"a" 1}`, `{"a":1,}`, `{a:1}`, `{"issues":[{"fields":{"a":}}]}`,
	`{"issues":[{"fields":{"a":01}}]}`, `{"issues":[{"fields":{"a":"\x"}}]}`, "{\"issues\":[{\"fields\":{\"a\":\"ctl \x01\"}}]}",
	`{"issues":[{"fields":{"a":tru}}]}`, `{"issues":[{"fields":{"a":1 2}}]}`, "{\"total\":1\u00a0}", "\u00a0{}", "\v{}",
	`{"startAt":-}`, `{"startAt":1.}`, `{"isLast":nul}`,
	// deep values
	`{"issues":[{"fields":{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}]}`,
	`{"issues":[{"fields":{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}]}`,
	`{"x":` + strings.Repeat(`{"y":`, 300) + `1` + strings.Repeat("}", 300) + `,"total":3}`,
}

func TestDecodePageEquivalence(t *testing.T) {
	for _, body := range pageValues {
		checkPageEquivalence(t, []byte(body))
	}
}

// TestDecodePageRealistic holds pageReader to the reference on the
// fake's answers for SEC tickets, whole and cut anywhere, and checks that
// it splits them itself.
func TestDecodePageRealistic(t *testing.T) {
	for _, fl := range []jiratest.Flavor{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(string(fl), func(t *testing.T) {
			_, _, hits, bodies := secSearch(t, fl, 1, 150)
			if len(bodies) != 2 {
				t.Fatalf("%d answers, want 2", len(bodies))
			}
			var r pageReader
			n := 0
			for _, body := range bodies {
				var p searchPage
				if !splitPage(body, &p) {
					t.Errorf("the split leaves the fake's %s answer to encoding/json", fl)
				}
				checkPageEquivalence(t, body)
				checkPage(t, &r, iotest.OneByteReader(bytes.NewReader(body)), bytes.NewReader(body), -1, body)
				checkPage(t, &r, iotest.HalfReader(bytes.NewReader(body)), bytes.NewReader(body), int64(len(body)), body)
				if !reflect.DeepEqual(r.page.Issues, hits[n:n+len(r.page.Issues)]) {
					t.Errorf("the hits read differ from the scan's")
				}
				n += len(r.page.Issues)
				for cut := 1; cut < len(body); cut += 1 + cut/3 {
					checkPage(t, &r, bytes.NewReader(body[:cut]), bytes.NewReader(body[:cut]), -1, body[:cut])
				}
			}
			if n != len(hits) {
				t.Errorf("%d hits read, want %d", n, len(hits))
			}
		})
	}
}

// TestDecodePageReadError: a body that fails partway reads as go-jira's
// decoder read it: the same error, or the page if it was whole before
// the failure.
func TestDecodePageReadError(t *testing.T) {
	boom := errors.New("connection reset by peer")
	for _, body := range []string{
		`{"issues":[{"key":"SEC-1"}]}`, `{"issues":[{"key":"SEC-1"}]} `, `{"issues":[{"key":"SEC-1"}`, ``, `  `, `{"x":1}garbage`,
	} {
		var r pageReader
		reader := func() io.Reader { return io.MultiReader(strings.NewReader(body), iotest.ErrReader(boom)) }
		checkPage(t, &r, reader(), reader(), -1, []byte(body))
	}
	// A body longer than announced reads whole.
	var r pageReader
	body := `{"issues":[{"key":"SEC-1","fields":{"summary":"longer than announced"}}]}`
	checkPage(t, &r, strings.NewReader(body), strings.NewReader(body), 3, []byte(body))
}

// TestDecodePageStopsAtValueEnd: like json.Decoder, the reader reads no
// further than the read that ends the first value, so net/http keeps or
// drops the connection as it did when go-jira read the answer.
func TestDecodePageStopsAtValueEnd(t *testing.T) {
	for _, tc := range []struct{ value, rest string }{
		{`{"issues":[{"key":"SEC-1","fields":{"summary":"a}]\"}\\"}}],"total":1}`, ` {"x":1}`},
		{` [ {"a":"]"} ]`, ` trailing`},
		{`{}`, `}`},
		{"\n\t{\"issues\":[]}", "\n"},
	} {
		src := strings.NewReader(tc.value + tc.rest)
		var r pageReader
		err := r.readBody(iotest.OneByteReader(src), -1)
		if src.Len() != len(tc.rest) {
			t.Errorf("reading %q left %d bytes unread, want %d (%v)", tc.value+tc.rest, src.Len(), len(tc.rest), err)
		}
		want, wantErr := decodePageReference(strings.NewReader(tc.value + tc.rest))
		if errText(err) != errText(wantErr) || !reflect.DeepEqual(r.page, want) {
			t.Errorf("reading %q: %#v, %v; want %#v, %v", tc.value+tc.rest, r.page, err, want, wantErr)
		}
	}
	// Not an object or an array: read to the end.
	for _, body := range []string{`null `, `"a" `, `5 `, `} {}`, `x`} {
		src := strings.NewReader(body)
		var r pageReader
		_ = r.readBody(src, -1)
		if src.Len() != 0 {
			t.Errorf("reading %q left %d bytes unread", body, src.Len())
		}
	}
}

// TestDecodePageBuffers: each answer is read into a buffer of its own,
// so the hits of an answer read before keep their bytes.
func TestDecodePageBuffers(t *testing.T) {
	var r pageReader
	small := `{"issues":[{"key":"SEC-1","fields":{"summary":"a"}}]}`
	large := `{"issues":[{"key":"SEC-2","fields":{"summary":"` + strings.Repeat("b", 200<<10) + `"}}]}`
	var kept []rawIssue
	for _, body := range []string{small, large, small, `{`, small, large} {
		checkPage(t, &r, strings.NewReader(body), strings.NewReader(body), -1, []byte(body))
		kept = append(kept, r.page.Issues...)
	}
	for i, is := range kept {
		want := `"a"`
		if i%3 == 1 {
			want = `"` + strings.Repeat("b", 200<<10) + `"`
		}
		if got := string(is.Fields["summary"]); got != want {
			t.Errorf("hit %d (%s) now holds %.20s..., want %.20s...", i, is.Key, got, want)
		}
	}
}

// FuzzDecodePageEquivalence holds pageReader to encoding/json on any
// bytes.
func FuzzDecodePageEquivalence(f *testing.F) {
	for _, body := range pageValues {
		if len(body) <= 4096 { // the deeply nested ones slow the fuzzer down
			f.Add([]byte(body))
		}
	}
	for _, v := range equivalenceValues {
		if len(v) <= 4096 {
			f.Add([]byte(`{"issues":[{"id":"1","key":"SEC-1","fields":{"summary":` + v + `,"x":1},"properties":{"patchbot":` + v + `}}]}`))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkPageEquivalence(t, body)
	})
}
