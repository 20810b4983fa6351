package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/richtext"
)

func jsonUnmarshal(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// hostile is a ticket summary that would ping everyone if echoed raw.
const hostile = "<!channel> patch now @here <@U123>"

// ticketDoc quotes the hostile summary everywhere a validation request
// could: title, summary, paragraph, field and list item.
func ticketDoc() richtext.Doc {
	q := []richtext.Inline{{Text: hostile}}
	return richtext.Doc{
		Title:   "SEC-7: " + hostile,
		Summary: "SEC-7 " + hostile + " needs 3 fields",
		Blocks: []richtext.Block{
			{Kind: richtext.BlockParagraph, Inlines: append([]richtext.Inline{{Text: "Ticket: "}}, q...)},
			{Kind: richtext.BlockFields, Fields: []richtext.Pair{{Label: "Summary", Value: q}}},
			{Kind: richtext.BlockList, Items: []richtext.Item{{Inlines: q}}},
			{Kind: richtext.BlockContext, Inlines: q},
		},
	}
}

// The text posted for a ticket whose summary is "<!channel> patch now
// @here <@U123>" pings nobody: no unescaped mention token in the text or
// the blocks, and no option that would make Slack link names. It goes
// through whatever handoff.RenderSlack is: the real renderer, or while it
// is a stub the connector's escaped plain-text fallback.
func TestTicketTextPingsNobody(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.c.render = blockkit.Render
	real := len(blockkit.Render(ticketDoc())) > 0
	if !real {
		t.Log("handoff.RenderSlack is a stub: checking the connector's plain-text fallback only")
	}
	rc, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "validation/SEC-7/f", Doc: ticketDoc()})
	if err != nil {
		t.Fatal(err)
	}
	msgs := append(e.srv.Messages(e.sec), e.srv.Replies(e.sec, rc.TS)...)
	for _, m := range msgs {
		if got := m.Mentions(); len(got) > 0 {
			t.Errorf("message %s pings %v:\ntext: %s\nblocks: %s", m.TS, got, m.Text, m.Blocks)
		}
		for _, p := range []string{"link_names", "parse"} {
			if _, set := m.Params[p]; set {
				t.Errorf("%s set on the post", p)
			}
		}
		if !strings.Contains(strings.Join(m.Texts(), "\n"), "patch now") {
			t.Errorf("the summary's words are gone: %q", m.Texts())
		}
	}
	if real && len(msgs[0].Blocks) == 0 {
		t.Error("the real renderer's blocks were not posted")
	}
}

// An explicit mention node is the only thing that pings, and only whom it
// names.
func TestOnlyExplicitMentionPings(t *testing.T) {
	t.Parallel()
	d := ticketDoc()
	d.Blocks = append(d.Blocks, richtext.Block{Kind: richtext.BlockParagraph, Inlines: []richtext.Inline{
		{Text: "Owner: "}, {Kind: richtext.InlineMention, Text: "Alice", SlackID: alice},
	}})
	if len(blockkit.Render(d)) == 0 {
		t.Skip("handoff.RenderSlack is still a stub")
	}
	e := mustEnv(t, nil)
	e.c.render = blockkit.Render
	rc, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "m", Doc: d})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range append(e.srv.Messages(e.sec), e.srv.Replies(e.sec, rc.TS)...) {
		for _, x := range m.Mentions() {
			if !slices.Contains(got, x) {
				got = append(got, x)
			}
		}
	}
	if !slices.Equal(got, []string{"<@" + alice + ">"}) {
		t.Errorf("mentions = %v, want only <@%s>", got, alice)
	}
}

// The connector's own fallback (renderer gives nothing) escapes the plain
// text, so it cannot ping either.
func TestPlainTextFallbackEscaped(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.c.render = func(richtext.Doc) []blockkit.Message { return nil }
	d := richtext.Doc{Title: hostile, Summary: hostile}
	if _, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "f", Doc: d}); err != nil {
		t.Fatal(err)
	}
	m := e.srv.Messages(e.sec)[0]
	if len(m.Mentions()) > 0 || !strings.Contains(m.Text, "&lt;!channel&gt;") {
		t.Errorf("fallback text %q", m.Text)
	}
}
