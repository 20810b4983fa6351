package handoff_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// briefed is items through Brief and back.
func briefed(items []handoff.Due) []handoff.Due {
	out := make([]handoff.Due, len(items))
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
	hostile := handofftest.Hostile().Handoff
	hostile.Blocked = true
	sets := map[string][]handoff.Due{
		"reminder": handofftest.ReminderItems(),
		"heads-up": handofftest.HeadsUpItems(),
		"digest":   handofftest.DigestItems(),
		"many":     handofftest.ManyDigest(120),
		"hostile":  {handofftest.Due(handoff.DueBlockedReview, hostile, handoff.FieldReviewDate, handofftest.OnDay(2026, 11, 15), 5), handofftest.Due(handoff.DueSoon, hostile, handoff.FieldDeadline, handofftest.OnDay(2026, 11, 22), 2)},
	}
	for name, items := range sets {
		o := fxOpts()
		o.OwnerSlackID = "U0DANA"
		texts := func(items []handoff.Due) map[string]richtext.Doc {
			return map[string]richtext.Doc{
				"HeadsUp":    texts.HeadsUp(handofftest.Dana, items, o),
				"Reminder":   texts.Reminder(handofftest.Dana, items, o),
				"Escalation": texts.Escalation(handofftest.Dana, items, 2, o),
			}
		}
		want, got := texts(items), texts(briefed(items))
		for text := range want {
			if !reflect.DeepEqual(got[text], want[text]) {
				t.Errorf("%s: %s from briefs differs from the one from Dues:\n got %s\nwant %s", name, text, plain.Render(got[text]), plain.Render(want[text]))
			}
		}
	}
}

// TestAppendDueBriefsIsDueItems: AppendDueBriefs finds what DueItems
// finds, day by day around each fixture's dates.
func TestAppendDueBriefsIsDueItems(t *testing.T) {
	t.Parallel()
	blocked := handofftest.Blocked()
	resolved := handofftest.Resolved().Handoff
	mitigate := handofftest.Planned()
	mitigate.Lane = handoff.LaneMitigateFirst
	p := handoff.DefaultPolicy()
	p.EscalateTo = "#sec-leads"
	n := 0
	for _, h := range []handoff.Handoff{handofftest.PatchNow(), blocked, handofftest.Exception(), handofftest.Planned(), mitigate, resolved, handofftest.Hostile().Handoff} {
		for day := -10; day <= 10; day++ {
			now := handofftest.Now.AddDate(0, 0, day)
			ev := handoff.Evaluate(h, p, now, handofftest.Loc)
			want := handoff.DueItems(ev, p, now, handofftest.Loc)
			prefix := []handoff.DueBrief{{Key: "KEEP-1"}}
			got := handoff.AppendDueBriefs(prefix, &ev, p, now, handofftest.Loc)
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

func fxOpts() texts.Options { return texts.Options{Now: handofftest.Now, Loc: handofftest.Loc} }
