package adf

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
	"github.com/slack-go/slack"
)

// FuzzRenderers puts arbitrary ticket text everywhere a text quotes it and
// checks every rendering: ADF valid, Slack within limits and pinging
// nobody, wiki quoted text inert.
func FuzzRenderers(f *testing.F) {
	f.Add(handofftest.HostileText, "SEC-1", 3)
	f.Add(strings.Repeat("<@U1>", 2000), "", 0)
	f.Add("", "h1.", 120)
	f.Fuzz(func(t *testing.T, s, key string, n int) {
		ev := handofftest.Validation()
		ev.Handoff.Ticket.Summary = s
		ev.Handoff.Ticket.Key = key
		ev.Handoff.Scope.Product = handoff.Value{Text: s}
		ev.Ask = s
		ev.Findings[0].Detail = s
		n = (n%150 + 150) % 150
		items := make([]handoff.Due, 0, n)
		for i := 0; i < n; i++ {
			items = append(items, handofftest.Due(handoff.DueReviewPassed, ev.Handoff, handoff.FieldReviewDate, handofftest.OnDay(2026, 11, 1), i))
		}
		for _, d := range []richtext.Doc{texts.ValidationRequest(ev, fxOpts()), texts.DigestBriefs(handofftest.BriefsOf(items), fxOpts()), {Title: s, Summary: s, Blocks: []richtext.Block{richtext.Para(richtext.Text(s))}}} {
			if errs := validateADF(Render(d)); len(errs) > 0 {
				t.Fatalf("adf: %v", errs[0])
			}
			for _, m := range blockkit.Render(d) {
				var bs slack.Blocks
				if err := json.Unmarshal(m.Blocks, &bs); err != nil {
					t.Fatal(err)
				}
				if len(bs.BlockSet) > 50 {
					t.Fatalf("%d blocks", len(bs.BlockSet))
				}
				if strings.Contains(string(m.Blocks), "<@U1>") || handofftest.SlackPings.MatchString(strings.ReplaceAll(m.Text, "\u200d", "X")) && strings.Contains(m.Text, "<") {
					t.Fatalf("ping in %q", m.Text)
				}
			}
			if why := handofftest.WikiInert(escape.WikiLineStart(escape.Wiki(escape.Clean(s)))); why != "" {
				t.Fatal(why)
			}
			_ = plain.Render(d)
		}
	})
}
