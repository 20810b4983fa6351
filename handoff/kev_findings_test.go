package handoff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
)

var (
	kevAdded = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	kevDue   = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	scoreDay = time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
)

// listed is a KEV-listed CVE with a score.
func listed(id string) handoff.CVEIntel {
	return handoff.CVEIntel{ID: id, KEV: true, KEVAdded: kevAdded, KEVDue: kevDue, Ransomware: true,
		HasEPSS: true, EPSS: 0.3, Percentile: 0.97, ScoreDate: scoreDay}
}

// scored is a CVE the KEV catalog does not list, with a score.
func scored(id string, epss float64) handoff.CVEIntel {
	return handoff.CVEIntel{ID: id, HasEPSS: true, EPSS: epss, Percentile: 0.9, ScoreDate: scoreDay}
}

func val(s string) handoff.Value { return handoff.Value{Text: s, From: handoff.SourceField} }

// intelCase is an open ticket in a lane with what the feeds said; edit
// changes the handoff and the policy.
type intelCase struct {
	name  string
	lane  handoff.Lane
	intel []handoff.CVEIntel
	edit  func(h *handoff.Handoff, p *handoff.Policy)
	// want is the feed findings, as "kind field", in order.
	want []string
	// detail, when set, is in the first feed finding's detail.
	detail string
}

func TestFeedFindings(t *testing.T) {
	t.Parallel()
	deadline := func(y int, m time.Month, d int) func(h *handoff.Handoff, p *handoff.Policy) {
		return func(h *handoff.Handoff, p *handoff.Policy) {
			p.Intel.KEVDue = true
			h.Change.Deadline = handoff.Date{Value: val("x"), At: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), DateOnly: true}
		}
	}
	cases := []intelCase{
		// A KEV-listed CVE waiting without a reason.
		{name: "kev on monitor", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			want: []string{"kev_lane kev"}, detail: "KEV-listed since 2026-11-02 (CVE-2026-1234): patch now or mitigate first, or say why"},
		{name: "kev in planned window", lane: handoff.LanePlannedWindow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}, want: []string{"kev_lane kev"}},
		{name: "kev in needs review", lane: handoff.LaneNeedsReview, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}, want: []string{"kev_lane kev"}},
		{name: "kev without a lane is needs review", lane: handoff.LaneUnknown, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}, want: []string{"kev_lane kev"}},
		{name: "kev in patch now", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}},
		{name: "kev in mitigate first", lane: handoff.LaneMitigateFirst, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}},
		{name: "kev in exception", lane: handoff.LaneException, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}},
		{name: "kev field says yes: no reason", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.KEV = val("Yes, listed since 2026-11-02") }, want: []string{"kev_lane kev"}},
		{name: "kev field gives the reason", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) {
				h.Urgency.KEV = val("yes — the vulnerable module is not loaded on any host")
			}},
		{name: "kev lane switched off", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(_ *handoff.Handoff, p *handoff.Policy) { p.Intel.KEVLane = false }},
		{name: "several CVEs: the earliest listed, every one named", lane: handoff.LaneMonitor,
			intel: []handoff.CVEIntel{scored("CVE-2026-0001", 0.1), listed("CVE-2026-1234"),
				{ID: "CVE-2025-9999", KEV: true, KEVAdded: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}},
			want: []string{"kev_lane kev"}, detail: "KEV-listed since 2025-03-01 (CVE-2025-9999, CVE-2026-1234)"},
		{name: "not listed: nothing", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.2), {ID: "CVE-2026-7"}}},

		// "Not exploited" said of a KEV-listed CVE.
		{name: "driver says not exploited", lane: handoff.LanePlannedWindow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) {
				h.Urgency.Driver = val("Not exploited, not exposed; standard maintenance")
			},
			want: []string{"kev_lane kev", "kev_not_exploited urgency_driver"}},
		{name: "no known exploitation, in patch now", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) {
				h.Urgency.Driver = val("critical service; no known exploitation")
			},
			want: []string{"kev_not_exploited urgency_driver"}, detail: `it says "no known exploitation", but CVE-2026-1234 is KEV-listed since 2026-11-02`},
		{name: "not in KEV", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.Driver = val("exposed, not on the KEV list") },
			want: []string{"kev_not_exploited urgency_driver"}},
		{name: "unexploited", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.Driver = val("Unexploited so far") },
			want: []string{"kev_not_exploited urgency_driver"}},
		{name: "a negation ends at but", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.Driver = val("not exposed but exploited") }},
		{name: "exploitable is about reach", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) {
				h.Urgency.Driver = val("not exploitable from the internet")
			}},
		{name: "exploitation field says no", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.Exploitation = val("No") },
			want: []string{"kev_not_exploited exploitation"}},
		{name: "kev field says not listed", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.KEV = val("not listed") },
			want: []string{"kev_not_exploited kev"}},
		{name: "not exploited of a CVE KEV does not list", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.01)},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.Driver = val("not exploited") }},
		{name: "not exploited switched off", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, p *handoff.Policy) {
				h.Urgency.Driver = val("not exploited")
				p.Intel.KEVNotExploited = false
			}},

		// A high EPSS score on a monitor lane.
		{name: "epss above the threshold on monitor", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.72)},
			want: []string{"epss_monitor epss"}, detail: "CVE-2026-1234 has EPSS 0.72 (90th percentile on 2026-11-19), at or above the 0.5 threshold, on a monitor lane"},
		{name: "epss at the threshold", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.5)}, want: []string{"epss_monitor epss"}},
		{name: "epss below the threshold", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.49)}},
		{name: "epss threshold from the policy", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.2)},
			edit: func(_ *handoff.Handoff, p *handoff.Policy) { p.Intel.EPSSThreshold = 0.1 }, want: []string{"epss_monitor epss"}},
		{name: "epss: the highest of several", lane: handoff.LaneMonitor,
			intel: []handoff.CVEIntel{scored("CVE-2026-0001", 0.02), scored("CVE-2026-0002", 0.8)},
			want:  []string{"epss_monitor epss"}, detail: "CVE-2026-0002 has EPSS 0.8"},
		{name: "epss on another lane", lane: handoff.LanePlannedWindow, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.9)}},
		{name: "epss field gives the reason", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.9)},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) {
				h.Urgency.EPSS = val("0.9, but only on a lab network with no users")
			}},
		{name: "epss field holds the score only", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.9)},
			edit: func(h *handoff.Handoff, _ *handoff.Policy) { h.Urgency.EPSS = val("0.9 (99th percentile), high") },
			want: []string{"epss_monitor epss"}},
		{name: "epss switched off", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.9)},
			edit: func(_ *handoff.Handoff, p *handoff.Policy) { p.Intel.EPSSMonitor = false }},
		{name: "kev and epss on monitor", lane: handoff.LaneMonitor, intel: []handoff.CVEIntel{listed("CVE-2026-1234"), scored("CVE-2026-1235", 0.94)},
			want: []string{"kev_lane kev", "epss_monitor epss"}},

		// BOD 22-01: a deadline later than KEV's due date.
		{name: "bod off by default", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: func(h *handoff.Handoff, p *handoff.Policy) {
				deadline(2026, 12, 20)(h, p)
				p.Intel.KEVDue = handoff.DefaultIntelPolicy().KEVDue
			}},
		{name: "bod: deadline after the due date", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")},
			edit: deadline(2026, 12, 20), want: []string{"kev_due deadline"},
			detail: "the deadline 2026-12-20 is later than KEV's due date 2026-11-23 for CVE-2026-1234 (BOD 22-01)"},
		{name: "bod: deadline on the due date", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}, edit: deadline(2026, 11, 23)},
		{name: "bod: deadline before the due date", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{listed("CVE-2026-1234")}, edit: deadline(2026, 11, 21)},
		{name: "bod: the earliest due date of several", lane: handoff.LanePatchNow,
			intel: []handoff.CVEIntel{listed("CVE-2026-1234"), {ID: "CVE-2026-9", KEV: true, KEVAdded: kevAdded, KEVDue: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)}},
			edit:  deadline(2026, 11, 21), want: []string{"kev_due deadline"}, detail: "due date 2026-11-10 for CVE-2026-9"},
		{name: "bod: no kev, nothing", lane: handoff.LanePatchNow, intel: []handoff.CVEIntel{scored("CVE-2026-1234", 0.9)}, edit: deadline(2027, 1, 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := handoff.Handoff{
				Ticket: handoff.Ticket{Key: "SEC-1", StatusCategory: handoff.StatusIndeterminate, Created: evalCreated},
				Lane:   tc.lane, Intel: handoff.Intel{CVEs: tc.intel},
			}
			p := handoff.DefaultPolicy()
			if tc.edit != nil {
				tc.edit(&h, &p)
			}
			ev := handoff.Evaluate(h, p, evalNow, time.UTC)
			got := feedFindings(ev)
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Fatalf("feed findings %q, want %q (all: %+v)", got, tc.want, ev.Findings)
			}
			if tc.detail != "" {
				if f := firstFeedFinding(ev); !strings.Contains(f.Detail, tc.detail) {
					t.Errorf("detail %q lacks %q", f.Detail, tc.detail)
				}
			}
			if len(tc.want) > 0 && ev.Verdict != handoff.VerdictValidationRequest {
				t.Errorf("verdict %s, want a validation request", ev.Verdict)
			}
		})
	}
}

func isFeedKind(k handoff.FindingKind) bool {
	switch k {
	case handoff.FindingKEVLane, handoff.FindingKEVNotExploited, handoff.FindingEPSSMonitor, handoff.FindingKEVDue:
		return true
	}
	return false
}

func feedFindings(ev handoff.Evaluation) []string {
	var out []string
	for _, f := range ev.Findings {
		if isFeedKind(f.Kind) {
			out = append(out, string(f.Kind)+" "+string(f.Field))
		}
	}
	return out
}

func firstFeedFinding(ev handoff.Evaluation) handoff.Finding {
	for _, f := range ev.Findings {
		if isFeedKind(f.Kind) {
			return f
		}
	}
	return handoff.Finding{}
}

// TestFeedFindingsLeaveTheRestAlone: without feed data, or on a resolved
// ticket, the evaluation is what it was; with it, the fingerprint moves
// only when a feed finding arises.
func TestFeedFindingsLeaveTheRestAlone(t *testing.T) {
	t.Parallel()
	for _, lane := range handoff.Lanes() {
		in := fullInput(lane)
		in.Fields[handoff.FieldKEV] = handoff.FieldValue{Text: "yes"}
		base := evaluate(t, in, nil)
		unknown := evaluate(t, in, []handoff.CVEIntel{{ID: "CVE-2026-1"}, scored("CVE-2026-2", 0.01)})
		if unknown.Fingerprint != base.Fingerprint || len(unknown.Findings) != len(base.Findings) {
			t.Errorf("%s: feed data that supports no finding changed the evaluation: %+v, was %+v", lane, unknown.Findings, base.Findings)
		}
		kev := evaluate(t, in, []handoff.CVEIntel{listed("CVE-2026-1")})
		waits := lane == handoff.LaneMonitor || lane == handoff.LanePlannedWindow || lane == handoff.LaneNeedsReview
		if moved := kev.Fingerprint != base.Fingerprint; moved != waits {
			t.Errorf("%s: KEV listing moved the fingerprint: %v, want %v (%+v)", lane, moved, waits, kev.Findings)
		}
	}
	done := fullInput(handoff.LaneMonitor)
	done.Ticket.StatusCategory = handoff.StatusDone
	if ev := evaluate(t, done, []handoff.CVEIntel{listed("CVE-2026-1")}); len(feedFindings(ev)) > 0 {
		t.Errorf("a resolved ticket got feed findings: %v", feedFindings(ev))
	}
}

func evaluate(t *testing.T, in handoff.Input, intel []handoff.CVEIntel) handoff.Evaluation {
	t.Helper()
	h := intake.Read(in)
	h.Intel = handoff.Intel{CVEs: intel}
	return handoff.Evaluate(h, handoff.DefaultPolicy(), evalNow, time.UTC)
}

func TestIntelPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ip   handoff.IntelPolicy
		ok   bool
	}{
		{"default", handoff.DefaultIntelPolicy(), true},
		{"threshold 1", handoff.IntelPolicy{EPSSMonitor: true, EPSSThreshold: 1}, true},
		{"threshold 0", handoff.IntelPolicy{EPSSMonitor: true}, false},
		{"threshold above 1", handoff.IntelPolicy{EPSSMonitor: true, EPSSThreshold: 1.5}, false},
		{"threshold 0, finding off", handoff.IntelPolicy{}, true},
	} {
		p := handoff.DefaultPolicy()
		p.Intel = tc.ip
		if err := p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestIntelHelpers(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0.94: "0.94", 0.9: "0.9", 0.5: "0.5", 0.031: "0.031", 0.00043: "0.00043", 1: "1", 0: "0", 0.1: "0.1", 0.0999: "0.1"} {
		if got := handoff.FormatScore(in); got != want {
			t.Errorf("FormatScore(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{0.991: "99th", 0.42: "42nd", 0.01: "1st", 0.03: "3rd", 0.11: "11th", 0.12: "12th", 0.13: "13th", 0.21: "21st", 1: "100th", 0: "0th", 0.29: "29th"} {
		if got := handoff.Ordinal(in); got != want {
			t.Errorf("Ordinal(%v) = %q, want %q", in, got, want)
		}
	}
	in := handoff.Intel{CVEs: []handoff.CVEIntel{{ID: "CVE-1"}, listed("CVE-2"), {ID: "CVE-3", KEV: true, KEVAdded: kevAdded.AddDate(0, -1, 0)}}}
	if got := in.KEVSince(); !got.Equal(kevAdded.AddDate(0, -1, 0)) {
		t.Errorf("KEVSince = %v", got)
	}
	if k := in.KEV(); len(k) != 2 || k[0].ID != "CVE-3" || k[1].ID != "CVE-2" {
		t.Errorf("KEV() = %+v, want CVE-3 then CVE-2", k)
	}
	if !in.Known() || (handoff.Intel{CVEs: []handoff.CVEIntel{{ID: "CVE-1"}}}).Known() || !(handoff.Intel{}).KEVSince().IsZero() {
		t.Error("Known/KEVSince on empty intel")
	}
}

// FuzzFeedFindings: whatever the ticket says in its urgency fields, the
// feed rules neither panic nor find anything without feed data.
func FuzzFeedFindings(f *testing.F) {
	for _, s := range []string{"not exploited", "no known exploitation", "Unexploited", "KEV, exposed", "n/a", "isn’t in KEV", "не эксплуатируется", "not\u200b exploited"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, driver, kev string) {
		h := handoff.Handoff{Ticket: handoff.Ticket{Key: "SEC-1", StatusCategory: handoff.StatusIndeterminate}, Lane: handoff.LaneMonitor}
		h.Urgency.Driver, h.Urgency.KEV, h.Urgency.Exploitation, h.Urgency.EPSS = val(driver), val(kev), val(driver), val(kev)
		if got := feedFindings(handoff.Evaluate(h, handoff.DefaultPolicy(), evalNow, time.UTC)); len(got) > 0 {
			t.Fatalf("feed findings without feed data: %v", got)
		}
		h.Intel = handoff.Intel{CVEs: []handoff.CVEIntel{listed("CVE-2026-1")}}
		_ = handoff.Evaluate(h, handoff.DefaultPolicy(), evalNow, time.UTC)
	})
}

// BenchmarkEvaluateWithIntel is Evaluate on a monitor handoff whose two
// CVEs the feeds know (one KEV-listed, one scored high), against the same
// handoff without feed data: what the feed rules add per ticket.
func BenchmarkEvaluateWithIntel(b *testing.B) {
	in := fullInput(handoff.LaneMonitor)
	in.Fields[handoff.FieldKEV] = handoff.FieldValue{Text: "yes"}
	in.Fields[handoff.FieldUrgencyDriver] = handoff.FieldValue{Text: "not exploited, not exposed; standard maintenance"}
	h := intake.Read(in)
	with := h
	with.Intel = handoff.Intel{CVEs: []handoff.CVEIntel{listed("CVE-2026-1234"), scored("CVE-2026-1235", 0.9)}}
	p := handoff.DefaultPolicy()
	for _, bc := range []struct {
		name string
		h    handoff.Handoff
	}{{"without", h}, {"with", with}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = handoff.Evaluate(bc.h, p, evalNow, time.UTC)
			}
		})
	}
}
