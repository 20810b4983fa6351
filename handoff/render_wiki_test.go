package handoff

import (
	"regexp"
	"strings"
	"testing"
)

// TestWikiHostileRendersInert renders every text over the hostile fixture
// and checks that nothing a reporter typed became markup: the only
// mentions are the explicit owner node, the only links the ticket's, no
// macro, image, effect or line break survives unescaped, and no line
// starts a heading the bot did not write.
func TestWikiHostileRendersInert(t *testing.T) {
	t.Parallel()
	ev := fxHostile()
	ev.Handoff.Scope.Owner = fxDana
	it := fxDue(DueReviewPassed, ev.Handoff, FieldReviewDate, fxOnDay(2026, 11, 1), 19)
	docs := map[string]Doc{
		"validation": ValidationRequest(ev, fxOpts()),
		"reopened":   Reopened(ev, fxOpts()),
		"complete":   Complete(ev, fxOpts()),
		"reminder":   Reminder(ev.Handoff.Scope.Owner, []Due{it}, fxOpts()),
		"digest":     DigestBriefs(briefsOf([]Due{it}), fxOpts()),
	}
	unescaped := regexp.MustCompile(`(^|[^\\])(\[~|\{(color|noformat|code|panel|quote)|!image|\[click|\{\{|\?\?cite)`)
	for name, d := range docs {
		w := RenderWiki(d)
		for _, m := range regexp.MustCompile(`\[~[^\]]*\]`).FindAllString(w, -1) {
			if m != "[~accountid:"+fxDana.User.AccountID+"]" {
				t.Errorf("%s: mention %q", name, m)
			}
		}
		for _, m := range regexp.MustCompile(`(^|[^\\])\[[^\]]*\|[^\]]*\]`).FindAllString(w, -1) {
			if !strings.Contains(m, "|https://jira.example.com/browse/SEC-666]") {
				t.Errorf("%s: link %q", name, m)
			}
		}
		if m := unescaped.FindString(strings.ReplaceAll(w, "[~accountid:"+fxDana.User.AccountID+"]", "")); m != "" {
			t.Errorf("%s: markup %q survived", name, m)
		}
		if strings.Contains(w, `\\`) {
			t.Errorf("%s: a forced line break survived", name)
		}
		ours := map[string]bool{"h3. " + wikiInlines([]Inline{tx(d.Title)}): true}
		for _, b := range d.Blocks {
			if b.Kind == BlockHeading {
				ours[wikiBlock(b)] = true
			}
		}
		for _, line := range strings.Split(w, "\n") {
			if regexp.MustCompile(`^\s*(h[1-6]|bq)\.`).MatchString(line) && !ours[line] {
				t.Errorf("%s: line starts a block: %q", name, cutText(line, 60))
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
		u    User
		want string
	}{
		{User{AccountID: "5b10ac8d82e05b22cc7d4ef5", Name: "dana"}, "[~accountid:5b10ac8d82e05b22cc7d4ef5]"},
		{User{Name: "lchen"}, "[~lchen]"},
		{User{Name: "x] [~admin"}, `\@Who`},
		{User{}, `\@Who`},
	}
	for _, tc := range cases {
		got := RenderWiki(Doc{Blocks: []Block{para(Inline{Kind: InlineMention, Text: "Who", User: tc.u})}})
		if strings.TrimSpace(got) != tc.want {
			t.Errorf("mention of %+v = %q, want %q", tc.u, got, tc.want)
		}
	}
}

func TestWikiLinkOnlyHTTP(t *testing.T) {
	t.Parallel()
	got := RenderWiki(Doc{Blocks: []Block{para(
		Inline{Kind: InlineLink, Text: "ok", URL: "https://jira.example.com/browse/SEC-1"},
		tx(" "),
		Inline{Kind: InlineLink, Text: "bad", URL: "javascript:alert(1)"},
	)}})
	if strings.TrimSpace(got) != "[ok|https://jira.example.com/browse/SEC-1] bad" {
		t.Errorf("got %q", got)
	}
}

func TestTextRendersCleanLines(t *testing.T) {
	t.Parallel()
	got := RenderText(ValidationRequest(fxHostile(), fxOpts()))
	if strings.ContainsAny(got, "\u202e\x00\x07\x1b\r") {
		t.Error("control characters survived in plain text")
	}
	for _, line := range strings.Split(got, "\n") {
		if n := len([]rune(line)); n > 2*maxInline+200 {
			t.Errorf("line of %d runes: long text was not cut", n)
		}
	}
	if !strings.Contains(got, ellipsis) {
		t.Error("10 kB text should have been cut with an ellipsis")
	}
}
