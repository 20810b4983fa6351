package jira

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/wiki"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// TestEditRequest: each kind of issue edit goes to the site's rich-text
// version with the body Jira documents: update.comment add {body} or edit
// {body, id} and update.labels [{verb: label}], each only when present,
// and always the trail in properties [{key, value}]; the comment is ADF on Cloud and wiki markup on
// Data Center, with text that needs escaping intact.
func TestEditRequest(t *testing.T) {
	text := `say "hi" <b>&</b> \ ` + "tab\t\u2028 é"
	doc := richtext.Doc{Title: "Validation request", Blocks: []richtext.Block{{Kind: richtext.BlockParagraph, Inlines: []richtext.Inline{{Text: text}}}}}
	tr := handoff.Trail{Fingerprint: "rollback;", Flagged: []handoff.FieldID{handoff.FieldRollback}, CommentID: "10042",
		Written: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	trail := `{"key":"patch\"bot","value":{"v":1,"fingerprint":"rollback;","flagged":["rollback"],"commentId":"10042","written":"2026-11-20T09:00:00Z"}}`
	for _, tc := range []struct {
		name  string
		dep   Deployment
		op    *commentOp
		label ports.LabelOp
		what  string
		path  string
		body  string // %s: the rendered comment
	}{
		{"cloud post", DeploymentCloud, &commentOp{doc: doc, notify: true}, ports.LabelAdd, "publish: post comment", "rest/api/3/issue/SEC-1",
			`{"update":{"comment":[{"add":{"body":%s}}],"labels":[{"add":"handoff <incomplete>"}]},"properties":[` + trail + `]}`},
		{"cloud edit quietly", DeploymentCloud, &commentOp{edit: true, id: "10042", doc: doc}, ports.LabelKeep, "publish: edit comment", "rest/api/3/issue/SEC-1?notifyUsers=false",
			`{"update":{"comment":[{"edit":{"body":%s,"id":"10042"}}]},"properties":[` + trail + `]}`},
		{"dc post", DeploymentDataCenter, &commentOp{doc: doc, notify: true}, ports.LabelKeep, "publish: post comment", "rest/api/2/issue/SEC-1",
			`{"update":{"comment":[{"add":{"body":%s}}]},"properties":[` + trail + `]}`},
		{"dc edit", DeploymentDataCenter, &commentOp{edit: true, id: "7", doc: doc, notify: true}, ports.LabelRemove, "publish: edit comment", "rest/api/2/issue/SEC-1",
			`{"update":{"comment":[{"edit":{"body":%s,"id":"7"}}],"labels":[{"remove":"handoff <incomplete>"}]},"properties":[` + trail + `]}`},
		{"label only", DeploymentCloud, nil, ports.LabelRemove, "publish: remove label", "rest/api/2/issue/SEC-1",
			`{"update":{"labels":[{"remove":"handoff <incomplete>"}]},"properties":[` + trail + `]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{deployment: tc.dep, opts: Options{Label: "handoff <incomplete>", PropertyKey: `patch"bot`}}
			what, path, body := c.editRequest("SEC-1", tc.op, tc.label, tr)
			if what != tc.what || path != tc.path {
				t.Errorf("%q %q, want %q %q", what, path, tc.what, tc.path)
			}
			var comment []byte = adf.Render(doc)
			if tc.dep == DeploymentDataCenter {
				comment, _ = json.Marshal(wiki.Render(doc))
			}
			got, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			want := []byte(tc.body)
			if tc.op != nil {
				want = []byte(strings.Replace(tc.body, "%s", string(comment), 1))
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatalf("the test's body: %v", err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("body\n got %s\nwant %s", got, want)
			}
		})
	}
}
