package handoff

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseDescription(f *testing.F) {
	for _, s := range []string{
		seedPatchPlan, seedOwnerHandoff, messyWiki, "", ":", "Scope:", "|Scope|", "h3. Scope\n",
		"Current owner and due date: team, 30 Nov 2026", "Deadline or window: Nov 30, 2026 in the Sunday window",
		"If blocked: review 2026-12-01; vendor ask", "Scope: [assets/products/versions/owners] web",
		"Patch plan - CVE-2026-1234 Scope: x Action lane: patch now", "Rollback plan: [ ]\nFixed version: <>",
		"**Scope**: a\n\n- b\n||x||\n{*}Fix path:{*} c", "Fix path: 1.2.3 https://x.example/a]b|c",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, desc string) {
		h := Read(Input{Description: desc, Ticket: Ticket{Key: "F-1", Summary: desc}})
		for _, spec := range Fields() {
			v := h.Value(spec.ID)
			if v.Present() && isPlaceholder(v.Text) {
				t.Fatalf("%s is Present but a placeholder: %q", spec.ID, v.Text)
			}
			if v.Text != strings.TrimSpace(v.Text) {
				t.Fatalf("%s is not trimmed: %q", spec.ID, v.Text)
			}
			if len(v.Text) > maxDescription+len(desc) {
				t.Fatalf("%s is longer than the input", spec.ID)
			}
			if utf8.ValidString(desc) && !utf8.ValidString(v.Text) {
				t.Fatalf("%s: valid input gave invalid UTF-8 %q", spec.ID, v.Text)
			}
			if d, ok := h.DateField(spec.ID); ok && d.Present() && d.Err == "" && d.At.IsZero() {
				t.Fatalf("%s: present, no error, no instant: %+v", spec.ID, d)
			}
		}
		if h.Lane != LaneUnknown && !h.LaneText.Present() {
			t.Fatalf("lane %s without lane text", h.Lane)
		}
		ev := Evaluate(h, DefaultPolicy(), now, time.UTC)
		if (len(ev.Findings) == 0) != (ev.Fingerprint == "") {
			t.Fatalf("findings %d but fingerprint %q", len(ev.Findings), ev.Fingerprint)
		}
		_ = DueItems(ev, DefaultPolicy(), now, time.UTC)
	})
}

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
		if len(strings.TrimSpace(s)) > maxDateLen {
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
