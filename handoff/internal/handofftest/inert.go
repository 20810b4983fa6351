package handofftest

import (
	"regexp"
	"strings"

	"github.com/patchbot/patchbot/handoff/internal/escape"
)

// WikiInert reports what in s, the wiki rendering of quoted text alone,
// could still act as markup: any special character without a backslash
// before it, a forced line break, a newline, or a block start.
func WikiInert(s string) string {
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
		if !strings.ContainsRune(escape.WikiSpecial, r) {
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
		if !escape.IsWord(prev) || !escape.IsWord(next) {
			return "unescaped - at a word boundary"
		}
	}
	return ""
}

// SlackPings finds anything in Slack text that would notify someone or
// make a link: <!…>, <@…>, <#…>, <http…>, and @here/@channel/@everyone
// not broken by a zero-width joiner.
var SlackPings = regexp.MustCompile(`<[!@#]|<https?:|<mailto:|(^|[^\p{L}\p{N}])@(here|channel|everyone)\b`)
