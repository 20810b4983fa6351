package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/patchbot/patchbot/handoff"
)

// mapEditRequest is editRequest as the connector built it before
// editBody: the body as nested maps, for go-jira to encode
// (NewRequestWithContext). It is the reference the direct encoding is
// held to.
func (c *Client) mapEditRequest(key string, op *commentOp, label string, tr handoff.Trail, withTrail bool) (what, path string, body map[string]any) {
	update := map[string]any{}
	v, what := "2", "publish: "+label+" label"
	path = "rest/api/2/issue/" + url.PathEscape(key)
	if op != nil {
		var body any
		if c.deployment == DeploymentCloud {
			v, body = "3", handoff.RenderADF(op.doc)
		} else {
			body = handoff.RenderWiki(op.doc)
		}
		val := map[string]any{"body": body}
		verb := "add"
		what = "publish: post comment"
		if op.edit {
			verb, val["id"], what = "edit", op.id, "publish: edit comment"
		}
		update["comment"] = []any{map[string]any{verb: val}}
		path = "rest/api/" + v + "/issue/" + url.PathEscape(key)
		if !op.notify {
			path += "?notifyUsers=false"
		}
	}
	if label != "" {
		update["labels"] = []any{map[string]string{label: c.opts.Label}}
	}
	body = map[string]any{}
	if len(update) > 0 {
		body["update"] = update
	}
	if withTrail {
		body["properties"] = []any{map[string]any{"key": c.opts.PropertyKey, "value": encodeTrail(tr)}}
	}
	return what, path, body
}

// goJiraJSON encodes v as go-jira's NewRequestWithContext does.
func goJiraJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func decodeAny(tb testing.TB, b []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// hostileStrings are texts that exercise JSON escaping: quotes and
// backslashes, HTML's < > &, control characters, non-ASCII, the
// JavaScript line separators, invalid UTF-8 and Jira/Slack markup.
var hostileStrings = []string{
	"",
	"plain",
	`say "hi" \ back\slash \"`,
	"<script>alert(1)</script> & <b>bold</b> a&&b <>",
	"tab\there\nnew line\r\nCRLF \b\f \x00\x01\x07\x1b[31m\x1f \x7f",
	"unicode: äöü ß 日本語 مرحبا 👩‍💻 \u202eevil\u202c \ufeff",
	"separators \u2028 and \u2029 end",
	"invalid \xff\xfe utf-8 \xc3 cut \xe2\x82",
	"<!channel> @here <@U123> [~admin] {color:red}x{color} *bold* _em_ h1. heading \\\\ | table |",
	"ends with a backslash \\",
	"\"",
	strings.Repeat("A<b>&c@here ", 300),
}

// hostileDoc puts s everywhere a doc carries text.
func hostileDoc(s string) handoff.Doc {
	yes, no := true, false
	return handoff.Doc{Title: "Validation request " + s, Summary: s, Blocks: []handoff.Block{
		{Kind: handoff.BlockParagraph, Inlines: []handoff.Inline{{Text: "Ticket "}, {Kind: handoff.InlineStrong, Text: s},
			{Kind: handoff.InlineEmphasis, Text: s}, {Kind: handoff.InlineCode, Text: s}}},
		{Kind: handoff.BlockHeading, Level: 2, Inlines: []handoff.Inline{{Text: s + " heading"}}},
		{Kind: handoff.BlockList, Items: []handoff.Item{
			{Inlines: []handoff.Inline{{Text: s}}, Check: &yes},
			{Inlines: []handoff.Inline{{Kind: handoff.InlineLink, Text: s, URL: "https://example.com/a?b=1&c=<2>"}}, Check: &no},
			{Inlines: []handoff.Inline{{Kind: handoff.InlineMention, Text: s, User: handoff.User{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: s}}}},
		}},
		{Kind: handoff.BlockFields, Fields: []handoff.Pair{{Label: s, Value: []handoff.Inline{{Text: s}}}, {Label: "Owner", Value: []handoff.Inline{{Text: "Dana"}}}}},
		{Kind: handoff.BlockDivider},
		{Kind: handoff.BlockContext, Inlines: []handoff.Inline{{Text: "checked 2026-11-20 " + s}}},
	}}
}

// editShape is one issue edit editIssue can be asked for.
type editShape struct {
	name      string
	op        *commentOp
	label     string
	withTrail bool
}

// editShapes is every combination of comment operation (none, add, edit
// with and without notification, edit of an unknown id), label operation
// (none, add, remove) and trail (with, without) that says something.
func editShapes(doc handoff.Doc, id string) []editShape {
	ops := []struct {
		name string
		op   *commentOp
	}{
		{"no comment", nil},
		{"add", &commentOp{doc: doc, notify: true}},
		{"add quietly", &commentOp{doc: doc}},
		{"edit notify", &commentOp{edit: true, id: id, doc: doc, notify: true}},
		{"edit quietly", &commentOp{edit: true, id: id, doc: doc}},
		{"edit no id", &commentOp{edit: true, doc: doc}},
	}
	var out []editShape
	for _, o := range ops {
		for _, label := range []string{"", "add", "remove"} {
			for _, withTrail := range []bool{false, true} {
				name := o.name + "/label " + label + "/trail " + map[bool]string{true: "yes", false: "no"}[withTrail]
				out = append(out, editShape{name, o.op, label, withTrail})
			}
		}
	}
	return out
}

// TestEditBodyMatchesMapEncoding: for every shape of issue edit, on Cloud
// (ADF) and Data Center (wiki), with texts, ids, labels and property keys
// that need escaping, the body editIssue sends now decodes to the same
// value as the one go-jira encoded from the nested maps before, and the
// operation name and path are the same. The rendered ADF is in the body
// byte for byte (copied, not re-encoded).
func TestEditBodyMatchesMapEncoding(t *testing.T) {
	written := time.Date(2026, 11, 20, 9, 30, 15, 123456789, time.FixedZone("CET", 3600))
	trails := []handoff.Trail{
		{},
		{Fingerprint: "rollback;test_plan;", Flagged: []handoff.FieldID{handoff.FieldRollback, handoff.FieldTestPlan}, CommentUnknown: true, Written: written},
		{Fingerprint: "3f9a1c2b", CommentID: "10042", Written: written},
		{Complete: true, CommentID: "10042", Deleted: true, Written: written},
	}
	n := 0
	for _, dep := range []Deployment{DeploymentCloud, DeploymentDataCenter} {
		for i, s := range hostileStrings {
			c := &Client{deployment: dep, opts: Options{Label: "handoff-incomplete", PropertyKey: "patchbot"}}
			if i%2 == 1 {
				c.opts.Label, c.opts.PropertyKey = "label "+s, "key "+s
			}
			doc := hostileDoc(s)
			tr := trails[i%len(trails)]
			tr.Fingerprint += s
			for _, sh := range editShapes(doc, "100"+s) {
				wantWhat, wantPath, m := c.mapEditRequest("SEC-1", sh.op, sh.label, tr, sh.withTrail)
				want := goJiraJSON(t, m)
				what, path, e := c.editRequest("SEC-1", sh.op, sh.label, tr, sh.withTrail)
				got := e.appendJSON(nil)
				if what != wantWhat || path != wantPath {
					t.Errorf("%s %d %s: %q %q, want %q %q", dep, i, sh.name, what, path, wantWhat, wantPath)
				}
				if !json.Valid(got) {
					t.Fatalf("%s %d %s: not JSON:\n%s", dep, i, sh.name, got)
				}
				if g, w := decodeAny(t, got), decodeAny(t, want); !reflect.DeepEqual(g, w) {
					t.Errorf("%s %d %s: bodies differ\n got: %s\nwant: %s", dep, i, sh.name, got, want)
				}
				if sh.op != nil && dep == DeploymentCloud && !bytes.Contains(got, handoff.RenderADF(doc)) {
					t.Errorf("%s %d %s: the rendered ADF is not in the body as it is", dep, i, sh.name)
				}
				if len(got) > e.size() && i < 2 {
					t.Errorf("%s %d %s: %d bytes, guessed %d", dep, i, sh.name, len(got), e.size())
				}
				n++
			}
		}
	}
	if n != 2*len(hostileStrings)*36 {
		t.Errorf("%d bodies compared", n)
	}
}

// TestEditBodyEmptyMembers: a body that says nothing is {}, and an empty
// raw value is null, as encoding/json writes a nil RawMessage.
func TestEditBodyEmptyMembers(t *testing.T) {
	if got := string((&editBody{}).appendJSON(nil)); got != "{}" {
		t.Errorf("empty edit: %s", got)
	}
	e := editBody{comment: true, cloud: true, trail: true}
	want := goJiraJSON(t, map[string]any{"update": map[string]any{"comment": []any{map[string]any{"add": map[string]any{"body": json.RawMessage(nil)}}}},
		"properties": []any{map[string]any{"key": "", "value": json.RawMessage(nil)}}})
	if g, w := decodeAny(t, e.appendJSON(nil)), decodeAny(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("got %s, want %s", e.appendJSON(nil), want)
	}
}

// TestRawRequestLikeEncoded: the raw request carries what go-jira's
// encoded one does (URL, method, Content-Type, no auth header of its own:
// the transports add it) and its body can be read again for a retry.
func TestRawRequestLikeEncoded(t *testing.T) {
	jc, err := gojira.NewClient(nil, "https://jira.example.com/ctx/")
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{jc: jc}
	body := []byte(`{"update":{"labels":[{"add":"x"}]}}`)
	path := "rest/api/3/issue/SEC-1?notifyUsers=false"
	raw, err := c.newRequest(context.Background(), http.MethodPut, path, rawJSON(body))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.newRequest(context.Background(), http.MethodPut, path, map[string]any{"update": map[string]any{"labels": []any{map[string]string{"add": "x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if raw.URL.String() != enc.URL.String() || raw.Method != enc.Method || !reflect.DeepEqual(raw.Header, enc.Header) {
		t.Errorf("raw %s %s %v, encoded %s %s %v", raw.Method, raw.URL, raw.Header, enc.Method, enc.URL, enc.Header)
	}
	if raw.Header.Get("Content-Type") != "application/json" || raw.URL.String() != "https://jira.example.com/ctx/rest/api/3/issue/SEC-1?notifyUsers=false" {
		t.Errorf("raw request: %s %v", raw.URL, raw.Header)
	}
	if raw.ContentLength != int64(len(body)) || raw.GetBody == nil {
		t.Fatalf("Content-Length %d, GetBody %v", raw.ContentLength, raw.GetBody != nil)
	}
	for range 2 {
		rc, err := raw.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		if !bytes.Equal(b, body) {
			t.Errorf("GetBody gave %s", b)
		}
	}
	if b, _ := io.ReadAll(raw.Body); !bytes.Equal(b, body) {
		t.Errorf("body %s", b)
	}
}

// benchValidationRequest is a realistic validation request: the load
// test's SEC-42 as the connector reads it from a fake Jira, open, with
// the change plan and the fix fields missing, through the default policy.
func benchValidationRequest(tb testing.TB) handoff.Doc {
	c, p, hit := secHit(tb)
	in := c.decode(hit, p).Input
	in.Ticket.Resolved, in.Ticket.StatusCategory, in.Ticket.Status, in.Ticket.Resolution = time.Time{}, handoff.StatusIndeterminate, "In Progress", ""
	for _, f := range []handoff.FieldID{handoff.FieldRollback, handoff.FieldTestPlan, handoff.FieldWindow, handoff.FieldFixedVersion, handoff.FieldPatchLink} {
		delete(in.Fields, f)
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ev := handoff.Evaluate(handoff.Read(in), handoff.DefaultPolicy(), now, time.UTC)
	if len(ev.Findings) < 3 {
		tb.Fatalf("%d findings: %+v", len(ev.Findings), ev.Findings)
	}
	return handoff.ValidationRequest(ev, handoff.TextOptions{Now: now, Loc: time.UTC, Ticked: []handoff.FieldID{handoff.FieldAffectedVersions}})
}

// BenchmarkEditBody is editIssue's work before the request goes out:
// rendering the comment, building the body and go-jira's request, for an
// edit in place of a realistic validation request with the label and the
// trail, on Cloud (ADF) and Data Center (wiki). "map" is the encoding
// before (nested maps that go-jira encodes), "direct" the one editIssue
// uses (editBody). The Encode variants take the comment already rendered:
// the encoding alone.
//
//	go test ./connectors/jira -run '^$' -bench 'EditBody' -benchmem
func BenchmarkEditBody(b *testing.B) {
	doc := benchValidationRequest(b)
	written := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	tr := handoff.Trail{Fingerprint: "rollback;test_plan;window;", Flagged: []handoff.FieldID{handoff.FieldRollback, handoff.FieldTestPlan, handoff.FieldWindow},
		CommentID: "10042", Written: written}
	op := &commentOp{edit: true, id: "10042", doc: doc}
	ctx := context.Background()
	for _, dep := range []Deployment{DeploymentCloud, DeploymentDataCenter} {
		jc, err := gojira.NewClient(nil, "https://jira.example.com/")
		if err != nil {
			b.Fatal(err)
		}
		c := &Client{jc: jc, deployment: dep, opts: Options{Label: "handoff-incomplete", PropertyKey: "patchbot"}}
		_, _, e := c.editRequest("SEC-42", op, "add", tr, true)
		if n := len(e.appendJSON(nil)); n > e.size() {
			b.Fatalf("%d bytes, guessed %d", n, e.size())
		}
		b.Run(string(dep)+"/map", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(e.appendJSON(nil))))
			for b.Loop() {
				_, path, body := c.mapEditRequest("SEC-42", op, "add", tr, true)
				if _, err := c.newRequest(ctx, http.MethodPut, path, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(dep)+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(e.appendJSON(nil))))
			for b.Loop() {
				_, path, body := c.editRequest("SEC-42", op, "add", tr, true)
				if _, err := c.newRequest(ctx, http.MethodPut, path, rawJSON(body.appendJSON(make([]byte, 0, body.size())))); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The comment rendered once: the encoding and the request alone.
		var rendered any = handoff.RenderWiki(doc)
		if dep == DeploymentCloud {
			rendered = handoff.RenderADF(doc)
		}
		_, path, _ := c.editRequest("SEC-42", op, "add", tr, true)
		b.Run(string(dep)+"/map/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				body := map[string]any{
					"update": map[string]any{
						"comment": []any{map[string]any{"edit": map[string]any{"body": rendered, "id": op.id}}},
						"labels":  []any{map[string]string{"add": c.opts.Label}},
					},
					"properties": []any{map[string]any{"key": c.opts.PropertyKey, "value": encodeTrail(tr)}},
				}
				if _, err := c.newRequest(ctx, http.MethodPut, path, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(dep)+"/direct/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e := e
				e.trailValue = encodeTrail(tr)
				if _, err := c.newRequest(ctx, http.MethodPut, path, rawJSON(e.appendJSON(make([]byte, 0, e.size())))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
