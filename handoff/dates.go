package handoff

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff/internal/words"
)

// maxDateLen bounds what ParseDate looks at: no date form it reads is
// longer, and a long text is not a date.
const maxDateLen = 64

// maxHiddenDateLen bounds the text ParseDate cleans with Visible: room for
// a date with an invisible character (three bytes) around each of its own.
const maxHiddenDateLen = 4 * maxDateLen

// ErrNotADate is wrapped by every error ParseDate returns, for errors.Is.
var ErrNotADate = errors.New("not a date")

// dateOnlyLayouts are the calendar-day forms people and Jira write.
var dateOnlyLayouts = [...]string{
	"2006-01-02",      // Jira date, ISO 8601
	"2006/01/02",      // ISO with slashes
	"2006.01.02",      // ISO with dots
	"20060102",        // basic ISO
	"2/Jan/06",        // Jira Data Center UI
	"2/Jan/2006",      // Jira Data Center UI, four-digit year
	"2 Jan 2006",      // seed-style, day first
	"2 January 2006",  // long month
	"2-Jan-2006",      // day-month-year with hyphens
	"2-Jan-06",        // short year
	"Jan 2, 2006",     // US order
	"January 2, 2006", // US order, long month
	"Jan 2 2006",      // US order, no comma
	"January 2 2006",  // US order, long month, no comma
	"2. January 2006", // German style
	"2.1.2006",        // day.month.year (dots are day-first by convention)
	"Mon, 2 Jan 2006", // with weekday
	"Monday, 2 January 2006",
	"Mon Jan 2, 2006",
	"Monday, January 2, 2006",
}

// dateTimeLayouts are the forms with a time of day.
var dateTimeLayouts = [...]string{
	"2006-01-02T15:04:05.000-0700", // Jira datetime (no colon in the offset)
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04-0700",
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999", // no zone: read as UTC
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05-0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02 15:04 MST",
	"2/Jan/06 3:04 PM", // Jira Data Center UI datetime
	"2/Jan/06 15:04",
	"2 Jan 2006 15:04",
	"2 Jan 2006 3:04 PM",
	"Jan 2, 2006 15:04",
	"Jan 2, 2006 3:04 PM",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC822Z,
}

// ParseDate parses every date shape a ticket may carry: a Jira date
// (2026-11-30), a Jira datetime (2026-11-30T10:00:00.000+0000, whose offset
// has no colon so RFC 3339 rejects it), RFC 3339, "2026-11-30 10:00",
// "30 Nov 2026", "Nov 30, 2026", the Jira Data Center UI's "30/Nov/26", and
// a few more. A calendar day comes back as midnight UTC with dateOnly set;
// a time without a zone is read as UTC. Purely numeric day/month orders
// such as 01/02/2026 are rejected as ambiguous. The text is read as
// Visible shows it, so invisible characters pasted with it (a direction
// mark, a zero-width or no-break space) change nothing. Every error names
// the text and wraps ErrNotADate.
func ParseDate(s string) (at time.Time, dateOnly bool, err error) {
	if t := strings.TrimSpace(s); len(t) > maxHiddenDateLen {
		return time.Time{}, false, fmt.Errorf("%q is too long to be a date: %w", clip(t, 24), ErrNotADate)
	}
	s = Visible(s)
	t := strings.TrimSpace(s)
	if t == "" {
		return time.Time{}, false, fmt.Errorf("empty text: %w", ErrNotADate)
	}
	if len(t) > maxDateLen {
		return time.Time{}, false, fmt.Errorf("%q is too long to be a date: %w", clip(t, 24), ErrNotADate)
	}
	t = strings.Join(strings.Fields(t), " ") // collapse runs of spaces
	t = strings.TrimSuffix(t, ".")
	if ambiguousNumeric(t) {
		return time.Time{}, false, fmt.Errorf("%q is ambiguous (day/month order); write it as YYYY-MM-DD: %w", t, ErrNotADate)
	}
	if d, ok := isoDate(t); ok {
		return checkYear(s, d, true)
	}
	t = stripOrdinal(t)
	// Only try the layouts the text can match: ISO layouts for text that
	// starts like 2026-, layouts with month or weekday names only for text
	// with letters. A failed time.Parse allocates its error.
	iso := len(t) >= 10 && t[4] == '-' && words.IsDigits(t[:4])
	letters := strings.IndexFunc(t, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }) >= 0
	sep := firstNonDigit(t)
	try := func(l string) bool {
		if strings.HasPrefix(l, "2006-") != iso || iso && l == "2006-01-02" {
			return false // a bare ISO date was read by isoDate
		}
		if ls := firstNonDigit(l); ls != sep && !(words.IsLetter(ls) && words.IsLetter(sep)) {
			return false // "2/Jan/06" cannot match "30 Nov 2026"
		}
		// Month, weekday, zone and AM/PM names are the only letters in
		// the other layouts (Jan, Mon, MST, PM).
		return iso || strings.ContainsAny(l, "JMP") == letters
	}
	for _, l := range dateOnlyLayouts {
		if !try(l) {
			continue
		}
		if d, e := time.Parse(l, t); e == nil {
			return checkYear(s, d, true)
		}
	}
	for _, l := range dateTimeLayouts {
		if !try(l) {
			continue
		}
		if d, e := time.Parse(l, t); e == nil {
			return checkYear(s, d, false)
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (try YYYY-MM-DD): %w", t, ErrNotADate)
}

// isoDate reads YYYY-MM-DD without time.Parse, the common case.
func isoDate(t string) (time.Time, bool) {
	if len(t) != 10 || t[4] != '-' || t[7] != '-' || !words.IsDigits(t[:4]) || !words.IsDigits(t[5:7]) || !words.IsDigits(t[8:]) {
		return time.Time{}, false
	}
	y := int(t[0]-'0')*1000 + int(t[1]-'0')*100 + int(t[2]-'0')*10 + int(t[3]-'0')
	m := time.Month(int(t[5]-'0')*10 + int(t[6]-'0'))
	d := int(t[8]-'0')*10 + int(t[9]-'0')
	if m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	at := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if at.Month() != m { // 2026-02-30 rolls over: not a date
		return time.Time{}, false
	}
	return at, true
}

// firstNonDigit is the first byte of s that is not a digit, or 0.
func firstNonDigit(s string) byte {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return s[i]
		}
	}
	return 0
}

// checkYear rejects dates no ticket means (year 0001, 19999).
func checkYear(s string, d time.Time, dateOnly bool) (time.Time, bool, error) {
	if y := d.Year(); y < 1970 || y > 2200 {
		return time.Time{}, false, fmt.Errorf("%q: year %d is out of range: %w", strings.TrimSpace(s), y, ErrNotADate)
	}
	if dateOnly {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), true, nil
	}
	return d, false, nil
}

// ambiguousNumeric reports a numeric date with slashes and no year first,
// such as 01/02/2026: US and European readers disagree on it.
func ambiguousNumeric(t string) bool {
	if strings.Count(t, "/") != 2 || strings.Trim(t, "0123456789/") != "" {
		return false
	}
	first := strings.IndexByte(t, '/')
	return first > 0 && first <= 2 && !strings.Contains(t, "//") && !strings.HasSuffix(t, "/")
}

// stripOrdinal turns "1st", "2nd", "3rd", "30th" into plain numbers.
func stripOrdinal(t string) string {
	if !strings.ContainsAny(t, "stndrhSTNDRH") {
		return t
	}
	words := strings.Split(t, " ")
	for i, w := range words {
		w = strings.TrimSuffix(w, ",")
		if len(w) < 3 || w[0] < '0' || w[0] > '9' {
			continue
		}
		suf := strings.ToLower(w[len(w)-2:])
		num := w[:len(w)-2]
		if (suf == "st" || suf == "nd" || suf == "rd" || suf == "th") && strings.Trim(num, "0123456789") == "" {
			words[i] = strings.Replace(words[i], w, num, 1)
		}
	}
	return strings.Join(words, " ")
}

// clip cuts s to at most n bytes on a rune boundary, with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// civilDay is a calendar day without a location.
type civilDay struct {
	y int
	m time.Month
	d int
}

// dayOf is the calendar day of a date in loc: a date-only value is that
// calendar day wherever you are; a datetime is converted to loc first.
func dayOf(at time.Time, dateOnly bool, loc *time.Location) civilDay {
	if !dateOnly {
		at = at.In(loc)
	}
	y, m, d := at.Date()
	return civilDay{y, m, d}
}

// instantDay is the calendar day of an instant in loc.
func instantDay(at time.Time, loc *time.Location) civilDay {
	y, m, d := at.In(loc).Date()
	return civilDay{y, m, d}
}

// sub is the number of calendar days from o to c (c - o), immune to DST
// because it counts in UTC civil days.
func (c civilDay) sub(o civilDay) int {
	a := time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC)
	b := time.Date(o.y, o.m, o.d, 0, 0, 0, 0, time.UTC)
	return int(a.Sub(b).Hours() / 24)
}

// in is midnight of the day in loc (or the first instant after it where a
// DST change skips midnight).
func (c civilDay) in(loc *time.Location) time.Time {
	return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, loc)
}

// String is YYYY-MM-DD.
func (c civilDay) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", c.y, int(c.m), c.d)
}
