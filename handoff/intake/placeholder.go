package intake

import (
	"bytes"
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/words"
)

// placeholderWords is the vocabulary of the seeds' template placeholders
// ("[fixed version]", "[date/window/review trigger]", "[team/person,
// date]", the example asks' "[asset group/product]", …). A bracketed text
// made only of these words is a placeholder left in place.
var placeholderWords = map[string]bool{
	"cve": true, "advisory": true, "id": true, "assets": true, "asset": true, "group": true, "products": true,
	"product": true, "versions": true, "version": true, "business": true, "service": true, "owner": true,
	"owners": true, "kev": true, "exploitation": true, "exploited": true, "exposure": true, "exposed": true,
	"epss": true, "high": true, "criticality": true, "critical": true, "deadline": true, "patch": true,
	"now": true, "planned": true, "window": true, "mitigate": true, "first": true, "monitor": true,
	"exception": true, "needs": true, "review": true, "fixed": true, "link": true, "workaround": true,
	"config": true, "configuration": true, "supersedence": true, "note": true, "test": true, "scope": true,
	"reboot": true, "dependencies": true, "rollback": true, "communication": true, "temporary": true,
	"control": true, "soc": true, "monitoring": true, "vendor": true, "ask": true, "date": true,
	"deployment": true, "scan": true, "inventory": true, "validation": true, "exceptions": true,
	"team": true, "person": true, "in": true, "validate": true, "affected": true, "status": true,
	"source": true, "confidence": true, "mitigation": true, "trigger": true, "testing": true,
	"known": true, "issues": true, "proof": true, "record": true, "attestation": true, "unknown": true,
	"ambiguity": true, "not": true, "of": true, "compromise": true, "standard": true, "maintenance": true,
	"name": true, "names": true, "system": true, "systems": true, "hosts": true, "host": true,
	"owner's": true, "who": true, "when": true, "what": true, "x": true, "y": true, "n": true, "tbd": true,
	"value": true, "here": true, "fill": true, "insert": true, "your": true, "the": true, "a": true,
	"or": true, "and": true, "timestamp": true, "residual": true, "risk": true, "blocker": true,
	"approval": true, "expiry": true, "expiration": true, "evidence": true, "plan": true, "path": true,
	"fix": true, "controls": true, "compensating": true, "list": true, "build": true, "feature": true,
}

// placeholderTexts are whole values that mean "not filled in yet".
var placeholderTexts = map[string]bool{
	"tbd": true, "tba": true, "tbc": true, "todo": true, "to do": true, "?": true, "??": true, "???": true,
	"...": true, "…": true, "xxx": true, "-": true, "--": true, "<>": true, "[]": true, "fill in": true,
	"to be decided": true, "to be confirmed": true, "to be determined": true, "pending": true,
}

// isPlaceholder reports whether text still holds a template placeholder:
// a bracketed run of template words ("[fixed version]", "[date/window/
// review trigger]"), a bracketed list of options, or a "TBD" of some kind.
// Jira links ([text|url]), mentions ([~user]), attachments ([^file]),
// markdown links ([text](url)) and bracketed ids ([CVE-2026-1234]) are real
// values.
func isPlaceholder(text string) bool {
	t := strings.TrimSpace(text)
	if len(t) <= 24 && t != "" && strings.IndexByte("tTdD?.x-<[fFpP\xe2", t[0]) >= 0 {
		var buf [24]byte
		low := lowerASCII(buf[:0], t)
		if placeholderTexts[string(low)] || placeholderTexts[strings.TrimRight(string(low), ".;, ")] {
			return true
		}
	}
	if strings.IndexByte(t, '[') < 0 && strings.IndexByte(t, '<') < 0 {
		return false
	}
	for i := 0; i < len(t); i++ {
		open := t[i]
		if open != '[' && open != '<' {
			continue
		}
		closer := byte(']')
		if open == '<' {
			closer = '>'
		}
		j := strings.IndexByte(t[i+1:], closer)
		if j < 0 {
			continue
		}
		inner := t[i+1 : i+1+j]
		after := i + 2 + j
		if isTemplateBracket(inner) && !(after < len(t) && t[after] == '(') {
			return true
		}
		i = after - 1
	}
	return false
}

// isTemplateBracket reports whether the inside of a bracket reads as a
// template placeholder rather than a link, mention or id.
func isTemplateBracket(inner string) bool {
	in := strings.TrimSpace(inner)
	if len(in) < 1 || len(in) > 200 || strings.ContainsAny(in, "|~^#@:0123456789") {
		return false
	}
	var buf [200]byte
	low := lowerInto(buf[:], in)
	if bytes.HasPrefix(low, []byte("http")) || bytes.HasPrefix(low, []byte("mailto")) {
		return false
	}
	if len(in) == 1 && (in == "x" || in == "X" || in == " ") {
		return false // a ticked or empty checkbox
	}
	if strings.ContainsAny(in, "/,") {
		return true // a list of options, as every template placeholder is
	}
	for len(low) > 0 {
		i := bytes.IndexAny(low, " -_.")
		w := low
		if i >= 0 {
			w, low = low[:i], low[i+1:]
		} else {
			low = nil
		}
		if len(w) > 0 && !placeholderWords[string(w)] {
			return false
		}
	}
	return true
}

// cutDate finds the first date in text and returns it and the text around
// it. It tries only tokens that can start a date, so free text costs little.
func cutDate(text string) (date, rest string) {
	if len(text) > 400 {
		return "", text
	}
	var buf [128][2]int
	toks := tokenSpans(text, buf[:0])
	for i, tk := range toks {
		w := trimTok(text[tk[0]:tk[1]])
		var tbuf [3][2]int
		tries := tbuf[:0]
		switch {
		case isMonthName(w) && i+2 < len(toks):
			tries = append(tries, [2]int{tk[0], toks[i+2][1]})
		case w != "" && w[0] >= '0' && w[0] <= '9':
			if i+2 < len(toks) && len(w) <= 4 && isMonthName(trimTok(text[toks[i+1][0]:toks[i+1][1]])) {
				tries = append(tries, [2]int{tk[0], toks[i+2][1]})
			}
			if i+1 < len(toks) && strings.IndexByte(text[toks[i+1][0]:toks[i+1][1]], ':') > 0 {
				tries = append(tries, [2]int{tk[0], toks[i+1][1]})
			}
			if len(w) >= 8 && dateShaped(w) {
				tries = append(tries, tk)
			}
		}
		for _, sp := range tries {
			cand := trimTok(text[sp[0]:sp[1]])
			if _, _, err := handoff.ParseDate(cand); err == nil {
				start := sp[0] + strings.Index(text[sp[0]:sp[1]], cand)
				return cand, text[:start] + text[start+len(cand):]
			}
		}
	}
	return "", text
}

// dateShaped reports a token with exactly two of one date separator
// (2026-11-30, 30/Nov/26, 30.11.2026), so "3.0.0-3.0.7" is not tried.
func dateShaped(w string) bool {
	if len(w) > 10 && w[4] == '-' && words.IsDigits(w[:4]) {
		return true // ISO date with a time and zone
	}
	return strings.Count(w, "-") == 2 || strings.Count(w, "/") == 2 || strings.Count(w, ".") == 2 && strings.IndexByte(w, '-') < 0
}

// lowerASCII appends s lower-cased (ASCII only) to dst.
func lowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}

// tokenSpans splits text at spaces, returning [start, end) spans.
func tokenSpans(text string, out [][2]int) [][2]int {
	start := -1
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == ' ' || text[i] == '\t' {
			if start >= 0 {
				out = append(out, [2]int{start, i})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

// trimTok strips the punctuation that surrounds a date in prose.
func trimTok(s string) string {
	return strings.TrimRight(strings.TrimLeft(s, "([\"'"), ".,;:)]\"'")
}

// isMonthName reports an English month name or abbreviation.
func isMonthName(w string) bool {
	if len(w) < 3 || len(w) > 9 {
		return false
	}
	switch strings.ToLower(w[:3]) {
	case "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec":
		return true
	}
	return false
}

// findAdvisoryID returns the first CVE or GHSA id in text.
func findAdvisoryID(text string) string {
	if len(text) > maxDescription {
		text = text[:maxDescription]
	}
	for i := 0; i+8 < len(text); i++ {
		c := text[i] | 0x20
		if c != 'c' && c != 'g' {
			continue
		}
		if i > 0 && isWordByte(text[i-1]) {
			continue
		}
		if id := cveAt(text[i:]); id != "" {
			return id
		}
		if id := ghsaAt(text[i:]); id != "" {
			return id
		}
	}
	return ""
}

// cveAt reads "CVE-2026-12345" at the start of s.
func cveAt(s string) string {
	if len(s) < 13 || !strings.EqualFold(s[:4], "cve-") {
		return ""
	}
	n := 4
	for k := 0; k < 4; k++ {
		if s[n+k] < '0' || s[n+k] > '9' {
			return ""
		}
	}
	n += 4
	if s[n] != '-' {
		return ""
	}
	n++
	d := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' && d < 8 {
		n++
		d++
	}
	if d < 4 {
		return ""
	}
	return strings.ToUpper(s[:n])
}

// ghsaAt reads "GHSA-xxxx-xxxx-xxxx" at the start of s.
func ghsaAt(s string) string {
	if len(s) < 19 || !strings.EqualFold(s[:5], "ghsa-") {
		return ""
	}
	for k := 5; k < 19; k++ {
		c := s[k] | 0x20
		if (k-4)%5 == 0 {
			if s[k] != '-' {
				return ""
			}
			continue
		}
		if !(c >= 'a' && c <= 'z' || s[k] >= '0' && s[k] <= '9') {
			return ""
		}
	}
	return "GHSA" + strings.ToLower(s[4:19])
}
