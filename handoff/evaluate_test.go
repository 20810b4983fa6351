package handoff

import (
	"strings"
	"testing"
	"time"
)

var (
	evalNow     = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	evalCreated = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
)

// fullInput is a ticket in lane with every field mapped to a real value
// (dates in the future), no blocker and no assignee, so removing one field
// leaves exactly that field missing.
func fullInput(lane Lane) Input {
	fields := map[FieldID]FieldValue{}
	for _, f := range Fields() {
		switch {
		case f.ID == FieldBlocker:
		case (&Handoff{}).date(f.ID) != nil:
			fields[f.ID] = FieldValue{Text: "2026-12-15"}
		case f.ID == FieldLane:
			fields[f.ID] = FieldValue{Text: string(lane)}
		default:
			fields[f.ID] = FieldValue{Text: "value of " + string(f.ID)}
		}
	}
	return Input{
		Ticket: Ticket{Key: "SEC-1", Status: "In Progress", StatusCategory: StatusIndeterminate, Created: evalCreated},
		Fields: fields,
	}
}

// without drops a requirement and every field that could satisfy it.
func without(in Input, id FieldID) Input {
	f := make(map[FieldID]FieldValue, len(in.Fields))
	for k, v := range in.Fields {
		f[k] = v
	}
	delete(f, id)
	for _, a := range alternatives(id) {
		delete(f, a)
	}
	in.Fields = f
	return in
}

func TestEvaluateEveryLaneEveryRequiredField(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	type stage struct {
		name   string
		fields []FieldID
		input  func() Input
	}
	var stages []stage
	for _, l := range Lanes {
		stages = append(stages, stage{string(l), p.Require[l], func() Input { return fullInput(l) }})
	}
	stages = append(stages,
		stage{"blocked", p.Blocked, func() Input {
			in := fullInput(LanePatchNow)
			in.Ticket.Labels = []string{"blocked"}
			in.Fields[FieldBlocker] = FieldValue{Text: "CAB refused the change"}
			return in
		}},
		stage{"closure", p.Closure, func() Input {
			in := fullInput(LanePatchNow)
			in.Ticket.StatusCategory, in.Ticket.Resolved = StatusDone, evalNow.Add(-time.Hour)
			return in
		}},
	)
	for _, st := range stages {
		t.Run(st.name+"/complete", func(t *testing.T) {
			t.Parallel()
			ev := Evaluate(Read(st.input()), p, evalNow, time.UTC)
			if len(ev.Findings) != 0 || ev.Verdict != VerdictReady || ev.Fingerprint != "" {
				t.Errorf("complete ticket: verdict %s, findings %+v", ev.Verdict, ev.Findings)
			}
		})
		for _, id := range st.fields {
			t.Run(st.name+"/"+string(id), func(t *testing.T) {
				t.Parallel()
				ev := Evaluate(Read(without(st.input(), id)), p, evalNow, time.UTC)
				if len(ev.Findings) != 1 {
					t.Fatalf("want exactly one finding for %s, got %+v", id, ev.Findings)
				}
				f := ev.Findings[0]
				spec, _ := Field(id)
				if f.Kind != FindingMissing || f.Field != id || f.Group != spec.Group || f.Why != spec.Why || f.Label == "" {
					t.Errorf("finding = %+v", f)
				}
				want := VerdictValidationRequest
				if st.name == "closure" {
					want = VerdictClosureProof
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
		in        func() Input
		kind      FindingKind
		field     FieldID
		detail    string // a substring of the finding's detail
		lane      Lane
		situation Situation
		verdict   Verdict
	}{
		{
			name: "no lane is a finding of its own and is checked as needs review",
			in: func() Input {
				in := fullInput(LanePatchNow)
				delete(in.Fields, FieldLane)
				return in
			},
			kind: FindingNoLane, field: FieldLane, detail: "no action lane", lane: LaneNeedsReview,
			situation: SituationAffectedVersion, verdict: VerdictValidationRequest,
		},
		{
			name: "an unknown lane wording is quoted",
			in: func() Input {
				in := fullInput(LanePatchNow)
				in.Fields[FieldLane] = FieldValue{Text: "asap please"}
				return in
			},
			kind: FindingNoLane, field: FieldLane, detail: `"asap please" is not an action lane`, lane: LaneNeedsReview,
			situation: SituationAffectedVersion, verdict: VerdictValidationRequest,
		},
		{
			name: "a required field left as the template placeholder is unfilled",
			in: func() Input {
				in := fullInput(LanePatchNow)
				in.Fields[FieldFixedVersion] = FieldValue{Text: "[fixed version]"}
				return in
			},
			kind: FindingUnfilled, field: FieldFixedVersion, detail: `"[fixed version]"`, lane: LanePatchNow,
			situation: SituationUrgentPatch, verdict: VerdictValidationRequest,
		},
		{
			name: "a deadline that is not a date",
			in: func() Input {
				in := fullInput(LanePatchNow)
				in.Fields[FieldDeadline] = FieldValue{Text: "end of sprint"}
				return in
			},
			kind: FindingInvalid, field: FieldDeadline, detail: `"end of sprint" is not a date`, lane: LanePatchNow,
			situation: SituationUrgentPatch, verdict: VerdictValidationRequest,
		},
		{
			name: "a review date that is not a date, though not required by the lane",
			in: func() Input {
				in := fullInput(LanePatchNow)
				in.Fields[FieldReviewDate] = FieldValue{Text: "2026-13-01"}
				return in
			},
			kind: FindingInvalid, field: FieldReviewDate, detail: `"2026-13-01"`, lane: LanePatchNow,
			situation: SituationUrgentPatch, verdict: VerdictValidationRequest,
		},
		{
			name: "a deadline before the ticket was opened",
			in: func() Input {
				in := fullInput(LanePatchNow)
				in.Fields[FieldDeadline] = FieldValue{Text: "2026-10-31"}
				return in
			},
			kind: FindingInvalid, field: FieldDeadline, detail: "before the ticket was opened on 2026-11-01", lane: LanePatchNow,
			situation: SituationUrgentPatch, verdict: VerdictValidationRequest,
		},
		{
			name: "an expired exception on an open exception ticket",
			in: func() Input {
				in := fullInput(LaneException)
				in.Fields[FieldExceptionExpiry] = FieldValue{Text: "2026-11-19"}
				return in
			},
			kind: FindingInvalid, field: FieldExceptionExpiry, detail: "expired on 2026-11-19", lane: LaneException,
			situation: SituationExceptionReview, verdict: VerdictValidationRequest,
		},
		{
			name: "patch now with scope in question asks for affected-version validation, not a patch-now order",
			in: func() Input {
				return without(fullInput(LanePatchNow), FieldAffectedVersions)
			},
			kind: FindingMissing, field: FieldAffectedVersions, lane: LanePatchNow,
			situation: SituationAffectedVersion, verdict: VerdictValidationRequest,
		},
		{
			name: "blocked by status picks the blocked-change ask",
			in: func() Input {
				in := without(fullInput(LaneMitigateFirst), FieldUnblock)
				in.Ticket.Status = "Blocked"
				in.Fields[FieldBlocker] = FieldValue{Text: "vendor has no fix"}
				return in
			},
			kind: FindingMissing, field: FieldUnblock, lane: LaneMitigateFirst,
			situation: SituationBlockedChange, verdict: VerdictValidationRequest,
		},
		{
			name: "resolved without a scan is a closure-proof verdict",
			in: func() Input {
				in := without(fullInput(LanePlannedWindow), FieldScanEvidence)
				in.Ticket.StatusCategory, in.Ticket.Resolution = StatusDone, "Done"
				return in
			},
			kind: FindingMissing, field: FieldScanEvidence, lane: LanePlannedWindow,
			situation: SituationClosureEvidence, verdict: VerdictClosureProof,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := Evaluate(Read(tc.in()), DefaultPolicy(), evalNow, time.UTC)
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
			if ev.Ask != fillAsk(DefaultPolicy().Asks[tc.situation], &ev.Handoff) || ev.Ask == "" {
				t.Errorf("ask = %q", ev.Ask)
			}
		})
	}
}

func TestEvaluateOwnerFallsBackToAssignee(t *testing.T) {
	t.Parallel()
	in := without(fullInput(LaneMonitor), FieldOwner)
	in.Ticket.Assignee = User{AccountID: "5b10ac", DisplayName: "Jo Smith"}
	h := Read(in)
	if h.Scope.Owner.User.AccountID != "5b10ac" || h.Scope.Owner.Text != "Jo Smith" {
		t.Fatalf("owner = %+v", h.Scope.Owner)
	}
	if ev := Evaluate(h, DefaultPolicy(), evalNow, time.UTC); len(ev.Findings) != 0 {
		t.Errorf("findings = %+v", ev.Findings)
	}
}

func TestEvaluateSeedTemplateUnfilled(t *testing.T) {
	t.Parallel()
	ev := Evaluate(Read(Input{Description: seedPatchPlan, Ticket: Ticket{Key: "SEC-2", Created: evalCreated}}),
		DefaultPolicy(), evalNow, time.UTC)
	if ev.Verdict != VerdictValidationRequest || ev.Lane != LaneNeedsReview {
		t.Fatalf("verdict %s lane %s", ev.Verdict, ev.Lane)
	}
	kinds := map[FieldID]FindingKind{}
	for _, f := range ev.Findings {
		kinds[f.Field] = f.Kind
	}
	want := map[FieldID]FindingKind{
		FieldLane: FindingNoLane, FieldProduct: FindingUnfilled, FieldAffectedVersions: FindingUnfilled,
		FieldOwner: FindingUnfilled, FieldReviewDate: FindingUnfilled,
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
	a := Finding{Kind: FindingMissing, Field: FieldRollback, Label: "Rollback plan", Why: "x"}
	b := Finding{Kind: FindingUnfilled, Field: FieldFixedVersion, Label: "Fixed version", Detail: "left unfilled"}
	c := Finding{Kind: FindingInvalid, Field: FieldDeadline, Detail: `"soon" is not a date`}
	base := FingerprintOf([]Finding{a, b, c})
	tests := []struct {
		name string
		fs   []Finding
		same bool
	}{
		{"reordered", []Finding{c, a, b}, true},
		{"reworded label and why", []Finding{{Kind: a.Kind, Field: a.Field, Label: "How will you roll back?", Why: "y"}, b, c}, true},
		{"different detail", []Finding{a, b, {Kind: c.Kind, Field: c.Field, Detail: `"later" is not a date`}}, true},
		{"duplicate finding", []Finding{a, a, b, c}, true},
		{"one fewer", []Finding{a, b}, false},
		{"one more", []Finding{a, b, c, {Kind: FindingMissing, Field: FieldOwner}}, false},
		{"kind changed", []Finding{{Kind: FindingUnfilled, Field: FieldRollback}, b, c}, false},
		{"field changed", []Finding{{Kind: FindingMissing, Field: FieldTestPlan}, b, c}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := FingerprintOf(tc.fs); (got == base) != tc.same {
				t.Errorf("fingerprint %s vs base %s: same=%v, want %v", got, base, got == base, tc.same)
			}
		})
	}
	if FingerprintOf(nil) != "" {
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
		fields map[FieldID]string
		want   string
	}{
		{"nothing known keeps the seed's slots", nil,
			"Patch [asset group/product] to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]."},
		{"every slot filled", map[FieldID]string{FieldAssetGroup: "payments-web", FieldFixedVersion: "3.0.8", FieldDeadline: "2026-12-01", FieldKEV: "listed", FieldUrgencyDriver: "KEV listed"},
			"Patch payments-web to 3.0.8 by 2026-12-01 because KEV listed."},
		{"placeholder values do not fill a slot", map[FieldID]string{FieldFixedVersion: "[fixed version]", FieldProduct: "nginx"},
			"Patch nginx to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := Input{Fields: map[FieldID]FieldValue{}}
			for id, v := range tc.fields {
				in.Fields[id] = FieldValue{Text: v}
			}
			h := Read(in)
			ask := DefaultPolicy().Asks[SituationUrgentPatch]
			got := fillAsk(ask[:strings.Index(ask, ".")+1], &h)
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
		u    Urgency
		want string
	}{
		{"the driver's own words", Urgency{Driver: Value{Text: "KEV, exploited"}, KEV: Value{Text: "yes"}}, "because KEV, exploited."},
		{"a KEV flag reads KEV", Urgency{KEV: Value{Text: "yes"}, Exposure: Value{Text: "internet-facing"}}, "because KEV, internet-facing."},
		{"a no is not a reason", Urgency{KEV: Value{Text: "no"}, Criticality: Value{Text: "high"}}, "because high."},
		{"nothing known keeps the slot", Urgency{}, "because [KEV/exploited/exposed/critical service]."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Handoff{Urgency: tc.u}
			got := fillAsk(DefaultPolicy().Asks[SituationUrgentPatch], &h)
			if !strings.Contains(got, tc.want) {
				t.Fatalf("ask = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
