package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// The answers' end-to-end tests (the Socket Mode adapter, the Jira and
// Slack fakes, the store) are in cmd/patchbot/demo; these hold the
// policy's bound and the rules of buttons and trail snoozes.

func date(s string) handoff.Date {
	at, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return handoff.Date{Value: handoff.Value{Text: s}, At: at, DateOnly: true}
}

func TestSnoozeBound(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// 23:30 UTC on 24 November is already the 25th in Berlin: days are the
	// team's.
	now := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)
	day := func(s string) time.Time { return date(s).At }
	patchNow := handoff.Evaluation{Lane: handoff.LanePatchNow, Handoff: handoff.Handoff{Change: handoff.ChangePlan{Deadline: date("2026-11-27")}}}
	exception := handoff.Evaluation{Lane: handoff.LaneException, Handoff: handoff.Handoff{Fallback: handoff.Fallback{ExceptionExpiry: date("2026-11-30")}}}
	monitor := handoff.Evaluation{Lane: handoff.LaneMonitor, Handoff: handoff.Handoff{Change: handoff.ChangePlan{Deadline: date("2026-11-26")}}}
	for _, tc := range []struct {
		name   string
		ev     handoff.Evaluation
		until  string
		reason string
		max    int
		field  ports.Field // "" when allowed
		says   string
	}{
		{"today is not after today", monitor, "2026-11-25", "", 14, ports.FieldUntil, "after today"},
		{"tomorrow", monitor, "2026-11-26", "", 14, "", ""},
		{"the bound itself", monitor, "2026-12-09", "", 14, "", ""},
		{"past the bound", monitor, "2026-12-10", "a reason does not lift it", 14, ports.FieldUntil, "at most 14 days: pick Wed 9 Dec 2026"},
		{"a monitor deadline needs no reason", monitor, "2026-11-28", "", 14, "", ""},
		{"up to a patch-now deadline", patchNow, "2026-11-27", "", 3, "", ""},
		{"past a patch-now deadline", patchNow, "2026-11-28", " ", 3, ports.FieldReason, "past its deadline (2026-11-27) needs a reason"},
		{"past a patch-now deadline with a reason", patchNow, "2026-11-28", "vendor build on Monday", 3, "", ""},
		{"past the patch-now bound", patchNow, "2026-11-29", "vendor", 3, ports.FieldUntil, "at most 3 days"},
		{"past an exception's expiry", exception, "2026-12-01", "", 14, ports.FieldReason, "exception's expiry (2026-11-30)"},
		{"past an exception's expiry with a reason", exception, "2026-12-01", "renewal in review", 14, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := snoozeBound(tc.ev, day(tc.until), tc.reason, tc.max, now, berlin)
			switch {
			case tc.field == "" && r != nil:
				t.Errorf("refused: %+v", *r)
			case tc.field != "" && r == nil:
				t.Error("allowed")
			case tc.field != "" && (r.Field != tc.field || !strings.Contains(r.Reason, tc.says)):
				t.Errorf("refusal %+v, want %s saying %q", *r, tc.field, tc.says)
			}
		})
	}
}

// testEngine is an engine over the fakes, with answers configured.
func testEngine(t *testing.T, ix InteractOptions) (*Engine, *fakeTracker) {
	t.Helper()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tr := newFakeTracker(func() time.Time { return now })
	opt := Options{Tracker: tr, Messenger: newFakeMessenger(), Interact: ix, Now: func() time.Time { return now },
		Projects: []Project{{Name: "SEC", Policy: handoff.DefaultPolicy(), Channels: map[handoff.Lane]string{handoff.LaneUnknown: "#sec"}}}}
	newMemLedger().plug(&opt)
	e, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return e, tr
}

type fakeActions struct{ acked map[string]bool }

func (f *fakeActions) RecordAction(context.Context, ports.ActionRecord) (bool, error) {
	return false, nil
}
func (f *fakeActions) Acknowledged(_ context.Context, item string) (bool, error) {
	return f.acked[item], nil
}

type fakeHome struct{ users []string }

func (f *fakeHome) PublishHome(_ context.Context, user string) error {
	f.users = append(f.users, user)
	return nil
}

// Buttons go on messages only while the adapter runs (SetInteractive), and
// only with answers configured: never a dead button.
func TestButtonsOnlyWhileAnswered(t *testing.T) {
	t.Parallel()
	due := []handoff.DueBrief{{Kind: handoff.DueReviewPassed, Key: "SEC-1", On: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}}
	soon := []handoff.DueBrief{{Kind: handoff.DueSoon, Key: "SEC-2", On: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}}

	bare, _ := testEngine(t, InteractOptions{})
	bare.SetInteractive(&fakeHome{})
	if rows := bare.dueButtons(due, soon); rows != nil {
		t.Errorf("buttons without answers configured: %v", rows)
	}

	e, _ := testEngine(t, InteractOptions{Actions: &fakeActions{}})
	if e.validationButtons("SEC-1") != nil || e.dueButtons(due, soon) != nil || e.escalationButtons(due) != nil {
		t.Error("buttons before the adapter runs")
	}
	e.SetInteractive(&fakeHome{})
	rows := e.dueButtons(due, soon)
	if len(rows) != 2 || rows[0].Item != "SEC-1/review_passed/2026-11-20" || rows[0].Buttons[0] != ports.ButtonSnooze ||
		rows[1].Buttons[0] != ports.ButtonAcknowledge {
		t.Errorf("rows = %+v", rows)
	}
	if v := e.validationButtons("SEC-1"); len(v) != 1 || v[0].Item != "" || v[0].Buttons[0] != ports.ButtonRecheck {
		t.Errorf("validation rows = %+v", v)
	}
	e.SetInteractive(nil)
	if e.dueButtons(due, soon) != nil {
		t.Error("buttons after the adapter stopped")
	}
}

// A snooze read on a trail holds at most the lane's bound from when it
// was asked (the trail is a property anyone who edits the ticket can
// write); an acknowledged heads-up is quiet, the overdue item is not.
func TestTrailSnoozeAndAcknowledgement(t *testing.T) {
	t.Parallel()
	acks := &fakeActions{acked: map[string]bool{"SEC-2/due_soon/2026-11-26": true}}
	e, _ := testEngine(t, InteractOptions{Actions: acks, MaxSnoozeDays: map[handoff.Lane]int{handoff.LaneUnknown: 10}})
	now := e.opt.Now()
	forged := ports.Ticket{Input: handoff.Input{Ticket: handoff.Ticket{Key: "SEC-1"}},
		Trail: handoff.Trail{Snooze: &handoff.Snooze{Until: now.AddDate(1, 0, 0), By: "U1", At: now}}}
	e.noteTrail(forged, handoff.LaneMonitor, now)
	if _, ok := e.trailSnooze("SEC-1", now.AddDate(0, 0, 10)); !ok {
		t.Error("the snooze does not hold within the bound")
	}
	if _, ok := e.trailSnooze("SEC-1", now.AddDate(0, 0, 12)); ok {
		t.Error("a trail's snooze holds past the lane's bound")
	}
	forged.Trail.Snooze = nil
	e.noteTrail(forged, handoff.LaneMonitor, now)
	if _, ok := e.trailSnooze("SEC-1", now); ok {
		t.Error("a snooze gone from the trail still holds")
	}

	ctx := context.Background()
	on := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d     handoff.DueBrief
		quiet bool
	}{
		{handoff.DueBrief{Kind: handoff.DueSoon, Key: "SEC-2", On: on}, true},
		{handoff.DueBrief{Kind: handoff.DueReviewPassed, Key: "SEC-2", On: on}, false},
		{handoff.DueBrief{Kind: handoff.DueSoon, Key: "SEC-3", On: on}, false},
	} {
		if got, err := e.answered(ctx, tc.d, now); err != nil || got != tc.quiet {
			t.Errorf("answered(%s) = %v, %v; want %v", tc.d.ItemKey(), got, err, tc.quiet)
		}
	}
}

// Without answers configured the engine refuses every request, and an
// unknown ticket is ErrNotFound.
func TestAnswersNeedConfig(t *testing.T) {
	t.Parallel()
	bare, _ := testEngine(t, InteractOptions{})
	if _, err := bare.Answers().Recheck(context.Background(), ports.RecheckRequest{Key: "SEC-1", By: ports.Actor{UserID: "U1"}}); !errors.Is(err, errNoAnswers) {
		t.Errorf("err = %v", err)
	}
	e, _ := testEngine(t, InteractOptions{Actions: &fakeActions{}})
	if _, err := e.Answers().Snooze(context.Background(), ports.SnoozeRequest{Key: "SEC-404", By: ports.Actor{UserID: "U1"}}); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}
