package blockkit

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/internal/textstest"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
	"github.com/slack-go/slack"
)

// checkSlack unmarshals every message into slack-go's Block Kit types and
// checks Slack's limits; it returns all mrkdwn and plain texts.
func checkSlack(t *testing.T, name string, msgs []Message) []string {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatalf("%s: no messages", name)
	}
	var texts []string
	for i, m := range msgs {
		if strings.TrimSpace(m.Text) == "" {
			t.Errorf("%s[%d]: empty fallback text", name, i)
		}
		texts = append(texts, m.Text)
		var bs slack.Blocks
		if err := json.Unmarshal(m.Blocks, &bs); err != nil {
			t.Fatalf("%s[%d]: blocks do not unmarshal: %v", name, i, err)
		}
		if n := len(bs.BlockSet); n > 50 || n == 0 {
			t.Errorf("%s[%d]: %d blocks", name, i, n)
		}
		// Each is Blocks block by block, with the right types.
		if len(m.Each) != len(bs.BlockSet) {
			t.Fatalf("%s[%d]: %d blocks in Each, %d in Blocks", name, i, len(m.Each), len(bs.BlockSet))
		}
		joined := make([]string, len(m.Each))
		for j, b := range m.Each {
			joined[j] = string(b.JSON)
			if got := string(bs.BlockSet[j].BlockType()); b.Type != got {
				t.Errorf("%s[%d][%d]: Each says type %q, the block is %q", name, i, j, b.Type, got)
			}
		}
		if got := "[" + strings.Join(joined, ",") + "]"; got != string(m.Blocks) {
			t.Errorf("%s[%d]: Each joined differs from Blocks:\n%s\n%s", name, i, got, m.Blocks)
		}
		for j, b := range bs.BlockSet {
			switch b := b.(type) {
			case *slack.HeaderBlock:
				if b.Text.Type != slack.PlainTextType || slackLen(b.Text.Text) > 150 || b.Text.Text == "" {
					t.Errorf("%s[%d][%d]: header %q", name, i, j, b.Text.Text)
				}
				texts = append(texts, b.Text.Text)
			case *slack.SectionBlock:
				if b.Text == nil && len(b.Fields) == 0 {
					t.Errorf("%s[%d][%d]: empty section", name, i, j)
				}
				if b.Text != nil {
					checkMrkdwn(t, name, b.Text, 3000)
					texts = append(texts, b.Text.Text)
				}
				if len(b.Fields) > 10 {
					t.Errorf("%s[%d][%d]: %d fields", name, i, j, len(b.Fields))
				}
				for _, f := range b.Fields {
					checkMrkdwn(t, name, f, 2000)
					texts = append(texts, f.Text)
				}
			case *slack.ContextBlock:
				if n := len(b.ContextElements.Elements); n == 0 || n > 10 {
					t.Errorf("%s[%d][%d]: %d context elements", name, i, j, n)
				}
				for _, e := range b.ContextElements.Elements {
					to, ok := e.(*slack.TextBlockObject)
					if !ok {
						t.Errorf("%s[%d][%d]: context element %T", name, i, j, e)
						continue
					}
					checkMrkdwn(t, name, to, 3000)
					texts = append(texts, to.Text)
				}
			case *slack.DividerBlock:
			default:
				t.Errorf("%s[%d][%d]: unexpected block %T", name, i, j, b)
			}
		}
	}
	return texts
}

func checkMrkdwn(t *testing.T, name string, o *slack.TextBlockObject, limit int) {
	t.Helper()
	if o.Type != slack.MarkdownType {
		t.Errorf("%s: text type %q", name, o.Type)
	}
	if !o.Verbatim {
		t.Errorf("%s: verbatim not set on %q", name, escape.Cut(o.Text, 60))
	}
	if o.Text == "" || slackLen(o.Text) > limit {
		t.Errorf("%s: text of %d characters (limit %d)", name, slackLen(o.Text), limit)
	}
}

func TestSlackEveryTextWithinLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range textstest.Golden() {
		checkSlack(t, tc.Name, Render(tc.Doc))
	}
}

func TestSlackLongDigestSplits(t *testing.T) {
	t.Parallel()
	doc := texts.DigestBriefs(handofftest.BriefsOf(handofftest.ManyDigest(120)), fxOpts())
	msgs := Render(doc)
	if len(msgs) < 2 {
		t.Fatalf("120-item digest in %d message(s), want it split", len(msgs))
	}
	all := strings.Join(checkSlack(t, "digest120", msgs), "\n")
	for i := 0; i < 120; i++ {
		if !strings.Contains(all, "SEC-"+itoaTest(1000+i)+"|SEC-") {
			t.Errorf("item SEC-%d lost in the split", 1000+i)
		}
	}
	for i, m := range msgs {
		var raw []map[string]any
		_ = json.Unmarshal(m.Blocks, &raw)
		if last := raw[len(raw)-1]; i < len(msgs)-1 && last["type"] == "section" && strings.HasPrefix(last["text"].(map[string]any)["text"].(string), "*") {
			t.Errorf("message %d ends with a heading", i)
		}
		if first := raw[0]; i > 0 && (first["type"] != "section" || !strings.HasPrefix(first["text"].(map[string]any)["text"].(string), "*team-") &&
			!strings.HasPrefix(first["text"].(map[string]any)["text"].(string), "*Dana") && !strings.HasPrefix(first["text"].(map[string]any)["text"].(string), "*Lee") &&
			!strings.HasPrefix(first["text"].(map[string]any)["text"].(string), "*network")) {
			t.Errorf("message %d does not open with its owner's heading: %v", i, first)
		}
	}
}

func TestSlackHostilePingsNobody(t *testing.T) {
	t.Parallel()
	o := fxOpts()
	o.OwnerSlackID = "U0DANA"
	ev := handofftest.Hostile()
	docs := []richtext.Doc{texts.ValidationRequest(ev, o), texts.Reopened(ev, o), texts.Complete(ev, o),
		texts.Reminder(ev.Handoff.Scope.Owner, []handoff.Due{handofftest.Due(handoff.DueReviewPassed, ev.Handoff, handoff.FieldReviewDate, handofftest.OnDay(2026, 11, 1), 19)}, o),
		texts.DigestBriefs(handofftest.BriefsOf([]handoff.Due{handofftest.Due(handoff.DueReviewPassed, ev.Handoff, handoff.FieldReviewDate, handofftest.OnDay(2026, 11, 1), 19)}), o),
		{Title: handofftest.HostileText, Summary: handofftest.HostileText, Blocks: []richtext.Block{richtext.Para(richtext.Text(handofftest.HostileText)), {Kind: richtext.BlockFields, Fields: []richtext.Pair{{Label: handofftest.HostileText, Value: []richtext.Inline{richtext.Text(handofftest.HostileText)}}}}}},
	}
	for _, d := range docs {
		for _, s := range checkSlack(t, "hostile", Render(d)) {
			rest := strings.ReplaceAll(s, "<@U0DANA>", "")
			rest = regexp.MustCompile(`<https://jira\.example\.com/browse/SEC-666\|SEC-666>`).ReplaceAllString(rest, "")
			if m := handofftest.SlackPings.FindString(rest); m != "" {
				t.Errorf("%q would ping or link: %q", m, escape.Cut(s, 200))
			}
			if strings.ContainsAny(s, "\u202e\x00\x07\x1b\r") {
				t.Errorf("control characters survived in %q", escape.Cut(s, 80))
			}
		}
	}
}

func TestSlackEscape(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"a & b":          "a &amp; b",
		"<!channel>":     "&lt;!channel&gt;",
		"@here now":      "@" + escape.ZWJ + "here now",
		"mail a@b.com":   "mail a@b.com",
		"<@U123>":        "&lt;@" + escape.ZWJ + "U123&gt;",
		"<http://x|y>":   "&lt;http://x|y&gt;",
		"plain":          "plain",
		"(@everyone)":    "(@" + escape.ZWJ + "everyone)",
		"trailing @":     "trailing @",
		"&amp; already":  "&amp;amp; already",
		"مرحبا @channel": "مرحبا @" + escape.ZWJ + "channel",
	}
	for in, want := range cases {
		if got := escape.Slack(in); got != want {
			t.Errorf("slackEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlackMentionOnlyFromExplicitNode(t *testing.T) {
	t.Parallel()
	d := richtext.Doc{Title: "t", Summary: "s", Blocks: []richtext.Block{richtext.Para(
		richtext.Inline{Kind: richtext.InlineMention, Text: "Dana", SlackID: "U0DANA"},
		richtext.Inline{Kind: richtext.InlineMention, Text: "Eve", SlackID: "U1> <!channel"},
		richtext.Text(" <@U123>"),
	)}}
	s := string(Render(d)[0].Blocks)
	if !strings.Contains(s, "<@U0DANA>") {
		t.Errorf("explicit mention missing: %s", s)
	}
	if strings.Contains(s, "<@U1") || strings.Contains(s, "<!channel") || strings.Contains(s, "<@U123>") {
		t.Errorf("mention injected: %s", s)
	}
}

func TestSlackHeaderCut(t *testing.T) {
	t.Parallel()
	for _, title := range []string{strings.Repeat("😀", 200), strings.Repeat("😀", 100), strings.Repeat("é", 151), strings.Repeat("a", 1000)} {
		d := richtext.Doc{Title: title, Summary: "x"}
		var bs []map[string]any
		if err := json.Unmarshal(Render(d)[0].Blocks, &bs); err != nil {
			t.Fatal(err)
		}
		h := bs[0]["text"].(map[string]any)["text"].(string)
		if slackLen(h) > 150 || !strings.HasSuffix(h, escape.Ellipsis) {
			t.Errorf("header of %d units: %q", slackLen(h), h)
		}
	}
}

func itoaTest(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func fxOpts() texts.Options { return texts.Options{Now: handofftest.Now, Loc: handofftest.Loc} }
