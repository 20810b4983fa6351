package handoff

import (
	"reflect"
	"testing"
	"time"
)

// briefed is items through Brief and back.
func briefed(items []Due) []Due {
	out := make([]Due, len(items))
	for i, d := range items {
		out[i] = d.Brief().Due()
	}
	return out
}

// TestDueBriefRendersTheSame: the texts about due items read only what a
// brief keeps, so a job may keep briefs instead of Dues. A text that
// starts reading more of the handoff fails here, and must either keep it
// in DueBrief or be rendered from the whole Due.
func TestDueBriefRendersTheSame(t *testing.T) {
	t.Parallel()
	hostile := fxHostile().Handoff
	hostile.Blocked = true
	sets := map[string][]Due{
		"reminder": fxReminderItems(),
		"heads-up": fxHeadsUpItems(),
		"digest":   fxDigestItems(),
		"many":     fxManyDigest(120),
		"hostile":  {fxDue(DueBlockedReview, hostile, FieldReviewDate, fxOnDay(2026, 11, 15), 5), fxDue(DueSoon, hostile, FieldDeadline, fxOnDay(2026, 11, 22), 2)},
	}
	for name, items := range sets {
		o := fxOpts()
		o.OwnerSlackID = "U0DANA"
		texts := func(items []Due) map[string]Doc {
			return map[string]Doc{
				"HeadsUp":    HeadsUp(fxDana, items, o),
				"Reminder":   Reminder(fxDana, items, o),
				"Escalation": Escalation(fxDana, items, 2, o),
			}
		}
		want, got := texts(items), texts(briefed(items))
		for text := range want {
			if !reflect.DeepEqual(got[text], want[text]) {
				t.Errorf("%s: %s from briefs differs from the one from Dues:\n got %s\nwant %s", name, text, RenderText(got[text]), RenderText(want[text]))
			}
		}
		for i, d := range items {
			if got, want := d.Brief().ItemKey(), ItemKey(d); got != want {
				t.Errorf("%s[%d]: brief's item key %q, want %q", name, i, got, want)
			}
		}
	}
}

// TestAppendDueBriefsIsDueItems: AppendDueBriefs finds what DueItems
// finds, day by day around each fixture's dates.
func TestAppendDueBriefsIsDueItems(t *testing.T) {
	t.Parallel()
	blocked := fxBlocked()
	resolved := fxResolved().Handoff
	mitigate := fxPlanned()
	mitigate.Lane = LaneMitigateFirst
	p := DefaultPolicy()
	p.EscalateTo = "#sec-leads"
	n := 0
	for _, h := range []Handoff{fxPatchNow(), blocked, fxException(), fxPlanned(), mitigate, resolved, fxHostile().Handoff} {
		for day := -10; day <= 10; day++ {
			now := fxNow.AddDate(0, 0, day)
			ev := Evaluate(h, p, now, fxLoc)
			want := DueItems(ev, p, now, fxLoc)
			prefix := []DueBrief{{Key: "KEEP-1"}}
			got := AppendDueBriefs(prefix, &ev, p, now, fxLoc)
			if len(got) != 1+len(want) || got[0].Key != "KEEP-1" {
				t.Fatalf("%s %s: %d briefs after the one given, want %d", h.Ticket.Key, now.Format(time.DateOnly), len(got)-1, len(want))
			}
			for i, d := range want {
				if !reflect.DeepEqual(got[1+i], d.Brief()) {
					t.Errorf("%s %s: brief %d\n got %+v\nwant %+v", h.Ticket.Key, now.Format(time.DateOnly), i, got[1+i], d.Brief())
				}
			}
			n += len(want)
		}
	}
	if n == 0 {
		t.Fatal("no due items: the fixtures' dates are out of range")
	}
}
