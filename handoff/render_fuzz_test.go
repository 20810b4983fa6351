package handoff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// FuzzRenderers puts arbitrary ticket text everywhere a text quotes it and
// checks every rendering: ADF valid, Slack within limits and pinging
// nobody, wiki quoted text inert.
func FuzzRenderers(f *testing.F) {
	f.Add(fxHostileText, "SEC-1", 3)
	f.Add(strings.Repeat("<@U1>", 2000), "", 0)
	f.Add("", "h1.", 120)
	f.Fuzz(func(t *testing.T, s, key string, n int) {
		ev := fxValidation()
		ev.Handoff.Ticket.Summary = s
		ev.Handoff.Ticket.Key = key
		ev.Handoff.Scope.Product = Value{Text: s}
		ev.Ask = s
		ev.Findings[0].Detail = s
		n = (n%150 + 150) % 150
		items := make([]Due, 0, n)
		for i := 0; i < n; i++ {
			items = append(items, fxDue(DueReviewPassed, ev.Handoff, FieldReviewDate, fxOnDay(2026, 11, 1), i))
		}
		for _, d := range []Doc{ValidationRequest(ev, fxOpts()), DigestBriefs(briefsOf(items), fxOpts()), {Title: s, Summary: s, Blocks: []Block{para(tx(s))}}} {
			if errs := validateADF(RenderADF(d)); len(errs) > 0 {
				t.Fatalf("adf: %v", errs[0])
			}
			for _, m := range RenderSlack(d) {
				var bs slack.Blocks
				if err := json.Unmarshal(m.Blocks, &bs); err != nil {
					t.Fatal(err)
				}
				if len(bs.BlockSet) > 50 {
					t.Fatalf("%d blocks", len(bs.BlockSet))
				}
				if strings.Contains(string(m.Blocks), "<@U1>") || slackPings.MatchString(strings.ReplaceAll(m.Text, "\u200d", "X")) && strings.Contains(m.Text, "<") {
					t.Fatalf("ping in %q", m.Text)
				}
			}
			if why := wikiInert(wikiLineStart(wikiEscape(cleanText(s)))); why != "" {
				t.Fatal(why)
			}
			_ = RenderText(d)
		}
	})
}
