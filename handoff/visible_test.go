package handoff

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestVisible(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain ASCII", "30 Nov 2026", "30 Nov 2026"},
		{"left-to-right mark", "\u200e2026-11-30\u200e", "2026-11-30"},
		{"zero-width space inside a word", "pat\u200bch now", "patch now"},
		{"no-break spaces", "30\u00a0Nov\u202f2026", "30 Nov 2026"},
		{"byte order mark", "\ufeffpatch now", "patch now"},
		{"word joiner and soft hyphen", "main\u2060te\u00adnance window", "maintenance window"},
		{"bidi isolates", "\u2066Rollback plan\u2069: none", "Rollback plan: none"},
		{"ideographic and thin spaces", "a\u3000b\u2009c", "a b c"},
		{"line breaks and tabs stay", "Scope:\tweb\r\nLane: monitor\n", "Scope:\tweb\r\nLane: monitor\n"},
		{"accents stay", "Überprüfung – März", "Überprüfung – März"},
		{"emoji joiner stays", "team 👩\u200d💻 on call", "team 👩\u200d💻 on call"},
		{"emoji with variation selector and joiner", "❤\ufe0f\u200d🔥", "❤\ufe0f\u200d🔥"},
		{"Persian non-joiner stays", "می\u200cخواهم", "می\u200cخواهم"},
		{"flag tag sequence stays", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"},
		{"joiner next to ASCII goes", "patch\u200d now\u200c", "patch now"},
		{"tag after ASCII goes", "monitor\U000E0041", "monitor"},
		{"invalid bytes pass", "a\xff\u200bb\xe2\x82", "a\xffb\xe2\x82"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Visible(tc.in); got != tc.want {
				t.Errorf("Visible(%+q) = %+q, want %+q", tc.in, got, tc.want)
			}
		})
	}
}

// TestVisibleDoesNotAllocate checks that text without hidden characters
// comes back as it is (every date, lane and description goes through it).
func TestVisibleDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Visible("Überprüfung 30 Nov 2026 – patch now") }); n != 0 {
		t.Errorf("text without hidden characters: %v allocations, want 0", n)
	}
}

// hiddenChars are format characters that mail, Word and web pages leave
// in pasted text; hiddenSpaces are space separators other than ' '.
var (
	hiddenChars  = []string{"\u200e", "\u200f", "\u200b", "\ufeff", "\u2060", "\u00ad", "\u2066", "\u2069", "\u202a", "\u202c", "\u200d", "\u200c", "\u061c", "\U000E0041"}
	hiddenSpaces = []string{"\u00a0", "\u202f", "\u2009", "\u3000", "\u2007", "\u205f"}
)

// TestInvisibleCharactersInDatesAndLanes pastes dates and lanes with the
// characters mail and Word add: each reads as it does without them.
func TestInvisibleCharactersInDatesAndLanes(t *testing.T) {
	t.Parallel()
	dates := map[string]time.Time{
		"\u200e2026-11-30":              time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"2026-11-30\u200e":              time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"2026-\u200b11-30":              time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"30\u00a0Nov\u00a02026":         time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"\ufeff30 Nov 2026":             time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"Nov\u202f30,\u202f2026":        time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"2026-11-30\u2060T10:00:00Z":    time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC),
		"\u202a30/Nov/26\u202c":         time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		"1st\u00a0Dec\u00ad 2026\u200f": time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range dates {
		at, _, err := ParseDate(in)
		if err != nil || !at.Equal(want) {
			t.Errorf("ParseDate(%+q) = %v, %v; want %v", in, at, err, want)
		}
	}
	lanes := map[string]Lane{
		"\u200epatch now":           LanePatchNow,
		"patch\u00a0now":            LanePatchNow,
		"pat\u200bch now":           LanePatchNow,
		"\ufeffmitigation first":    LaneMitigateFirst,
		"planned\u202fwindow\u200f": LanePlannedWindow,
		"excep\u00adtion review":    LaneException,
		"\u2066monitor\u2069":       LaneMonitor,
	}
	for in, want := range lanes {
		if got, ok := ParseLane(in); !ok || got != want {
			t.Errorf("ParseLane(%+q) = %s, %v; want %s", in, got, ok, want)
		}
	}
	if !IsBlockedText("block\u200bed") {
		t.Errorf("IsBlockedText(%+q) = false", "block\u200bed")
	}
}

// insertHidden puts a hidden character into s: a format character at any
// rune boundary, or a space separator in place of a space (or at an end,
// where it is trimmed). pos and pick choose where and which.
func insertHidden(s string, pos uint16, pick uint8) string {
	if pick&1 == 0 {
		c := hiddenChars[int(pick>>1)%len(hiddenChars)]
		var cuts []int
		for i := range s {
			cuts = append(cuts, i)
		}
		cuts = append(cuts, len(s))
		at := cuts[int(pos)%len(cuts)]
		return s[:at] + c + s[at:]
	}
	c := hiddenSpaces[int(pick>>1)%len(hiddenSpaces)]
	if n := strings.Count(s, " "); n > 0 {
		k := int(pos) % (n + 2)
		switch {
		case k == n:
			return c + s
		case k == n+1:
			return s + c
		}
		i := -1
		for range k + 1 {
			i += 1 + strings.IndexByte(s[i+1:], ' ')
		}
		return s[:i] + c + s[i+1:]
	}
	if pos%2 == 0 {
		return c + s
	}
	return s + c
}

// FuzzInvisibleInDate inserts invisible characters into dates that parse:
// the parse does not change.
func FuzzInvisibleInDate(f *testing.F) {
	for _, s := range []string{
		"2026-11-30", "2026-11-30T10:00:00.000+0000", "2026-11-30 10:00", "30 Nov 2026", "Nov 30, 2026",
		"30/Nov/26 10:15 AM", "1st Dec 2026", "Mon, 30 Nov 2026", "30.11.2026", "2. Dezember 2026", "20261130",
	} {
		for pick := range uint8(8) {
			f.Add(s, uint16(pick*3), pick)
		}
	}
	f.Fuzz(func(t *testing.T, s string, pos uint16, pick uint8) {
		at, only, err := ParseDate(s)
		if err != nil {
			return
		}
		for range 3 {
			s = insertHidden(s, pos, pick)
			pos, pick = pos*7+3, pick+5
			got, gotOnly, err := ParseDate(s)
			if err != nil || !got.Equal(at) || gotOnly != only {
				t.Fatalf("ParseDate(%+q) = %v %v %v, want %v %v", s, got, gotOnly, err, at, only)
			}
		}
	})
}

// FuzzInvisibleInLane does the same for lanes, and checks that Visible is
// idempotent and keeps valid UTF-8 valid.
func FuzzInvisibleInLane(f *testing.F) {
	for _, s := range []string{
		"patch now", "Urgent patching", "PLANNED_WINDOW", "mitigation-first", "exception review",
		"validate affected status", "patch now - KEV listed", "Monitor only", "needs review", "blocked",
	} {
		for pick := range uint8(8) {
			f.Add(s, uint16(pick*5), pick)
		}
	}
	f.Fuzz(func(t *testing.T, s string, pos uint16, pick uint8) {
		// Ticket text arrives as valid UTF-8 (encoding/json sees to it);
		// in invalid text, dropping a character may join stray bytes.
		if v := Visible(s); utf8.ValidString(s) && (Visible(v) != v || !utf8.ValidString(v)) {
			t.Fatalf("Visible(%+q) = %+q: not idempotent or not valid", s, v)
		}
		lane, ok := ParseLane(s)
		blocked := IsBlockedText(s)
		if len(s) > maxLaneLen/2 {
			return // an inserted character may push words past the cut
		}
		for range 3 {
			s = insertHidden(s, pos, pick)
			pos, pick = pos*7+3, pick+5
			if got, gotOK := ParseLane(s); got != lane || gotOK != ok {
				t.Fatalf("ParseLane(%+q) = %s %v, want %s %v", s, got, gotOK, lane, ok)
			}
			if IsBlockedText(s) != blocked {
				t.Fatalf("IsBlockedText(%+q) changed", s)
			}
		}
	})
}
