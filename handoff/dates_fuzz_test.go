package handoff

import (
	"strings"
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2026-11-30", "2026-11-30T10:00:00.000+0000", "2026-11-30T10:00:00Z", "2026-11-30 10:00", "30 Nov 2026",
		"Nov 30, 2026", "30/Nov/26", "30/Nov/26 10:15 AM", "01/02/2026", "1st Dec 2026", "", "2026-02-30",
		"Mon, 30 Nov 2026", "30.11.2026", "9999-12-31T23:59:59+14:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, dateOnly, err := ParseDate(s)
		if err != nil {
			if !strings.Contains(err.Error(), "date") && !strings.Contains(err.Error(), "empty") {
				t.Fatalf("error does not say what is wrong: %v", err)
			}
			if !at.IsZero() || dateOnly {
				t.Fatalf("error with a value: %v %v", at, dateOnly)
			}
			return
		}
		if len(strings.TrimSpace(Visible(s))) > maxDateLen {
			t.Fatalf("accepted %d bytes", len(s))
		}
		if y := at.Year(); y < 1969 || y > 2201 {
			t.Fatalf("year %d accepted from %q", y, s)
		}
		if dateOnly && (at.Location() != time.UTC || at.Hour() != 0 || at.Minute() != 0) {
			t.Fatalf("date-only %q is not midnight UTC: %v", s, at)
		}
		// A date-only value survives a round trip through its ISO form.
		if dateOnly {
			again, only, err := ParseDate(at.Format("2006-01-02"))
			if err != nil || !only || !again.Equal(at) {
				t.Fatalf("round trip of %q: %v %v %v", s, again, only, err)
			}
		}
	})
}
