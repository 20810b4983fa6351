package handoff

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// checkSlack unmarshals every message into slack-go's Block Kit types and
// checks Slack's limits; it returns all mrkdwn and plain texts.
func checkSlack(t *testing.T, name string, msgs []SlackMessage) []string {
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
		t.Errorf("%s: verbatim not set on %q", name, cutText(o.Text, 60))
	}
	if o.Text == "" || slackLen(o.Text) > limit {
		t.Errorf("%s: text of %d characters (limit %d)", name, slackLen(o.Text), limit)
	}
}

// slackPings finds anything in Slack text that would notify someone or
// make a link: <!…>, <@…>, <#…>, <http…>, and @here/@channel/@everyone
// not broken by a zero-width joiner.
var slackPings = regexp.MustCompile(`<[!@#]|<https?:|<mailto:|(^|[^\p{L}\p{N}])@(here|channel|everyone)\b`)

func TestSlackEveryTextWithinLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenTexts() {
		checkSlack(t, tc.name, RenderSlack(tc.doc))
	}
}

func TestSlackLongDigestSplits(t *testing.T) {
	t.Parallel()
	doc := DigestBriefs(briefsOf(fxManyDigest(120)), fxOpts())
	msgs := RenderSlack(doc)
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
	ev := fxHostile()
	docs := []Doc{ValidationRequest(ev, o), Reopened(ev, o), Complete(ev, o),
		Reminder(ev.Handoff.Scope.Owner, []Due{fxDue(DueReviewPassed, ev.Handoff, FieldReviewDate, fxOnDay(2026, 11, 1), 19)}, o),
		DigestBriefs(briefsOf([]Due{fxDue(DueReviewPassed, ev.Handoff, FieldReviewDate, fxOnDay(2026, 11, 1), 19)}), o),
		{Title: fxHostileText, Summary: fxHostileText, Blocks: []Block{para(tx(fxHostileText)), {Kind: BlockFields, Fields: []Pair{{Label: fxHostileText, Value: []Inline{tx(fxHostileText)}}}}}},
	}
	for _, d := range docs {
		for _, s := range checkSlack(t, "hostile", RenderSlack(d)) {
			rest := strings.ReplaceAll(s, "<@U0DANA>", "")
			rest = regexp.MustCompile(`<https://jira\.example\.com/browse/SEC-666\|SEC-666>`).ReplaceAllString(rest, "")
			if m := slackPings.FindString(rest); m != "" {
				t.Errorf("%q would ping or link: %q", m, cutText(s, 200))
			}
			if strings.ContainsAny(s, "\u202e\x00\x07\x1b\r") {
				t.Errorf("control characters survived in %q", cutText(s, 80))
			}
		}
	}
}

func TestSlackEscape(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"a & b":          "a &amp; b",
		"<!channel>":     "&lt;!channel&gt;",
		"@here now":      "@" + zwj + "here now",
		"mail a@b.com":   "mail a@b.com",
		"<@U123>":        "&lt;@" + zwj + "U123&gt;",
		"<http://x|y>":   "&lt;http://x|y&gt;",
		"plain":          "plain",
		"(@everyone)":    "(@" + zwj + "everyone)",
		"trailing @":     "trailing @",
		"&amp; already":  "&amp;amp; already",
		"مرحبا @channel": "مرحبا @" + zwj + "channel",
	}
	for in, want := range cases {
		if got := slackEscape(in); got != want {
			t.Errorf("slackEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlackMentionOnlyFromExplicitNode(t *testing.T) {
	t.Parallel()
	d := Doc{Title: "t", Summary: "s", Blocks: []Block{para(
		Inline{Kind: InlineMention, Text: "Dana", SlackID: "U0DANA"},
		Inline{Kind: InlineMention, Text: "Eve", SlackID: "U1> <!channel"},
		tx(" <@U123>"),
	)}}
	s := string(RenderSlack(d)[0].Blocks)
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
		d := Doc{Title: title, Summary: "x"}
		var bs []map[string]any
		if err := json.Unmarshal(RenderSlack(d)[0].Blocks, &bs); err != nil {
			t.Fatal(err)
		}
		h := bs[0]["text"].(map[string]any)["text"].(string)
		if slackLen(h) > 150 || !strings.HasSuffix(h, ellipsis) {
			t.Errorf("header of %d units: %q", slackLen(h), h)
		}
	}
}

func itoaTest(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
