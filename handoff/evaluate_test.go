package handoff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

var (
	evalNow     = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	evalCreated = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
)

// fullInput is a ticket in lane with every field mapped to a real value
// (dates in the future), no blocker and no assignee, so removing one field
// leaves exactly that field missing.
func fullInput(lane handoff.Lane) handoff.Input {
	fields := map[handoff.FieldID]handoff.FieldValue{}
	for _, f := range handoff.Fields() {
		switch {
		case f.ID == handoff.FieldBlocker:
		case (&handoff.Handoff{}).DatePtr(f.ID) != nil:
			fields[f.ID] = handoff.FieldValue{Text: "2026-12-15"}
		case f.ID == handoff.FieldLane:
			fields[f.ID] = handoff.FieldValue{Text: string(lane)}
		default:
			fields[f.ID] = handoff.FieldValue{Text: "value of " + string(f.ID)}
		}
	}
	return handoff.Input{
		Ticket: handoff.Ticket{Key: "SEC-1", Status: "In Progress", StatusCategory: handoff.StatusIndeterminate, Created: evalCreated},
		Fields: fields,
	}
}

// without drops a requirement and every field that could satisfy it.
func without(in handoff.Input, id handoff.FieldID) handoff.Input {
	f := make(map[handoff.FieldID]handoff.FieldValue, len(in.Fields))
	for k, v := range in.Fields {
		f[k] = v
	}
	delete(f, id)
	for _, a := range handoff.Alternatives(id) {
		delete(f, a)
	}
	in.Fields = f
	return in
}

func TestEvaluateEveryLaneEveryRequiredField(t *testing.T) {
	t.Parallel()
	p := handoff.DefaultPolicy()
	type stage struct {
		name   string
		fields []handoff.FieldID
		input  func() handoff.Input
	}
	var stages []stage
	for _, l := range handoff.Lanes() {
		stages = append(stages, stage{string(l), p.Require[l], func() handoff.Input { return fullInput(l) }})
	}
	stages = append(stages,
		stage{"blocked", p.Blocked, func() handoff.Input {
			in := fullInput(handoff.LanePatchNow)
			in.Ticket.Labels = []string{"blocked"}
			in.Fields[handoff.FieldBlocker] = handoff.FieldValue{Text: "CAB refused the change"}
			return in
		}},
		stage{"closure", p.Closure, func() handoff.Input {
			in := fullInput(handoff.LanePatchNow)
			in.Ticket.StatusCategory, in.Ticket.Resolved = handoff.StatusDone, evalNow.Add(-time.Hour)
			return in
		}},
	)
	for _, st := range stages {
		t.Run(st.name+"/complete", func(t *testing.T) {
			t.Parallel()
			ev := handoff.Evaluate(intake.Read(st.input()), p, evalNow, time.UTC)
			if len(ev.Findings) != 0 || ev.Verdict != handoff.VerdictReady || ev.Fingerprint != "" {
				t.Errorf("complete ticket: verdict %s, findings %+v", ev.Verdict, ev.Findings)
			}
		})
		for _, id := range st.fields {
			t.Run(st.name+"/"+string(id), func(t *testing.T) {
				t.Parallel()
				ev := handoff.Evaluate(intake.Read(without(st.input(), id)), p, evalNow, time.UTC)
				if len(ev.Findings) != 1 {
					t.Fatalf("want exactly one finding for %s, got %+v", id, ev.Findings)
				}
				f := ev.Findings[0]
				spec, _ := handoff.Field(id)
				if f.Kind != handoff.FindingMissing || f.Field != id || f.Group != spec.Group || f.Why != spec.Why || f.Label == "" {
					t.Errorf("finding = %+v", f)
				}
				want := handoff.VerdictValidationRequest
				if st.name == "closure" {
					want = handoff.VerdictClosureProof
				}
				if ev.Verdict != want || ev.Fingerprint == "" || ev.Ask == "" {
					t.Errorf("verdict %s, fingerprint %q, ask %q", ev.Verdict, ev.Fingerprint, ev.Ask)
				}
			})
		}
	}
}

func TestEvaluateFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        func() handoff.Input
		kind      handoff.FindingKind
		field     handoff.FieldID
		detail    string // a substring of the finding's detail
		lane      handoff.Lane
		situation handoff.Situation
		verdict   handoff.Verdict
	}{
		{
			name: "no lane is a finding of its own and is checked as needs review",
			in: func() handoff.Input {
				in := fullInput(handoff.LanePatchNow)
				delete(in.Fields, handoff.FieldLane)
				return in
			},
			kind: handoff.FindingNoLane, field: handoff.FieldLane, detail: "no action lane", lane: handoff.LaneNeedsReview,
			situation: handoff.SituationAffectedVersion, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "an unknown lane wording is quoted",
			in: func() handoff.Input {
				in := fullInput(handoff.LanePatchNow)
				in.Fields[handoff.FieldLane] = handoff.FieldValue{Text: "asap please"}
				return in
			},
			kind: handoff.FindingNoLane, field: handoff.FieldLane, detail: `"asap please" is not an action lane`, lane: handoff.LaneNeedsReview,
			situation: handoff.SituationAffectedVersion, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "a required field left as the template placeholder is unfilled",
			in: func() handoff.Input {
				in := fullInput(handoff.LanePatchNow)
				in.Fields[handoff.FieldFixedVersion] = handoff.FieldValue{Text: "[fixed version]"}
				return in
			},
			kind: handoff.FindingUnfilled, field: handoff.FieldFixedVersion, detail: `"[fixed version]"`, lane: handoff.LanePatchNow,
			situation: handoff.SituationUrgentPatch, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "a deadline that is not a date",
			in: func() handoff.Input {
				in := fullInput(handoff.LanePatchNow)
				in.Fields[handoff.FieldDeadline] = handoff.FieldValue{Text: "end of sprint"}
				return in
			},
			kind: handoff.FindingInvalid, field: handoff.FieldDeadline, detail: `"end of sprint" is not a date`, lane: handoff.LanePatchNow,
			situation: handoff.SituationUrgentPatch, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "a review date that is not a date, though not required by the lane",
			in: func() handoff.Input {
				in := fullInput(handoff.LanePatchNow)
				in.Fields[handoff.FieldReviewDate] = handoff.FieldValue{Text: "2026-13-01"}
				return in
			},
			kind: handoff.FindingInvalid, field: handoff.FieldReviewDate, detail: `"2026-13-01"`, lane: handoff.LanePatchNow,
			situation: handoff.SituationUrgentPatch, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "a deadline before the ticket was opened",
			in: func() handoff.Input {
				in := fullInput(handoff.LanePatchNow)
				in.Fields[handoff.FieldDeadline] = handoff.FieldValue{Text: "2026-10-31"}
				return in
			},
			kind: handoff.FindingInvalid, field: handoff.FieldDeadline, detail: "before the ticket was opened on 2026-11-01", lane: handoff.LanePatchNow,
			situation: handoff.SituationUrgentPatch, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "an expired exception on an open exception ticket",
			in: func() handoff.Input {
				in := fullInput(handoff.LaneException)
				in.Fields[handoff.FieldExceptionExpiry] = handoff.FieldValue{Text: "2026-11-19"}
				return in
			},
			kind: handoff.FindingInvalid, field: handoff.FieldExceptionExpiry, detail: "expired on 2026-11-19", lane: handoff.LaneException,
			situation: handoff.SituationExceptionReview, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "patch now with scope in question asks for affected-version validation, not a patch-now order",
			in: func() handoff.Input {
				return without(fullInput(handoff.LanePatchNow), handoff.FieldAffectedVersions)
			},
			kind: handoff.FindingMissing, field: handoff.FieldAffectedVersions, lane: handoff.LanePatchNow,
			situation: handoff.SituationAffectedVersion, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "blocked by status picks the blocked-change ask",
			in: func() handoff.Input {
				in := without(fullInput(handoff.LaneMitigateFirst), handoff.FieldUnblock)
				in.Ticket.Status = "Blocked"
				in.Fields[handoff.FieldBlocker] = handoff.FieldValue{Text: "vendor has no fix"}
				return in
			},
			kind: handoff.FindingMissing, field: handoff.FieldUnblock, lane: handoff.LaneMitigateFirst,
			situation: handoff.SituationBlockedChange, verdict: handoff.VerdictValidationRequest,
		},
		{
			name: "resolved without a scan is a closure-proof verdict",
			in: func() handoff.Input {
				in := without(fullInput(handoff.LanePlannedWindow), handoff.FieldScanEvidence)
				in.Ticket.StatusCategory, in.Ticket.Resolution = handoff.StatusDone, "Done"
				return in
			},
			kind: handoff.FindingMissing, field: handoff.FieldScanEvidence, lane: handoff.LanePlannedWindow,
			situation: handoff.SituationClosureEvidence, verdict: handoff.VerdictClosureProof,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := handoff.Evaluate(intake.Read(tc.in()), handoff.DefaultPolicy(), evalNow, time.UTC)
			if len(ev.Findings) != 1 {
				t.Fatalf("want one finding, got %+v", ev.Findings)
			}
			f := ev.Findings[0]
			if f.Kind != tc.kind || f.Field != tc.field || !strings.Contains(f.Detail, tc.detail) {
				t.Errorf("finding = %+v; want %s on %s with %q", f, tc.kind, tc.field, tc.detail)
			}
			if ev.Lane != tc.lane || ev.Situation != tc.situation || ev.Verdict != tc.verdict {
				t.Errorf("lane %s, situation %s, verdict %s; want %s, %s, %s", ev.Lane, ev.Situation, ev.Verdict, tc.lane, tc.situation, tc.verdict)
			}
			if ev.Ask != handoff.FillAsk(handoff.DefaultPolicy().Asks[tc.situation], &ev.Handoff) || ev.Ask == "" {
				t.Errorf("ask = %q", ev.Ask)
			}
		})
	}
}

func TestEvaluateOwnerFallsBackToAssignee(t *testing.T) {
	t.Parallel()
	in := without(fullInput(handoff.LaneMonitor), handoff.FieldOwner)
	in.Ticket.Assignee = handoff.User{AccountID: "5b10ac", DisplayName: "Jo Smith"}
	h := intake.Read(in)
	if h.Scope.Owner.User.AccountID != "5b10ac" || h.Scope.Owner.Text != "Jo Smith" {
		t.Fatalf("owner = %+v", h.Scope.Owner)
	}
	if ev := handoff.Evaluate(h, handoff.DefaultPolicy(), evalNow, time.UTC); len(ev.Findings) != 0 {
		t.Errorf("findings = %+v", ev.Findings)
	}
}

func TestEvaluateSeedTemplateUnfilled(t *testing.T) {
	t.Parallel()
	ev := handoff.Evaluate(intake.Read(handoff.Input{Description: handofftest.SeedPatchPlan, Ticket: handoff.Ticket{Key: "SEC-2", Created: evalCreated}}),
		handoff.DefaultPolicy(), evalNow, time.UTC)
	if ev.Verdict != handoff.VerdictValidationRequest || ev.Lane != handoff.LaneNeedsReview {
		t.Fatalf("verdict %s lane %s", ev.Verdict, ev.Lane)
	}
	kinds := map[handoff.FieldID]handoff.FindingKind{}
	for _, f := range ev.Findings {
		kinds[f.Field] = f.Kind
	}
	want := map[handoff.FieldID]handoff.FindingKind{
		handoff.FieldLane: handoff.FindingNoLane, handoff.FieldProduct: handoff.FindingUnfilled, handoff.FieldAffectedVersions: handoff.FindingUnfilled,
		handoff.FieldOwner: handoff.FindingUnfilled, handoff.FieldReviewDate: handoff.FindingUnfilled,
	}
	for id, k := range want {
		if kinds[id] != k {
			t.Errorf("%s: kind %q, want %q (all: %v)", id, kinds[id], k, kinds)
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("findings %v, want %v", kinds, want)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	a := handoff.Finding{Kind: handoff.FindingMissing, Field: handoff.FieldRollback, Label: "Rollback plan", Why: "x"}
	b := handoff.Finding{Kind: handoff.FindingUnfilled, Field: handoff.FieldFixedVersion, Label: "Fixed version", Detail: "left unfilled"}
	c := handoff.Finding{Kind: handoff.FindingInvalid, Field: handoff.FieldDeadline, Detail: `"soon" is not a date`}
	base := handoff.FingerprintOf([]handoff.Finding{a, b, c})
	tests := []struct {
		name string
		fs   []handoff.Finding
		same bool
	}{
		{"reordered", []handoff.Finding{c, a, b}, true},
		{"reworded label and why", []handoff.Finding{{Kind: a.Kind, Field: a.Field, Label: "How will you roll back?", Why: "y"}, b, c}, true},
		{"different detail", []handoff.Finding{a, b, {Kind: c.Kind, Field: c.Field, Detail: `"later" is not a date`}}, true},
		{"duplicate finding", []handoff.Finding{a, a, b, c}, true},
		{"one fewer", []handoff.Finding{a, b}, false},
		{"one more", []handoff.Finding{a, b, c, {Kind: handoff.FindingMissing, Field: handoff.FieldOwner}}, false},
		{"kind changed", []handoff.Finding{{Kind: handoff.FindingUnfilled, Field: handoff.FieldRollback}, b, c}, false},
		{"field changed", []handoff.Finding{{Kind: handoff.FindingMissing, Field: handoff.FieldTestPlan}, b, c}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := handoff.FingerprintOf(tc.fs); (got == base) != tc.same {
				t.Errorf("fingerprint %s vs base %s: same=%v, want %v", got, base, got == base, tc.same)
			}
		})
	}
	if handoff.FingerprintOf(nil) != "" {
		t.Error("no findings should give an empty fingerprint")
	}
	if len(base) != 16 {
		t.Errorf("fingerprint %q is not 16 hex digits", base)
	}
}

func TestFillAsk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields map[handoff.FieldID]string
		want   string
	}{
		{"nothing known keeps the seed's slots", nil,
			"Patch [asset group/product] to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]."},
		{"every slot filled", map[handoff.FieldID]string{handoff.FieldAssetGroup: "payments-web", handoff.FieldFixedVersion: "3.0.8", handoff.FieldDeadline: "2026-12-01", handoff.FieldKEV: "listed", handoff.FieldUrgencyDriver: "KEV listed"},
			"Patch payments-web to 3.0.8 by 2026-12-01 because KEV listed."},
		{"placeholder values do not fill a slot", map[handoff.FieldID]string{handoff.FieldFixedVersion: "[fixed version]", handoff.FieldProduct: "nginx"},
			"Patch nginx to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := handoff.Input{Fields: map[handoff.FieldID]handoff.FieldValue{}}
			for id, v := range tc.fields {
				in.Fields[id] = handoff.FieldValue{Text: v}
			}
			h := intake.Read(in)
			ask := handoff.DefaultPolicy().Asks[handoff.SituationUrgentPatch]
			got := handoff.FillAsk(ask[:strings.Index(ask, ".")+1], &h)
			if got != tc.want {
				t.Errorf("fillAsk = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAskUrgencyPhrase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		u    handoff.Urgency
		want string
	}{
		{"the driver's own words", handoff.Urgency{Driver: handoff.Value{Text: "KEV, exploited"}, KEV: handoff.Value{Text: "yes"}}, "because KEV, exploited."},
		{"a KEV flag reads KEV", handoff.Urgency{KEV: handoff.Value{Text: "yes"}, Exposure: handoff.Value{Text: "internet-facing"}}, "because KEV, internet-facing."},
		{"a no is not a reason", handoff.Urgency{KEV: handoff.Value{Text: "no"}, Criticality: handoff.Value{Text: "high"}}, "because high."},
		{"nothing known keeps the slot", handoff.Urgency{}, "because [KEV/exploited/exposed/critical service]."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := handoff.Handoff{Urgency: tc.u}
			got := handoff.FillAsk(handoff.DefaultPolicy().Asks[handoff.SituationUrgentPatch], &h)
			if !strings.Contains(got, tc.want) {
				t.Fatalf("ask = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
