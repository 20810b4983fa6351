package config

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	from := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) // a Monday
	for _, tc := range []struct {
		name, spec string
		wantErr    string
		wantLoc    *time.Location
		wantNext   time.Time
	}{
		{"every five minutes", "*/5 * * * *", "", berlin, time.Date(2026, 3, 2, 12, 5, 0, 0, time.UTC)},
		{"weekdays at nine in the default zone", "0 9 * * 1-5", "", berlin, time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)},
		{"CRON_TZ prefix", "CRON_TZ=America/New_York 0 9 * * 1-5", "", ny, time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)},
		{"TZ prefix with a tab", "TZ=America/New_York\t0 9 * * 1-5", "", ny, time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)},
		{"descriptor", "@hourly", "", berlin, time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)},
		{"every", "@every 90s", "", berlin, time.Date(2026, 3, 2, 12, 1, 30, 0, time.UTC)},
		{"bare CRON_TZ", "CRON_TZ=Europe/Berlin", "needs a schedule", nil, time.Time{}},
		{"bare TZ with trailing space", "TZ=UTC ", "needs a schedule", nil, time.Time{}},
		{"two prefixes", "CRON_TZ=UTC TZ=UTC 0 9 * * *", "only one time zone prefix", nil, time.Time{}},
		{"empty", "  ", "empty schedule", nil, time.Time{}},
		{"seconds field", "0 0 9 * * *", "bad cron spec", nil, time.Time{}},
		{"zero step", "*/0 * * * *", "bad cron spec", nil, time.Time{}},
		{"never", "0 0 31 4 *", "never fires", nil, time.Time{}},
		{"path in zone", "CRON_TZ=../../etc/passwd 0 9 * * *", "unknown time zone", nil, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sched, loc, err := parseSpec(tc.spec, berlin)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.String() != tc.wantLoc.String() {
				t.Errorf("location = %v, want %v", loc, tc.wantLoc)
			}
			if next := nextIn(sched, loc, from); !next.Equal(tc.wantNext) {
				t.Errorf("next = %v, want %v", next.UTC(), tc.wantNext)
			}
		})
	}
}

func TestSchedulesParseReportsEveryJob(t *testing.T) {
	t.Parallel()
	s := Default().Schedules
	s.Nag, s.Digest = "CRON_TZ=UTC", "61 * * * *"
	_, err := s.Parse()
	if err == nil || !strings.Contains(err.Error(), "schedules.nag") || !strings.Contains(err.Error(), "schedules.digest") {
		t.Errorf("err = %v", err)
	}
	crons, err := Default().Schedules.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(crons.All()) != 4 || crons.Location != time.UTC || crons.Digest.Job != JobDigest {
		t.Errorf("crons = %+v", crons)
	}
}

// nextIn is sched's next run after t on loc's wall clock, as the daemon
// evaluates it.
func nextIn(sched cron.Schedule, loc *time.Location, t time.Time) time.Time {
	if ss, ok := sched.(*cron.SpecSchedule); ok {
		zoned := *ss
		zoned.Location = loc
		return zoned.Next(t)
	}
	return sched.Next(t)
}

func TestParseSpecRejectsWithoutPanic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ spec, want string }{
		{"CRON_TZ=Europe/Berlin", "needs a schedule after the zone"},
		{"CRON_TZ=Mars/Olympus 0 9 * * *", `unknown time zone "Mars/Olympus"`},
		{"0 9 * *", "expected exactly 5 fields"},
		{"61 9 * * *", "above maximum"},
		{"TZ=", "needs a schedule"},
		{"CRON_TZ= 0 9 * * *", "names no time zone"},
		{"0 0 30 2 *", "never fires"},
		{"", "empty schedule"},
	} {
		_, _, err := parseSpec(tc.spec, time.UTC)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseSpec(%q) = %v, want an error saying %q", tc.spec, err, tc.want)
		}
	}
}
