package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// testActions: an answer is recorded once by its id (a second record of
// the same id keeps the first row and says it existed), read back whole
// by id and by ticket in order, an acknowledged heads-up is found by its
// item and only as an ack, and a record without a time is refused.
func testActions(t *testing.T, d Driver) {
	ctx := context.Background()
	l, _ := d.Open(t)
	snooze := ports.ActionRecord{ID: "a1", Kind: "snooze", Key: "SEC-1", Item: "SEC-1/review_passed/2026-11-20",
		Actor: "U1", ActorName: "alice", Until: T0.Add(72 * time.Hour), Note: "vendor <!channel> 'quoted'", At: T0}
	existed, err := l.RecordAction(ctx, snooze)
	must(t, err)
	if existed {
		t.Error("a new answer said it existed")
	}
	again := snooze
	again.Note, again.At = "changed", T0.Add(time.Minute)
	existed, err = l.RecordAction(ctx, again)
	must(t, err)
	if !existed {
		t.Error("the same id recorded twice")
	}
	got, ok, err := l.Action(ctx, "a1")
	must(t, err)
	if !ok || got.Note != snooze.Note || !got.Until.Equal(snooze.Until) || !got.At.Equal(T0) || got.ActorName != "alice" || got.Item != snooze.Item {
		t.Errorf("Action = %+v, %v; want the first record", got, ok)
	}
	ack := ports.ActionRecord{ID: "a0", Kind: "ack", Key: "SEC-1", Item: "SEC-1/due_soon/2026-11-30", Actor: "U1", At: T0.Add(-time.Hour)}
	_, err = l.RecordAction(ctx, ack)
	must(t, err)
	list, err := l.Actions(ctx, "SEC-1")
	must(t, err)
	if len(list) != 2 || list[0].ID != "a0" || list[1].ID != "a1" || !list[1].Until.Equal(snooze.Until) || !list[0].Until.IsZero() {
		t.Errorf("Actions = %+v", list)
	}
	for item, want := range map[string]bool{ack.Item: true, snooze.Item: false, "SEC-2/due_soon/2026-11-30": false} {
		if got, err := l.Acknowledged(ctx, item); err != nil || got != want {
			t.Errorf("Acknowledged(%s) = %v, %v; want %v", item, got, err, want)
		}
	}
	if _, err := l.RecordAction(ctx, ports.ActionRecord{ID: "a2", Kind: "ack", Key: "SEC-1", Actor: "U1"}); err == nil {
		t.Error("an answer without a time was recorded")
	}
	if _, ok, err := l.Action(ctx, "nope"); ok || err != nil {
		t.Errorf("Action(nope) = %v, %v", ok, err)
	}
}
