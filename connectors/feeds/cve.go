package feeds

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cvePattern is what a CVE id looks like in free text. RE2's \d is ASCII
// only, so full-width digits never make an id.
var cvePattern = regexp.MustCompile(`(?i)CVE-\d{4}-\d{4,}`)

// NormalizeCVE returns id as the feeds key it: trimmed, upper-case, with
// invisible format characters (zero-width spaces, soft hyphens, byte order
// marks) removed and Unicode dashes read as '-'.
// ok is false when what is left is not a CVE id ("CVE-YYYY-NNNN…").
func NormalizeCVE(id string) (norm string, ok bool) {
	if isCVE(id) {
		return id, true // the common case: already clean, no allocation
	}
	norm = strings.ToUpper(strings.TrimSpace(strings.Map(cleanRune, id)))
	return norm, isCVE(norm)
}

// ExtractCVEs returns every CVE id in text, normalised, without duplicates,
// in the order of their first appearance. Invisible characters inside an id
// ("CVE-2024-\u200b3400") do not hide it.
func ExtractCVEs(text string) []string {
	if !isPlainASCII(text) {
		text = strings.Map(cleanRune, text)
	}
	found := cvePattern.FindAllString(text, -1)
	if len(found) == 0 {
		return nil
	}
	out := found[:0]
	seen := make(map[string]struct{}, len(found))
	for _, id := range found {
		id = strings.ToUpper(id)
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

// cleanRune is the strings.Map function behind NormalizeCVE and
// ExtractCVEs: it drops what a reader cannot see (format characters such as
// U+200B and U+00AD), maps dashes to '-', and turns controls and invalid
// bytes into a space so they separate rather than join what surrounds them.
func cleanRune(r rune) rune {
	switch {
	case unicode.Is(unicode.Cf, r):
		return -1
	case unicode.Is(unicode.Pd, r):
		return '-'
	case r == utf8.RuneError, unicode.IsControl(r):
		return ' '
	}
	return r
}

// isCVE reports whether s is exactly "CVE-" + 4 digits + "-" + 4 or more
// digits, upper-case.
func isCVE(s string) bool {
	if len(s) < 13 || s[:4] != "CVE-" || s[8] != '-' {
		return false
	}
	return isDigits(s[4:8]) && isDigits(s[9:])
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
