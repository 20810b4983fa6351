package wiki

import (
	"regexp"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// TestWikiHostileRendersInert renders every text over the hostile fixture
// and checks that nothing a reporter typed became markup: the only
// mentions are the explicit owner node, the only links the ticket's, no
// macro, image, effect or line break survives unescaped, and no line
// starts a heading the bot did not write.
func TestWikiHostileRendersInert(t *testing.T) {
	t.Parallel()
	ev := handofftest.Hostile()
	ev.Handoff.Scope.Owner = handofftest.Dana
	it := handofftest.Due(handoff.DueReviewPassed, ev.Handoff, handoff.FieldReviewDate, handofftest.OnDay(2026, 11, 1), 19)
	docs := map[string]richtext.Doc{
		"validation": texts.ValidationRequest(ev, fxOpts()),
		"reopened":   texts.Reopened(ev, fxOpts()),
		"complete":   texts.Complete(ev, fxOpts()),
		"reminder":   texts.Reminder(ev.Handoff.Scope.Owner, []handoff.Due{it}, fxOpts()),
		"digest":     texts.DigestBriefs(handofftest.BriefsOf([]handoff.Due{it}), fxOpts()),
	}
	unescaped := regexp.MustCompile(`(^|[^\\])(\[~|\{(color|noformat|code|panel|quote)|!image|\[click|\{\{|\?\?cite)`)
	for name, d := range docs {
		w := Render(d)
		for _, m := range regexp.MustCompile(`\[~[^\]]*\]`).FindAllString(w, -1) {
			if m != "[~accountid:"+handofftest.Dana.User.AccountID+"]" {
				t.Errorf("%s: mention %q", name, m)
			}
		}
		for _, m := range regexp.MustCompile(`(^|[^\\])\[[^\]]*\|[^\]]*\]`).FindAllString(w, -1) {
			if !strings.Contains(m, "|https://jira.example.com/browse/SEC-666]") {
				t.Errorf("%s: link %q", name, m)
			}
		}
		if m := unescaped.FindString(strings.ReplaceAll(w, "[~accountid:"+handofftest.Dana.User.AccountID+"]", "")); m != "" {
			t.Errorf("%s: markup %q survived", name, m)
		}
		if strings.Contains(w, `\\`) {
			t.Errorf("%s: a forced line break survived", name)
		}
		ours := map[string]bool{"h3. " + wikiInlines([]richtext.Inline{richtext.Text(d.Title)}): true}
		for _, b := range d.Blocks {
			if b.Kind == richtext.BlockHeading {
				ours[wikiBlock(b)] = true
			}
		}
		for _, line := range strings.Split(w, "\n") {
			if regexp.MustCompile(`^\s*(h[1-6]|bq)\.`).MatchString(line) && !ours[line] {
				t.Errorf("%s: line starts a block: %q", name, escape.Cut(line, 60))
			}
		}
		if strings.ContainsAny(w, "\u202e\x00\x07\x1b\r") {
			t.Errorf("%s: control characters survived", name)
		}
	}
}

func TestWikiMentions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		u    handoff.User
		want string
	}{
		{handoff.User{AccountID: "5b10ac8d82e05b22cc7d4ef5", Name: "dana"}, "[~accountid:5b10ac8d82e05b22cc7d4ef5]"},
		{handoff.User{Name: "lchen"}, "[~lchen]"},
		{handoff.User{Name: "x] [~admin"}, `\@Who`},
		{handoff.User{}, `\@Who`},
	}
	for _, tc := range cases {
		got := Render(richtext.Doc{Blocks: []richtext.Block{richtext.Para(richtext.Inline{Kind: richtext.InlineMention, Text: "Who", User: tc.u})}})
		if strings.TrimSpace(got) != tc.want {
			t.Errorf("mention of %+v = %q, want %q", tc.u, got, tc.want)
		}
	}
}

func TestWikiLinkOnlyHTTP(t *testing.T) {
	t.Parallel()
	got := Render(richtext.Doc{Blocks: []richtext.Block{richtext.Para(
		richtext.Inline{Kind: richtext.InlineLink, Text: "ok", URL: "https://jira.example.com/browse/SEC-1"},
		richtext.Text(" "),
		richtext.Inline{Kind: richtext.InlineLink, Text: "bad", URL: "javascript:alert(1)"},
	)}})
	if strings.TrimSpace(got) != "[ok|https://jira.example.com/browse/SEC-1] bad" {
		t.Errorf("got %q", got)
	}
}

func TestTextRendersCleanLines(t *testing.T) {
	t.Parallel()
	got := plain.Render(texts.ValidationRequest(handofftest.Hostile(), fxOpts()))
	if strings.ContainsAny(got, "\u202e\x00\x07\x1b\r") {
		t.Error("control characters survived in plain text")
	}
	for _, line := range strings.Split(got, "\n") {
		if n := len([]rune(line)); n > 2*escape.MaxInline+200 {
			t.Errorf("line of %d runes: long text was not cut", n)
		}
	}
	if !strings.Contains(got, escape.Ellipsis) {
		t.Error("10 kB text should have been cut with an ellipsis")
	}
}

func fxOpts() texts.Options { return texts.Options{Now: handofftest.Now, Loc: handofftest.Loc} }
