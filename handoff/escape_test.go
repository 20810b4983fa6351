package handoff

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
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
		if got := cleanText(tc.in); got != tc.want {
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
		got := cutText(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("cutText(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max(tc.n, 0) {
			t.Errorf("cutText(%q, %d) = %q: invalid or too long", tc.in, tc.n, got)
		}
	}
}

// wikiInert reports what in s, the wiki rendering of quoted text alone,
// could still act as markup: any special character without a backslash
// before it, a forced line break, a newline, or a block start.
func wikiInert(s string) string {
	s = regexp.MustCompile(`&#[0-9]+;`).ReplaceAllString(s, "E")
	if strings.Contains(s, `\\`) {
		return `forced line break \\`
	}
	if strings.ContainsAny(s, "\r\n") {
		return "newline"
	}
	t := strings.TrimLeft(s, " ")
	if len(t) >= 3 && t[0] == 'h' && t[1] >= '1' && t[1] <= '6' && t[2] == '.' || strings.HasPrefix(t, "bq.") {
		return "block start " + t[:3]
	}
	rs := []rune(s)
	for i, r := range rs {
		if !strings.ContainsRune(wikiSpecial, r) {
			continue
		}
		if i == 0 || rs[i-1] != '\\' {
			return "unescaped " + string(r)
		}
	}
	for i, r := range rs {
		if r != '-' || (i > 0 && rs[i-1] == '\\') {
			continue
		}
		prev, next := ' ', ' '
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		if !isWord(prev) || !isWord(next) {
			return "unescaped - at a word boundary"
		}
	}
	return ""
}

func TestWikiEscapeHostile(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		fxHostileText, "[~admin]", "[~accountid:5b10ac8d]", "!image.png!", "!http://evil/x.png|width=1!",
		"[text|https://evil]", "{noformat}x{noformat}", "{code:java}x{code}", "{color:red}x{color}", "{panel}x{panel}",
		"*bold*", "_em_", "-strike-", "+ins+", "^sup^", "~sub~", "??cite??", "{{mono}}", "h1. Title", "  h3. x", "bq. quote",
		"# item", "* item", "- item", "---- rule", "|| head ||", "| cell |", `a \\ b`, `\`, `\[~admin]`, `\\[~admin]`,
		"(y) (!) :) ;)", "@admin", "%20", "CVE-2026-1234 -x- a--b",
	} {
		got := wikiLineStart(wikiEscape(cleanText(s)))
		if why := wikiInert(got); why != "" {
			t.Errorf("wiki of %q = %q: %s", cutText(s, 40), cutText(got, 80), why)
		}
	}
	if got := wikiEscape("CVE-2026-1234 patch-now"); got != "CVE-2026-1234 patch-now" {
		t.Errorf("hyphens inside words should stay readable: %q", got)
	}
}

func FuzzWikiEscape(f *testing.F) {
	f.Add(fxHostileText)
	f.Add("h1. x")
	f.Add(`\\-x-\`)
	f.Fuzz(func(t *testing.T, s string) {
		got := wikiLineStart(wikiEscape(cleanText(s)))
		if why := wikiInert(got); why != "" {
			t.Errorf("wiki of %q = %q: %s", s, got, why)
		}
	})
}

func FuzzSlackEscape(f *testing.F) {
	f.Add(fxHostileText)
	f.Add("<!channel> @here")
	f.Fuzz(func(t *testing.T, s string) {
		got := slackEscape(cleanText(s))
		if m := slackPings.FindString(got); m != "" {
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
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}
