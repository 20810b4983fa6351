package escape_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff/internal/escape"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain", "OpenSSL 3.0.16", "OpenSSL 3.0.16"},
		{"newlines", "a\r\nb\nc\rd", "a b c d"},
		{"tabs and runs", "a\t\t\nb", "a b"},
		{"controls", "a\x00b\x07c\x1b[31md\x7f", "abc[31md"},
		{"c1", "a\u0085b\u009bc", "a bc"},
		{"bidi override", "abc\u202edcba\u202c", "abcdcba"},
		{"isolates", "\u2066x\u2069", "x"},
		{"line separator", "a\u2028b", "a b"},
		{"rtl letters kept", "مرحبا שלום", "مرحبا שלום"},
		{"emoji kept", "👩‍💻 ✅", "👩‍💻 ✅"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
	}
	for _, tc := range cases {
		if got := escape.Clean(tc.in); got != tc.want {
			t.Errorf("%s: cleanText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestCutText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"ééééééé", 4, "ééé…"},
		{"ab 👩‍💻 cd", 4, "ab…"},
		{"👩‍💻👩‍💻", 3, "👩…"},
		{"x", 0, ""},
	}
	for _, tc := range cases {
		got := escape.Cut(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("cutText(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max(tc.n, 0) {
			t.Errorf("cutText(%q, %d) = %q: invalid or too long", tc.in, tc.n, got)
		}
	}
}

func TestWikiEscapeHostile(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		handofftest.HostileText, "[~admin]", "[~accountid:5b10ac8d]", "!image.png!", "!http://evil/x.png|width=1!",
		"[text|https://evil]", "{noformat}x{noformat}", "{code:java}x{code}", "{color:red}x{color}", "{panel}x{panel}",
		"*bold*", "_em_", "-strike-", "+ins+", "^sup^", "~sub~", "??cite??", "{{mono}}", "h1. Title", "  h3. x", "bq. quote",
		"# item", "* item", "- item", "---- rule", "|| head ||", "| cell |", `a \\ b`, `\`, `\[~admin]`, `\\[~admin]`,
		"(y) (!) :) ;)", "@admin", "%20", "CVE-2026-1234 -x- a--b",
	} {
		got := escape.WikiLineStart(escape.Wiki(escape.Clean(s)))
		if why := handofftest.WikiInert(got); why != "" {
			t.Errorf("wiki of %q = %q: %s", escape.Cut(s, 40), escape.Cut(got, 80), why)
		}
	}
	if got := escape.Wiki("CVE-2026-1234 patch-now"); got != "CVE-2026-1234 patch-now" {
		t.Errorf("hyphens inside words should stay readable: %q", got)
	}
}

func FuzzWikiEscape(f *testing.F) {
	f.Add(handofftest.HostileText)
	f.Add("h1. x")
	f.Add(`\\-x-\`)
	f.Fuzz(func(t *testing.T, s string) {
		got := escape.WikiLineStart(escape.Wiki(escape.Clean(s)))
		if why := handofftest.WikiInert(got); why != "" {
			t.Errorf("wiki of %q = %q: %s", s, got, why)
		}
	})
}

func FuzzSlackEscape(f *testing.F) {
	f.Add(handofftest.HostileText)
	f.Add("<!channel> @here")
	f.Fuzz(func(t *testing.T, s string) {
		got := escape.Slack(escape.Clean(s))
		if m := handofftest.SlackPings.FindString(got); m != "" {
			t.Errorf("slack of %q = %q pings: %q", s, got, m)
		}
		if strings.ContainsAny(got, "<>") {
			t.Errorf("slack of %q = %q keeps an angle bracket", s, got)
		}
	})
}

func TestSafeURL(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"https://jira.example.com/browse/SEC-1": "https://jira.example.com/browse/SEC-1",
		"http://x.example/a|b]c":                "http://x.example/a%7Cb%5Dc",
		"javascript:alert(1)":                   "",
		"/browse/SEC-1":                         "",
		"mailto:a@b.c":                          "",
		"https://":                              "",
		"https://x.example/<!channel>":          "https://x.example/%3C%21channel%3E",
	}
	for in, want := range cases {
		if got := escape.SafeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}
