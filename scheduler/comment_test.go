package scheduler

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/wiki"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestSyncHandsTheTrackerTheReportedComment: through a first post, an
// edit, the completion and a reopen, the tracker is handed the decided
// operation and exactly the document the report shows (and a dry run
// before it shows the same), with the label following the findings.
func TestSyncHandsTheTrackerTheReportedComment(t *testing.T) {
	t.Parallel()
	const label = "handoff-incomplete"
	r := newRig(t, nil)
	r.jira.label = label
	created := t0.AddDate(0, 0, -1)
	fields := func(drop ...handoff.FieldID) map[handoff.FieldID]handoff.FieldValue {
		f := complete(t0)
		for _, id := range drop {
			delete(f, id)
		}
		return f
	}
	steps := []struct {
		name   string
		fields map[handoff.FieldID]handoff.FieldValue
		op     handoff.CommentOp
		send   string
		notify bool
		label  ports.LabelOp
	}{
		{"first post", fields(handoff.FieldRollback, handoff.FieldTestPlan), handoff.CommentPost, "validation", true, ports.LabelAdd},
		{"edit", fields(handoff.FieldTestPlan), handoff.CommentEdit, "validation", false, ports.LabelKeep},
		{"complete", fields(), handoff.CommentComplete, "complete", true, ports.LabelRemove},
		{"reopen", fields(handoff.FieldRollback), handoff.CommentReopen, "validation", true, ports.LabelAdd},
	}
	for _, st := range steps {
		r.clock.Add(time.Hour)
		in := input("SEC-1", handoff.LanePatchNow, created, st.fields)
		in.Ticket.Updated = r.clock.Now()
		r.jira.mu.Lock()
		if tk, ok := r.jira.tickets["SEC-1"]; ok {
			in.Ticket.Labels = tk.Input.Ticket.Labels
		}
		r.jira.mu.Unlock()
		r.jira.put(in)

		dry, err := r.eng.Sync(context.Background(), SyncOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		n := len(r.jira.changes)
		rep := r.sync(t)
		if len(r.jira.changes) != n+1 {
			t.Fatalf("%s: %d changes applied, want 1", st.name, len(r.jira.changes)-n)
		}
		ch := r.jira.changes[n]
		if ch.Op != st.op || ch.Notify != st.notify || ch.Label != st.label {
			t.Errorf("%s: op %q notify %v label %q; want %q %v %q", st.name, ch.Op, ch.Notify, ch.Label, st.op, st.notify, st.label)
		}
		comment := func(rep *Report) Action {
			t.Helper()
			for _, a := range rep.Actions {
				if a.Kind == ActComment {
					return a
				}
			}
			t.Fatalf("%s: no comment action in %+v", st.name, rep.Actions)
			return Action{}
		}
		got, planned := comment(rep), comment(dry)
		if got.Comment != st.op || got.Send != st.send || !got.Done || got.Outcome == "" {
			t.Errorf("%s: action %+v", st.name, got)
		}
		if !reflect.DeepEqual(got.Doc, ch.Doc) || !reflect.DeepEqual(planned.Doc, ch.Doc) {
			t.Errorf("%s: the tracker was handed another document than the report (or the dry run) shows:\nhanded:\n%s\nreported:\n%s\nplanned:\n%s",
				st.name, wiki.Render(ch.Doc), wiki.Render(got.Doc), wiki.Render(planned.Doc))
		}
	}
	if tk := r.jira.tickets["SEC-1"]; !slices.Contains(tk.Input.Ticket.Labels, label) || tk.Trail.Complete {
		t.Errorf("after the reopen: labels %v, trail %+v", tk.Input.Ticket.Labels, tk.Trail)
	}
	// Nothing changed: nothing is handed over.
	n := len(r.jira.changes)
	r.clock.Add(time.Hour)
	r.sync(t)
	if len(r.jira.changes) != n {
		t.Errorf("an unchanged ticket was handed %d changes", len(r.jira.changes)-n)
	}
}

// TestSyncCompleteWithoutCommentWritesOnlyTheTrail: a handoff that
// becomes complete after a person deleted the bot's comment gets its
// trail (and label) written, and no comment is reported.
func TestSyncCompleteWithoutCommentWritesOnlyTheTrail(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.jira.label = "handoff-incomplete"
	in := input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), complete(t0))
	in.Ticket.Labels = []string{"handoff-incomplete"}
	r.jira.put(in)
	r.jira.tickets["SEC-1"].Trail = handoff.Trail{Fingerprint: "f00", Flagged: []handoff.FieldID{handoff.FieldRollback}, Deleted: true, Written: t0.Add(-time.Hour)}
	rep := r.sync(t)
	if len(r.jira.changes) != 1 {
		t.Fatalf("%d changes, want 1", len(r.jira.changes))
	}
	ch := r.jira.changes[0]
	if ch.Op != handoff.CommentNone || ch.Label != ports.LabelRemove || !ch.Trail.Complete || !ch.Trail.Deleted || len(ch.Doc.Blocks) != 0 {
		t.Errorf("change %+v", ch)
	}
	if n := rep.Count(ActComment, ""); n != 0 {
		t.Errorf("%d comments reported, want none", n)
	}
}

// countingMessenger counts owner lookups.
type countingMessenger struct {
	*fakeMessenger
	owners atomic.Int64
}

func (m *countingMessenger) Owner(ctx context.Context, p handoff.Person) (ports.Recipient, error) {
	m.owners.Add(1)
	return m.fakeMessenger.Owner(ctx, p)
}

// TestSyncOwnerReach: an owner Slack does not know is part of the
// evaluation (a finding, in the fingerprint the trail records); an
// owner-ready handoff costs no lookup; owners are looked up once a run.
func TestSyncOwnerReach(t *testing.T) {
	t.Parallel()
	msgr := &countingMessenger{fakeMessenger: newFakeMessenger()}
	r := newRig(t, func(o *Options) { o.Messenger = msgr })
	gap := complete(t0)
	delete(gap, handoff.FieldRollback)
	unknown := handoff.FieldValue{Text: "Dana Unknown", Users: []handoff.User{{AccountID: "acc-dana", DisplayName: "Dana Unknown"}}}
	gap[handoff.FieldOwner] = unknown
	gap2 := complete(t0)
	delete(gap2, handoff.FieldTestPlan)
	gap2[handoff.FieldOwner] = unknown
	ready := complete(t0)
	ready[handoff.FieldOwner] = unknown
	r.jira.put(input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), gap))
	r.jira.put(input("SEC-2", handoff.LanePatchNow, t0.AddDate(0, 0, -1), gap2))
	r.jira.put(input("SEC-3", handoff.LanePatchNow, t0.AddDate(0, 0, -1), ready))

	rep, err := r.eng.Sync(context.Background(), SyncOptions{Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := msgr.owners.Load(); n != 1 {
		t.Errorf("%d owner lookups, want 1 (one owner, two flagged tickets, one ready)", n)
	}
	for _, res := range rep.Results {
		ev := res.Evaluation
		key := ev.Handoff.Ticket.Key
		kinds := []handoff.FindingKind{}
		for _, f := range ev.Findings {
			kinds = append(kinds, f.Kind)
		}
		wantUnreachable := key != "SEC-3"
		if slices.Contains(kinds, handoff.FindingOwnerUnreachable) != wantUnreachable {
			t.Errorf("%s: findings %v", key, kinds)
		}
		if ev.Fingerprint != handoff.FingerprintOf(ev.Findings) {
			t.Errorf("%s: fingerprint %q is not the findings'", key, ev.Fingerprint)
		}
		if tr := r.jira.tickets[key].Trail; tr.Fingerprint != ev.Fingerprint {
			t.Errorf("%s: trail fingerprint %q, evaluation %q", key, tr.Fingerprint, ev.Fingerprint)
		}
		if wantUnreachable && ev.Verdict != handoff.VerdictValidationRequest {
			t.Errorf("%s: verdict %s", key, ev.Verdict)
		}
	}
}

// TestSyncReportsTheTrackersOutcome: a comment a person deleted (nothing
// posted) is reported as not done and not counted; a forged trail (the
// tracker posted the bot's own comment instead) as done.
func TestSyncReportsTheTrackersOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		outcome ports.Outcome
		done    bool
	}{
		{ports.OutcomeCommentGone, false},
		{ports.OutcomeForgedTrail, true},
		{ports.OutcomeEdited, true},
	} {
		t.Run(string(tc.outcome), func(t *testing.T) {
			t.Parallel()
			m := NewMetrics(prometheus.NewRegistry())
			r := newRig(t, func(o *Options) { o.Metrics = m })
			f := complete(t0)
			delete(f, handoff.FieldRollback)
			r.jira.put(input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), f))
			r.jira.tickets["SEC-1"].Trail = handoff.Trail{Fingerprint: "f00", CommentID: "c-1", Written: t0.Add(-time.Hour)}
			r.jira.outcome = map[string]ports.Outcome{"SEC-1": tc.outcome}
			rep := r.sync(t)
			if len(rep.Actions) == 0 || rep.Actions[0].Kind != ActComment || rep.Actions[0].Comment != handoff.CommentEdit {
				t.Fatalf("actions %+v", rep.Actions)
			}
			if a := rep.Actions[0]; a.Outcome != tc.outcome || a.Done != tc.done {
				t.Errorf("action outcome %q done %v, want %q %v", a.Outcome, a.Done, tc.outcome, tc.done)
			}
			want := 0
			if tc.done {
				want = 1
			}
			if n := rep.Count(ActComment, ""); n != want {
				t.Errorf("%d comments counted, want %d", n, want)
			}
			forged := 0.0
			if tc.outcome == ports.OutcomeForgedTrail {
				forged = 1
			}
			if got := testutil.ToFloat64(m.forged); got != forged {
				t.Errorf("patchbot_forged_trails_total = %v, want %v", got, forged)
			}
		})
	}
}
