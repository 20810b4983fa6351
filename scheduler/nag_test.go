package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// overdueMonitor is a complete monitor-lane ticket whose review date was
// the day before t0.
func overdueMonitor(key string, owner string) handoff.Input {
	f := complete(t0)
	f[handoff.FieldReviewDate] = handoff.FieldValue{Text: t0.AddDate(0, 0, -1).Format("2006-01-02")}
	if owner != "" {
		f[handoff.FieldOwner] = handoff.FieldValue{Text: owner, Users: []handoff.User{{AccountID: "acc-" + owner, DisplayName: owner}}}
	}
	return input(key, handoff.LaneMonitor, t0.AddDate(0, -1, 0), f)
}

func (r *rig) nag(t *testing.T) *Report {
	t.Helper()
	rep, err := r.eng.Nag(context.Background(), NagOptions{})
	if err != nil {
		t.Fatalf("nag: %v", err)
	}
	return rep
}

func TestNagCadenceBackoffAndEscalation(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil) // backoff 1,2,4,7; escalate after 3 reminders
	r.jira.put(overdueMonitor("SEC-20", ""))

	// day: reminders expected (owner DM), escalations expected
	want := []struct {
		day         int
		remind, esc bool
	}{
		{0, true, false},  // 1st reminder, the day after the review date
		{1, true, false},  // +1 day
		{2, false, false}, // backoff 2 after the 2nd
		{3, true, false},  // 3rd reminder
		{4, false, true},  // 3 reminders given: escalate
		{5, false, false},
		{6, false, false},
		{7, true, false},  // +4 after the 3rd
		{11, false, true}, // escalation repeats weekly
		{14, true, false}, // +7, and weekly from then on: never quiet
		{21, true, true},
	}
	prevRem, prevEsc := 0, 0
	for _, w := range want {
		r.clock.Set(t0.AddDate(0, 0, w.day))
		r.nag(t)
		r.nag(t) // a second run the same day (a DST repeat, a restart) says nothing new
		rem, esc := r.slack.count("nag/"), r.slack.count("escalation/")
		if (rem > prevRem) != w.remind || rem-prevRem > 1 {
			t.Errorf("day %d: reminders %d→%d, want reminder=%v", w.day, prevRem, rem, w.remind)
		}
		if (esc > prevEsc) != w.esc || esc-prevEsc > 1 {
			t.Errorf("day %d: escalations %d→%d, want escalation=%v", w.day, prevEsc, esc, w.esc)
		}
		prevRem, prevEsc = rem, esc
	}
	for _, s := range r.slack.sent {
		if strings.HasPrefix(s.Ref, "nag/") && s.To.UserID != "UANA" {
			t.Errorf("reminder went to %+v, want the owner's DM", s.To)
		}
		if strings.HasPrefix(s.Ref, "escalation/") && s.To.Channel != "#patch-escalations" {
			t.Errorf("escalation went to %+v, want the escalation channel", s.To)
		}
	}
}

func TestNagBatchesOneMessagePerOwner(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.slack.users["acc-bo"] = "UBO"
	for _, k := range []string{"SEC-30", "SEC-31", "SEC-32"} {
		r.jira.put(overdueMonitor(k, ""))
	}
	r.jira.put(overdueMonitor("SEC-33", "bo"))
	r.jira.put(overdueMonitor("SEC-34", "bo"))
	r.nag(t)
	if got := r.slack.count("nag/"); got != 2 {
		t.Fatalf("reminder messages = %d, want one per owner (2): %v", got, r.slack.refs())
	}
	for _, s := range r.led.sends {
		switch s.Recipient {
		case "UANA":
			if len(s.Items) != 3 {
				t.Errorf("Ana's reminder covers %v, want 3 items", s.Items)
			}
		case "UBO":
			if len(s.Items) != 2 {
				t.Errorf("Bo's reminder covers %v, want 2 items", s.Items)
			}
		}
	}
}

func TestNagUnreachableOwnerGoesToFallback(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.jira.put(overdueMonitor("SEC-40", "ghost"))
	r.nag(t)
	if len(r.slack.sent) != 1 || r.slack.sent[0].To.Channel != "#patch-fallback" {
		t.Fatalf("sent = %+v, want one message to the fallback channel", r.slack.sent)
	}
}

func TestNagSnoozeAndQuietHours(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.Nag.QuietHours = &QuietHours{Start: 8 * 60, End: 10 * 60} })
	r.jira.put(overdueMonitor("SEC-50", ""))
	r.nag(t)
	if len(r.slack.sent) != 0 {
		t.Fatalf("sent during quiet hours: %v", r.slack.refs())
	}
	r.clock.Add(2 * time.Hour) // 11:00, outside quiet hours
	if err := r.led.Snooze(context.Background(), "SEC-50", r.clock.Now().AddDate(0, 0, 2), "test"); err != nil {
		t.Fatal(err)
	}
	r.nag(t)
	if len(r.slack.sent) != 0 {
		t.Fatalf("sent while snoozed: %v", r.slack.refs())
	}
	r.clock.Add(49 * time.Hour)
	r.nag(t)
	if r.slack.count("nag/") != 1 {
		t.Fatalf("after the snooze: %v, want one reminder", r.slack.refs())
	}
}

func TestDigestOncePerWeek(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.Nag.PersonalDigest = true })
	r.jira.put(overdueMonitor("SEC-60", ""))
	r.jira.put(input("SEC-61", handoff.LaneMonitor, t0, complete(t0))) // not overdue
	for i := 0; i < 3; i++ {
		if _, err := r.eng.Digest(context.Background(), DigestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.slack.count("digest/#patch-digest/"); got != 1 {
		t.Fatalf("channel digests = %d, want 1 per week", got)
	}
	if got := r.slack.count("digest/UANA/"); got != 1 {
		t.Fatalf("personal digests = %d, want 1", got)
	}
	r.clock.Add(7 * 24 * time.Hour)
	if _, err := r.eng.Digest(context.Background(), DigestOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := r.slack.count("digest/#patch-digest/"); got != 2 {
		t.Fatalf("channel digests after a week = %d, want 2", got)
	}
}

func TestRecoverMarksFoundIntentsSent(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	ctx := context.Background()
	rec, _, _ := r.led.Intend(ctx, ports.Send{Kind: "reminder", Ref: "nag/UANA/2026-11-24", Recipient: "UANA", Intended: t0})
	if _, err := r.slack.Send(ctx, ports.Message{To: ports.Recipient{UserID: "UANA"}, Ref: rec.Ref}); err != nil {
		t.Fatal(err)
	}
	_, _, _ = r.led.Intend(ctx, ports.Send{Kind: "reminder", Ref: "nag/UBO/2026-11-24", Recipient: "UBO", Intended: t0})
	_, _, _ = r.led.Intend(ctx, ports.Send{Kind: "reminder", Ref: "nag/UCY/2026-11-01", Recipient: "UCY", Intended: t0.AddDate(0, 0, -23)})
	n, err := r.eng.Recover(ctx)
	if err != nil || n != 2 {
		t.Fatalf("recover = %d, %v; want 2 (one found, one stale)", n, err)
	}
	open, _ := r.led.Open(ctx)
	if len(open) != 1 || open[0].Ref != "nag/UBO/2026-11-24" {
		t.Fatalf("open after recover = %+v, want only the unsent one", open)
	}
}
