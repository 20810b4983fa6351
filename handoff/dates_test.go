package handoff

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		in       string
		want     time.Time
		dateOnly bool
	}{
		{"jira date", "2026-11-30", day(2026, 11, 30), true},
		{"jira date padded", "  2026-11-30 \n", day(2026, 11, 30), true},
		{"jira datetime +0000", "2026-11-30T10:00:00.000+0000", time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), false},
		{"jira datetime +0100", "2026-11-30T10:00:00.000+0100", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), false},
		{"jira datetime -0500 no millis", "2026-11-30T10:00:00-0500", time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), false},
		{"rfc3339 Z", "2026-11-30T10:00:00Z", time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), false},
		{"rfc3339 offset", "2026-11-30T10:00:00+02:00", time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), false},
		{"rfc3339 nano", "2026-11-30T10:00:00.123456789Z", time.Date(2026, 11, 30, 10, 0, 0, 123456789, time.UTC), false},
		{"no zone datetime", "2026-11-30T10:00:00", time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), false},
		{"space datetime", "2026-11-30 10:00", time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), false},
		{"space datetime seconds", "2026-11-30 10:00:30", time.Date(2026, 11, 30, 10, 0, 30, 0, time.UTC), false},
		{"day month year", "30 Nov 2026", day(2026, 11, 30), true},
		{"day month year lower", "30 nov 2026", day(2026, 11, 30), true},
		{"day long month", "30 November 2026", day(2026, 11, 30), true},
		{"us order", "Nov 30, 2026", day(2026, 11, 30), true},
		{"us long", "November 30, 2026", day(2026, 11, 30), true},
		{"us no comma", "Nov 30 2026", day(2026, 11, 30), true},
		{"ordinal", "Nov 30th, 2026", day(2026, 11, 30), true},
		{"ordinal day first", "1st Dec 2026", day(2026, 12, 1), true},
		{"jira dc ui", "30/Nov/26", day(2026, 11, 30), true},
		{"jira dc ui single digit", "1/Dec/26", day(2026, 12, 1), true},
		{"jira dc ui datetime", "30/Nov/26 10:15 AM", time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC), false},
		{"iso slashes", "2026/11/30", day(2026, 11, 30), true},
		{"german dots", "30.11.2026", day(2026, 11, 30), true},
		{"weekday", "Mon, 30 Nov 2026", day(2026, 11, 30), true},
		{"trailing dot", "2026-11-30.", day(2026, 11, 30), true},
		{"hyphen month", "30-Nov-2026", day(2026, 11, 30), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, dateOnly, err := ParseDate(tc.in)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) || dateOnly != tc.dateOnly {
				t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", tc.in, got, dateOnly, tc.want, tc.dateOnly)
			}
		})
	}
}

func TestParseDateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, mention string
	}{
		{"empty", "", "empty"},
		{"garbage", "next sprint", `"next sprint"`},
		{"month 13", "2026-13-01", `"2026-13-01"`},
		{"feb 30", "2026-02-30", `"2026-02-30"`},
		{"ambiguous", "01/02/2026", "ambiguous"},
		{"year zero", "0001-01-01", "out of range"},
		{"too long", strings.Repeat("2026-11-30 ", 20), "too long"},
		{"placeholder", "[date]", `"[date]"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := ParseDate(tc.in)
			if err == nil {
				t.Fatalf("ParseDate(%q) succeeded", tc.in)
			}
			if !errors.Is(err, ErrNotADate) {
				t.Errorf("error %v does not wrap ErrNotADate", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestCivilDaySub(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"across spring forward", time.Date(2026, 3, 30, 0, 30, 0, 0, berlin), time.Date(2026, 3, 28, 23, 30, 0, 0, berlin), 2},
		{"across fall back", time.Date(2026, 10, 26, 0, 10, 0, 0, berlin), time.Date(2026, 10, 25, 0, 10, 0, 0, berlin), 1},
		{"same day", time.Date(2026, 10, 25, 23, 59, 0, 0, berlin), time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := instantDay(tc.a, berlin).sub(instantDay(tc.b, berlin)); got != tc.want {
				t.Errorf("sub = %d, want %d", got, tc.want)
			}
		})
	}
}
