package handoff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible returns s as a reader sees it: without the invisible format
// characters that text pasted from mail, Word or a web page carries
// (Unicode category Cf: U+200B zero-width space, U+200E and U+200F
// direction marks, U+2060 word joiner, U+FEFF byte order mark, U+00AD soft
// hyphen, the bidi embeddings and isolates, …), and with every space
// separator (Zs: U+00A0 no-break space, U+202F narrow no-break space,
// U+3000 ideographic space, …) made a plain space. Line breaks and tabs
// stay. The zero-width joiner and non-joiner stay between two non-ASCII
// characters, where they shape emoji and scripts such as Persian, and tag
// characters stay after a non-ASCII one (emoji flag sequences); next to
// ASCII they are as invisible as the rest.
//
// Dates, lanes and labels are read through Visible, so "30 Nov 2026" with a
// no-break space, or "patch now" with a left-to-right mark, reads as
// typed. Text without such characters comes back as it is, unallocated.
func Visible(s string) string {
	i := firstHidden(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	for j := i; j < len(s); {
		r, w := utf8.DecodeRuneInString(s[j:])
		switch {
		case w == 1 && r == utf8.RuneError:
			// An invalid byte passes as it is.
		case unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
			prev, j = ' ', j+w
			continue
		case unicode.Is(unicode.Cf, r) && !keepFormat(r, prev, s[j+w:]):
			j += w
			continue
		}
		b.WriteString(s[j : j+w])
		prev, j = r, j+w
	}
	return b.String()
}

// firstHidden is the index of the first format character or non-ASCII
// space separator in s, or -1.
func firstHidden(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		for j, r := range s[i:] {
			if r >= utf8.RuneSelf && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zs, r)) {
				return i + j
			}
		}
		return -1
	}
	return -1
}

// keepFormat reports the format characters that carry meaning where they
// are: a joiner or non-joiner between two non-ASCII letters, marks, digits
// or symbols (emoji, Persian, Devanagari), a tag character after such a
// character or another tag (emoji flag sequences).
func keepFormat(r, prev rune, rest string) bool {
	switch {
	case r == '\u200c' || r == '\u200d':
		next, _ := utf8.DecodeRuneInString(rest)
		return joinable(prev) && joinable(next)
	case isTag(r):
		return joinable(prev) || isTag(prev)
	}
	return false
}

// joinable reports a non-ASCII letter, mark, digit or symbol.
func joinable(r rune) bool {
	return r >= utf8.RuneSelf && r != utf8.RuneError && unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.S)
}

func isTag(r rune) bool { return r >= 0xE0020 && r <= 0xE007F }
