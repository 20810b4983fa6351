package handoff_test

import (
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no tzdata for %s: %v", name, err)
	}
	return loc
}

func TestDueItemsBoundaries(t *testing.T) {
	t.Parallel()
	type tc struct {
		name   string
		lane   handoff.Lane
		fields map[handoff.FieldID]string
		setup  func(*handoff.Input)
		loc    string
		now    string // wall clock in loc, "2006-01-02 15:04"
		kind   handoff.DueKind
		field  handoff.FieldID
		days   int
		on     string
		none   bool
	}
	review := func(d string) map[handoff.FieldID]string {
		return map[handoff.FieldID]string{handoff.FieldReviewDate: d}
	}
	tests := []tc{
		// Review date passed, monitor lane.
		{name: "review: 4 days before is quiet", lane: handoff.LaneMonitor, fields: review("2026-11-20"), loc: "UTC", now: "2026-11-16 12:00", none: true},
		{name: "review: heads-up 3 days before", lane: handoff.LaneMonitor, fields: review("2026-11-20"), loc: "UTC", now: "2026-11-17 00:00", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 3, on: "2026-11-20"},
		{name: "review: day before", lane: handoff.LaneMonitor, fields: review("2026-11-20"), loc: "UTC", now: "2026-11-19 23:59", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 1, on: "2026-11-20"},
		{name: "review: day of is not overdue", lane: handoff.LaneMonitor, fields: review("2026-11-20"), loc: "UTC", now: "2026-11-20 23:59", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 0, on: "2026-11-20"},
		{name: "review: day after is 1 day overdue", lane: handoff.LaneMonitor, fields: review("2026-11-20"), loc: "UTC", now: "2026-11-21 00:00", kind: handoff.DueReviewPassed, field: handoff.FieldReviewDate, days: 1, on: "2026-11-20"},
		// Across DST changes: calendar days in loc, never 23- or 25-hour arithmetic.
		{name: "berlin spring forward: day of", lane: handoff.LaneMonitor, fields: review("2026-03-29"), loc: "Europe/Berlin", now: "2026-03-29 23:30", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 0, on: "2026-03-29"},
		{name: "berlin spring forward: day after", lane: handoff.LaneMonitor, fields: review("2026-03-29"), loc: "Europe/Berlin", now: "2026-03-30 00:30", kind: handoff.DueReviewPassed, field: handoff.FieldReviewDate, days: 1, on: "2026-03-29"},
		{name: "berlin spring forward: day before", lane: handoff.LaneMonitor, fields: review("2026-03-30"), loc: "Europe/Berlin", now: "2026-03-29 00:30", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 1, on: "2026-03-30"},
		{name: "berlin fall back: day after", lane: handoff.LaneMonitor, fields: review("2026-10-25"), loc: "Europe/Berlin", now: "2026-10-26 00:10", kind: handoff.DueReviewPassed, field: handoff.FieldReviewDate, days: 1, on: "2026-10-25"},
		{name: "berlin fall back: a week over the change", lane: handoff.LaneMonitor, fields: review("2026-10-20"), loc: "Europe/Berlin", now: "2026-10-27 00:10", kind: handoff.DueReviewPassed, field: handoff.FieldReviewDate, days: 7, on: "2026-10-20"},
		{name: "new york fall back: late evening is still the day of", lane: handoff.LaneMonitor, fields: review("2026-11-01"), loc: "America/New_York", now: "2026-11-01 23:30", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 0, on: "2026-11-01"},
		{name: "new york fall back: day after", lane: handoff.LaneMonitor, fields: review("2026-11-01"), loc: "America/New_York", now: "2026-11-02 00:30", kind: handoff.DueReviewPassed, field: handoff.FieldReviewDate, days: 1, on: "2026-11-01"},
		{name: "new york spring forward: across the change", lane: handoff.LaneMonitor, fields: review("2026-03-07"), loc: "America/New_York", now: "2026-03-09 00:05", kind: handoff.DueReviewPassed, field: handoff.FieldReviewDate, days: 2, on: "2026-03-07"},
		// Datetimes are converted to loc: 02:00 UTC on the 30th is the 29th in New York.
		{name: "datetime deadline in loc: day after", lane: handoff.LanePatchNow, fields: map[handoff.FieldID]string{handoff.FieldDeadline: "2026-11-30T02:00:00.000+0000"}, loc: "America/New_York", now: "2026-11-30 10:00", kind: handoff.DueDeadlinePassed, field: handoff.FieldDeadline, days: 1, on: "2026-11-29"},
		{name: "datetime deadline in loc: day of", lane: handoff.LanePatchNow, fields: map[handoff.FieldID]string{handoff.FieldDeadline: "2026-11-30T02:00:00.000+0000"}, loc: "America/New_York", now: "2026-11-29 23:00", kind: handoff.DueSoon, field: handoff.FieldDeadline, days: 0, on: "2026-11-29"},
		// Deadline.
		{name: "deadline: day before", lane: handoff.LanePatchNow, fields: map[handoff.FieldID]string{handoff.FieldDeadline: "2026-12-01"}, loc: "Europe/Berlin", now: "2026-11-30 12:00", kind: handoff.DueSoon, field: handoff.FieldDeadline, days: 1, on: "2026-12-01"},
		{name: "deadline: day after", lane: handoff.LanePatchNow, fields: map[handoff.FieldID]string{handoff.FieldDeadline: "2026-12-01"}, loc: "Europe/Berlin", now: "2026-12-02 00:01", kind: handoff.DueDeadlinePassed, field: handoff.FieldDeadline, days: 1, on: "2026-12-01"},
		{name: "deadline passed with closure evidence is not a nag", lane: handoff.LanePatchNow, fields: map[handoff.FieldID]string{handoff.FieldDeadline: "2026-12-01", handoff.FieldScanEvidence: "Tenable rescan clean"}, loc: "UTC", now: "2026-12-05 12:00", none: true},
		// Exception expiry.
		{name: "exception: day of", lane: handoff.LaneException, fields: map[handoff.FieldID]string{handoff.FieldExceptionExpiry: "2026-12-31"}, loc: "UTC", now: "2026-12-31 18:00", kind: handoff.DueSoon, field: handoff.FieldExceptionExpiry, days: 0, on: "2026-12-31"},
		{name: "exception: day after", lane: handoff.LaneException, fields: map[handoff.FieldID]string{handoff.FieldExceptionExpiry: "2026-12-31"}, loc: "UTC", now: "2027-01-01 00:00", kind: handoff.DueExceptionExpired, field: handoff.FieldExceptionExpiry, days: 1, on: "2026-12-31"},
		// Blocked or mitigate-first past the review date.
		{name: "mitigate first: day after review", lane: handoff.LaneMitigateFirst, fields: review("2026-11-20"), loc: "UTC", now: "2026-11-21 08:00", kind: handoff.DueBlockedReview, field: handoff.FieldReviewDate, days: 1, on: "2026-11-20"},
		{name: "blocked label: day after review", lane: handoff.LanePatchNow, fields: review("2026-11-20"), setup: func(in *handoff.Input) { in.Ticket.Labels = []string{"Blocked"} }, loc: "UTC", now: "2026-11-21 08:00", kind: handoff.DueBlockedReview, field: handoff.FieldReviewDate, days: 1, on: "2026-11-20"},
		{name: "blocked: day of review", lane: handoff.LanePatchNow, fields: review("2026-11-20"), setup: func(in *handoff.Input) { in.Ticket.Labels = []string{"blocked"} }, loc: "UTC", now: "2026-11-20 08:00", kind: handoff.DueSoon, field: handoff.FieldReviewDate, days: 0, on: "2026-11-20"},
		// Resolved without closure proof.
		{name: "resolved without proof", lane: handoff.LanePatchNow, setup: func(in *handoff.Input) {
			in.Ticket.StatusCategory, in.Ticket.Resolved = handoff.StatusDone, time.Date(2026, 11, 18, 15, 0, 0, 0, time.UTC)
		}, loc: "UTC", now: "2026-11-20 09:00", kind: handoff.DueResolvedWithoutProof, days: 2, on: "2026-11-18"},
		{name: "resolved without proof, the day of resolution", lane: handoff.LanePatchNow, setup: func(in *handoff.Input) {
			in.Ticket.StatusCategory, in.Ticket.Resolved = handoff.StatusDone, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		}, loc: "UTC", now: "2026-11-20 09:00", kind: handoff.DueResolvedWithoutProof, days: 0, on: "2026-11-20"},
		{name: "resolved with proof is quiet", lane: handoff.LanePatchNow, setup: func(in *handoff.Input) {
			done := fullInput(handoff.LanePatchNow)
			in.Fields = done.Fields
			in.Ticket.StatusCategory, in.Ticket.Resolved = handoff.StatusDone, time.Date(2026, 11, 18, 15, 0, 0, 0, time.UTC)
		}, loc: "UTC", now: "2026-11-20 09:00", none: true},
		{name: "a date that does not parse is not due", lane: handoff.LaneMonitor, fields: review("soon"), loc: "UTC", now: "2026-11-20 09:00", none: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tc.loc)
			now, err := time.ParseInLocation("2006-01-02 15:04", tc.now, loc)
			if err != nil {
				t.Fatal(err)
			}
			in := handoff.Input{
				Ticket: handoff.Ticket{Key: "SEC-7", StatusCategory: handoff.StatusIndeterminate, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
				Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldLane: {Text: string(tc.lane)}, handoff.FieldOwner: {Text: "team-x"}},
			}
			for id, v := range tc.fields {
				in.Fields[id] = handoff.FieldValue{Text: v}
			}
			if tc.setup != nil {
				tc.setup(&in)
			}
			p := handoff.DefaultPolicy()
			p.EscalateTo = "U-LEAD"
			items := handoff.DueItems(handoff.Evaluate(intake.Read(in), p, now, loc), p, now, loc)
			if tc.none {
				if len(items) != 0 {
					t.Fatalf("want nothing due, got %+v", items)
				}
				return
			}
			if len(items) != 1 {
				t.Fatalf("want one item, got %d: %+v", len(items), items)
			}
			d := items[0]
			if d.Kind != tc.kind || d.Field != tc.field || d.Days != tc.days || d.On.Format("2006-01-02") != tc.on {
				t.Errorf("got %s %s days=%d on=%s; want %s %s days=%d on=%s", d.Kind, d.Field, d.Days, d.On.Format("2006-01-02"), tc.kind, tc.field, tc.days, tc.on)
			}
			if d.On.Location() != loc || d.Key != "SEC-7" || d.Owner.Text != "team-x" || d.EscalateTo != "U-LEAD" {
				t.Errorf("due item = %+v", d)
			}
			if want := "SEC-7/" + string(tc.kind) + "/" + tc.on; d.Brief().ItemKey() != want {
				t.Errorf("ItemKey = %q, want %q", d.Brief().ItemKey(), want)
			}
		})
	}
}

func TestItemKeyNewReviewDateNewEpisode(t *testing.T) {
	t.Parallel()
	key := func(review string) string {
		in := handoff.Input{
			Ticket: handoff.Ticket{Key: "SEC-9", StatusCategory: handoff.StatusIndeterminate},
			Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldLane: {Text: "monitor"}, handoff.FieldOwner: {Text: "x"}, handoff.FieldReviewDate: {Text: review}},
		}
		now := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
		items := handoff.DueItems(handoff.Evaluate(intake.Read(in), handoff.DefaultPolicy(), now, time.UTC), handoff.DefaultPolicy(), now, time.UTC)
		if len(items) != 1 {
			t.Fatalf("items = %+v", items)
		}
		return items[0].Brief().ItemKey()
	}
	a, b := key("2026-12-01"), key("2026-12-10")
	if a != "SEC-9/review_passed/2026-12-01" || a == b {
		t.Errorf("keys %q and %q", a, b)
	}
}

func TestDueItemsHeadsUpDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headsUp int
		now     time.Time
		want    int
	}{
		{"zero heads-up: only the day of", 0, time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC), 0},
		{"zero heads-up: day of", 0, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), 1},
		{"seven days", 7, time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC), 1},
		{"seven days, eight before", 7, time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := handoff.DefaultPolicy()
			p.HeadsUpDays = tc.headsUp
			in := handoff.Input{
				Ticket: handoff.Ticket{Key: "SEC-3", StatusCategory: handoff.StatusNew},
				Fields: map[handoff.FieldID]handoff.FieldValue{handoff.FieldLane: {Text: "monitor"}, handoff.FieldOwner: {Text: "x"}, handoff.FieldReviewDate: {Text: "2026-11-20"}},
			}
			if got := len(handoff.DueItems(handoff.Evaluate(intake.Read(in), p, tc.now, time.UTC), p, tc.now, time.UTC)); got != tc.want {
				t.Errorf("%d items, want %d", got, tc.want)
			}
		})
	}
}
