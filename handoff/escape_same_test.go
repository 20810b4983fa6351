package handoff

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// sameEscape fails t when an escaping helper differs from its reference
// (render_slack_ref_test.go) for s: isClean and cleanText, slackEscape,
// slackLen, and safeURL for s as a URL and inside some.
func sameEscape(t *testing.T, s string) {
	t.Helper()
	if got, want := isClean(s), refIsClean(s); got != want {
		t.Errorf("isClean(%q) = %v, the reference %v", s, got, want)
	}
	if got, want := cleanText(s), refCleanText(s); got != want {
		t.Errorf("cleanText(%q) = %q, the reference %q", s, got, want)
	}
	if got, want := slackEscape(s), refSlackEscape(s); got != want {
		t.Errorf("slackEscape(%q) = %q, the reference %q", s, got, want)
	}
	if got, want := slackLen(s), refSlackLen(s); got != want {
		t.Errorf("slackLen(%q) = %d, the reference %d", s, got, want)
	}
	if got, want := slackLenBytes([]byte(s)), refSlackLen(s); got != want {
		t.Errorf("slackLenBytes(%q) = %d, the reference %d", s, got, want)
	}
	for _, u := range []string{s, "https://" + s, "http://" + s, "https://jira.example.com/" + s, "https://jira.example.com/browse/SEC-1?" + s,
		"https://jira.example.com:8443" + s} {
		if got, want := safeURL(u), refSafeURL(u); got != want {
			t.Errorf("safeURL(%q) = %q, the reference %q", u, got, want)
		}
	}
}

// TestEscapeSame holds the escaping helpers to what they were, for every
// rune, for the characters they look for at every place of an eight-byte
// word, and for URLs plain and not.
func TestEscapeSame(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		s := string(r)
		if isClean(s) != refIsClean(s) || isClean("abcdefgh"+s) != refIsClean("abcdefgh"+s) || slackLen(s) != refSlackLen(s) {
			t.Errorf("rune %U: isClean %v, the reference %v", r, isClean(s), refIsClean(s))
		}
	}
	for b := 0; b < 256; b++ {
		for c := 0; c < 256; c++ {
			s := string([]byte{byte(b), byte(c)})
			if isClean(s) != refIsClean(s) || cleanText(s) != refCleanText(s) || slackEscape(s) != refSlackEscape(s) {
				t.Errorf("bytes %q differ", s)
			}
		}
	}
	// Each byte that matters, at each place of the first words.
	for _, c := range []string{"\x00", "\x1f", "\x7f", "\x80", "\xff", "\xc2\x85", "\xc2\x9f", "\xc2\xa0", "\u2028", "\u202e", "\u061c",
		"&", "<", ">", "@", "`", "😀", "é", " ", "~", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\ufffd"} {
		for n := 0; n < 26; n++ {
			for i := 0; i <= n; i++ {
				sameEscape(t, strings.Repeat("a", i)+c+strings.Repeat("b", n-i))
			}
		}
	}
	for _, s := range slackEdgeStrings {
		sameEscape(t, s)
	}
	for _, u := range safeURLCases {
		if got, want := safeURL(u), refSafeURL(u); got != want {
			t.Errorf("safeURL(%q) = %q, the reference %q", u, got, want)
		}
	}
	// URLs of the bytes a URL could hold, many of them plain.
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "aZ09.-_~/?=&+,%:@#[]|{}<>\"\\^` \t!$'()*;é\x7f"
	for i := 0; i < 100000; i++ {
		var b strings.Builder
		b.WriteString([]string{"https://", "http://", "HTTPS://", "https:", "ftp://", " https://"}[r.IntN(6)])
		for n := r.IntN(16); n > 0; n-- {
			if r.IntN(2) == 0 {
				b.WriteByte("aZ09.-/"[r.IntN(7)])
			} else {
				b.WriteString(string([]rune(alphabet)[r.IntN(utf8.RuneCountInString(alphabet))]))
			}
		}
		if u := b.String(); safeURL(u) != refSafeURL(u) {
			t.Errorf("safeURL(%q) = %q, the reference %q", u, safeURL(u), refSafeURL(u))
		}
	}
}

// safeURLCases are URLs at the edges of plainURL.
var safeURLCases = []string{
	"", "https://", "http://", "https:///x", "https://jira.example.com", "https://jira.example.com/", "https://jira.example.com/browse/SEC-101",
	" https://jira.example.com/browse/SEC-101 \n", "HTTPS://jira.example.com/x", "https://JIRA.Example.COM/Browse/SEC-1",
	"https://h:8443/x", "https://h:/x", "https://h:0/x", "https://h:99999/x", "https://h:123456/x", "https://h:65536", "https://h:8a/x",
	"https://h/x?a=1&b=2", "https://h/x?", "https://h?x", "https://h/x?a=%zz", "https://h/x?a=%41", "https://h/x%41", "https://h/x#f",
	"https://u@h/x", "https://u:p@h/x", "https://h/a/../b", "https://h//x", "https://./x", "https://-/x", "https://h.../x", "https://h/x?q=a/b?c",
	"https://h/~u/_x.y-z", "https://h/x y", "https://h/é", "https://hé/x", "https://h/x|y", "https://h/x?a=<b>", "https://[::1]/x",
	"https://h/x;y", "https://h/x,y", "https://h/x+y", "https://h/x=y", "https://h/x&y", "https://h/x:y", "https://h/x@y",
	"javascript:alert(1)", "//h/x", "http:/h/x", "https://h\\x", "https://h/x\\y", "https://h/x`y", "https://h/x^y",
}

// FuzzEscapeSame holds the escaping helpers to their references for
// arbitrary text.
func FuzzEscapeSame(f *testing.F) {
	for _, s := range append(append([]string{}, slackEdgeStrings...), safeURLCases...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		sameEscape(t, s)
	})
}
