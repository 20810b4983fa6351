package handoff_test

import (
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
)

// TestEvaluateOwnerReach: whether the owner can be reached is an input of
// the evaluation; an owner the engine looked up and could not reach is a
// finding, in the fingerprint, and makes a ready handoff a validation
// request.
func TestEvaluateOwnerReach(t *testing.T) {
	t.Parallel()
	unreachable := handoff.Finding{Kind: handoff.FindingOwnerUnreachable, Field: handoff.FieldOwner, Group: handoff.GroupScope,
		Label:  handoff.FieldLabel(handoff.FieldOwner),
		Why:    "reminders cannot reach an owner patchbot cannot find in Slack",
		Detail: "value of owner was not found in Slack; add them to slack.owner_map"}
	ready := intake.Read(fullInput(handoff.LanePatchNow))
	gap := intake.Read(without(fullInput(handoff.LanePatchNow), handoff.FieldRollback))
	noOwner := intake.Read(without(fullInput(handoff.LaneMonitor), handoff.FieldOwner))
	resolved := fullInput(handoff.LanePatchNow)
	resolved.Ticket.StatusCategory = handoff.StatusDone
	closed := intake.Read(without(resolved, handoff.FieldScanEvidence))
	for _, tc := range []struct {
		name        string
		h           handoff.Handoff
		reach       handoff.Reach
		wantKinds   []handoff.FindingKind
		wantVerdict handoff.Verdict
	}{
		{"not checked: not judged", ready, handoff.Reach{}, nil, handoff.VerdictReady},
		{"reachable", ready, handoff.Reach{Checked: true, Reachable: true}, nil, handoff.VerdictReady},
		{"unreachable, otherwise ready: a validation request", ready, handoff.Reach{Checked: true},
			[]handoff.FindingKind{handoff.FindingOwnerUnreachable}, handoff.VerdictValidationRequest},
		{"unreachable beside a gap: the last finding", gap, handoff.Reach{Checked: true},
			[]handoff.FindingKind{handoff.FindingMissing, handoff.FindingOwnerUnreachable}, handoff.VerdictValidationRequest},
		{"no owner named: nobody to reach, the owner is missing", noOwner, handoff.Reach{Checked: true},
			[]handoff.FindingKind{handoff.FindingMissing}, handoff.VerdictValidationRequest},
		{"resolved without proof, owner unreachable: closure proof", closed, handoff.Reach{Checked: true},
			[]handoff.FindingKind{handoff.FindingMissing, handoff.FindingOwnerUnreachable}, handoff.VerdictClosureProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.h
			h.OwnerReach = tc.reach
			ev := handoff.Evaluate(h, handoff.DefaultPolicy(), evalNow, nil)
			var kinds []handoff.FindingKind
			for _, f := range ev.Findings {
				kinds = append(kinds, f.Kind)
				if f.Kind == handoff.FindingOwnerUnreachable && f != unreachable {
					t.Errorf("finding %+v, want %+v", f, unreachable)
				}
			}
			if len(kinds) != len(tc.wantKinds) {
				t.Fatalf("findings %v, want %v", kinds, tc.wantKinds)
			}
			for i := range kinds {
				if kinds[i] != tc.wantKinds[i] {
					t.Fatalf("findings %v, want %v", kinds, tc.wantKinds)
				}
			}
			if ev.Verdict != tc.wantVerdict {
				t.Errorf("verdict %s, want %s", ev.Verdict, tc.wantVerdict)
			}
			if ev.Fingerprint != handoff.FingerprintOf(ev.Findings) {
				t.Errorf("fingerprint %q is not the findings' %q", ev.Fingerprint, handoff.FingerprintOf(ev.Findings))
			}
			unchecked := handoff.Evaluate(tc.h, handoff.DefaultPolicy(), evalNow, nil)
			if reached := len(tc.wantKinds) > 0 && tc.wantKinds[len(tc.wantKinds)-1] == handoff.FindingOwnerUnreachable; reached == (ev.Fingerprint == unchecked.Fingerprint) {
				t.Errorf("fingerprint %q, unchecked %q: the unreachable owner must change it exactly when it is a finding", ev.Fingerprint, unchecked.Fingerprint)
			}
		})
	}
}
