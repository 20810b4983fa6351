package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

func TestReadMappedFieldsWin(t *testing.T) {
	t.Parallel()
	in := handoff.Input{
		Description: "Fixed version: 2.4.0\nRollback plan: restore snapshot\nAction lane: monitor\nOwner: team-desc",
		Fields: map[handoff.FieldID]handoff.FieldValue{
			handoff.FieldFixedVersion:     {Text: "2.4.1"},
			handoff.FieldLane:             {Text: "Patch now"},
			handoff.FieldRollback:         {Text: "[rollback]"}, // a placeholder does not beat a real value
			handoff.FieldAffectedVersions: {Items: []string{"2.3.0", "2.3.9"}},
			handoff.FieldOwner:            {Users: []handoff.User{{AccountID: "abc", DisplayName: "Ann Lee"}}},
		},
	}
	h := Read(in)
	tests := []struct {
		name string
		got  handoff.Value
		text string
		from handoff.Source
	}{
		{"mapped text wins", h.Fix.FixedVersion, "2.4.1", handoff.SourceField},
		{"description kept when the mapped value is a placeholder", h.Change.Rollback, "restore snapshot", handoff.SourceDescription},
		{"list joined", h.Scope.AffectedVersions, "2.3.0, 2.3.9", handoff.SourceField},
		{"user named", h.Scope.Owner.Value, "Ann Lee", handoff.SourceField},
		{"lane text", h.LaneText, "Patch now", handoff.SourceField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got.Text != tc.text || tc.got.From != tc.from {
				t.Errorf("got %q from %v, want %q from %v", tc.got.Text, tc.got.From, tc.text, tc.from)
			}
		})
	}
	if h.Lane != handoff.LanePatchNow {
		t.Errorf("lane = %s", h.Lane)
	}
	if h.Scope.Owner.User.AccountID != "abc" {
		t.Errorf("owner user = %+v", h.Scope.Owner.User)
	}
	if got := h.Scope.AffectedVersions.Items; len(got) != 2 {
		t.Errorf("items = %v", got)
	}
}

func TestReadBlockedState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   handoff.Input
		want bool
	}{
		{"blocker field", handoff.Input{Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldBlocker: {Text: "CAB freeze"}}}, true},
		{"blocker line in the description", handoff.Input{Description: "Blocker: vendor has no fix"}, true},
		{"blocker none", handoff.Input{Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldBlocker: {Text: "None"}}}, false},
		{"blocker placeholder", handoff.Input{Description: "Blocker: [blocker]"}, false},
		{"label", handoff.Input{Ticket: handoff.Ticket{Labels: []string{"sec", "Blocked"}}}, true},
		{"status", handoff.Input{Ticket: handoff.Ticket{Status: "Blocked"}}, true},
		{"status unblocked", handoff.Input{Ticket: handoff.Ticket{Status: "Unblocked"}}, false},
		{"lane text says blocked", handoff.Input{Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldLane: {Text: "blocked"}}}, true},
		{"if-blocked plan is not a blocker", handoff.Input{Description: "If blocked: WAF rule; review 2026-12-01"}, false},
		{"nothing", handoff.Input{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Read(tc.in).Blocked; got != tc.want {
				t.Errorf("Blocked = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		text     string
		at       time.Time
		dateOnly bool
		err      string
	}{
		{"jira date", "2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true, ""},
		{"jira datetime", "2026-12-01T10:00:00.000+0100", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), false, ""},
		{"date inside prose", "2026-12-01 (after the change freeze)", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true, ""},
		{"not a date", "after the freeze", time.Time{}, false, `"after the freeze" is not a date`},
		{"impossible date", "2026-02-30", time.Time{}, false, `"2026-02-30"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Read(handoff.Input{Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldReviewDate: {Text: tc.text}}})
			d := h.Fallback.ReviewDate
			if tc.err != "" {
				if !strings.Contains(d.Err, tc.err) || d.Valid() || d.Text != tc.text {
					t.Errorf("date = %+v, want error containing %q", d, tc.err)
				}
				return
			}
			if d.Err != "" || !d.At.Equal(tc.at) || d.DateOnly != tc.dateOnly || !d.Valid() {
				t.Errorf("date = %+v, want %v dateOnly=%v", d, tc.at, tc.dateOnly)
			}
		})
	}
}

func TestReadAdvisoryAndOwnerFallbacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       handoff.Input
		advisory string
		owner    string
	}{
		{"advisory from the summary", handoff.Input{Ticket: handoff.Ticket{Summary: "Patch cve-2026-31337 on edge"}}, "CVE-2026-31337", ""},
		{"advisory from the title beats the summary", handoff.Input{Ticket: handoff.Ticket{Summary: "CVE-2026-1"}, Description: "Patch plan - GHSA-aaaa-bbbb-cccc"}, "GHSA-aaaa-bbbb-cccc", ""},
		{"unfilled advisory falls back to the summary", handoff.Input{Ticket: handoff.Ticket{Summary: "CVE-2026-40000"}, Description: handofftest.SeedPatchPlan}, "CVE-2026-40000", ""},
		{"owner from the assignee", handoff.Input{Ticket: handoff.Ticket{Assignee: handoff.User{Name: "jdoe"}}}, "", "jdoe"},
		{"owner text beats the assignee", handoff.Input{Ticket: handoff.Ticket{Assignee: handoff.User{Name: "jdoe"}}, Description: "Owner: team-net"}, "", "team-net"},
		{"assignee replaces an unfilled owner", handoff.Input{Ticket: handoff.Ticket{Assignee: handoff.User{DisplayName: "Jo"}}, Description: "Current owner and due date: [team/person, date]"}, "", "Jo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Read(tc.in)
			if h.Scope.Advisory.Text != tc.advisory && tc.advisory != "" {
				t.Errorf("advisory = %q, want %q", h.Scope.Advisory.Text, tc.advisory)
			}
			if h.Scope.Owner.Text != tc.owner && tc.owner != "" {
				t.Errorf("owner = %q, want %q", h.Scope.Owner.Text, tc.owner)
			}
		})
	}
}

func TestReadLinksTextOwnerToTicketUser(t *testing.T) {
	t.Parallel()
	ana := handoff.User{AccountID: "acc-ana", DisplayName: "Ana Ortiz", Email: "ana@example.com"}
	sam := handoff.User{AccountID: "acc-sam", DisplayName: "Sam Reyes"}
	for _, tc := range []struct {
		name  string
		owner string
		want  handoff.User
	}{
		{"display name of the assignee", "Ana Ortiz", ana},
		{"case and spaces do not matter", "  ana ortiz ", ana},
		{"email of the assignee", "ana@example.com", ana},
		{"the reporter", "Sam Reyes", sam},
		{"a team stays text", "Web Platform team", handoff.User{}},
		{"a partial name stays text", "Ana", handoff.User{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Read(handoff.Input{
				Ticket:      handoff.Ticket{Key: "OPS-1", Assignee: ana, Reporter: sam},
				Description: "Rollback plan: snapshot\nOwner: " + tc.owner,
			})
			if h.Scope.Owner.User != tc.want {
				t.Fatalf("owner %q linked to %+v, want %+v", tc.owner, h.Scope.Owner.User, tc.want)
			}
			if h.Scope.Owner.Text == "" {
				t.Fatal("the owner's text was lost")
			}
		})
	}
}
