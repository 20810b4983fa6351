package handoff

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicyValid(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, l := range Lanes {
		if len(p.Require[l]) == 0 {
			t.Errorf("lane %s requires nothing", l)
		}
	}
	for _, s := range []Situation{SituationUrgentPatch, SituationPlannedWindow, SituationAffectedVersion, SituationBlockedChange,
		SituationNoSafePatch, SituationMonitor, SituationExceptionReview, SituationClosureEvidence} {
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
		o     []Override
		check func(t *testing.T, p Policy)
	}{
		{
			name: "add a required field to a lane named as people write it",
			o:    []Override{{Lane: "Planned window", Require: []string{"owner", "Rollback plan"}}},
			check: func(t *testing.T, p Policy) {
				if !containsField(p.Require[LanePlannedWindow], FieldOwner) || !containsField(p.Require[LanePlannedWindow], FieldRollback) {
					t.Errorf("planned window = %v", p.Require[LanePlannedWindow])
				}
			},
		},
		{
			name: "drop a required field",
			o:    []Override{{Lane: "patch_now", Drop: []string{"closure_expected"}}},
			check: func(t *testing.T, p Policy) {
				if containsField(p.Require[LanePatchNow], FieldClosureExpected) {
					t.Errorf("patch now = %v", p.Require[LanePatchNow])
				}
			},
		},
		{
			name: "blocked and closure stages",
			o:    []Override{{Lane: "blocked", Drop: []string{"blocker_risk"}}, {Lane: "closure", Require: []string{"change_ticket"}}},
			check: func(t *testing.T, p Policy) {
				if containsField(p.Blocked, FieldBlockerRisk) || !containsField(p.Closure, FieldChangeTicket) {
					t.Errorf("blocked %v closure %v", p.Blocked, p.Closure)
				}
			},
		},
		{
			name: "every lane",
			o:    []Override{{Lane: "*", Require: []string{"business_service"}, Prompts: map[string]string{"owner": "Who patches this?"}}},
			check: func(t *testing.T, p Policy) {
				for _, l := range Lanes {
					if !containsField(p.Require[l], FieldBusinessService) {
						t.Errorf("%s = %v", l, p.Require[l])
					}
				}
				if p.prompt(string(LaneMonitor), FieldOwner) != "Who patches this?" {
					t.Errorf("prompt = %q", p.prompt(string(LaneMonitor), FieldOwner))
				}
			},
		},
		{
			name: "rename how a field is asked for in one lane",
			o:    []Override{{Lane: "patch now", Prompts: map[string]string{"rollback": "How do you roll back?"}}},
			check: func(t *testing.T, p Policy) {
				if got := p.prompt(string(LanePatchNow), FieldRollback); got != "How do you roll back?" {
					t.Errorf("patch now prompt = %q", got)
				}
				if got := p.prompt(string(LanePlannedWindow), FieldRollback); got != FieldLabel(FieldRollback) {
					t.Errorf("planned window prompt = %q", got)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := DefaultPolicy()
			p, err := base.Apply(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
			// Apply never changes the policy it was called on.
			if fresh := DefaultPolicy(); len(base.Require[LanePatchNow]) != len(fresh.Require[LanePatchNow]) ||
				len(base.Blocked) != len(fresh.Blocked) || len(base.Closure) != len(fresh.Closure) ||
				len(base.StagePrompts[string(LanePatchNow)]) != len(fresh.StagePrompts[string(LanePatchNow)]) || len(base.Prompts) != 0 {
				t.Error("Apply changed its receiver")
			}
		})
	}
}

func TestPolicyApplyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    []Override
		want []string
	}{
		{"unknown lane", []Override{{Lane: "patch later"}}, []string{`override 1: unknown lane "patch later"`}},
		{"unknown field in require", []Override{{Lane: "monitor", Require: []string{"rolback"}}}, []string{`unknown field "rolback" in require`}},
		{"unknown field in drop", []Override{{Lane: "monitor", Drop: []string{"ownr"}}}, []string{`unknown field "ownr" in drop`}},
		{"unknown field in prompts", []Override{{Lane: "monitor", Prompts: map[string]string{"dedline": "x"}}}, []string{`unknown field "dedline" in prompts`}},
		{"empty prompt", []Override{{Lane: "monitor", Prompts: map[string]string{"owner": " "}}}, []string{`empty prompt for field "owner"`}},
		{
			"every problem at once",
			[]Override{
				{Lane: "nope", Require: []string{"bad1"}},
				{Lane: "exception", Require: []string{"owner", "bad2"}, Drop: []string{"bad3"}},
			},
			[]string{`override 1: unknown lane "nope"`, `"bad1"`, `override 2 (exception): unknown field "bad2" in require`, `"bad3" in drop`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := DefaultPolicy()
			p, err := base.Apply(tc.o)
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PolicyError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if len(p.Require[LaneException]) != len(base.Require[LaneException]) {
				t.Error("a failed Apply returned a changed policy")
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Policy)
		want   []string
	}{
		{"unknown lane", func(p *Policy) { p.Require["later"] = []FieldID{FieldOwner} }, []string{`unknown lane "later"`}},
		{"unknown field", func(p *Policy) { p.Closure = append(p.Closure, "screenshot") }, []string{`closure: unknown field "screenshot"`}},
		{"unknown prompt field", func(p *Policy) { p.Prompts["nope"] = "x" }, []string{`prompts: unknown field "nope"`}},
		{"unknown prompt stage", func(p *Policy) { p.StagePrompts["later"] = map[FieldID]string{FieldOwner: "x"} }, []string{`prompts: unknown lane "later"`}},
		{"unknown situation", func(p *Policy) { p.Asks["panic"] = "x" }, []string{`unknown situation "panic"`}},
		{"heads-up out of range", func(p *Policy) { p.HeadsUpDays = -1 }, []string{"heads-up days -1"}},
		{"several at once", func(p *Policy) { p.HeadsUpDays = 400; p.Blocked = append(p.Blocked, "x") }, []string{"heads-up days 400", `blocked: unknown field "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := DefaultPolicy()
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
	p, err := DefaultPolicy().Apply([]Override{
		{Lane: "patch_now", Prompts: map[string]string{"rollback": "How do you roll back?"}},
		{Lane: "monitor", Drop: []string{"owner"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := Evaluate(Read(without(fullInput(LanePatchNow), FieldRollback)), p, evalNow, time.UTC)
	if len(ev.Findings) != 1 || ev.Findings[0].Label != "How do you roll back?" {
		t.Errorf("findings = %+v", ev.Findings)
	}
	base := FingerprintOf(Evaluate(Read(without(fullInput(LanePatchNow), FieldRollback)), DefaultPolicy(), evalNow, time.UTC).Findings)
	if ev.Fingerprint != base {
		t.Error("renaming a prompt changed the fingerprint")
	}
	if ev := Evaluate(Read(without(fullInput(LaneMonitor), FieldOwner)), p, evalNow, time.UTC); len(ev.Findings) != 0 {
		t.Errorf("dropped field still reported: %+v", ev.Findings)
	}
}
