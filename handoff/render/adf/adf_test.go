package adf

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/internal/textstest"
	"github.com/patchbot/patchbot/handoff/texts"
)

// validateADF checks a document against the rules of the Atlassian
// Document Format schema (http://go.atlassian.com/adf-json-schema) for the
// nodes and marks the renderer may write: node types and where each may
// appear, required and allowed attributes, non-empty text, allowed marks
// without duplicates, and code never combined with another mark. Anything
// outside that subset is an error, so the renderer cannot drift into nodes
// a Jira comment rejects.
func validateADF(raw []byte) []error {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return []error{fmt.Errorf("not JSON: %v", err)}
	}
	v := &adfValidator{}
	v.keys("doc", root, "type", "version", "content")
	if root["type"] != "doc" {
		v.errf("doc: type %v", root["type"])
	}
	if ver, _ := root["version"].(float64); ver != 1 {
		v.errf("doc: version %v", root["version"])
	}
	content, ok := root["content"].([]any)
	if !ok {
		v.errf("doc: content missing")
	}
	for i, n := range content {
		v.block(fmt.Sprintf("doc.content[%d]", i), n, "paragraph", "heading", "bulletList", "orderedList", "rule", "blockquote", "codeBlock", "panel")
	}
	return v.errs
}

type adfValidator struct{ errs []error }

func (v *adfValidator) errf(f string, a ...any) { v.errs = append(v.errs, fmt.Errorf(f, a...)) }

// keys reports properties a node may not have.
func (v *adfValidator) keys(path string, n map[string]any, allowed ...string) {
	for k := range n {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			v.errf("%s: unexpected property %q", path, k)
		}
	}
}

func (v *adfValidator) node(path string, x any, allowed []string) (map[string]any, string) {
	n, ok := x.(map[string]any)
	if !ok {
		v.errf("%s: not an object", path)
		return nil, ""
	}
	typ, _ := n["type"].(string)
	for _, a := range allowed {
		if typ == a {
			return n, typ
		}
	}
	v.errf("%s: node %q not allowed here (allowed: %v)", path, typ, allowed)
	return nil, ""
}

func (v *adfValidator) children(path string, n map[string]any, required bool) []any {
	c, has := n["content"]
	if !has {
		if required {
			v.errf("%s: content required", path)
		}
		return nil
	}
	list, ok := c.([]any)
	if !ok {
		v.errf("%s: content is not an array", path)
	}
	if required && len(list) == 0 {
		v.errf("%s: content must not be empty", path)
	}
	return list
}

var adfInline = []string{"text", "mention", "hardBreak", "emoji", "inlineCard", "date", "status"}

func (v *adfValidator) block(path string, x any, allowed ...string) {
	n, typ := v.node(path, x, allowed)
	switch typ {
	case "paragraph":
		v.keys(path, n, "type", "content", "attrs")
		for i, c := range v.children(path, n, false) {
			v.inline(fmt.Sprintf("%s.content[%d]", path, i), c)
		}
	case "heading":
		v.keys(path, n, "type", "content", "attrs")
		attrs, _ := n["attrs"].(map[string]any)
		lvl, _ := attrs["level"].(float64)
		if lvl < 1 || lvl > 6 || lvl != float64(int(lvl)) {
			v.errf("%s: heading level %v", path, attrs["level"])
		}
		for i, c := range v.children(path, n, false) {
			v.inline(fmt.Sprintf("%s.content[%d]", path, i), c)
		}
	case "bulletList", "orderedList":
		v.keys(path, n, "type", "content", "attrs")
		for i, c := range v.children(path, n, true) {
			p := fmt.Sprintf("%s.content[%d]", path, i)
			item, _ := v.node(p, c, []string{"listItem"})
			if item == nil {
				continue
			}
			v.keys(p, item, "type", "content", "attrs")
			for j, ic := range v.children(p, item, true) {
				allowed := []string{"paragraph", "bulletList", "orderedList", "codeBlock"}
				if j == 0 {
					allowed = []string{"paragraph", "codeBlock"}
				}
				v.block(fmt.Sprintf("%s.content[%d]", p, j), ic, allowed...)
			}
		}
	case "rule":
		v.keys(path, n, "type")
	case "":
	default:
		v.errf("%s: the renderer should not write %q", path, typ)
	}
}

func (v *adfValidator) inline(path string, x any) {
	n, typ := v.node(path, x, adfInline)
	switch typ {
	case "text":
		v.keys(path, n, "type", "text", "marks")
		s, ok := n["text"].(string)
		if !ok || s == "" {
			v.errf("%s: text must be a non-empty string", path)
		}
		v.marks(path, n)
	case "mention":
		v.keys(path, n, "type", "attrs")
		attrs, _ := n["attrs"].(map[string]any)
		v.keys(path+".attrs", attrs, "id", "text", "accessLevel", "userType")
		if id, _ := attrs["id"].(string); id == "" {
			v.errf("%s: mention needs attrs.id", path)
		}
		if t, has := attrs["text"]; has {
			if _, ok := t.(string); !ok {
				v.errf("%s: mention text must be a string", path)
			}
		}
	case "hardBreak":
		v.keys(path, n, "type", "attrs")
	case "":
	default:
		v.errf("%s: the renderer should not write %q", path, typ)
	}
}

func (v *adfValidator) marks(path string, n map[string]any) {
	raw, has := n["marks"]
	if !has {
		return
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		v.errf("%s: marks must be a non-empty array", path)
		return
	}
	seen := map[string]bool{}
	for i, m := range list {
		p := fmt.Sprintf("%s.marks[%d]", path, i)
		mark, ok := m.(map[string]any)
		if !ok {
			v.errf("%s: not an object", p)
			continue
		}
		typ, _ := mark["type"].(string)
		if seen[typ] {
			v.errf("%s: duplicate mark %q", p, typ)
		}
		seen[typ] = true
		switch typ {
		case "strong", "em", "code", "strike", "underline":
			v.keys(p, mark, "type")
		case "link":
			v.keys(p, mark, "type", "attrs")
			attrs, _ := mark["attrs"].(map[string]any)
			href, _ := attrs["href"].(string)
			u, err := url.Parse(href)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				v.errf("%s: link href %q", p, href)
			}
		default:
			v.errf("%s: mark %q not allowed", p, typ)
		}
	}
	if seen["code"] && len(seen) > 1 {
		v.errf("%s: code combined with other marks", path)
	}
}

func TestADFValidatesForEveryText(t *testing.T) {
	t.Parallel()
	for _, tc := range textstest.Golden() {
		if errs := validateADF(Render(tc.Doc)); len(errs) > 0 {
			t.Errorf("%s: %v", tc.Name, errs)
		}
	}
}

func TestADFValidatorCatchesBadDocuments(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"empty text":       `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":""}]}]}`,
		"unknown mark":     `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"blink"}]}]}]}`,
		"code and strong":  `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"code"},{"type":"strong"}]}]}]}`,
		"js link":          `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"link","attrs":{"href":"javascript:alert(1)"}}]}]}]}`,
		"text at top":      `{"type":"doc","version":1,"content":[{"type":"text","text":"x"}]}`,
		"empty list":       `{"type":"doc","version":1,"content":[{"type":"bulletList","content":[]}]}`,
		"mention no id":    `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"mention","attrs":{"text":"@x"}}]}]}`,
		"heading level 9":  `{"type":"doc","version":1,"content":[{"type":"heading","attrs":{"level":9}}]}`,
		"no version":       `{"type":"doc","content":[]}`,
		"taskList":         `{"type":"doc","version":1,"content":[{"type":"taskList","content":[]}]}`,
		"list item bullet": `{"type":"doc","version":1,"content":[{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"text","text":"x"}]}]}]}`,
	}
	for name, doc := range bad {
		if errs := validateADF([]byte(doc)); len(errs) == 0 {
			t.Errorf("%s: validator accepted %s", name, doc)
		}
	}
}

// TestADFQuotedTextStaysText: hostile ticket text appears only inside text
// nodes, never as a mention or link, and the one real mention is the
// explicit owner node.
func TestADFQuotedTextStaysText(t *testing.T) {
	t.Parallel()
	ev := handofftest.Hostile()
	ev.Handoff.Scope.Owner = handofftest.Dana
	raw := Render(texts.ValidationRequest(ev, fxOpts()))
	if errs := validateADF(raw); len(errs) > 0 {
		t.Fatal(errs)
	}
	var mentions, links []string
	var walk func(x any)
	walk = func(x any) {
		switch n := x.(type) {
		case map[string]any:
			if n["type"] == "mention" {
				mentions = append(mentions, n["attrs"].(map[string]any)["id"].(string))
			}
			if n["type"] == "link" {
				links = append(links, n["attrs"].(map[string]any)["href"].(string))
			}
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	var root any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	walk(root)
	if len(mentions) != 1 || mentions[0] != handofftest.Dana.User.AccountID {
		t.Errorf("mentions = %v, want only the owner", mentions)
	}
	for _, l := range links {
		if !strings.HasPrefix(l, "https://jira.example.com/") {
			t.Errorf("unexpected link %q", l)
		}
	}
	if strings.Contains(string(raw), "\u202e") || strings.Contains(string(raw), `\u001b`) {
		t.Error("bidi override or control character survived")
	}
	// A hostile owner id is not a mention at all.
	raw = Render(texts.ValidationRequest(handofftest.Hostile(), fxOpts()))
	if strings.Contains(string(raw), `"mention"`) {
		t.Errorf("a malformed account id became a mention")
	}
}

func fxOpts() texts.Options { return texts.Options{Now: handofftest.Now, Loc: handofftest.Loc} }
