package intake

import (
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

// filled is a description as a person writes it: the labels, a lane and
// dates a test can check.
const filled = `Patch owner handoff - CVE-2026-4242
Action requested: patch now
Scope: edge-proxy-prod, nginx 1.25.0 - 1.25.3
Fixed version: 1.25.4
Rollback plan: redeploy the previous image
Deadline: 2026-11-30
Review date: 30 Nov 2026
Owner: platform team`

// TestInvisibleCharactersInDescription reads descriptions pasted from mail
// and Word, with direction marks, zero-width and no-break spaces in their
// labels, lane and dates: each reads as the clean one does.
func TestInvisibleCharactersInDescription(t *testing.T) {
	t.Parallel()
	clean := Read(handoff.Input{Description: filled})
	if clean.Lane != handoff.LanePatchNow || !clean.Has(handoff.FieldRollback) || !clean.Has(handoff.FieldDeadline) {
		t.Fatalf("the clean description does not read: lane %s, rollback %v, deadline %v", clean.Lane, clean.Has(handoff.FieldRollback), clean.Has(handoff.FieldDeadline))
	}
	for name, desc := range map[string]string{
		"no-break spaces in labels":       strings.NewReplacer("Rollback plan", "Rollback\u00a0plan", "Fixed version", "Fixed\u202fversion", "Review date", "Review\u00a0date").Replace(filled),
		"direction marks around values":   strings.NewReplacer("patch now", "\u200epatch now\u200e", "2026-11-30", "\u200f2026-11-30\u200f").Replace(filled),
		"zero-width spaces inside words":  strings.NewReplacer("Rollback", "Roll\u200bback", "patch now", "pa\u200btch now", "Deadline", "Dead\u2060line").Replace(filled),
		"byte order mark and soft hyphen": "\ufeff" + strings.NewReplacer("Review date:", "Re\u00adview date:", "30 Nov 2026", "30\u00a0Nov\u00a02026").Replace(filled),
		"every space a no-break space":    strings.ReplaceAll(filled, " ", "\u00a0"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sameReading(t, desc, clean, Read(handoff.Input{Description: desc}))
		})
	}
}

// sameReading fails when got reads differently from want.
func sameReading(t *testing.T, desc string, want, got handoff.Handoff) {
	t.Helper()
	if got.Lane != want.Lane || got.Blocked != want.Blocked {
		t.Errorf("lane %s blocked %v, want %s %v in %+q", got.Lane, got.Blocked, want.Lane, want.Blocked, desc)
	}
	for _, spec := range handoff.Fields() {
		g, w := got.Value(spec.ID), want.Value(spec.ID)
		if g.Text != w.Text || g.Present() != w.Present() {
			t.Errorf("%s = %+q, want %+q in %+q", spec.ID, g.Text, w.Text, desc)
		}
		if gd, ok := got.DateField(spec.ID); ok {
			wd, _ := want.DateField(spec.ID)
			if !gd.At.Equal(wd.At) || gd.Err != wd.Err {
				t.Errorf("%s date = %v %q, want %v %q", spec.ID, gd.At, gd.Err, wd.At, wd.Err)
			}
		}
	}
}

// formatChars are invisible format characters pasted text carries; the
// joiners, which Visible keeps between non-ASCII characters, are left out.
var formatChars = []string{"\u200e", "\u200f", "\u200b", "\ufeff", "\u2060", "\u00ad", "\u2066", "\u2069", "\u202a", "\u202c", "\u061c"}

// FuzzInvisibleInDescription inserts invisible characters anywhere in a
// description, and no-break spaces in place of spaces: it reads the same.
func FuzzInvisibleInDescription(f *testing.F) {
	for _, s := range []string{filled, handofftest.SeedPatchPlan, handofftest.SeedOwnerHandoff, handofftest.MessyWiki} {
		f.Add(s, uint16(7), uint8(0))
		f.Add(s, uint16(1234), uint8(3))
	}
	f.Fuzz(func(t *testing.T, desc string, pos uint16, pick uint8) {
		if len(desc) > 4<<10 {
			return
		}
		want := Read(handoff.Input{Description: desc})
		for range 4 {
			if pick&1 == 0 {
				var cuts []int
				for i := range desc {
					cuts = append(cuts, i)
				}
				cuts = append(cuts, len(desc))
				at := cuts[int(pos)%len(cuts)]
				desc = desc[:at] + formatChars[int(pick>>1)%len(formatChars)] + desc[at:]
			} else if n := strings.Count(desc, " "); n > 0 {
				k, i := int(pos)%n, -1
				for range k + 1 {
					i += 1 + strings.IndexByte(desc[i+1:], ' ')
				}
				desc = desc[:i] + "\u00a0" + desc[i+1:]
			}
			pos, pick = pos*31+7, pick+3
		}
		sameReading(t, desc, want, Read(handoff.Input{Description: desc}))
	})
}
