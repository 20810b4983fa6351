package intake

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

func FuzzParseDescription(f *testing.F) {
	for _, s := range []string{
		handofftest.SeedPatchPlan, handofftest.SeedOwnerHandoff, handofftest.MessyWiki, "", ":", "Scope:", "|Scope|", "h3. Scope\n",
		"Current owner and due date: team, 30 Nov 2026", "Deadline or window: Nov 30, 2026 in the Sunday window",
		"If blocked: review 2026-12-01; vendor ask", "Scope: [assets/products/versions/owners] web",
		"Patch plan - CVE-2026-1234 Scope: x Action lane: patch now", "Rollback plan: [ ]\nFixed version: <>",
		"**Scope**: a\n\n- b\n||x||\n{*}Fix path:{*} c", "Fix path: 1.2.3 https://x.example/a]b|c",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, desc string) {
		h := Read(handoff.Input{Description: desc, Ticket: handoff.Ticket{Key: "F-1", Summary: desc}})
		for _, spec := range handoff.Fields() {
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
		if h.Lane != handoff.LaneUnknown && !h.LaneText.Present() {
			t.Fatalf("lane %s without lane text", h.Lane)
		}
		ev := handoff.Evaluate(h, handoff.DefaultPolicy(), now, time.UTC)
		if (len(ev.Findings) == 0) != (ev.Fingerprint == "") {
			t.Fatalf("findings %d but fingerprint %q", len(ev.Findings), ev.Fingerprint)
		}
		_ = handoff.DueItems(ev, handoff.DefaultPolicy(), now, time.UTC)
	})
}
