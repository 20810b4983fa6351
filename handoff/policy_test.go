package handoff_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
)

func TestDefaultPolicyValid(t *testing.T) {
	t.Parallel()
	p := handoff.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, l := range handoff.Lanes() {
		if len(p.Require[l]) == 0 {
			t.Errorf("lane %s requires nothing", l)
		}
	}
	for _, s := range []handoff.Situation{handoff.SituationUrgentPatch, handoff.SituationPlannedWindow, handoff.SituationAffectedVersion, handoff.SituationBlockedChange,
		handoff.SituationNoSafePatch, handoff.SituationMonitor, handoff.SituationExceptionReview, handoff.SituationClosureEvidence} {
		if p.Asks[s] == "" {
			t.Errorf("no ask for %s", s)
		}
	}
	if p.HeadsUpDays != 3 {
		t.Errorf("HeadsUpDays = %d", p.HeadsUpDays)
	}
}

func TestPolicyApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		o     []handoff.Override
		check func(t *testing.T, p handoff.Policy)
	}{
		{
			name: "add a required field to a lane named as people write it",
			o:    []handoff.Override{{Lane: "Planned window", Require: []string{"owner", "Rollback plan"}}},
			check: func(t *testing.T, p handoff.Policy) {
				if !handoff.ContainsField(p.Require[handoff.LanePlannedWindow], handoff.FieldOwner) || !handoff.ContainsField(p.Require[handoff.LanePlannedWindow], handoff.FieldRollback) {
					t.Errorf("planned window = %v", p.Require[handoff.LanePlannedWindow])
				}
			},
		},
		{
			name: "drop a required field",
			o:    []handoff.Override{{Lane: "patch_now", Drop: []string{"closure_expected"}}},
			check: func(t *testing.T, p handoff.Policy) {
				if handoff.ContainsField(p.Require[handoff.LanePatchNow], handoff.FieldClosureExpected) {
					t.Errorf("patch now = %v", p.Require[handoff.LanePatchNow])
				}
			},
		},
		{
			name: "blocked and closure stages",
			o:    []handoff.Override{{Lane: "blocked", Drop: []string{"blocker_risk"}}, {Lane: "closure", Require: []string{"change_ticket"}}},
			check: func(t *testing.T, p handoff.Policy) {
				if handoff.ContainsField(p.Blocked, handoff.FieldBlockerRisk) || !handoff.ContainsField(p.Closure, handoff.FieldChangeTicket) {
					t.Errorf("blocked %v closure %v", p.Blocked, p.Closure)
				}
			},
		},
		{
			name: "every lane",
			o:    []handoff.Override{{Lane: "*", Require: []string{"business_service"}, Prompts: map[string]string{"owner": "Who patches this?"}}},
			check: func(t *testing.T, p handoff.Policy) {
				for _, l := range handoff.Lanes() {
					if !handoff.ContainsField(p.Require[l], handoff.FieldBusinessService) {
						t.Errorf("%s = %v", l, p.Require[l])
					}
				}
				if p.Prompt(string(handoff.LaneMonitor), handoff.FieldOwner) != "Who patches this?" {
					t.Errorf("prompt = %q", p.Prompt(string(handoff.LaneMonitor), handoff.FieldOwner))
				}
			},
		},
		{
			name: "rename how a field is asked for in one lane",
			o:    []handoff.Override{{Lane: "patch now", Prompts: map[string]string{"rollback": "How do you roll back?"}}},
			check: func(t *testing.T, p handoff.Policy) {
				if got := p.Prompt(string(handoff.LanePatchNow), handoff.FieldRollback); got != "How do you roll back?" {
					t.Errorf("patch now prompt = %q", got)
				}
				if got := p.Prompt(string(handoff.LanePlannedWindow), handoff.FieldRollback); got != handoff.FieldLabel(handoff.FieldRollback) {
					t.Errorf("planned window prompt = %q", got)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := handoff.DefaultPolicy()
			p, err := base.Apply(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
			// Apply never changes the policy it was called on.
			if fresh := handoff.DefaultPolicy(); len(base.Require[handoff.LanePatchNow]) != len(fresh.Require[handoff.LanePatchNow]) ||
				len(base.Blocked) != len(fresh.Blocked) || len(base.Closure) != len(fresh.Closure) ||
				len(base.StagePrompts[string(handoff.LanePatchNow)]) != len(fresh.StagePrompts[string(handoff.LanePatchNow)]) || len(base.Prompts) != 0 {
				t.Error("Apply changed its receiver")
			}
		})
	}
}

func TestPolicyApplyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    []handoff.Override
		want []string
	}{
		{"unknown lane", []handoff.Override{{Lane: "patch later"}}, []string{`override 1: unknown lane "patch later"`}},
		{"unknown field in require", []handoff.Override{{Lane: "monitor", Require: []string{"rolback"}}}, []string{`unknown field "rolback" in require`}},
		{"unknown field in drop", []handoff.Override{{Lane: "monitor", Drop: []string{"ownr"}}}, []string{`unknown field "ownr" in drop`}},
		{"unknown field in prompts", []handoff.Override{{Lane: "monitor", Prompts: map[string]string{"dedline": "x"}}}, []string{`unknown field "dedline" in prompts`}},
		{"empty prompt", []handoff.Override{{Lane: "monitor", Prompts: map[string]string{"owner": " "}}}, []string{`empty prompt for field "owner"`}},
		{
			"every problem at once",
			[]handoff.Override{
				{Lane: "nope", Require: []string{"bad1"}},
				{Lane: "exception", Require: []string{"owner", "bad2"}, Drop: []string{"bad3"}},
			},
			[]string{`override 1: unknown lane "nope"`, `"bad1"`, `override 2 (exception): unknown field "bad2" in require`, `"bad3" in drop`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := handoff.DefaultPolicy()
			p, err := base.Apply(tc.o)
			var pe *handoff.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PolicyError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if len(p.Require[handoff.LaneException]) != len(base.Require[handoff.LaneException]) {
				t.Error("a failed Apply returned a changed policy")
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*handoff.Policy)
		want   []string
	}{
		{"unknown lane", func(p *handoff.Policy) { p.Require["later"] = []handoff.FieldID{handoff.FieldOwner} }, []string{`unknown lane "later"`}},
		{"unknown field", func(p *handoff.Policy) { p.Closure = append(p.Closure, "screenshot") }, []string{`closure: unknown field "screenshot"`}},
		{"unknown prompt field", func(p *handoff.Policy) { p.Prompts["nope"] = "x" }, []string{`prompts: unknown field "nope"`}},
		{"unknown prompt stage", func(p *handoff.Policy) { p.StagePrompts["later"] = map[handoff.FieldID]string{handoff.FieldOwner: "x"} }, []string{`prompts: unknown lane "later"`}},
		{"unknown situation", func(p *handoff.Policy) { p.Asks["panic"] = "x" }, []string{`unknown situation "panic"`}},
		{"heads-up out of range", func(p *handoff.Policy) { p.HeadsUpDays = -1 }, []string{"heads-up days -1"}},
		{"several at once", func(p *handoff.Policy) { p.HeadsUpDays = 400; p.Blocked = append(p.Blocked, "x") }, []string{"heads-up days 400", `blocked: unknown field "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := handoff.DefaultPolicy()
			tc.mutate(&p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate accepted a bad policy")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPolicyPromptsReachFindings(t *testing.T) {
	t.Parallel()
	p, err := handoff.DefaultPolicy().Apply([]handoff.Override{
		{Lane: "patch_now", Prompts: map[string]string{"rollback": "How do you roll back?"}},
		{Lane: "monitor", Drop: []string{"owner"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := handoff.Evaluate(intake.Read(without(fullInput(handoff.LanePatchNow), handoff.FieldRollback)), p, evalNow, time.UTC)
	if len(ev.Findings) != 1 || ev.Findings[0].Label != "How do you roll back?" {
		t.Errorf("findings = %+v", ev.Findings)
	}
	base := handoff.FingerprintOf(handoff.Evaluate(intake.Read(without(fullInput(handoff.LanePatchNow), handoff.FieldRollback)), handoff.DefaultPolicy(), evalNow, time.UTC).Findings)
	if ev.Fingerprint != base {
		t.Error("renaming a prompt changed the fingerprint")
	}
	if ev := handoff.Evaluate(intake.Read(without(fullInput(handoff.LaneMonitor), handoff.FieldOwner)), p, evalNow, time.UTC); len(ev.Findings) != 0 {
		t.Errorf("dropped field still reported: %+v", ev.Findings)
	}
}
