package handoff

import "testing"

func TestParseLane(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Lane
		ok   bool
	}{
		{"patch now", LanePatchNow, true},
		{"Patch Now", LanePatchNow, true},
		{"PATCH_NOW", LanePatchNow, true},
		{"patch-now", LanePatchNow, true},
		{"urgent patching", LanePatchNow, true},
		{"Urgent patch now", LanePatchNow, true},
		{"patch now - KEV listed", LanePatchNow, true},
		{"  *Patch now.*  ", LanePatchNow, true},
		{"patch in window", LanePlannedWindow, true},
		{"planned window", LanePlannedWindow, true},
		{"planned_window", LanePlannedWindow, true},
		{"next patch window", LanePlannedWindow, true},
		{"Planned patching (not exploited)", LanePlannedWindow, true},
		{"mitigation-first", LaneMitigateFirst, true},
		{"mitigate first", LaneMitigateFirst, true},
		{"Mitigate_First", LaneMitigateFirst, true},
		{"mitigate", LaneMitigateFirst, true},
		{"mitigate first with SOC monitoring", LaneMitigateFirst, true},
		{"monitor", LaneMonitor, true},
		{"Monitoring", LaneMonitor, true},
		{"exception", LaneException, true},
		{"exception review", LaneException, true},
		{"no-patch review", LaneException, true},
		{"Exception or no-patch review", LaneException, true},
		{"needs review", LaneNeedsReview, true},
		{"needs_review", LaneNeedsReview, true},
		{"validate affected status", LaneNeedsReview, true},
		{"Action lane: patch now", LanePatchNow, true},
		{"we will do it in the next patch window", LanePlannedWindow, true},
		{"", LaneUnknown, false},
		{"asap", LaneUnknown, false},
		{"blocked", LaneUnknown, false},
		{"patch now / planned window / mitigate first / monitor / exception / needs review", LaneUnknown, false},
		{"patch now or planned window", LaneUnknown, false},
		{"Ölwechsel", LaneUnknown, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseLane(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseLane(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestIsBlockedText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"Blocked", true},
		{"blocked - waiting for vendor", true},
		{"BLOCKED", true},
		{"status:blocked", true},
		{"Unblocked", false},
		{"not blocked", false},
		{"In Progress", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := IsBlockedText(tc.in); got != tc.want {
				t.Errorf("IsBlockedText(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
