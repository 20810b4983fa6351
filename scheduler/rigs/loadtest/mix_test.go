package loadtest

import (
	"context"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

// The generated site is what it says it is: through the real connectors
// (a dry run, nothing posted), every ticket patchbot flags was planted
// incomplete (or as an expired exception), every planted one is flagged,
// lanes and blocked states are read as planted, and each planted due item
// is found.
func TestGeneratedMix(t *testing.T) {
	t.Parallel()
	const n = 1000
	w := newWorld(t, n)
	rep, err := w.app.Engine.Sync(context.Background(), scheduler.SyncOptions{Full: true, DryRun: true, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != n {
		t.Fatalf("%d results, want %d", len(rep.Results), n)
	}
	lanes := map[handoff.Lane]int{}
	var blocked, resolved, overdue, soon int
	for _, r := range rep.Results {
		ev := r.Evaluation
		key := ev.Handoff.Ticket.Key
		tk := w.site.Tickets[w.index[key]]
		expired := tk.Due == DueOverdue && !tk.Resolved && !tk.Blocked && tk.Lane == handoff.LaneException
		if flagged := ev.Fingerprint != ""; flagged != (tk.Incomplete || expired) {
			t.Errorf("%s planted %+v: flagged %v, findings %v", key, tk, flagged, ev.Findings)
		}
		if !tk.Resolved && ev.Lane != tk.Lane {
			t.Errorf("%s planted in lane %s, read as %s", key, tk.Lane, ev.Lane)
		}
		if ev.Handoff.Blocked != tk.Blocked {
			t.Errorf("%s planted blocked %v, read as %v", key, tk.Blocked, ev.Handoff.Blocked)
		}
		var late, early int
		for _, d := range r.Due {
			if d.Kind == handoff.DueSoon {
				early++
			} else {
				late++
			}
		}
		want := map[Kind][2]int{DueNone: {0, 0}, DueOverdue: {1, 0}, DueSoon: {0, 1}}[tk.Due]
		if late != want[0] || early != want[1] {
			t.Errorf("%s planted due %d: %d overdue, %d due soon items %v", key, tk.Due, late, early, r.Due)
		}
		if !tk.Resolved {
			lanes[ev.Lane]++
		}
		if tk.Blocked {
			blocked++
		}
		if tk.Resolved {
			resolved++
		}
		overdue += late
		soon += early
	}
	if len(lanes) != len(handoff.Lanes()) || blocked == 0 || resolved == 0 {
		t.Errorf("the mix is not mixed: lanes %v, %d blocked, %d resolved", lanes, blocked, resolved)
	}
	t.Logf("lanes %v; %d blocked, %d resolved, %d flagged, %d overdue items, %d due soon", lanes, blocked, resolved, rep.Flagged, overdue, soon)
}
