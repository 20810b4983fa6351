package escape

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text quoted from a ticket is untrusted: a reporter can type anything into
// a summary or a custom field. Every renderer runs each inline through
// cleanText and cutText, then through its own escaper, so that quoted text
// stays text wherever it lands.

// MaxInline caps one inline run in every rendering, whatever the text
// builders already cut; a 10 kB description pasted into a field must not
// blow a Slack block or a Jira comment.
const MaxInline = 1000

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// ZWJ is inserted after an @ in Slack text so that a literal @here,
// @channel or @everyone cannot notify anyone.
const ZWJ = "\u200d"

// Clean makes s safe to place on one line: line and paragraph breaks
// and tabs become single spaces, other control characters and the Unicode
// bidi embedding, override and isolate controls (which can make text read
// differently from what it is) are dropped, and invalid UTF-8 becomes
// U+FFFD. Letters of right-to-left scripts and emoji are kept.
func Clean(s string) string {
	if IsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case IsBidiControl(r) || unicode.IsControl(r):
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// IsClean reports whether cleanText would return s unchanged.
func IsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			return isCleanSlow(s)
		}
	}
	return true
}

func isCleanSlow(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0x2028 || r == 0x2029 || IsBidiControl(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// IsBidiControl reports the explicit directional formatting characters.
func IsBidiControl(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Cut shortens s to at most n runes, ending in an ellipsis when cut. It
// never splits a rune and does not leave a dangling zero-width joiner or
// variation selector at the cut.
func Cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return WithEllipsis(s[:i])
}

// WithEllipsis ends a cut head with an ellipsis, dropping a dangling
// zero-width joiner, variation selector or space at the cut.
func WithEllipsis(head string) string {
	return strings.TrimRightFunc(head, func(r rune) bool {
		return r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f) || unicode.IsSpace(r)
	}) + Ellipsis
}

// Quote is the text of an inline as every renderer starts from it.
func Quote(s string) string { return Cut(Clean(s), MaxInline) }

// WikiSpecial are the characters Jira's wiki renderer lets a backslash
// escape (its BackslashEscapeRendererComponent); each can start markup:
// effects, lists, tables, macros, links, images, emoticons, mentions.
const WikiSpecial = "#*_+?^~|%{}[]()!@"

// Wiki neutralises wiki markup in text. Special characters get a
// backslash; a hyphen only where it could open or close -strike- or draw a
// rule (next to a non-word character), so "CVE-2026-1234" stays readable.
// A backslash itself becomes an HTML entity: "\\" is a forced line break
// and a backslash before our own escapes would undo them (pandoc's Jira
// writer does the same).
func Wiki(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	var prev rune = ' '
	rs := []rune(s)
	for i, r := range rs {
		next := ' '
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case r == '\\':
			b.WriteString("&#92;")
		case r == '-':
			if !IsWord(prev) || !IsWord(next) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case strings.ContainsRune(WikiSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func IsWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// WikiLineStart guards the start of a wiki line: "h1." to "h6." and "bq."
// start blocks there, so the first letter becomes an entity.
func WikiLineStart(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(t) >= 3 && (t[0] == 'h' && t[1] >= '1' && t[1] <= '6' && t[2] == '.' || strings.HasPrefix(t, "bq.")) {
		pad := len(line) - len(t)
		return line[:pad] + "&#" + strconv.Itoa(int(t[0])) + ";" + t[1:]
	}
	return line
}

// Slack makes text inert in Slack mrkdwn: &, < and > become
// entities (so "<!channel>", "<@U123>" and "<url|label>" are shown, not
// parsed), and an @ that starts a word gets a zero-width joiner after it so
// that a literal @here, @channel or @everyone cannot notify anyone.
func Slack(s string) string {
	if !strings.ContainsAny(s, "&<>@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	prev := ' '
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			b.WriteByte('@')
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if !IsWord(prev) && next != utf8.RuneError {
				b.WriteString(ZWJ)
			}
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// SafeURL returns u when it is an absolute http or https URL, with the
// characters that could end a wiki or Slack link percent-encoded, and ""
// otherwise. Only explicit link nodes carry URLs; ticket text never does.
func SafeURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range p.String() {
		switch {
		case r == '|' || r == '[' || r == ']' || r == '{' || r == '}' || r == '<' || r == '>' || r == '"' || r == '\\' || r == '^' || r == '`':
			b.WriteString(url.QueryEscape(string(r)))
		case r <= ' ' || r == 0x7f:
			b.WriteString(url.PathEscape(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IDOK reports whether s is a plausible account id, user name or Slack id:
// something that cannot close or extend the markup it is placed in.
func IDOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r < 0x80 && (IsWord(r) || strings.ContainsRune(":-_.@+", r))) {
			return false
		}
	}
	return true
}

// SlackIDOK reports whether s looks like a Slack user id (U… or W…).
func SlackIDOK(s string) bool {
	if len(s) < 2 || len(s) > 32 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
